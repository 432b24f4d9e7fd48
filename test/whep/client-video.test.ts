/**
 * The WHIP and WHEP clients with video: `publish(url, { video })` sends an FFmpeg-encoded test pattern from a werift
 * peer (paced at its frame rate, keyframes on PLI), `play(url, { video: true })` receives it, and the session is a
 * video source for the matchers (its `joinedAtMs` is the POST, so the first frame is timed as a player shows it).
 * The sender's ground truth (`session.video.sentFrames()`) makes every lost frame exact. Options are checked with
 * did-you-mean and name the fix.
 */
import { describe, expect as vexpect, test } from 'vitest'
import { expect } from '../../src/dsl/expect.ts'
import { RtcspecError } from '../../src/errors.ts'
import { encodeVideoPattern } from '../../src/services/video-encode.ts'
import { play } from '../../src/whep/client.ts'
import { publish } from '../../src/whip/client.ts'
import { startMediaServer } from '../../src/whip/media-server.ts'

/** 4 s of the moving pattern, 320×240 at 30 fps, a keyframe every 2 s (cached across runs by the encoder). */
const pattern = (codec: 'VP8' | 'H264') =>
  encodeVideoPattern({ codec, width: 320, height: 240, fps: 30, seconds: 4, bitrateKbps: 300, keyframeIntervalFrames: 60 })

describe('WHIP publish → WHEP play with video', () => {
  for (const codec of ['VP8', 'H264'] as const) {
    test(`${codec}: the viewer shows the pattern within 3 s of its POST, every frame arrives, no freeze`, async () => {
      const video = await pattern(codec)
      await using srv = await startMediaServer({})
      await using pub = await publish(srv.whipUrl(), { video, videoOptions: { loop: true } })
      await using view = await play(srv.whepUrl(), { video: { codecs: [codec] } })
      await expect(view).toReceiveVideo({ frames: 60, within: '8s' })
      expect(view).toShowFirstFrameWithin(3_000)
      expect(view).toHaveFreezesBelow({ count: 1 })
      expect(view).toHaveResolution(320, 240)
      const track = await view.video()
      vexpect(track.codec?.encoding.toUpperCase()).toBe(codec)
      // Ground truth: the sender's frames, by RTP timestamp, against what the viewer assembled.
      const sent = pub.video?.sentFrames?.() ?? []
      vexpect(sent.length).toBeGreaterThan(60)
      const got = new Set((view.videoFrames?.() ?? []).filter((f) => f.complete).map((f) => f.rtpTimestamp))
      // every frame sent after the viewer's first one (when it was surely connected), except those still in flight
      const first = (view.videoFrames?.() ?? []).find((f) => f.complete && f.keyframe)
      const afterJoin = sent.filter((s) => first !== undefined && s.sentAtMs > first.lastArrivalMs && s.sentAtMs < performance.now() - 500)
      vexpect(afterJoin.length).toBeGreaterThan(30)
      vexpect(afterJoin.filter((s) => !got.has(s.rtpTimestamp)).map((s) => s.index)).toEqual([])
    }, 60_000)
  }

  test('a viewer of a running stream gets a keyframe at once: the server asks the publisher for one (the publisher counts the PLI)', async () => {
    const video = await encodeVideoPattern({ codec: 'VP8', width: 320, height: 240, fps: 30, seconds: 10, bitrateKbps: 300, keyframeIntervalFrames: 300 })
    await using srv = await startMediaServer({})
    await using pub = await publish(srv.whipUrl(), { video, videoOptions: { loop: true } })
    const counters = () => pub.video?.counters
    // Join 1 s in: the pattern's next periodic keyframe is 9 s away.
    await pub.peer.waitForConnected(8_000)
    const { waitFor } = await import('../../src/wait.ts')
    await waitFor(() => (counters()?.framesSent ?? 0) >= 30, { timeoutMs: 8_000, intervalMs: 20, label: '1 s of frames sent' })
    await using view = await play(srv.whepUrl(), { video: true })
    await expect(view).toReceiveVideo({ frames: 1, within: '3s' })
    expect(view).toShowFirstFrameWithin(3_000)
    vexpect(counters()?.pliReceived).toBeGreaterThanOrEqual(1)
    vexpect(counters()?.keyframesOnRequest).toBeGreaterThanOrEqual(1)
    vexpect(srv.events.some((e) => e.type === 'keyframe-requested')).toBe(true)
  }, 60_000)
})

describe('options', () => {
  test('a misspelt video option is refused with a did-you-mean, and a viewer option too', async () => {
    const e1 = await publish('http://127.0.0.1:9/whip', { vidoe: {} } as never).catch((e: unknown) => e)
    vexpect(e1).toBeInstanceOf(RtcspecError)
    vexpect((e1 as RtcspecError).code).toBe('WHIP_OPTIONS')
    vexpect((e1 as Error).message).toMatch(/vidoe.*did you mean "video"/s)
    const e2 = await play('http://127.0.0.1:9/whep', { video: { codecs: ['VP9'] } } as never).catch((e: unknown) => e)
    vexpect((e2 as RtcspecError).code).toBe('WHEP_OPTIONS')
  })

  test('pattern options without a Chromium peer, and an EncodedVideo without frames, name the fix', async () => {
    const e1 = await publish('http://127.0.0.1:9/whip', { video: { width: 640, height: 480 } }).catch((e: unknown) => e)
    vexpect((e1 as RtcspecError).code).toBe('WHIP_OPTIONS')
    vexpect((e1 as Error).message).toMatch(/drawn by a Chromium peer/)
    vexpect((e1 as RtcspecError).hint).toMatch(/encodeVideoPattern/)
    const e2 = await publish('http://127.0.0.1:9/whip', { video: { codec: 'VP8', fps: 30, description: 'x', frames: [] } }).catch((e: unknown) => e)
    vexpect((e2 as RtcspecError).code).toBe('WHIP_OPTIONS')
  })
})
