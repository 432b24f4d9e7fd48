import { afterEach, describe, expect, it } from 'vitest'
import { RtcspecError } from '../../src/errors.ts'
import { analyzeVideo, type SentVideoFrame } from '../../src/media/video/analysis.ts'
import type { VideoFrameArrival } from '../../src/media/video/types.ts'
import { UdpRelay } from '../../src/net/index.ts'
import type { FrameDropRule } from '../../src/net/frame-drop.ts'
import { rtp, testPeer, type TestPeer } from './helpers.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const VIDEO_PT = 96
const RTX_PT = 97
const AUDIO_PT = 111
const VIDEO_SSRC = 0x0a0a0a0a
const RTX_SSRC = 0x0b0b0b0b
const AUDIO_SSRC = 0x0c0c0c0c
const PACKETS_PER_FRAME = 3
const TS0 = 4_294_900_000 // wraps past 2^32 during the run

const tsOf = (frame: number) => (TS0 + frame * 3000) >>> 0

async function setup(opts: Parameters<typeof UdpRelay.create>[0]) {
  const relay = await UdpRelay.create(opts)
  cleanups.push(() => relay.close())
  const a = await testPeer()
  const b = await testPeer()
  cleanups.push(
    () => a.close(),
    () => b.close(),
  )
  const proxyOfB = await relay.addPeerAddress('b', b.addr)
  await relay.addPeerAddress('a', a.addr)
  return { relay, a, b, proxyOfB }
}

/** Sends `frames` video frames of 3 packets a→b, an audio packet beside each, and waits until b has what the relay let through. */
async function sendFrames(
  relay: UdpRelay,
  a: TestPeer,
  b: TestPeer,
  to: { address: string; port: number },
  frames: number,
  extra: (frame: number) => Buffer[] = () => [],
) {
  let seq = 65_500 // wraps too
  let sent = 0
  for (let f = 0; f < frames; f++) {
    for (let k = 0; k < PACKETS_PER_FRAME; k++) {
      await a.send(rtp(seq++, { pt: VIDEO_PT, ssrc: VIDEO_SSRC, ts: tsOf(f), marker: k === PACKETS_PER_FRAME - 1, payloadLen: 200 }), to)
      sent++
    }
    // audio at 48 kHz whose timestamp equals the video frame's: never part of a video frame
    await a.send(rtp(f, { pt: AUDIO_PT, ssrc: AUDIO_SSRC, ts: tsOf(f), payloadLen: 80 }), to)
    sent++
    for (const p of extra(f)) {
      await a.send(p, to)
      sent++
    }
  }
  await relay.waitFor(() => relay.summary('toB').sent >= sent, { label: `the relay saw all ${sent} packets`, timeoutMs: 10_000 })
  await relay.waitFor(() => relay.summary('toB').pending === 0, { label: 'the relay released every held packet', timeoutMs: 10_000 })
  const s = relay.summary('toB')
  await b.waitCount(s.delivered + s.duplicated, `b received the ${s.delivered + s.duplicated} datagrams the relay released`, 10_000)
}

/** Frames b assembled from what arrived (complete when all of its packets did). */
function arrivalsAt(b: TestPeer): VideoFrameArrival[] {
  const byTs = new Map<number, { seqs: number[]; at: number[] }>()
  for (const r of b.received) {
    if (((r.buf[1] as number) & 0x7f) !== VIDEO_PT) continue
    const ts = r.buf.readUInt32BE(4)
    const e = byTs.get(ts) ?? { seqs: [], at: [] }
    e.seqs.push(r.buf.readUInt16BE(2))
    e.at.push(r.at)
    byTs.set(ts, e)
  }
  return [...byTs].map(([ts, e]) => ({
    rtpTimestamp: ts,
    firstSeq: e.seqs[0] as number,
    lastSeq: e.seqs.at(-1) as number,
    packets: e.seqs.length,
    duplicatePackets: 0,
    bytes: e.seqs.length * 200,
    complete: e.seqs.length === PACKETS_PER_FRAME,
    keyframe: true,
    firstArrivalMs: Math.min(...e.at),
    lastArrivalMs: Math.max(...e.at),
  }))
}

