/**
 * The `whip` and `whep` Vitest fixtures: WHIP publishing and WHEP playing sessions (werift or Chromium
 * peers) and embedded reference servers, all closed after the test (DELETE sent, peers closed, server
 * stopped), pass or fail. Every session — also one whose POST failed — writes a `kind: 'whip'`/`'whep'` call
 * record at teardown with the test's name and result (docs/call-records.md); `callRecord: false` opts out.
 *
 * ```ts
 * test('WHIP publish reaches a WHEP viewer', async ({ whip, whep, tone }) => {
 *   const server = await whip.server()
 *   await whip.publish(server.whipUrl(), { audio: tone(440), video: await encodeVideoPattern({ … }) })
 *   const view = await whep.play(server.whepUrl(), { peer: 'chromium', video: true })
 *   expect(view.peer).toContainTone(440)  // after enough audio arrived
 *   await expect(view).toReceiveVideo({ frames: 30, within: '3s' })
 * })
 * ```
 */
import type { Peer } from '../peers/types.ts'
import { play, type PlayOptions, type WhepSession } from '../whep/client.ts'
import { publish, type PublishOptions, type WhipSession } from '../whip/client.ts'
import { SessionRecorder, type SessionRecordTest } from '../whip/session-record.ts'
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
  /** One per session started through the fixtures (records written by {@link closeWhipResources}). */
  recorders?: SessionRecorder[]
}

/** The fixture's recorder for a session, unless the test opted out with `callRecord: false`. */
function fixtureRecorder(res: WhipResources, protocol: 'whip' | 'whep', callRecord: unknown): { recorder?: SessionRecorder } {
  if (callRecord === false) return {}
  const recorder = new SessionRecorder(protocol)
  ;(res.recorders ??= []).push(recorder)
  return { recorder }
}

/**
 * The peer of a fixture session. A Chromium viewer asked for `video` gets a recvonly video section (with the codecs
 * given); a Chromium publisher's video section comes from its `sendVideo`.
 */
async function resolvePeer(
  spec: FixturePeer | undefined,
  role: 'sendonly' | 'recvonly',
  made: Peer[],
  video?: PlayOptions['video'],
): Promise<Peer | undefined> {
  if (spec === undefined || spec === 'werift') return undefined // publish()/play() create and own a werift peer
  if (spec === 'chromium') {
    const { createChromiumPeer } = await import('../peers/chromium/peer.ts')
    const viewVideo = role === 'recvonly' && video !== undefined && video !== false
    const p = await createChromiumPeer({
      name: `chromium-${role === 'sendonly' ? 'whip' : 'whep'}`,
      audio: role,
      codecs: ['PCMU', 'opus'],
      ...(viewVideo ? { video: 'recvonly' as const, ...(typeof video === 'object' && video.codecs ? { videoCodecs: video.codecs } : {}) } : {}),
    })
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
        const { peer, callRecord, ...rest } = options
        const p = await resolvePeer(peer, 'sendonly', res.peers)
        const s = await publish(url, { ...rest, ...(p ? { peer: p } : {}), ...fixtureRecorder(res, 'whip', callRecord) })
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
        const { peer, callRecord, ...rest } = options
        const p = await resolvePeer(peer, 'recvonly', res.peers, rest.video)
        const s = await play(url, { ...rest, ...(p ? { peer: p } : {}), ...fixtureRecorder(res, 'whep', callRecord) })
        res.sessions.push(s)
        return s
      },
    },
  }
}

/**
 * Closes sessions (DELETE; each captures its call record), writes the call records with `test`, then closes
 * peers, then servers; never throws.
 */
export async function closeWhipResources(res: WhipResources, test?: SessionRecordTest): Promise<void> {
  await Promise.allSettled(
    res.sessions
      .splice(0)
      .reverse()
      .map((s) => s.close()),
  )
  await Promise.allSettled((res.recorders ?? []).splice(0).map((r) => r.write(test ? { test } : {})))
  await Promise.allSettled(res.peers.splice(0).map((p) => p.close()))
  await Promise.allSettled(res.servers.splice(0).map((s) => s.close()))
}
