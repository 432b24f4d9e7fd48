/**
 * A video matcher failing on a werift receiver (which does not decode) in a test using rtcspec's fixtures: after the
 * test, the filmstrip PNG the failure names is rewritten with pictures decoded by FFmpeg around the problem and
 * attached (`rtcspec:video-filmstrip`). Without FFmpeg the fate strip stays and the attachment says why. The
 * attachments are read in onTestFinished, after the fixtures' teardown.
 */
import { afterAll, beforeAll, onTestFinished } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from '../../src/dsl/expect.ts'
import { test } from '../../src/dsl/fixtures.ts'
import { connectBackToBack } from '../../src/peers/back-to-back.ts'
import { encodeVideoPattern } from '../../src/services/video-encode.ts'
import type { VideoFilmstripArtifact } from '../../src/dsl/video-failure-filmstrip.ts'
import { pickFilmstripPositions } from '../../src/dsl/video-failure-filmstrip.ts'
import { summarizeTest } from '../../src/report/summary-json-reporter.ts'
import type { PeerFactory } from '../../src/dsl/fixtures.ts'
import { UdpRelay } from '../../src/net/relay.ts'
import { relayPath } from '../../src/peers/relay-path.ts'
import { waitFor } from '../../src/wait.ts'

let dir: string
const previous = process.env.RTCSPEC_REPORT_DIR
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtcspec-video-filmstrip-'))
  process.env.RTCSPEC_REPORT_DIR = dir
})
afterAll(() => {
  if (previous === undefined) delete process.env.RTCSPEC_REPORT_DIR
  else process.env.RTCSPEC_REPORT_DIR = previous
  rmSync(dir, { recursive: true, force: true })
})

/** PNG picture height (IHDR). */
function pngHeight(path: string): number {
  return readFileSync(path).readUInt32BE(20)
}

/** A werift → werift call of 1 s (VP8 unless told); returns bob's video track once every frame arrived. */
async function call(peers: PeerFactory, codec: 'VP8' | 'H264' = 'VP8') {
  const video = await encodeVideoPattern({ codec, width: 320, height: 240, fps: 30, seconds: 1, bitrateKbps: 200, keyframeIntervalFrames: 30 })
  const alice = peers.werift({ name: 'alice', audio: false, video: 'sendonly', videoCodecs: [codec] })
  const bob = peers.werift({ name: 'bob', audio: false, video: 'recvonly' })
  const c = await connectBackToBack(alice, bob)
  const sender = alice.sendVideo(video)
  const track = await bob.waitForTrack('video', 5000)
  await sender.ended
  await track.waitForVideoFrames?.(video.frames.length, 5000)
  return { c, track }
}

/** Fails toHaveFrameRateAbove(1000) on purpose; returns the PNG the failure message names. */
function failOnPurpose(track: unknown): string {
  let message = ''
  try {
    expect(track).toHaveFrameRateAbove(1000)
  } catch (e) {
    message = (e as Error).message
  }
  const png = /attached: (\S+\.png)/.exec(message)?.[1]
  expect(png, message).toBeDefined()
  return png as string
}

test('a failing matcher on a werift receiver attaches decoded pictures with their codes after the test', { timeout: 60_000 }, async ({ peers, task }) => {
  let png = ''
  let fateOnly = { bytes: 0, height: 0 }
  onTestFinished(() => {
    const artifacts = task.artifacts.filter((a) => a.type === 'rtcspec:video-filmstrip') as VideoFilmstripArtifact[]
    expect(artifacts).toHaveLength(1)
    const a = artifacts[0] as VideoFilmstripArtifact
    expect(a.reason, a.message).toBeUndefined()
    expect(a.pictures).toBeGreaterThanOrEqual(4)
    expect(a.message).toContain('decoded pictures')
    expect(a.attachments?.[0]?.contentType).toBe('image/png')
    // The same file, now with a row of pictures above the fates: taller and much larger than the fate strip alone.
    expect(pngHeight(png)).toBeGreaterThan(fateOnly.height + 40)
    expect(statSync(png).size).toBeGreaterThan(fateOnly.bytes * 3)
  })
  const { c, track } = await call(peers)
  await using _call = c
  png = failOnPurpose(track)
  fateOnly = { bytes: statSync(png).size, height: pngHeight(png) }
  // nothing was annotated during the test: the one attachment comes with the pictures
  expect(task.annotations).toHaveLength(0)
})

