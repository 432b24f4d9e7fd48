/**
 * Which implementation each side of a back-to-back call is: werift (default) or a headless Chromium page
 * (`{ kind: 'chromium' }`). The Chromium module (and puppeteer-core) loads only when a call asks for it.
 */
import { createWeriftPeer, type WeriftPeerOptions } from '../peers/werift/peer.ts'
import type { ChromiumPeerOptions } from '../peers/chromium/peer.ts'
import type { Peer } from '../peers/types.ts'

/** Options of a werift side (the default; `kind` may be omitted). */
export type WeriftSideOptions = WeriftPeerOptions & { kind?: 'werift' }

/** Options of a Chromium side: `{ kind: 'chromium', ...ChromiumPeerOptions }`. */
export type ChromiumSideOptions = ChromiumPeerOptions & {
  kind: 'chromium'
  /** werift-only options do not apply to a browser. */
  config?: undefined
  debug?: undefined
}

/** One side of a back-to-back call. */
export type B2BSideOptions = WeriftSideOptions | ChromiumSideOptions

/** Creates one peer of the kind the options name. */
export async function createSidePeer(options: B2BSideOptions): Promise<Peer> {
  if (options.kind === 'chromium') {
    const { kind: _kind, config: _config, debug: _debug, ...rest } = options
    const { createChromiumPeer } = await import('../peers/chromium/peer.ts')
    return createChromiumPeer(rest)
  }
  const { kind: _kind, ...rest } = options
  return createWeriftPeer(rest)
}

/** Creates both sides; if the second fails, the first is closed before the error propagates. */
export async function createSidePeers(a: B2BSideOptions, b: B2BSideOptions): Promise<[Peer, Peer]> {
  const pa = await createSidePeer(a)
  try {
    return [pa, await createSidePeer(b)]
  } catch (e) {
    await pa.close()
    throw e
  }
}
