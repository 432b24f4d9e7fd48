/**
 * The reference server asks a publisher for a keyframe when a WHEP viewer joins (RTCP PLI on the publisher's
 * video SSRC), as SFUs do, so the viewer's first decodable frame arrives about one frame interval and a round
 * trip after its connection is up, not at the publisher's next periodic keyframe; it forwards viewers' PLI and
 * FIR upstream (as a PLI), rate-limited. The `no-keyframe-on-join` personality (a plain relay) leaves a late viewer without a
 * keyframe until the periodic one: the negative case of "the player shows video within 3 s".
 *
 * The publisher here sends a synthetic VP8 stream whose ground truth is exact: a key frame at index 0, every
 * `KEY_INTERVAL` frames, and for every PLI it receives; every other frame is an inter frame. Frames are tiny
 * (one packet), which is all the server's forwarding and keyframe logic look at.
 */
import { describe, expect, test } from 'vitest'
import { RtpHeader, RtpPacket } from 'werift'
import type { InboundTrack } from '../../src/peers/types.ts'
import { createWeriftPeer, type WeriftPeer } from '../../src/peers/werift/peer.ts'
import { waitFor } from '../../src/wait.ts'
import { play } from '../../src/whep/client.ts'
import { publish } from '../../src/whip/client.ts'
import { startMediaServer, type MediaServerOptions } from '../../src/whip/media-server.ts'
import { VIEWER_KEYFRAME_REQUEST_INTERVAL_MS } from '../../src/whip/server-session.ts'

const FPS = 30
/** A periodic key frame every 4 s: a viewer joining 1 s after one waits about 3 s for the next without help. */
const KEY_INTERVAL = 4 * FPS

/** A one-packet VP8 frame (RFC 7741 descriptor with S=1, PID 0; a key frame's header carries 64×48). */
function vp8Frame(key: boolean): Buffer {
  // payload descriptor | frame tag (P bit 0 = key frame, show_frame) | start code and size (key frames only) | filler
  const tag = key ? [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 64, 0, 48, 0] : [0x11, 0x02, 0x00]
  return Buffer.from([0x10, ...tag, ...new Array<number>(40).fill(0x55)])
}

/** Whether a received packet starts a VP8 key frame (S bit, PID 0, one-byte descriptor, P bit clear). */
function startsKeyFrame(payload: Uint8Array): boolean {
  return payload.length > 1 && (payload[0] ?? 0) === 0x10 && ((payload[1] ?? 1) & 0x01) === 0
}

/** A synthetic VP8 publisher on a werift peer: key frames at 0, every KEY_INTERVAL, and on each PLI. */
function syntheticVideo(peer: WeriftPeer) {
  const transceiver = peer.pc.getTransceivers().find((t) => t.kind === 'video')
  if (!transceiver) throw new Error('the publisher has no video transceiver')
  const sender = transceiver.sender
  const state = { frames: 0, keyFrames: 0, plis: 0, lastKeyAtMs: 0 }
  let keyRequested = false
  sender.onPictureLossIndication.subscribe(() => {
    state.plis++
    keyRequested = true
  })
  let seq = 1000
  const timer = setInterval(() => {
    if (state.frames > 60 * FPS) return clearInterval(timer) // bounded: a test never runs a minute
    const key = state.frames % KEY_INTERVAL === 0 || keyRequested
    keyRequested = false
    if (key) {
      state.keyFrames++
      state.lastKeyAtMs = performance.now()
    }
    const header = new RtpHeader({ payloadType: 96, marker: true, sequenceNumber: seq++ & 0xffff, timestamp: (state.frames * (90_000 / FPS)) >>> 0 })
    sender.sendRtp(new RtpPacket(header, vp8Frame(key))).catch(() => undefined)
    state.frames++
  }, 1000 / FPS)
  return { state, stop: () => clearInterval(timer) }
}

