import { describe, it, expect } from 'vitest'
import { renderRtpAudio, type RecordedRtpPacket } from '../../src/media/rtp-recorder.ts'
import { pcmuDecoder, pcmuEncoder } from '../../src/media/g711.ts'
import { opusDecoder, opusEncoder } from '../../src/media/opus.ts'
import { readAll, tone } from '../../src/media/sources.ts'
import { detectTone, silentGaps } from '../../src/media/analysis.ts'
import type { AudioDecoder } from '../../src/media/types.ts'

/** A counting "codec": each byte b decodes to one sample of value b * 100 (so positions are checkable). */
function countingDecoder(): AudioDecoder {
  return { encoding: 'X', clockRate: 8000, sampleRate: 8000, decode: (p) => Int16Array.from(p, (b) => b * 100) }
}
const frame = (value: number, n = 160) => new Uint8Array(n).fill(value)
const pkt = (seq: number, ts: number, payload: Uint8Array, o: Partial<RecordedRtpPacket> = {}): RecordedRtpPacket => ({
  ssrc: 1,
  sequenceNumber: seq & 0xffff,
  timestamp: ts >>> 0,
  payloadType: 0,
  payload,
  ...o,
})
const opts = { decoderFor: (pt: number) => (pt === 0 ? countingDecoder() : undefined) }

describe('renderRtpAudio: packets back to a PCM timeline', () => {
  it('places frames by RTP timestamp: a lost packet is 20 ms of silence, not compressed away', () => {
    const packets = [pkt(0, 1000, frame(1)), pkt(1, 1160, frame(2)), /* seq 2 lost */ pkt(3, 1480, frame(4))]
    const r = renderRtpAudio(packets, opts)
    expect(r.sampleRate).toBe(8000)
    expect(r.samples.length).toBe(640)
    expect(r.samples[0]).toBe(100)
    expect(r.samples[160]).toBe(200)
    expect(r.samples.subarray(320, 480).every((x) => x === 0)).toBe(true)
    expect(r.samples[480]).toBe(400)
    expect(r.stats).toMatchObject({ packets: 3, decoded: 3, duplicates: 0 })
  })

  it('handles reordering, duplicates, skipped payload types and a timestamp wrap', () => {
    const t0 = 0xffffff00
    const packets = [
      pkt(65535, t0, frame(1)),
      pkt(1, t0 + 320, frame(3)), // arrives before seq 0
      pkt(0, t0 + 160, frame(2)),
      pkt(0, t0 + 160, frame(2)), // duplicate
      pkt(2, t0 + 480, Uint8Array.of(1, 0x80, 0, 160), { payloadType: 101 }), // telephone-event: skipped
      pkt(3, t0 + 640, frame(5)),
    ]
    const r = renderRtpAudio(packets, opts)
    expect([r.samples[0], r.samples[160], r.samples[320], r.samples[480], r.samples[640]]).toEqual([100, 200, 300, 0, 500])
    expect(r.stats).toMatchObject({ packets: 6, decoded: 4, duplicates: 1, skipped: 1 })
  })

  it('a packet reordered before the first one shifts the timeline instead of being dropped', () => {
    const r = renderRtpAudio([pkt(5, 1160, frame(2)), pkt(4, 1000, frame(1))], opts)
    expect([r.samples[0], r.samples[160], r.samples.length]).toEqual([100, 200, 320])
  })

  it('a new SSRC continues after the audio so far', () => {
    const r = renderRtpAudio([pkt(0, 0, frame(1)), pkt(1, 160, frame(2)), pkt(9, 777777, frame(3), { ssrc: 2 }), pkt(10, 777937, frame(4), { ssrc: 2 })], opts)
    expect(r.samples.length).toBe(640)
    expect([r.samples[0], r.samples[160], r.samples[320], r.samples[480]]).toEqual([100, 200, 300, 400])
  })

  it('caps the timeline at maxDurationMs and survives decoder errors', () => {
    const bad: AudioDecoder = {
      ...countingDecoder(),
      decode: (p) =>
        p[0] === 9
          ? (() => {
              throw new Error('corrupt')
            })()
          : Int16Array.from(p),
    }
    const r = renderRtpAudio([pkt(0, 0, frame(1)), pkt(1, 160, frame(9)), pkt(2, 8000 * 3600, frame(1))], { decoderFor: () => bad, maxDurationMs: 1000 })
    expect(r.stats).toMatchObject({ decoded: 1, decodeErrors: 1, truncated: 1 })
    expect(r.samples.length).toBe(160)
    expect(renderRtpAudio([], opts)).toMatchObject({ sampleRate: 8000, samples: new Int16Array(0) })
  })

  it('G.711 and Opus streams with loss decode to the tone with the lost frames silent', () => {
    for (const [enc, dec, rate] of [
      [pcmuEncoder(), pcmuDecoder, 8000],
      [opusEncoder(), opusDecoder, 48000],
    ] as const) {
      const n = rate / 50
      const pcm = readAll(tone(700, { sampleRate: rate }), rate * 2, n)
      const packets: RecordedRtpPacket[] = []
      for (let i = 0; i < 100; i++) {
        const payload = enc.encode(pcm.subarray(i * n, (i + 1) * n))
        if (i === 50 || i === 51) continue // two lost packets
        packets.push(pkt(i, 12345 + i * n, payload, { payloadType: 0 }))
      }
      enc.close?.()
      const r = renderRtpAudio(packets, { decoderFor: () => dec() })
      expect(r.sampleRate).toBe(rate)
      expect(r.samples.length).toBe(2 * rate)
      expect(detectTone(r.samples.subarray(rate * 0.1), rate, 700).present).toBe(true)
      const gaps = silentGaps(r.samples, rate, { minDurationMs: 20, windowMs: 5 })
      expect(gaps).toHaveLength(1)
      // the gap covers the two lost frames (Opus may ring a few ms into it or leave a little before it)
      expect(Math.abs(gaps[0]!.startMs - 1000)).toBeLessThanOrEqual(5)
      expect(Math.abs(gaps[0]!.durationMs - 40)).toBeLessThanOrEqual(5)
    }
  })
})
