/**
 * What a call looked like at a given moment, in a few lines: per peer its ICE/DTLS/connection states, the
 * codecs negotiated, packets received and sent so far, and its recorded errors. Printed when a wait fails or a
 * test times out while a call is open, so a timeout is never bare.
 */
import type { Peer } from '../peers/types.ts'

const last = (xs: ReadonlyArray<{ state: string }>) => xs.at(-1)?.state ?? 'new'

/** One line about a peer from what it knows synchronously (states, inbound packets, errors). */
export function peerStateLine(peer: Peer): string {
  const t = peer.timeline
  const inbound = peer.inbound.length
    ? peer.inbound
        .map((track) => {
          const s = track.rtp.snapshot()
          return `inbound ${track.kind} ${track.codec?.encoding ?? '(no codec yet)'}: ${s.received} packets (lost ${s.lost})`
        })
        .join(', ')
    : 'no inbound track'
  const errors = t.errors.length
    ? `; errors: ${t.errors
        .slice(-5)
        .map((e) => e.message)
        .join(' | ')}`
    : ''
  return `${peer.name} (${peer.kind}): ice=${last(t.ice)} dtls=${last(t.dtls)} connection=${last(t.connection)}; ${inbound}${errors}`
}

/**
 * Like {@link peerStateLine}, with the outbound streams (codec, packets sent) from the peer's stats. `stateLine`:
 * a line taken earlier (at the moment of a timeout, before anything was closed).
 */
export async function describePeer(peer: Peer, stateLine = peerStateLine(peer)): Promise<string> {
  let sent = ''
  try {
    const stats = await Promise.race([peer.stats(), new Promise<undefined>((r) => setTimeout(() => r(undefined), 300).unref())])
    if (stats) {
      sent = stats.outbound.length
        ? `; ${stats.outbound.map((o) => `sending ${o.kind} ${o.codec?.encoding ?? '(no codec negotiated)'}: ${o.packetsSent} packets${o.stalls?.length ? ` (sender stalled ${o.stalls.length}×, worst ${Math.round(Math.max(...o.stalls.map((s) => s.lateMs)))} ms late)` : ''}`).join(', ')}`
        : '; sending nothing'
    }
  } catch {
    // stats of a closed or failing peer: the synchronous part still says enough
  }
  return `${stateLine}${sent}`
}

/** Every peer of a call, one line each, indented for a failure message (states as of now: taken synchronously first). */
export async function describeCall(peers: ReadonlyArray<Peer>): Promise<string> {
  const now = peers.map((p) => peerStateLine(p))
  const lines = await Promise.all(peers.map((p, i) => describePeer(p, now[i])))
  return lines.map((l) => `  ${l}`).join('\n')
}

/** Peers grouped for a message: `call alice → bob`, `peers`. */
export interface PeerGroup {
  label: string
  peers: ReadonlyArray<Peer>
}

/**
 * When `signal` aborts (Vitest's test signal aborts on a timeout), writes what each open peer was doing at that
 * moment: ICE/DTLS/connection states, codecs, packets received and sent, errors. The states are read at once,
 * before any teardown closes the peers, so a timeout is never bare. Resolves once written (for tests).
 */
export function describeOnAbort(
  name: string,
  signal: AbortSignal,
  groups: () => ReadonlyArray<PeerGroup>,
  write: (text: string) => void = (t) => process.stderr.write(t),
): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      const open = groups().filter((g) => g.peers.length)
      if (!open.length) return resolve()
      const reason = signal.reason instanceof Error ? signal.reason.message.split('\n')[0] : 'the test was aborted'
      const now = open.map((g) => g.peers.map((p) => peerStateLine(p)))
      void Promise.all(
        open.map(async (g, i) => `${g.label}:\n${(await Promise.all(g.peers.map((p, j) => describePeer(p, now[i]?.[j])))).map((l) => `  ${l}`).join('\n')}`),
      ).then((parts) => {
        write(`rtcspec: "${name}": ${reason}; open at that moment:\n${parts.join('\n')}\n`)
        resolve()
      })
    }
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
}