/** Publishes the synthetic stream and lets it run past its first key frame; returns what to close. */
async function startPublisher(whipUrl: string) {
  const peer = createWeriftPeer({ name: 'video-pub', audio: false, video: 'sendonly', videoCodecs: ['VP8'] })
  const session = await publish(whipUrl, { peer })
  await peer.waitForConnected(8_000)
  const video = syntheticVideo(peer)
  return {
    peer,
    video,
    async close() {
      video.stop()
      await session.close().catch(() => undefined)
      await peer.close()
    },
  }
}

/** Plays the stream; returns the viewer, its track and when the POST was sent (performance clock). */
async function startViewer(whepUrl: string) {
  const peer = createWeriftPeer({ name: 'video-view', audio: false, video: 'recvonly', videoCodecs: ['VP8'] })
  const postedAtMs = performance.now()
  const session = await play(whepUrl, { peer })
  const track = await peer.waitForTrack('video', 8_000)
  return {
    peer,
    track,
    postedAtMs,
    async close() {
      await session.close().catch(() => undefined)
      await peer.close()
    },
  }
}

/** Arrival time of the first key frame packet on the track, or undefined. */
function firstKeyFrameAt(track: InboundTrack): number | undefined {
  return track.packets().find((p) => startsKeyFrame(p.payload))?.arrivalMs
}

/** Waits one viewer key frame request interval: a PLI sent before now no longer holds back the next one. */
async function waitOutRateLimit(): Promise<void> {
  const ends = performance.now() + VIEWER_KEYFRAME_REQUEST_INTERVAL_MS
  await waitFor(() => performance.now() >= ends, { timeoutMs: 2_000, intervalMs: 20, label: 'the rate limit interval to pass' })
}

async function withServer(options: MediaServerOptions, body: (srv: Awaited<ReturnType<typeof startMediaServer>>) => Promise<void>) {
  await using srv = await startMediaServer(options)
  await body(srv)
}

