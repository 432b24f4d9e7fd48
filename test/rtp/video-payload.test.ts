import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import {
  H264_NAL,
  nalToRbsp,
  parseH264Packet,
  parseH264PacketInfo,
  parseH264Sps,
  parseVp8Descriptor,
  parseVp8FrameHeader,
  parseVp8Packet,
} from '../../src/rtp/video-payload.ts'

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'))

/** A VP8 key frame's first 10 octets (RFC 6386 §9.1): tag (key, version 0, shown, partition size 100), start code, size. */
function vp8KeyHeader(width: number, height: number, hscale = 0, vscale = 0): Uint8Array {
  const tag = (100 << 5) | (1 << 4)
  const w = width | (hscale << 14)
  const h = height | (vscale << 14)
  return Uint8Array.of(tag & 0xff, (tag >> 8) & 0xff, tag >> 16, 0x9d, 0x01, 0x2a, w & 0xff, w >> 8, h & 0xff, h >> 8)
}
const vp8InterHeader = () => {
  const tag = (100 << 5) | (1 << 4) | 1
  return Uint8Array.of(tag & 0xff, (tag >> 8) & 0xff, tag >> 16, 0x11, 0x22)
}

// SPS NAL units from libx264 (ffmpeg testsrc, yuv420p unless noted), with the sizes ffprobe reports for them.
const SPS = {
  high640x360: '6764001eacd940a02ff970110000030001000003003c0f162d96', // height 368 cropped to 360
  high320x240: '6764000dacd94141fb0110000003001000000303c0f1429960',
  high1280x720: '6764001facd9405005bb0110000003001000000303c0f1831960',
  baseline176x144: '6742c00bd902c4ec0440000003004000000f03c50a92',
  high444_322x242: '67f4000d919b282a10f1f1f80880000003008000001e078a14cb', // 4:4:4 predictive, cropped from 336×256
}

describe('VP8 payload descriptor (RFC 7741 §4.2)', () => {
  it('reads the one-octet form and the partition start', () => {
    expect(parseVp8Descriptor(Uint8Array.of(0x10, 0xaa))).toEqual({ extended: false, nonReference: false, partitionStart: true, partitionId: 0, length: 1 })
    expect(parseVp8Descriptor(Uint8Array.of(0x23, 0xaa))).toMatchObject({ nonReference: true, partitionStart: false, partitionId: 3, length: 1 })
  })

  it('reads 7- and 15-bit PictureIDs, TL0PICIDX, TID/Y and KEYIDX (the RFC 7741 §4.2 figure)', () => {
    // X=1 S=1; I=1 L=1 T=1 K=1; M=1 PictureID 0x1234; TL0PICIDX 7; TID=2 Y=1 KEYIDX=5
    const d = parseVp8Descriptor(Uint8Array.of(0x90, 0xf0, 0x92, 0x34, 0x07, 0b1010_0101, 0xff))
    expect(d).toEqual({
      extended: true,
      nonReference: false,
      partitionStart: true,
      partitionId: 0,
      pictureId: 0x1234,
      pictureIdBits: 15,
      tl0PicIdx: 7,
      temporalLayer: 2,
      layerSync: true,
      keyIdx: 5,
      length: 6,
    })
    expect(parseVp8Descriptor(Uint8Array.of(0x80, 0x80, 0x55, 0xff))).toMatchObject({ pictureId: 0x55, pictureIdBits: 7, length: 3 })
    // werift's and libwebrtc's single-layer form: X=1 I=1 M=1
    expect(parseVp8Descriptor(Uint8Array.of(0x90, 0x80, 0x80, 0x01, 0))).toMatchObject({ pictureId: 1, length: 4, partitionStart: true })
  })

  it('property: parses what a reference writer builds from any field combination', () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.boolean(),
          s: fc.boolean(),
          pid: fc.integer({ min: 0, max: 7 }),
          picture: fc.option(
            fc.oneof(
              fc.integer({ min: 0, max: 127 }).map((v) => [v, 7] as const),
              fc.integer({ min: 0, max: 0x7fff }).map((v) => [v, 15] as const),
            ),
          ),
          tl0: fc.option(fc.integer({ min: 0, max: 255 })),
          tid: fc.option(fc.record({ tid: fc.integer({ min: 0, max: 3 }), y: fc.boolean() })),
          keyIdx: fc.option(fc.integer({ min: 0, max: 31 })),
        }),
        (f) => {
          const bytes: number[] = []
          const x = f.picture !== null || f.tl0 !== null || f.tid !== null || f.keyIdx !== null
          bytes.push((x ? 0x80 : 0) | (f.n ? 0x20 : 0) | (f.s ? 0x10 : 0) | f.pid)
          if (x) bytes.push((f.picture ? 0x80 : 0) | (f.tl0 !== null ? 0x40 : 0) | (f.tid ? 0x20 : 0) | (f.keyIdx !== null ? 0x10 : 0))
          if (f.picture) {
            const v = f.picture[0]
            if (f.picture[1] === 15) bytes.push(0x80 | (v >> 8), v & 0xff)
            else bytes.push(v)
          }
          if (f.tl0 !== null) bytes.push(f.tl0)
          if (f.tid || f.keyIdx !== null) bytes.push((f.tid ? (f.tid.tid << 6) | (f.tid.y ? 0x20 : 0) : 0) | (f.keyIdx ?? 0))
          const d = parseVp8Descriptor(Uint8Array.from([...bytes, 0xab]))
          expect(d.length).toBe(bytes.length)
          expect(d.extended).toBe(x)
          expect(d.nonReference).toBe(f.n)
          expect(d.partitionStart).toBe(f.s)
          expect(d.partitionId).toBe(f.pid)
          expect(d.pictureId).toBe(f.picture?.[0])
          expect(d.pictureIdBits).toBe(f.picture?.[1])
          expect(d.tl0PicIdx).toBe(f.tl0 ?? undefined)
          expect(d.temporalLayer).toBe(f.tid?.tid)
          expect(d.layerSync).toBe(f.tid?.y)
          expect(d.keyIdx).toBe(f.keyIdx ?? undefined)
          // and every strict prefix of the descriptor is refused, naming the RFC
          for (let cut = 0; cut < bytes.length; cut++) expect(() => parseVp8Descriptor(Uint8Array.from(bytes.slice(0, cut)))).toThrow(/RFC 7741|truncated/)
        },
      ),
    )
  })
})

