import { describe, it, expect } from 'vitest'
import { opusDecoder, opusEncoder } from '../../src/media/opus.ts'
import { readAll, tone } from '../../src/media/sources.ts'
import { detectTone, rmsDbfs } from '../../src/media/analysis.ts'
import { readWavFile, speechFixturePath } from '../../src/media/wav-source.ts'
import { similarity, SIMILARITY_THRESHOLD } from '../../src/media/similarity.ts'

function roundTrip(pcm: Int16Array, bitrate?: number): Int16Array {
  const enc = opusEncoder(bitrate ? { bitrate } : {})
  const dec = opusDecoder()
  try {
    const out = new Int16Array(Math.floor(pcm.length / 960) * 960)
    for (let i = 0; i < out.length; i += 960) {
      const packet = enc.encode(pcm.subarray(i, i + 960))
      const decoded = dec.decode(packet)
      expect(decoded.length).toBe(960)
      out.set(decoded, i)
    }
    return out
  } finally {
    enc.close?.()
    dec.close?.()
  }
}

describe('Opus (libopus via opusscript WebAssembly)', () => {
  it('round-trips a tone at 48 kHz: frequency exact, level within 0.5 dB, SNR above 25 dB', () => {
    const pcm = readAll(tone(1000, { sampleRate: 48000, dbfs: -12 }), 48000 * 2, 960)
    const out = roundTrip(pcm).subarray(4800) // skip the encoder's first 100 ms
    const det = detectTone(out, 48000, 1000, { toleranceHz: 0.5 })
    expect(det.present).toBe(true)
    expect(Math.abs(det.levelDbfs - -12)).toBeLessThan(0.5)
    expect(det.snrDb).toBeGreaterThan(25)
    expect(Math.abs(rmsDbfs(out) - -12)).toBeLessThan(0.5)
  })

  it('keeps speech recognisable (similarity to the original well above the toResemble threshold), at 16 and 32 kbit/s', () => {
    const ref = readWavFile(speechFixturePath('speech-en-1'), 48000)
    const other = readWavFile(speechFixturePath('speech-en-2'), 48000)
    for (const bitrate of [16000, 32000]) {
      const out = { sampleRate: 48000, samples: roundTrip(ref.samples, bitrate) }
      expect(similarity(ref, out).score).toBeGreaterThan(0.95)
      expect(similarity(other, out).score).toBeLessThan(SIMILARITY_THRESHOLD)
    }
  })

  it('validates frames and options, frees its memory idempotently, and rejects garbage packets', () => {
    const enc = opusEncoder()
    expect(() => enc.encode(new Int16Array(1000))).toThrow(/not a valid Opus frame/)
    for (const n of [120, 240, 480, 960, 1920, 2880]) expect(enc.encode(new Int16Array(n)).length).toBeGreaterThan(0)
    enc.close?.()
    enc.close?.()
    expect(() => enc.encode(new Int16Array(960))).toThrow(/after close/)
    expect(() => opusEncoder({ bitrate: 100 })).toThrow(/bitrate must be/)
    const dec = opusDecoder()
    expect(dec.decode(new Uint8Array(0))).toHaveLength(0)
    // TOC byte announcing a code-3 packet with an impossible frame count
    expect(() => dec.decode(Uint8Array.of(0xff, 0xff))).toThrow()
    dec.close?.()
    expect(() => dec.decode(Uint8Array.of(0xf8))).toThrow(/after close/)
  })

  it('many encoders and decoders can be created and freed (no WebAssembly memory growth per instance)', () => {
    for (let i = 0; i < 200; i++) {
      const e = opusEncoder()
      const d = opusDecoder()
      d.decode(e.encode(new Int16Array(960)))
      e.close?.()
      d.close?.()
    }
  })
})
