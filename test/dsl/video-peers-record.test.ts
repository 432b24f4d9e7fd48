/**
 * The `peers` fixture records the call a test wires itself (peers.werift + connectBackToBack), as the `b2b` fixture
 * does: one `webrtc-peers` record with the peers, their set-up times and the video analysis the video gates read.
 * A peer that never connected writes none. Records are read after the fixtures' teardown (onTestFinished).
 */
import { afterAll, beforeAll, onTestFinished } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { createSocket } from 'node:dgram'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from '../../src/dsl/expect.ts'
import { test } from '../../src/dsl/fixtures.ts'
import { connectBackToBack } from '../../src/peers/back-to-back.ts'
import { waitFor } from '../../src/wait.ts'
import { encodeVideoPattern } from '../../src/services/video-encode.ts'
import { evaluateGate } from '../../src/report/gates.ts'
import { CallRecordSchema, type CallRecord } from '../../src/peers/call-record.ts'

let dir: string
const previous = process.env.RTCSPEC_REPORT_DIR
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtcspec-peers-record-'))
  process.env.RTCSPEC_REPORT_DIR = dir
})
afterAll(() => {
  if (previous === undefined) delete process.env.RTCSPEC_REPORT_DIR
  else process.env.RTCSPEC_REPORT_DIR = previous
  rmSync(dir, { recursive: true, force: true })
})

function records(): CallRecord[] {
  const file = join(dir, 'call_records.jsonl')
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => CallRecordSchema.parse(JSON.parse(l)))
}

test('a werift video call wired with the peers fixture writes a call record the video gates evaluate', { timeout: 60_000 }, async ({ peers, task }) => {
  onTestFinished(() => {
    const mine = records().filter((r) => r.test?.name.endsWith(task.name))
    expect(mine).toHaveLength(1)
    const r = mine[0]!
    expect(r.kind).toBe('webrtc-peers')
    expect(r.peers.map((p) => p.name)).toEqual(['alice', 'bob'])
    expect(r.setup.connectMs).toBeGreaterThan(0)
    expect(r.setup.firstRtpMs).toBeGreaterThanOrEqual(0)
    // The video gates have a sample from bob's track (30 frames sent at 30 fps: the rate is the sender's).
    const fps = evaluateGate([r], { metric: 'video.fps', threshold: '> 5' })
    expect(fps).toMatchObject({ samples: 1, pass: true })
    expect(evaluateGate([r], { metric: 'video.firstFrameMs', threshold: '< 3000' }).samples).toBe(1)
    expect(evaluateGate([r], { metric: 'video.freezeMs', threshold: '< 1000' }).samples).toBe(1)
  })
  const video = await encodeVideoPattern({ codec: 'VP8', width: 160, height: 120, fps: 30, seconds: 1, bitrateKbps: 150, keyframeIntervalFrames: 30 })
  const alice = peers.werift({ name: 'alice', audio: false, video: 'sendonly', videoCodecs: ['VP8'] })
  const bob = peers.werift({ name: 'bob', audio: false, video: 'recvonly' })
  await using _call = await connectBackToBack(alice, bob)
  const sender = alice.sendVideo(video)
  const track = await bob.waitForTrack('video', 5000)
  await sender.ended
  await track.waitForVideoFrames?.(video.frames.length, 5000)
})

test('a peer that never connected writes no call record', async ({ peers, task }) => {
  onTestFinished(() => {
    expect(records().filter((r) => r.test?.name.endsWith(task.name))).toHaveLength(0)
  })
  peers.werift({ name: 'lonely', audio: false, video: 'recvonly' })
})

test('a plain RTP peer of the fixture that received RTP writes a call record (no connection: no connectMs)', async ({ peers, task }) => {
  onTestFinished(() => {
    const mine = records().filter((r) => r.test?.name.endsWith(task.name))
    expect(mine).toHaveLength(1)
    expect(mine[0]?.peers.map((p) => p.name)).toEqual(['rx'])
    expect(mine[0]?.setup.connectMs).toBeUndefined()
    expect(mine[0]?.setup.firstRtpMs).toBeGreaterThanOrEqual(0)
  })
  const rx = peers.rtp({ name: 'rx', audio: false, video: 'recvonly' })
  await rx.createOffer()
  const socket = createSocket('udp4')
  try {
    for (let seq = 0; seq < 5; seq++) {
      const packet = Buffer.alloc(12 + 4)
      packet.writeUInt8(0x80, 0)
      packet.writeUInt8(96, 1) // VP8 in rx's offer
      packet.writeUInt16BE(seq, 2)
      packet.writeUInt32BE(seq * 3000, 4)
      packet.writeUInt32BE(0x1234, 8)
      packet.writeUInt8(0x10, 12) // VP8 payload descriptor: start of partition
      await new Promise<void>((resolve, reject) => socket.send(packet, rx.localVideoPort as number, '127.0.0.1', (e) => (e ? reject(e) : resolve())))
    }
    await waitFor(() => rx.inbound.some((t) => t.rtp.snapshot().received >= 5), { timeoutMs: 5000, label: 'rx to receive the 5 RTP packets' })
  } finally {
    socket.close()
  }
})
