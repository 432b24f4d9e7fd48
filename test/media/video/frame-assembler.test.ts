import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { REORDER_WINDOW, VideoFrameAssembler, type AssemblerPacket } from '../../../src/media/video/frame-assembler.ts'
import type { VideoCodecName } from '../../../src/media/video/types.ts'

const VP8_KEY = Uint8Array.of(0x90, 0x80, 0x80, 0x01, 0x90, 0x0c, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00) // 320×240
const VP8_INTER = Uint8Array.of(0x90, 0x80, 0x80, 0x02, 0x91, 0x0c, 0x00, 0x11)
const VP8_CONT = Uint8Array.of(0x80, 0x80, 0x80, 0x02, 0x55, 0x66)
const H264_AUD = Uint8Array.of(0x09, 0xf0)
const H264_SLICE = Uint8Array.of(0x41, 0x9a, 0x00)
const H264_FU_START = Uint8Array.of(0x7c, 0x85, 0x88)
const H264_FU_MID = Uint8Array.of(0x7c, 0x05, 0x11)
const H264_FU_END = Uint8Array.of(0x7c, 0x45, 0x22)

interface SentPacket extends AssemblerPacket {
  frame: number
}

/** Packets of frames with the given packet counts, from sequence number `seq0`, 3000 ticks apart. */
function vp8Frames(counts: number[], seq0: number): SentPacket[] {
  const out: SentPacket[] = []
  let seq = seq0
  counts.forEach((n, frame) => {
    for (let i = 0; i < n; i++) {
      const payload = i === 0 ? (frame % 5 === 0 ? VP8_KEY : VP8_INTER) : VP8_CONT
      out.push({ frame, sequenceNumber: seq++ & 0xffff, timestamp: (1000 + frame * 3000) >>> 0, marker: i === n - 1, payload, arrivalMs: frame * 33 + i })
    }
  })
  return out
}

/** H.264 frames: single slice, or FU-A start/middle/end; `aud[frame]` puts an access unit delimiter packet first. */
function h264Frames(counts: number[], aud: boolean[], seq0: number): SentPacket[] {
  const out: SentPacket[] = []
  let seq = seq0
  counts.forEach((n, frame) => {
    const payloads: Uint8Array[] = []
    if (aud[frame]) payloads.push(H264_AUD)
    if (n === 1) payloads.push(H264_SLICE)
    else for (let i = 0; i < n; i++) payloads.push(i === 0 ? H264_FU_START : i === n - 1 ? H264_FU_END : H264_FU_MID)
    payloads.forEach((payload, i) => {
      out.push({
        frame,
        sequenceNumber: seq++ & 0xffff,
        timestamp: (7 + frame * 3000) >>> 0,
        marker: i === payloads.length - 1,
        payload,
        arrivalMs: frame * 33 + i,
      })
    })
  })
  return out
}

/** Delivers `sent` with drops, duplicates and bounded reordering, as chosen by `plan`. */
function deliver(sent: SentPacket[], plan: { drop: boolean[]; dup: boolean[]; swaps: number[] }): SentPacket[] {
  const out: SentPacket[] = []
  sent.forEach((p, i) => {
    if (plan.drop[i % plan.drop.length]) return
    out.push(p)
    if (plan.dup[i % plan.dup.length]) out.push(p)
  })
  for (const s of plan.swaps) {
    const i = s % Math.max(1, out.length - 3)
    const j = i + 1 + (s % 3)
    if (j < out.length) [out[i], out[j]] = [out[j] as SentPacket, out[i] as SentPacket]
  }
  return out
}

function assemble(packets: SentPacket[], codec: VideoCodecName) {
  const a = new VideoFrameAssembler()
  for (const p of packets) a.push(p, codec)
  return a
}

const planArb = fc.record({
  drop: fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }).map((xs) => xs.map((x, i) => x && i % 3 === 0)),
  dup: fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }).map((xs) => xs.map((x, i) => x && i % 4 === 1)),
  swaps: fc.array(fc.nat(1000), { maxLength: 20 }),
})
const countsArb = fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 40 })
const seqArb = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xffc0, max: 0xffff }))

