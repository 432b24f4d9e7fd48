/**
 * The `whip` and `whep` Vitest fixtures: WHIP publishing and WHEP playing sessions (werift or Chromium
 * peers) and embedded reference servers, all closed after the test (DELETE sent, peers closed, server
 * stopped), pass or fail.
 *
 * ```ts
 * test('WHIP publish reaches a WHEP viewer', async ({ whip, whep, tone }) => {
 *   const server = await whip.server()
 *   await whip.publish(server.whipUrl(), { audio: tone(440) })
 *   const view = await whep.play(server.whepUrl(), { peer: 'chromium' })
 *   expect(view.peer).toContainTone(440)  // after enough audio arrived
 * })
 * ```
 */
import type { Peer } from '../peers/types.ts'
import { play, type PlayOptions, type WhepSession } from '../whep/client.ts'
import { publish, type PublishOptions, type WhipSession } from '../whip/client.ts'
import { startMediaServer, type MediaServer, type MediaServerOptions } from '../whip/media-server.ts'

/** Which peer a fixture session uses: a peer you made, or one the fixture makes (`werift` default, `chromium`). */
export type FixturePeer = Peer | 'werift' | 'chromium'

/** The `whip` fixture. */
export interface WhipFixture {
  /** Publishes to a WHIP endpoint; closed (DELETE) after the test. */
  publish(url: string, options?: Omit<PublishOptions, 'peer'> & { peer?: FixturePeer }): Promise<WhipSession>
  /** Starts the embedded reference WHIP/WHEP server; stopped after the test. */
  server(options?: MediaServerOptions): Promise<MediaServer>
}

/** The `whep` fixture. */
export interface WhepFixture {
  /** Plays from a WHEP endpoint; closed (DELETE) after the test. */
  play(url: string, options?: Omit<PlayOptions, 'peer'> & { peer?: FixturePeer }): Promise<WhepSession>
}

/** What the fixtures made, closed in reverse order by {@link closeWhipResources}. */
export interface WhipResources {
  sessions: Array<WhipSession | WhepSession>
  peers: Peer[]
  servers: MediaServer[]
}

async function resolvePeer(spec: FixturePeer | undefined, role: 'sendonly' | 'recvonly', made: Peer[]): Promise<Peer | undefined> {
  if (spec === undefined || spec === 'werift') return undefined // publish()/play() create and own a werift peer
  if (spec === 'chromium') {
    const { createChromiumPeer } = await import('../peers/chromium/peer.ts')
    const p = await createChromiumPeer({ name: `chromium-${role === 'sendonly' ? 'whip' : 'whep'}`, audio: role, codecs: ['PCMU', 'opus'] })
    made.push(p)
    return p
  }
  return spec
}

/** Builds the two fixtures over one resource list. */
export function whipFixtures(res: WhipResources): { whip: WhipFixture; whep: WhepFixture } {
  return {
    whip: {
      async publish(url, options = {}) {
        const { peer, ...rest } = options
        const p = await resolvePeer(peer, 'sendonly', res.peers)
        const s = await publish(url, { ...rest, ...(p ? { peer: p } : {}) })
        res.sessions.push(s)
        return s
      },
      async server(options = {}) {
        const s = await startMediaServer(options)
        res.servers.push(s)
        return s
      },
    },
    whep: {
      async play(url, options = {}) {
        const { peer, ...rest } = options
        const p = await resolvePeer(peer, 'recvonly', res.peers)
        const s = await play(url, { ...rest, ...(p ? { peer: p } : {}) })
        res.sessions.push(s)
        return s
      },
    },
  }
}

/** Closes sessions (DELETE), then peers, then servers; never throws. */
export async function closeWhipResources(res: WhipResources): Promise<void> {
  await Promise.allSettled(res.sessions.splice(0).reverse().map((s) => s.close()))
  await Promise.allSettled(res.peers.splice(0).map((p) => p.close()))
  await Promise.allSettled(res.servers.splice(0).map((s) => s.close()))
}
