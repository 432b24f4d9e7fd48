import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { joinNalUnits, splitAccessUnits, splitNalUnits } from '../../../src/media/video/annexb.ts'
import { readIvf, vp8FrameInfo, writeIvf } from '../../../src/media/video/ivf.ts'
import type { I420Frame } from '../../../src/media/video/types.ts'
import { readY4m, writeY4m } from '../../../src/media/video/y4m.ts'

const picture = (width: number, height: number): fc.Arbitrary<I420Frame> => {
  const c = ((width + 1) >> 1) * ((height + 1) >> 1)
  return fc.record({
    width: fc.constant(width),
    height: fc.constant(height),
    y: fc.uint8Array({ minLength: width * height, maxLength: width * height }),
    u: fc.uint8Array({ minLength: c, maxLength: c }),
    v: fc.uint8Array({ minLength: c, maxLength: c }),
  })
}

/** A Y4M stream: a size, a rate, a colour space and a few pictures of that size. */
const y4mStream = fc
  .record({
    width: fc.integer({ min: 1, max: 24 }),
    height: fc.integer({ min: 1, max: 24 }),
    fps: fc.oneof(fc.integer({ min: 1, max: 120 }), fc.constant(29.97)),
    colorspace: fc.constantFrom('420jpeg' as const, '420' as const),
    count: fc.integer({ min: 0, max: 4 }),
  })
  .chain((h) => fc.record({ h: fc.constant(h), frames: fc.array(picture(h.width, h.height), { minLength: h.count, maxLength: h.count }) }))

/** An IVF file: header fields and frames of random bytes. */
const ivfFile = fc.record({
  fourcc: fc.constantFrom('VP80', 'VP90'),
  width: fc.integer({ min: 1, max: 4096 }),
  height: fc.integer({ min: 1, max: 4096 }),
  timebaseNum: fc.integer({ min: 1, max: 1001 }),
  timebaseDen: fc.integer({ min: 1, max: 90000 }),
  frames: fc.array(fc.record({ pts: fc.integer({ min: 0, max: 2 ** 40 }), data: fc.uint8Array({ maxLength: 64 }) }), { maxLength: 6 }),
})

/** An H.264 access unit: optional AUD/SPS/PPS/SEI, then 1-3 slices (the first with first_mb_in_slice = 0). */
const accessUnit = fc
  .record({
    aud: fc.boolean(),
    params: fc.boolean(),
    sei: fc.boolean(),
    idr: fc.boolean(),
    slices: fc.integer({ min: 1, max: 3 }),
    body: fc.uint8Array({ minLength: 1, maxLength: 20 }),
  })
  .map((a) => {
    const nals: Uint8Array[] = []
    // Payload bytes never hold 00 00 0x (emulation prevention guarantees that in real streams) and never end in 00.
    const body = Uint8Array.from(a.body, (b) => b | 0x10)
    if (a.aud) nals.push(Uint8Array.of(0x09, 0xf0))
    if (a.params) nals.push(Uint8Array.of(0x67, 0x42, 0xc0, 0x1e, ...body), Uint8Array.of(0x68, 0xce, 0x3c, 0x80))
    if (a.sei) nals.push(Uint8Array.of(0x06, 0x05, ...body))
    for (let s = 0; s < a.slices; s++) nals.push(Uint8Array.of(a.idr ? 0x65 : 0x41, s === 0 ? 0x88 : 0x1a, ...body))
    return { nals, idr: a.idr }
  })