const truthOf = (frames: number): SentVideoFrame[] =>
  Array.from({ length: frames }, (_, i) => ({ index: i, rtpTimestamp: tsOf(i), sentAtMs: 0, keyframe: true }))

describe('UdpRelay — whole video frames dropped with ground truth', () => {
  it('drops every packet of the chosen frames (and of their retransmissions), nothing else, and records which frames', async () => {
    const rule: FrameDropRule = { payloadType: VIDEO_PT, rtxPayloadType: RTX_PT, after: 10, every: 7, count: 4 }
    const { relay, a, b, proxyOfB } = await setup({ seed: 7, dropFrames: { toB: rule } })
    // a retransmission (RTX) of frame 17's first packet, after the frame itself
    await sendFrames(relay, a, b, proxyOfB, 40, (f) => (f === 18 ? [rtp(1, { pt: RTX_PT, ssrc: RTX_SSRC, ts: tsOf(17) })] : []))
    const dropped = relay.droppedFrames('toB')
    expect(dropped.map((d) => d.timestamp)).toEqual([10, 17, 24, 31].map(tsOf))
    expect(dropped.map((d) => d.packets)).toEqual([3, 4, 3, 3])
    expect(dropped.every((d) => d.ssrc === VIDEO_SSRC)).toBe(true)
    expect(relay.summary('toB')).toMatchObject({ dropped: 13, dropReasons: { frame: 13, loss: 0 } })
    // every audio packet arrived, though four share a dropped frame's timestamp
    expect(b.received.filter((r) => ((r.buf[1] as number) & 0x7f) === AUDIO_PT)).toHaveLength(40)
    // the analysis of what arrived reports exactly those frames lost
    const analysis = analyzeVideo(arrivalsAt(b), { fps: 30, sent: truthOf(40) })
    expect(analysis.lostIndices).toEqual([10, 17, 24, 31])
    expect(analyzeVideo(arrivalsAt(b), { fps: 30 }).lost).toBe(4)
  })

  it('exact frames by RTP timestamp, set while packets flow; a later rule keeps the earlier truth', async () => {
    const { relay, a, b, proxyOfB } = await setup({ seed: 8 })
    relay.dropFrames('toB', { ssrc: VIDEO_SSRC, timestamps: [tsOf(3), tsOf(5)] })
    await sendFrames(relay, a, b, proxyOfB, 8)
    relay.dropFrames('toB', { ssrc: VIDEO_SSRC, timestamps: [tsOf(9)] })
    await sendFrames(relay, a, b, proxyOfB, 12)
    expect(relay.droppedFrames('toB').map((d) => d.timestamp)).toEqual([3, 5, 9].map(tsOf))
  })

  it('frame drops leave the seed’s other fates where they were', async () => {
    const run = async (dropFrames?: { toB: FrameDropRule }) => {
      const { relay, a, b, proxyOfB } = await setup({ seed: 99, toB: { loss: 0.2 }, ...(dropFrames ? { dropFrames } : {}) })
      await sendFrames(relay, a, b, proxyOfB, 30)
      return relay.truth('toB').records.map((r) => (r.fate === 'dropped' ? (r.dropReason === 'frame' ? 'F' : 'x') : '.'))
    }
    const plain = await run()
    const framed = await run({ toB: { payloadType: VIDEO_PT, after: 5, every: 10, count: 2 } })
    expect(framed.filter((x) => x === 'F')).toHaveLength(6)
    expect(framed.map((x, i) => (x === 'F' ? plain[i] : x))).toEqual(plain)
  })

  it('a rule without a stream or without frames is an error naming the fix', async () => {
    await expect(UdpRelay.create({ seed: 1, dropFrames: { toB: { count: 3 } } })).rejects.toThrow(/give payloadType or ssrc/)
    await expect(UdpRelay.create({ seed: 1, dropFrames: { toB: { payloadType: 96 } } })).rejects.toThrow(/give timestamps \(exact frames\) or count/)
    await expect(UdpRelay.create({ seed: 1, dropFrames: { toB: { payloadType: 96, cont: 2 } as never } })).rejects.toBeInstanceOf(RtcspecError)
  })
})