test('H.264 too: the pictures are decoded from the rebuilt access units', { timeout: 60_000 }, async ({ peers, task }) => {
  onTestFinished(() => {
    const a = task.artifacts.find((x) => x.type === 'rtcspec:video-filmstrip') as VideoFilmstripArtifact | undefined
    expect(a?.reason, a?.message).toBeUndefined()
    expect(a?.pictures).toBeGreaterThanOrEqual(4)
    // every picture shown read its own code, in order
    const codes = a?.codes ?? []
    expect(codes.every((c) => c !== null)).toBe(true)
    expect([...codes].sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual(codes)
  })
  const { c, track } = await call(peers, 'H264')
  await using _call = c
  failOnPurpose(track)
})

test('with a frame lost, the pictures are those around it: the frame before, and the ones after', { timeout: 60_000 }, async ({ peers, task }) => {
  let lostIndex = -1
  onTestFinished(() => {
    const a = task.artifacts.find((x) => x.type === 'rtcspec:video-filmstrip') as VideoFilmstripArtifact | undefined
    expect(a?.reason, a?.message).toBeUndefined()
    expect(a?.message).toContain('around the first problem')
    // the two frames before the lost one, then frames after it (the undecodable ones the decoder shows, the recovery)
    expect(a?.codes).toContain(lostIndex - 1)
    expect(a?.codes).toContain(lostIndex - 2)
    expect(a?.codes).not.toContain(lostIndex)
    expect(a?.codes.some((c) => c !== null && c > lostIndex)).toBe(true)
  })
  await using relay = await UdpRelay.create({ seed: 21 })
  const video = await encodeVideoPattern({ codec: 'VP8', width: 320, height: 240, fps: 30, seconds: 2, bitrateKbps: 200, keyframeIntervalFrames: 30 })
  const alice = peers.werift({ name: 'alice', audio: false, video: 'sendonly', videoCodecs: ['VP8'] })
  const bob = peers.werift({ name: 'bob', audio: false, video: 'recvonly' })
  await using _call = await connectBackToBack(alice, bob, { path: relayPath(relay) })
  const sender = alice.sendVideo(video)
  const track = await bob.waitForTrack('video', 5000)
  await track.waitForVideoFrames?.(5, 5000)
  relay.dropFrames('toB', { payloadType: track.codec?.payloadType as number, after: 10, every: 1000, count: 1 })
  await sender.ended
  const sent = sender.sentFrames?.() ?? []
  const dropped = new Set(relay.droppedFrames('toB').map((d) => d.timestamp))
  expect(dropped.size).toBe(1)
  await waitFor(() => new Set((track.videoFrames?.() ?? []).filter((f) => f.complete).map((f) => f.rtpTimestamp)).size >= sent.length - 1, {
    timeoutMs: 5000,
    label: `bob to assemble the ${sent.length - 1} frames the relay let through`,
  })
  lostIndex = sent.find((f) => dropped.has(f.rtpTimestamp >>> 0))?.index ?? -1
  expect(() => expect(track).toHaveFreezesBelow({ count: 1, totalMs: 1, sender })).toThrow(/freezes/)
})

test('without FFmpeg the fate strip is attached and says why', { timeout: 60_000 }, async ({ peers, task }) => {
  let png = ''
  let fateOnly = 0
  const path = process.env.PATH
  const provider = process.env.RTCSPEC_FFMPEG_PROVIDER
  onTestFinished(() => {
    process.env.PATH = path
    if (provider === undefined) delete process.env.RTCSPEC_FFMPEG_PROVIDER
    else process.env.RTCSPEC_FFMPEG_PROVIDER = provider
    const artifacts = task.artifacts.filter((a) => a.type === 'rtcspec:video-filmstrip') as VideoFilmstripArtifact[]
    expect(artifacts).toHaveLength(1)
    const a = artifacts[0] as VideoFilmstripArtifact
    expect(a.pictures).toBe(0)
    expect(a.reason).toMatch(/ffmpeg is not on PATH/)
    expect(a.message).toMatch(/frame fates only: no pictures, .*ffmpeg is not on PATH/)
    expect(statSync(png).size).toBe(fateOnly)
  })
  const { c, track } = await call(peers)
  await using _call = c
  png = failOnPurpose(track)
  fateOnly = statSync(png).size
  // FFmpeg goes missing for the teardown's decode
  process.env.RTCSPEC_FFMPEG_PROVIDER = 'local'
  process.env.PATH = join(dir, 'no-bin')
})

test('the pictures picked are those around the first problem and the longest freeze', () => {
  const freezes = (list: Array<{ durationMs: number }>) => ({ count: list.length, totalMs: 0, freezes: list }) as never
  // complete frames at 0-4, a lost frame at 5, undecodable 6-7, decodable again from 8 (a keyframe); then the first
  expect(pickFilmstripPositions({ sequence: 'DDDDDLUUDDDDDDDDDDDD', freezeEnds: [], freezes: freezes([]) })).toEqual([0, 3, 4, 6, 7, 8])
  // the longest of two freezes ends at 15: the frame before and the two from it
  expect(
    pickFilmstripPositions({ sequence: 'DDDDDDDDDDDDDDDDDDDD', freezeEnds: [5, 15], freezes: freezes([{ durationMs: 200 }, { durationMs: 900 }]) }),
  ).toEqual([0, 11, 14, 15, 16, 19])
  expect(pickFilmstripPositions({ sequence: 'LLL', freezeEnds: [], freezes: freezes([]) })).toEqual([])
})

test('summary.json lists the filmstrip attached after the test with the annotations', () => {
  const png = '/r/.vitest/attachments/strip.png'
  const fake = {
    module: { moduleId: '/r/specs/a.spec.ts' },
    fullName: 'a > b',
    result: () => ({ state: 'failed', errors: [] }),
    options: { mode: 'run' },
    diagnostic: () => ({ duration: 5 }),
    annotations: () => [],
    artifacts: () => [
      { type: 'rtcspec:recording', message: 'recording x.ivf', attachments: [{ path: '/r/x.ivf' }] },
      {
        type: 'rtcspec:video-filmstrip',
        message: 'toHaveFrameRateAbove: bob (filmstrip, 6 decoded pictures)',
        attachments: [{ path: png, contentType: 'image/png' }],
      },
    ],
  }
  expect(summarizeTest(fake as never, '/r', '/r').annotations).toEqual([
    {
      type: 'rtcspec:video-filmstrip',
      message: 'toHaveFrameRateAbove: bob (filmstrip, 6 decoded pictures)',
      path: '.vitest/attachments/strip.png',
      contentType: 'image/png',
    },
  ])
})
