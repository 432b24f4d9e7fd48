import { describe, expect, it } from 'vitest'
import { readIvf } from '../../../src/media/video/ivf.ts'
import { splitAccessUnits } from '../../../src/media/video/annexb.ts'
import { depacketizeVideoFrame, recordedVideoFile, recordRtpVideo } from '../../../src/media/video/rtp-video-recorder.ts'
import type { AssemblerPacket } from '../../../src/media/video/frame-assembler.ts'

const KEY = [0x90, 0x0c, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00] // VP8 key frame header, 320×240
const pkt = (seq: number, ts: number, marker: boolean, payload: number[]): AssemblerPacket => ({
  sequenceNumber: seq,
  timestamp: ts,
  marker,
  payload: Uint8Array.from(payload),
  arrivalMs: seq,
})

describe('recording received video', () => {
  it('VP8: strips the descriptors, writes complete frames only, presentation times from the RTP timestamps', () => {
    const packets = [
      pkt(1, 9000, false, [0x90, 0x80, 0x80, 0x01, ...KEY]),
      pkt(2, 9000, true, [0x80, 0x80, 0x80, 0x01, 0xaa, 0xbb]),
      pkt(3, 12_000, false, [0x90, 0x80, 0x80, 0x02, 0x11, 0x00, 0x00]), // its second packet is lost
      pkt(5, 15_000, true, [0x90, 0x80, 0x80, 0x03, 0x11, 0x00, 0x00, 0xcc]),
      pkt(2, 9000, true, [0x80, 0x80, 0x80, 0x01, 0xaa, 0xbb]), // a duplicate changes nothing
    ]
    const rec = recordRtpVideo(packets, 'VP8')
    expect(rec.frames.map((f) => [f.rtpTimestamp, f.pts, f.keyframe])).toEqual([
      [9000, 0, true],
      [15_000, 6000, false],
    ])
    expect(rec.incompleteFrames).toBe(1)
    expect([...(rec.frames[0]?.data ?? [])]).toEqual([...KEY, 0xaa, 0xbb])
    expect(rec.durationMs).toBeCloseTo(66.67, 1)
    const file = recordedVideoFile(rec)
    expect(file.extension).toBe('ivf')
    const ivf = readIvf(file.bytes)
    expect(ivf).toMatchObject({ fourcc: 'VP80', width: 320, height: 240, timebaseNum: 1, timebaseDen: 90_000 })
    expect(ivf.frames.map((f) => f.pts)).toEqual([0, 6000])
  })

  it('H.264: single NAL units, STAP-A units and a reassembled FU-A become one Annex B access unit per frame', () => {
    const payloads = [
      Uint8Array.of(0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce), // STAP-A: SPS (2 bytes), PPS (2 bytes)
      Uint8Array.of(0x06, 0x05, 0x00), // SEI as a single NAL unit
      Uint8Array.of(0x7c, 0x85, 0x01, 0x02), // FU-A start of an IDR
      Uint8Array.of(0x7c, 0x05, 0x03), // middle
      Uint8Array.of(0x7c, 0x45, 0x04), // end
    ]
    const au = depacketizeVideoFrame('H264', payloads)
    expect([...au]).toEqual([0, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x68, 0xce, 0, 0, 0, 1, 0x06, 0x05, 0x00, 0, 0, 0, 1, 0x65, 0x01, 0x02, 0x03, 0x04])
    expect(splitAccessUnits(au).map((u) => u.nalTypes)).toEqual([[7, 8, 6, 5]])
    const rec = recordRtpVideo(
      payloads.map((p, i) => pkt(100 + i, 3000, i === payloads.length - 1, [...p])),
      'H264',
    )
    expect(rec.frames).toHaveLength(1)
    expect(recordedVideoFile(rec)).toMatchObject({ extension: 'h264' })
  })
})