describe('VP8 payload header (RFC 7741 §4.3, RFC 6386 §9.1)', () => {
  it('reads a key frame size and scaling, and an interframe tag', () => {
    expect(parseVp8FrameHeader(vp8KeyHeader(640, 480))).toMatchObject({ keyframe: true, showFrame: true, firstPartitionSize: 100, width: 640, height: 480 })
    expect(parseVp8FrameHeader(vp8KeyHeader(1920, 1080, 1, 2))).toMatchObject({ width: 1920, height: 1080, horizontalScale: 1, verticalScale: 2 })
    const inter = parseVp8FrameHeader(vp8InterHeader())
    expect(inter.keyframe).toBe(false)
    expect(inter.width).toBeUndefined()
  })

  it('refuses a key frame without the start code', () => {
    const bad = vp8KeyHeader(640, 480)
    bad[4] = 0x02
    expect(() => parseVp8FrameHeader(bad)).toThrow(/start code is 9d 02 2a, expected 9d 01 2a/)
  })

  it('a packet is a frame start only with S=1 and PID 0; key frame facts come from that packet only', () => {
    const key = parseVp8Packet(Uint8Array.from([0x90, 0x80, 0x80, 0x01, ...vp8KeyHeader(320, 180)]))
    expect(key).toMatchObject({ frameStart: true, keyframe: true, width: 320, height: 180 })
    const inter = parseVp8Packet(Uint8Array.from([0x90, 0x80, 0x80, 0x02, ...vp8InterHeader()]))
    expect(inter).toMatchObject({ frameStart: true, keyframe: false })
    // continuation packets carry arbitrary bytes after the descriptor: no key frame claim from them
    const cont = parseVp8Packet(Uint8Array.from([0x80, 0x80, 0x80, 0x01, 0x00, 0x00, 0x00]))
    expect(cont).toMatchObject({ frameStart: false, keyframe: false })
    // S=1 with PID 2 starts a later partition, not the frame
    expect(parseVp8Packet(Uint8Array.of(0x12, 0, 0, 0)).frameStart).toBe(false)
  })
})

