/** Builds the target a corpus file names, against rtcspec's embedded servers (or the fragile one). */
import type { FuzzTarget } from '../../src/fuzz/target.ts'
import { httpOfferTarget } from '../../src/fuzz/targets/http-offer.ts'
import { parserTarget } from '../../src/fuzz/targets/parsers.ts'
import { sipTarget } from '../../src/fuzz/targets/sip.ts'
import { trickleTarget } from '../../src/fuzz/targets/trickle.ts'
import { startFragileServer } from '../../src/fuzz/targets/fragile-server.ts'
import { startMediaServer } from '../../src/whip/media-server.ts'
import { startSipRegistrar } from '../../src/sipua/registrar.ts'

/** A target and what must be closed after it. */
export interface CorpusTarget {
  target: FuzzTarget<unknown>
  close(): Promise<void>
}

/** `fragile` = the fragile server (its cases are expected to violate); the others are the reference servers. */
export async function corpusTarget(name: string): Promise<CorpusTarget> {
  if (name === 'parsers') return { target: parserTarget() as FuzzTarget<unknown>, close: async () => {} }
  if (name === 'fragile') {
    const s = await startFragileServer()
    return { target: httpOfferTarget({ mode: 'sdp', url: s.url }) as FuzzTarget<unknown>, close: () => s.close() }
  }
  if (name === 'sip') {
    const reg = await startSipRegistrar({ transports: ['udp'] })
    // A replay must give the saved outcome whatever the machine's load: a campaign listens only 20 ms for an answer
    // to a malformed message (silence is permitted there), and a busy process can answer later than that.
    const target = sipTarget({ url: `udp://127.0.0.1:${reg.udp.port}`, graceMs: 1_000 }) as FuzzTarget<unknown>
    return { target, close: async () => (await target.close?.(), await reg.close()) }
  }
  const server = await startMediaServer()
  const target = (
    name === 'trickle'
      ? trickleTarget({ url: server.whepUrl(), mode: 'whep', publishUrl: server.whipUrl() })
      : httpOfferTarget({ mode: name === 'whep' ? 'whep' : 'whip', url: name === 'whep' ? server.whepUrl() : server.whipUrl() })
  ) as FuzzTarget<unknown>
  return { target, close: async () => (await target.close?.(), await server.close()) }
}