describe('VideoFrameAssembler', () => {
  it('assembles complete VP8 frames with keyframe flags and the key frame size', () => {
    const frames = assemble(vp8Frames([3, 1, 2], 100), 'VP8').frames()
    expect(frames.map((f) => [f.firstSeq, f.lastSeq, f.packets, f.complete, f.keyframe])).toEqual([
      [100, 102, 3, true, true],
      [103, 103, 1, true, false],
      [104, 105, 2, true, false],
    ])
    expect(frames[0]).toMatchObject({
      width: 320,
      height: 240,
      rtpTimestamp: 1000,
      bytes: VP8_KEY.length + 2 * VP8_CONT.length,
      firstArrivalMs: 0,
      lastArrivalMs: 2,
    })
  })

  it('a lost first, middle or marker packet makes the frame incomplete; a duplicate is counted, not double-counted', () => {
    const sent = vp8Frames([3, 3, 3, 3], 10)
    const got = sent.filter((_, i) => i !== 3 && i !== 7 && i !== 11)
    got.push(sent[0] as SentPacket)
    const a = assemble(got, 'VP8')
    expect(a.frames().map((f) => f.complete)).toEqual([true, false, false, false])
    expect(a.frames()[0]).toMatchObject({ packets: 3, duplicatePackets: 1 })
    expect(a.stats).toMatchObject({ duplicates: 1, gapPackets: 2 }) // the last packet's loss shows no gap yet
    expect([a.received(12), a.received(13), a.received(17)]).toEqual([true, false, false])
  })

  it('reports each gap with its first missing sequence number (extended across the wrap)', () => {
    const gaps: Array<[number, number]> = []
    const a = new VideoFrameAssembler({ onGap: (missing, first) => gaps.push([missing, first]) })
    const sent = vp8Frames([2, 2, 2], 0xfffe)
    for (const p of sent.filter((_, i) => i !== 2 && i !== 3)) a.push(p, 'VP8')
    expect(gaps).toEqual([[2, 0x10000]])
    expect(a.received(0xffff)).toBe(true)
  })

  it('extends sequence numbers across the 16-bit wrap', () => {
    const frames = assemble(vp8Frames([3, 3], 0xfffe), 'VP8').frames()
    expect(frames.map((f) => [f.firstSeq, f.lastSeq, f.complete])).toEqual([
      [0xfffe, 0x10000, true],
      [0x10001, 0x10003, true],
    ])
  })

  it('keeps every frame of a stream longer than the reorder window (closed frames kept as arrivals)', () => {
    const sent = vp8Frames(
      Array.from({ length: 3000 }, (_, i) => 1 + (i % 3)),
      62_000,
    ) // crosses the 16-bit wrap
    const dropped = new Set([10, 2500, 5990])
    const a = assemble(
      sent.filter((_, i) => !dropped.has(i)),
      'VP8',
    )
    const frames = a.frames()
    expect(frames).toHaveLength(3000)
    const incomplete = frames.flatMap((f, i) => (f.complete ? [] : [i]))
    const expected = [...new Set([...dropped].map((i) => sent[i]?.frame as number))].sort((x, y) => x - y)
    expect(incomplete).toEqual(expected)
    expect(frames.at(-1)?.lastSeq).toBe(62_000 + sent.length - 1)
  })

  it('counts packets further behind than the reorder window as late', () => {
    const a = new VideoFrameAssembler()
    const [p0, p1] = vp8Frames([1, 1], 0)
    a.push({ ...(p1 as SentPacket), sequenceNumber: REORDER_WINDOW + 5 }, 'VP8')
    a.push(p0 as SentPacket, 'VP8')
    expect(a.stats.late).toBe(1)
    expect(a.frames()).toHaveLength(1)
  })

  it('H.264: a frame starts at an AUD/SPS, or after a packet of another frame; an unprovable start is incomplete', () => {
    const sent = h264Frames([1, 3, 2], [false, false, false], 500)
    expect(
      assemble(sent, 'H264')
        .frames()
        .map((f) => f.complete),
    ).toEqual([false, true, true]) // the first has nothing before it
    const withAud = h264Frames([1, 3, 2], [true, false, false], 500)
    expect(
      assemble(withAud, 'H264')
        .frames()
        .map((f) => [f.complete, f.keyframe]),
    ).toEqual([
      [true, false],
      [true, true],
      [true, true],
    ])
    // frame 1's last packet lost: frame 2 is whole but its start cannot be proven
    const lost = withAud.filter((p) => p.sequenceNumber !== 504)
    expect(
      assemble(lost, 'H264')
        .frames()
        .map((f) => f.complete),
    ).toEqual([true, false, false])
  })

  it('property (VP8): frames reported complete are exactly those whose every packet was delivered', () => {
    fc.assert(
      fc.property(countsArb, seqArb, planArb, (counts, seq0, plan) => {
        const sent = vp8Frames(counts, seq0)
        const got = deliver(sent, plan)
        const a = assemble(got, 'VP8')
        const delivered = new Set(got.map((p) => `${p.frame}/${p.sequenceNumber}`))
        const expected = counts.map((_, f) => sent.filter((p) => p.frame === f).every((p) => delivered.has(`${f}/${p.sequenceNumber}`)))
        const complete = new Map(a.frames().map((f) => [(f.rtpTimestamp - 1000) / 3000, f.complete]))
        for (let f = 0; f < counts.length; f++) expect(complete.get(f) ?? false).toBe(expected[f])
        const dups = got.length - new Set(got.map((p) => p.sequenceNumber)).size
        expect(a.stats.duplicates).toBe(dups)
        expect(a.frames().reduce((s, f) => s + f.duplicatePackets, 0)).toBe(dups)
        for (const f of a.frames()) {
          expect(f.firstSeq).toBeLessThanOrEqual(f.lastSeq)
          expect(f.firstArrivalMs).toBeLessThanOrEqual(f.lastArrivalMs)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('property (H.264): complete only when every packet was delivered; and always then when the start is provable', () => {
    fc.assert(
      fc.property(countsArb, fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), seqArb, planArb, (counts, aud, seq0, plan) => {
        const sent = h264Frames(counts, aud, seq0)
        const got = deliver(sent, plan)
        const a = assemble(got, 'H264')
        const delivered = new Set(got.map((p) => p.sequenceNumber))
        const all = (f: number) => sent.filter((p) => p.frame === f).every((p) => delivered.has(p.sequenceNumber))
        const lastOf = (f: number) => sent.filter((p) => p.frame === f).at(-1) as SentPacket
        const complete = new Map(a.frames().map((f) => [(f.rtpTimestamp - 7) / 3000, f.complete]))
        for (let f = 0; f < counts.length; f++) {
          const provable = aud[f] === true || (f > 0 && delivered.has(lastOf(f - 1).sequenceNumber))
          expect(complete.get(f) ?? false).toBe(all(f) && provable)
        }
      }),
      { numRuns: 300 },
    )
  })
})
