/** Routes a back-to-back call's candidates through rtcspec's UDP impairment relay. */
import { parseCandidate } from '../ice/candidate.ts'
import { rewriteCandidate } from '../net/candidate.ts'
import type { UdpRelay } from '../net/relay.ts'
import type { TransportAddress } from '../net/loopback.ts'

/** Rewrites candidates so that traffic crosses something in the middle (an impairment relay). */
export interface CandidatePath {
  /**
   * Called for each candidate `from` side produces before it reaches the other side.
   * Returns the candidate line to hand over instead (same `candidate:` syntax).
   */
  mapCandidate(from: 'a' | 'b', candidate: string): Promise<string | null>
}

/**
 * A `CandidatePath` that registers each candidate's real address with `relay` (side a = offerer,
 * side b = answerer) and hands the other side the relay's proxy address instead, so every packet
 * between the two peers crosses the relay. TCP candidates cannot cross the UDP relay and are left
 * out of the exchange (mapCandidate returns null).
 */
export function relayPath(relay: UdpRelay): CandidatePath {
  const proxies = new Map<string, Promise<TransportAddress>>()
  return {
    async mapCandidate(from, candidate) {
      const c = parseCandidate(candidate)
      // The relay is UDP-only: TCP candidates cannot cross it and are left out of the exchange.
      if (c.transport.toLowerCase() !== 'udp') return null
      const key = `${from}|${c.address}|${c.port}`
      let proxy = proxies.get(key)
      if (!proxy) {
        proxy = relay.addPeerAddress(from, { address: c.address, port: c.port })
        proxies.set(key, proxy)
      }
      return rewriteCandidate(candidate, await proxy)
    },
  }
}