describe('Y4M', () => {
  it('round-trips any 4:2:0 stream', () => {
    fc.assert(
      fc.property(y4mStream, ({ h, frames }) => {
        const back = readY4m(writeY4m(frames, h))
        expect(back.frames).toEqual(frames)
        expect([back.header.width, back.header.height, back.header.colorspace]).toEqual([h.width, h.height, h.colorspace])
        expect(back.header.fps.num / back.header.fps.den).toBeCloseTo(h.fps, 6)
      }),
    )
  })

  it('names what is wrong with a bad file', () => {
    expect(() => readY4m(new TextEncoder().encode('RIFF....'))).toThrow(/YUV4MPEG2/)
    expect(() => readY4m(new TextEncoder().encode('YUV4MPEG2 W4 H4 F30:1 C444\n'))).toThrow(/C444 is not 4:2:0/)
    const ok = writeY4m([{ width: 2, height: 2, y: new Uint8Array(4), u: new Uint8Array(1), v: new Uint8Array(1) }], { width: 2, height: 2, fps: 30 })
    expect(() => readY4m(ok.subarray(0, ok.length - 1))).toThrow(/frame 0 is cut short/)
    expect(() =>
      writeY4m([{ width: 2, height: 2, y: new Uint8Array(4), u: new Uint8Array(1), v: new Uint8Array(1) }], { width: 4, height: 2, fps: 30 }),
    ).toThrow(/one size per file/)
  })
})

describe('IVF', () => {
  it('round-trips any file', () => {
    fc.assert(
      fc.property(ivfFile, (file) => {
        const back = readIvf(writeIvf(file))
        expect({ ...back, frames: back.frames.map((f) => ({ pts: f.pts, data: f.data })) }).toEqual(file)
      }),
    )
  })

  it('names a file that is not IVF and a frame cut short', () => {
    expect(() => readIvf(new Uint8Array(40))).toThrow(/DKIF/)
    const bytes = writeIvf({ fourcc: 'VP80', width: 2, height: 2, timebaseNum: 1, timebaseDen: 30, frames: [{ pts: 0, data: new Uint8Array(10) }] })
    expect(() => readIvf(bytes.subarray(0, bytes.length - 3))).toThrow(/frame 0 is cut short/)
  })

  it('tells VP8 key frames and their size', () => {
    // A key frame tag (bit 0 clear), the start code and 640×480 with scaling bits set (ignored).
    expect(vp8FrameInfo(Uint8Array.of(0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x42, 0xe0, 0xc1))).toEqual({ keyframe: true, width: 640, height: 480 })
    expect(vp8FrameInfo(Uint8Array.of(0x51, 0x42, 0x00, 0x00))).toEqual({ keyframe: false })
    expect(vp8FrameInfo(new Uint8Array(1))).toEqual({ keyframe: false })
  })
})

describe('Annex B', () => {
  it('splits any stream of access units back into the same units', () => {
    fc.assert(
      fc.property(fc.array(accessUnit, { maxLength: 6 }), fc.boolean(), (units, threeByte) => {
        let stream = joinNalUnits(units.flatMap((u) => u.nals))
        // Some writers use 3-byte start codes: drop the leading zero of every start code.
        if (threeByte) {
          const out: number[] = []
          for (let i = 0; i < stream.length; i++)
            if (!(stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 0 && stream[i + 3] === 1)) out.push(stream[i]!)
          stream = Uint8Array.from(out)
        }
        const got = splitAccessUnits(stream)
        expect(got.map((u) => u.keyframe)).toEqual(units.map((u) => u.idr))
        expect(got.map((u) => [...u.data])).toEqual(units.map((u) => [...joinNalUnits(u.nals)]))
        expect(splitNalUnits(stream).length).toBe(units.reduce((a, u) => a + u.nals.length, 0))
      }),
    )
  })

  it('ignores bytes before the first start code and trailing zeros', () => {
    const s = Uint8Array.of(0xff, 0xee, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 0, 1, 0x65, 0x88, 7, 0, 0)
    expect(splitNalUnits(s).map((n) => [...n])).toEqual([
      [0x67, 1, 2],
      [0x65, 0x88, 7],
    ])
    expect(splitAccessUnits(s).map((u) => u.nalTypes)).toEqual([[7, 5]])
  })
})