describe('H.264 payload (RFC 6184 §5.6–5.8)', () => {
  it('reads single NAL unit packets by type', () => {
    expect(parseH264Packet(Uint8Array.of(0x65, 0x88, 0x84))).toMatchObject({ packetization: 'single', nals: [{ type: H264_NAL.idr }] })
    const info = parseH264PacketInfo(Uint8Array.of(0x41, 0x9a, 0x00))
    expect(info).toMatchObject({ beginsNal: true, frameStart: false, keyframe: false })
    expect(parseH264PacketInfo(Uint8Array.of(0x09, 0xf0)).frameStart).toBe(true) // AUD
  })

  it('reads a STAP-A with SPS and PPS (RFC 6184 Figure 7): frame start, size from the SPS', () => {
    const sps = hex(SPS.high640x360)
    const pps = hex('68ebe3cb22c0')
    const stap = Uint8Array.from([0x78, sps.length >> 8, sps.length & 0xff, ...sps, 0, pps.length, ...pps])
    const p = parseH264Packet(stap)
    expect(p.packetization).toBe('stap-a')
    expect(p.nals.map((n) => n.type)).toEqual([H264_NAL.sps, H264_NAL.pps])
    expect(parseH264PacketInfo(stap)).toMatchObject({ frameStart: true, beginsNal: true, keyframe: false, width: 640, height: 360 })
    const idrInStap = Uint8Array.from([0x78, 0, 2, 0x09, 0x10, 0, 3, 0x65, 0x88, 0x80])
    expect(parseH264PacketInfo(idrInStap)).toMatchObject({ frameStart: true, keyframe: true })
  })

  it('reads FU-A start, middle and end fragments; only the start begins a NAL unit', () => {
    const start = parseH264PacketInfo(Uint8Array.of(0x7c, 0x85, 0x88, 0x84))
    expect(start).toMatchObject({ beginsNal: true, keyframe: true, frameStart: false })
    expect(start.packet.nals[0]).toMatchObject({ type: H264_NAL.idr, fuStart: true, fuEnd: false })
    expect(start.packet.nals[0]?.data[0]).toBe(0x65) // NAL header rebuilt: F=0 NRI=3 type 5
    const middle = parseH264PacketInfo(Uint8Array.of(0x7c, 0x05, 0x11))
    expect(middle).toMatchObject({ beginsNal: false })
    expect(parseH264Packet(Uint8Array.of(0x5c, 0x41, 0x22)).nals[0]).toMatchObject({ type: 1, fuStart: false, fuEnd: true })
    expect(() => parseH264Packet(Uint8Array.of(0x7c, 0xc5, 0x00))).toThrow(/both S and E/)
  })

  it('refuses truncated STAP-A sizes and interleaved-mode packets, naming the RFC section', () => {
    expect(() => parseH264Packet(Uint8Array.of(0x78, 0x00, 0x05, 0x67))).toThrow(/STAP-A unit at octet 1 states 5 octets, 1 remain/)
    expect(() => parseH264Packet(Uint8Array.of(0x78, 0x00))).toThrow(/truncated/)
    expect(() => parseH264Packet(Uint8Array.of(0x7a, 0))).toThrow(/type 26 \(interleaved mode only\)/)
    expect(() => parseH264Packet(Uint8Array.of(0x00))).toThrow(/type 0 \(reserved\)/)
    expect(() => parseH264Packet(new Uint8Array(0))).toThrow(/empty/)
  })
})

describe('H.264 SPS (ITU-T H.264 §7.3.2.1.1)', () => {
  it('reads libx264 SPSs: profiles, levels, sizes with cropping, 4:4:4 crop units', () => {
    expect(parseH264Sps(hex(SPS.high640x360))).toEqual({ profileIdc: 100, constraints: 0, levelIdc: 30, width: 640, height: 360 })
    expect(parseH264Sps(hex(SPS.high320x240))).toMatchObject({ width: 320, height: 240, levelIdc: 13 })
    expect(parseH264Sps(hex(SPS.high1280x720))).toMatchObject({ width: 1280, height: 720, levelIdc: 31 })
    expect(parseH264Sps(hex(SPS.baseline176x144))).toEqual({ profileIdc: 66, constraints: 0xc0, levelIdc: 11, width: 176, height: 144 })
    expect(parseH264Sps(hex(SPS.high444_322x242))).toMatchObject({ profileIdc: 244, width: 322, height: 242 })
  })

  it('removes emulation-prevention bytes', () => {
    expect([...nalToRbsp(hex('0000030100000300'))]).toEqual([0, 0, 1, 0, 0, 0])
    expect([...nalToRbsp(hex('0003000003'))]).toEqual([0, 3, 0, 0]) // one zero before 03 is data
  })

  it('refuses a truncated SPS and a NAL unit that is not one', () => {
    const sps = hex(SPS.high640x360)
    expect(() => parseH264Sps(sps.subarray(0, 6))).toThrow(/SPS truncated/)
    expect(() => parseH264Sps(hex('68ebe3cb22c0'))).toThrow(/not an H.264 SPS/)
  })

  it('property: never throws anything but an RtcspecError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        for (const parse of [() => parseH264Sps(Uint8Array.from([0x67, ...bytes])), () => parseH264Packet(bytes), () => parseVp8Packet(bytes)]) {
          try {
            parse()
          } catch (e) {
            expect((e as { code?: string }).code).toBe('VIDEO_PAYLOAD')
          }
        }
      }),
    )
  })
})
