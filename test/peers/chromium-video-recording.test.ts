/**
 * A Chromium peer records what it receives as video: with `record: true` the page records each inbound video track
 * with MediaRecorder (WebM), hands the bytes to Node, and the recording is saved next to the others, listed in the
 * call record and decodable with FFmpeg back to the sender's frame codes.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, it, onTestFinished } from 'vitest'
import { test as rtcspecTest, type RecordingArtifact } from '../../src/dsl/fixtures.ts'
import { expect } from '../../src/dsl/expect.ts'
import { createChromiumPeer } from '../../src/peers/chromium/peer.ts'
import type { ChromiumInboundTrack } from '../../src/peers/chromium/inbound-track.ts'
import { chromiumDescendants, liveBrowserProcesses } from '../../src/peers/chromium/index.ts'
import { connectBackToBack } from '../../src/peers/back-to-back.ts'
import { buildCallRecord, CallRecordSchema } from '../../src/peers/call-record.ts'
import { savePeerRecordings } from '../../src/peers/recording-files.ts'
import { decodeVideo } from '../../src/services/video-encode.ts'
import { countWebmBlocks } from '../../src/peers/chromium/webm-blocks.ts'
import { writeRecordingFilmstrip } from '../../src/dsl/video-recording-filmstrip.ts'
import { holdBrowserForFile } from '../support/browser.ts'
import { requireTool } from '../support/requires.ts'
import { waitFor } from '../../src/wait.ts'

const skip = process.env.RTCSPEC_CHROMIUM ? false : requireTool('chromium')

describe('countWebmBlocks', () => {
  const el = (id: number[], data: number[]) => [...id, 0x80 | data.length, ...data]
  const block = (n: number) => el([0xa3], [0x81, 0, n, 0x80, 1, 2, 3])
  // EBML header, a Segment and a Cluster of unknown size (as a live MediaRecorder writes them), a timecode, blocks
  const header = el([0x1a, 0x45, 0xdf, 0xa3], el([0x42, 0x82], [0x77, 0x65, 0x62, 0x6d]))
  const live = [...header, 0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x43, 0xb6, 0x75, 0xff]
  const stream = [...live, ...el([0xe7], [0]), ...block(0), ...block(33), ...el([0xa0], block(66)), ...block(99)]

  it('counts the SimpleBlocks and grouped Blocks in unknown-size clusters', () => {
    expect(countWebmBlocks(new Uint8Array(stream))).toBe(4)
  })

  it('does not count a block cut off at the end, nor read past a malformed element', () => {
    expect(countWebmBlocks(new Uint8Array(stream.slice(0, -2)))).toBe(3)
    expect(countWebmBlocks(new Uint8Array([...live, 0x00, ...block(0)]))).toBe(0)
    expect(countWebmBlocks(new Uint8Array())).toBe(0)
  })
})

describe.skipIf(skip)('Chromium video recording', () => {
  const held = holdBrowserForFile()
  afterAll(async () => {
    await held.release()
    await waitFor(() => liveBrowserProcesses().length === 0 && chromiumDescendants().length === 0, {
      timeoutMs: 10_000,
      label: 'every Chromium process of this file to exit',
      intervalMs: 50,
    })
  })

  it('Chromium → Chromium VP8 with record: the WebM decodes to the sender’s frame codes, in order; listed in the call record', async () => {
    requireTool('ffmpeg')
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-chromium-rec-'))
    try {
      await using a = await createChromiumPeer({ name: 'rec-send', audio: false })
      await using b = await createChromiumPeer({ name: 'rec-recv', audio: false, record: true })
      const sent = a.sendVideo({ codec: 'VP8', width: 320, height: 240, fps: 30 })
      await using _call = await connectBackToBack(a, b, { connectTimeoutMs: 15_000 })
      const track = (await b.waitForTrack('video', 10_000)) as ChromiumInboundTrack
      expect(track.recordRequested).toBe(true)
      await track.waitForRendered('45 rendered frames with a readable code', (f) => f.filter((x) => x.code).length >= 45, 30_000)

      const { saved, errors } = await savePeerRecordings(b, { dir, suffix: 'test' })
      expect(errors).toEqual([])
      expect(saved).toHaveLength(1)
      const rec = saved[0]!
      expect(rec).toMatchObject({ kind: 'video', format: 'webm', path: join(dir, 'rec-recv-video-in-0-test.webm') })
      expect(statSync(rec.path).size).toBeGreaterThan(1000)
      expect(rec.frames, 'the WebM blocks were counted').toBeGreaterThan(0)

      // listed in the call record like the werift recordings (schema-valid)
      const record = await buildCallRecord({ kind: 'webrtc-b2b', peers: [a, b], startedAt: new Date(), recordings: { [b.name]: saved } })
      expect(CallRecordSchema.parse(record).peers.find((p) => p.name === b.name)?.recordings).toEqual([rec])

      // decoded: pictures whose codes are the sender's frames, in increasing order
      const decoded = await decodeVideo(rec.path, { timeoutMs: 60_000 })
      const codes = decoded.frames.flatMap((f) => (f.code ? [f.code] : []))
      expect(decoded.frames.length).toBeGreaterThanOrEqual(30)
      expect(rec.frames, 'the frames counted in the WebM are the pictures FFmpeg decodes').toBe(decoded.frames.length)
      expect(codes.length, `${codes.length} of ${decoded.frames.length} pictures read a code`).toBeGreaterThanOrEqual(0.9 * decoded.frames.length)
      for (let i = 1; i < codes.length; i++) expect(codes[i]!.index, `code ${i}`).toBeGreaterThan(codes[i - 1]!.index)
      expect(codes.at(-1)!.index).toBeLessThan(sent.framesDrawn)
      // the frames the page rendered (a busy page skips some): each one recorded too has the same capture time
      const rendered = new Map(track.renderedFrames().flatMap((f) => (f.code ? [[f.code.index, f.code.captureMs] as const] : [])))
      const firstRendered = track.renderedFrames().find((f) => f.code)?.code?.index ?? 0
      expect(codes[0]!.index, 'recorded from the track’s first frames').toBeLessThanOrEqual(firstRendered + 15)
      const both = codes.filter((c) => rendered.has(c.index))
      expect(both.filter((c) => rendered.get(c.index) !== c.captureMs)).toEqual([])
      expect(both.length, `${both.length} of ${codes.length} decoded codes were rendered too`).toBeGreaterThanOrEqual(0.5 * codes.length)
      // the filmstrip the report shows under a video recording
      expect(await writeRecordingFilmstrip(rec)).toBe(`${rec.path}.filmstrip.png`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 90_000)

  it('a Chromium peer without record has no video recording to save, and says how to get one', async () => {
    await using a = await createChromiumPeer({ name: 'norec-send', audio: false })
    await using b = await createChromiumPeer({ name: 'norec-recv', audio: false })
    a.sendVideo({ codec: 'VP8', width: 160, height: 120, fps: 15 })
    await using _call = await connectBackToBack(a, b, { connectTimeoutMs: 15_000 })
    const track = (await b.waitForTrack('video', 10_000)) as ChromiumInboundTrack
    await track.waitForRendered('a rendered frame', (f) => f.length >= 1, 30_000)
    expect(track.videoRecording()).toBeUndefined()
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-chromium-rec-'))
    try {
      const { saved, errors } = await savePeerRecordings(b, { dir, all: true })
      expect(saved).toEqual([])
      expect(errors.join('\n')).toMatch(/not recorded/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

describe.skipIf(skip)('Chromium video recording through the peers fixture', () => {
  let dir = ''
  const previous = process.env.RTCSPEC_REPORT_DIR
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtcspec-chromium-rec-fixture-'))
    process.env.RTCSPEC_REPORT_DIR = dir
  })
  afterAll(async () => {
    if (previous === undefined) delete process.env.RTCSPEC_REPORT_DIR
    else process.env.RTCSPEC_REPORT_DIR = previous
    rmSync(dir, { recursive: true, force: true })
    await waitFor(() => liveBrowserProcesses().length === 0 && chromiumDescendants().length === 0, {
      timeoutMs: 10_000,
      label: 'every Chromium process of this file to exit',
      intervalMs: 50,
    })
  })

  rtcspecTest(
    'peers.chromium({ record: true }) saves the received video as WebM and attaches it',
    async ({ peers, task }) => {
      // onTestFinished runs after the fixture's teardown, which saves and attaches the recordings.
      onTestFinished(() => {
        const artifacts = task.artifacts.filter((a): a is RecordingArtifact => a.type === 'rtcspec:recording')
        expect(artifacts.map((a) => a.message)).toEqual([expect.stringMatching(/^recording viewer-video-in-0-\w+\.webm \(\d+\.\d s, \d+ frames\)$/)])
        const a = artifacts[0]!
        expect(a.attachments?.map((x) => x.contentType)).toEqual(['video/webm'])
        expect(existsSync(a.recording.path)).toBe(true)
        expect(a.recording.frames).toBeGreaterThan(0)
        const record = JSON.parse(readFileSync(join(dir, 'call_records.jsonl'), 'utf8').trim().split('\n').at(-1)!)
        const viewer = record.peers.find((p: { name: string }) => p.name === 'viewer')
        expect(viewer.recordings).toEqual([expect.objectContaining({ kind: 'video', format: 'webm', path: a.recording.path })])
      })
      const camera = await peers.chromium({ name: 'camera', audio: false })
      const viewer = await peers.chromium({ name: 'viewer', audio: false, record: true })
      camera.sendVideo({ codec: 'VP8', width: 160, height: 120, fps: 15 })
      await connectBackToBack(camera, viewer, { connectTimeoutMs: 15_000 })
      const track = (await viewer.waitForTrack('video', 10_000)) as ChromiumInboundTrack
      await track.waitForRendered('15 rendered frames', (f) => f.length >= 15, 30_000)
    },
    60_000,
  )
})