describe('keyframe on join: the reference server asks the publisher for a keyframe for each new WHEP viewer', () => {
  test('a late viewer gets a key frame within a second of its POST, not at the next periodic one; the PLI is counted and reported', async () => {
    await withServer({}, async (srv) => {
      const pub = await startPublisher(srv.whipUrl())
      let view: Awaited<ReturnType<typeof startViewer>> | undefined
      try {
        // Join 1 s after the first periodic key frame: the next one is 3 s away.
        await waitFor(() => pub.video.state.frames >= FPS, { timeoutMs: 5_000, intervalMs: 10, label: 'the publisher sent 1 s of frames' })
        view = await startViewer(srv.whepUrl())
        const track = view.track
        await waitFor(() => firstKeyFrameAt(track) !== undefined, { timeoutMs: 5_000, intervalMs: 10, label: 'a key frame at the viewer' })
        const keyAfterPostMs = (firstKeyFrameAt(track) ?? 0) - view.postedAtMs
        console.log(`first key frame at the viewer ${keyAfterPostMs.toFixed(0)} ms after its POST`)
        // Not the periodic one (≥ 2.9 s away): the one the server asked for.
        expect(keyAfterPostMs).toBeLessThan(2_000)
        const publisher = [...srv.sessions.values()].find((s) => s.role === 'whip')
        expect(publisher?.keyframeRequests.sent['viewer-joined']).toBe(1)
        // Every PLI the publisher got is one the server counts as sent: the join's, plus the viewer's own PLI when it
        // saw inter frames before that key frame (forwarded, as a viewer's PLI is; likely on a loaded machine).
        const sent = publisher?.keyframeRequests.sent
        const viewerAsked = (sent?.['viewer-pli'] ?? 0) + (sent?.['viewer-fir'] ?? 0)
        expect(viewerAsked).toBeLessThanOrEqual(1)
        await waitFor(() => pub.video.state.plis === 1 + viewerAsked, { timeoutMs: 2_000, intervalMs: 10, label: 'the PLIs the server sent' })
        const viewer = [...srv.sessions.values()].find((s) => s.role === 'whep')
        const requested = srv.events.filter((e) => e.type === 'keyframe-requested')
        expect(requested).toHaveLength(1 + viewerAsked)
        expect(requested[0]?.path).toBe(`/session/${viewer?.id}`)
        expect(requested[0]?.message).toMatch(/PLI sent to the publisher of "live" \(video SSRC \d+\): the viewer's connection came up/)
      } finally {
        await view?.close()
        await pub.close()
      }
    })
  })

  test("a viewer's PLIs are forwarded to the publisher, at most one per interval", async () => {
    await withServer({}, async (srv) => {
      const pub = await startPublisher(srv.whipUrl())
      let view: Awaited<ReturnType<typeof startViewer>> | undefined
      try {
        view = await startViewer(srv.whepUrl())
        const track = view.track
        await waitFor(() => pub.video.state.plis >= 1 && firstKeyFrameAt(track) !== undefined, {
          timeoutMs: 5_000,
          intervalMs: 10,
          label: 'the join PLI answered and its key frame at the viewer',
        })
        const receiver = view.peer.pc.getTransceivers().find((t) => t.kind === 'video')?.receiver
        const ssrc = track.packets()[0]?.ssrc
        if (!receiver || ssrc === undefined) throw new Error('the viewer has no video receiver or packet')
        const viewer = [...srv.sessions.values()].find((s) => s.role === 'whep')
        const publisher = [...srv.sessions.values()].find((s) => s.role === 'whip')
        if (!viewer || !publisher) throw new Error('the server has no viewer or publisher session')
        // Past the rate limit of any PLI the viewer itself sent on joining (one it may send on a loaded machine).
        await waitOutRateLimit()
        const before = {
          plis: pub.video.state.plis,
          received: viewer.viewerRequests.pli,
          forwarded: publisher.keyframeRequests.sent['viewer-pli'],
          limited: publisher.keyframeRequests.rateLimited,
          events: srv.events.filter((e) => e.type === 'keyframe-requested').length,
        }
        // A burst of five PLIs: one is forwarded, four fall within the interval.
        for (let i = 0; i < 5; i++) await receiver.sendRtcpPLI(ssrc)
        await waitFor(() => viewer.viewerRequests.pli === before.received + 5, {
          timeoutMs: 3_000,
          intervalMs: 10,
          label: "the server received the viewer's 5 PLIs",
        })
        await waitFor(() => pub.video.state.plis === before.plis + 1, { timeoutMs: 3_000, intervalMs: 10, label: 'one more PLI at the publisher' })
        expect(publisher.keyframeRequests.sent['viewer-pli'] - before.forwarded).toBe(1)
        expect(publisher.keyframeRequests.rateLimited - before.limited).toBe(4)
        // After the interval, the next PLI goes through again.
        await waitOutRateLimit()
        await receiver.sendRtcpPLI(ssrc)
        await waitFor(() => pub.video.state.plis === before.plis + 2, { timeoutMs: 3_000, intervalMs: 10, label: 'a PLI after the interval at the publisher' })
        const reasons = srv.events.filter((e) => e.type === 'keyframe-requested').map((e) => e.message.replace(/^.*: /, ''))
        expect(reasons[0]).toBe("the viewer's connection came up")
        expect(reasons.slice(before.events)).toEqual(['the viewer sent PLI', 'the viewer sent PLI'])
      } finally {
        await view?.close()
        await pub.close()
      }
    })
  })

  test("a viewer's FIR (RFC 5104 §4.3.1) is counted as a FIR and forwarded to the publisher as a PLI", async () => {
    await withServer({}, async (srv) => {
      const pub = await startPublisher(srv.whipUrl())
      let view: Awaited<ReturnType<typeof startViewer>> | undefined
      try {
        view = await startViewer(srv.whepUrl())
        const track = view.track
        await waitFor(() => firstKeyFrameAt(track) !== undefined, { timeoutMs: 5_000, intervalMs: 10, label: 'the join key frame at the viewer' })
        const before = pub.video.state.plis
        // Past the rate limit of any PLI the viewer itself sent on joining.
        await waitOutRateLimit()
        // PSFB (PT 206) FMT 4, 4 words: sender SSRC, media SSRC 0, FCI { SSRC of the stream, seq nr, reserved }
        const fir = Buffer.alloc(20)
        fir.writeUInt8(0x84, 0)
        fir.writeUInt8(206, 1)
        fir.writeUInt16BE(4, 2)
        fir.writeUInt32BE(0x1234, 4)
        fir.writeUInt32BE(track.packets()[0]?.ssrc ?? 0, 12)
        fir.writeUInt8(1, 16)
        const receiver = view.peer.pc.getTransceivers().find((t) => t.kind === 'video')?.receiver
        await receiver?.dtlsTransport.sendRtcp([{ serialize: () => fir } as never])
        const viewer = [...srv.sessions.values()].find((s) => s.role === 'whep')
        await waitFor(() => viewer?.viewerRequests.fir === 1, { timeoutMs: 3_000, intervalMs: 10, label: "the server received the viewer's FIR" })
        await waitFor(() => pub.video.state.plis === before + 1, { timeoutMs: 3_000, intervalMs: 10, label: 'a PLI at the publisher for the FIR' })
        const publisher = [...srv.sessions.values()].find((s) => s.role === 'whip')
        expect(publisher?.keyframeRequests.sent['viewer-fir']).toBe(1)
        expect(srv.events.at(-1)?.message).toMatch(/the viewer sent FIR$/)
      } finally {
        await view?.close()
        await pub.close()
      }
    })
  })

  test('personality no-keyframe-on-join: a late viewer gets inter frames but no key frame for 3 s, until the periodic one', async () => {
    await withServer({ personalities: ['no-keyframe-on-join'] }, async (srv) => {
      expect(srv.options.keyframeOnJoin).toBe(false)
      expect(srv.options.forwardKeyframeRequests).toBe(false)
      const pub = await startPublisher(srv.whipUrl())
      let view: Awaited<ReturnType<typeof startViewer>> | undefined
      try {
        await waitFor(() => pub.video.state.frames >= FPS, { timeoutMs: 5_000, intervalMs: 10, label: 'the publisher sent 1 s of frames' })
        view = await startViewer(srv.whepUrl())
        const track = view.track
        const postedAtMs = view.postedAtMs
        // Media flows (inter frames), but nothing a decoder can start from for 2.5 s after the POST.
        const early = await waitFor(() => firstKeyFrameAt(track) !== undefined, {
          timeoutMs: Math.max(0, postedAtMs + 2_500 - performance.now()),
          intervalMs: 20,
          label: 'a key frame at the viewer',
        }).then(
          () => true,
          () => false,
        )
        expect(early, `a key frame arrived ${((firstKeyFrameAt(track) ?? 0) - postedAtMs).toFixed(0)} ms after the POST`).toBe(false)
        expect(track.packets().length).toBeGreaterThan(FPS)
        // The viewer's own PLI is not forwarded either.
        const receiver = view.peer.pc.getTransceivers().find((t) => t.kind === 'video')?.receiver
        await receiver?.sendRtcpPLI(track.packets()[0]?.ssrc ?? 0)
        await waitFor(() => firstKeyFrameAt(track) !== undefined, { timeoutMs: 5_000, intervalMs: 20, label: 'the periodic key frame at the viewer' })
        expect(pub.video.state.plis).toBe(0)
        expect(srv.events.filter((e) => e.type === 'keyframe-requested')).toEqual([])
        const keyAfterPostMs = (firstKeyFrameAt(track) ?? 0) - postedAtMs
        console.log(`no-keyframe-on-join: first key frame at the viewer ${keyAfterPostMs.toFixed(0)} ms after its POST (the periodic one)`)
        expect(keyAfterPostMs).toBeGreaterThan(2_500)
      } finally {
        await view?.close()
        await pub.close()
      }
    })
  })
})
