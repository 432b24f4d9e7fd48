import { describe, it, expect } from 'vitest'
import { detectDtmf, dtmfFrequencies, dtmfTones } from '../../src/media/dtmf.ts'
import { noise, readAll, tone, tones } from '../../src/media/sources.ts'
import { encodeMulaw, decodeMulaw } from '../../src/media/g711.ts'
import { opusDecoder, opusEncoder } from '../../src/media/opus.ts'
import { resample } from '../../src/media/resample.ts'
import { readWavFile, speechFixturePath, SPEECH_FIXTURES } from '../../src/media/wav-source.ts'

const ALL = '0123456789*#ABCD'
const render = (digits: string, o: Parameters<typeof dtmfTones>[1] = {}) => readAll(dtmfTones(digits, o), 10 * 48000 * 60, 1)

function mix(a: Int16Array, b: Int16Array): Int16Array {
  const out = new Int16Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = Math.max(-32768, Math.min(32767, a[i]! + (b[i] ?? 0)))
  return out
}

describe('in-band DTMF (Q.23 tones, Q.24-style detector)', () => {
  it('maps every key to its Q.23 pair and rejects other characters', () => {
    expect(dtmfFrequencies('1')).toEqual([697, 1209])
    expect(dtmfFrequencies('0')).toEqual([941, 1336])
    expect(dtmfFrequencies('#')).toEqual([941, 1477])
    expect(dtmfFrequencies('d')).toEqual([941, 1633])
    expect(() => dtmfFrequencies('x')).toThrow(/not a DTMF digit/)
  })

  for (const rate of [8000, 16000, 48000]) {
    it(`detects all 16 keys with their timing at ${rate} Hz`, () => {
      const pcm = render(ALL, { sampleRate: rate, durationMs: 80, gapMs: 60, leadMs: 30 })
      expect(pcm.length).toBe(Math.round(((30 + 16 * 140) * rate) / 1000))
      const found = detectDtmf(pcm, rate)
      expect(found.map((d) => d.digit).join('')).toBe(ALL)
      found.forEach((d, i) => {
        expect(d.method).toBe('inband')
        expect(Math.abs(d.startMs - (30 + i * 140))).toBeLessThanOrEqual(13)
        expect(Math.abs(d.durationMs - 80)).toBeLessThanOrEqual(26)
      })
    })
  }

  it('repeated keys separated by a 60 ms pause are two presses', () => {
    expect(
      detectDtmf(render('5555', { gapMs: 60 }), 8000)
        .map((d) => d.digit)
        .join(''),
    ).toBe('5555')
  })

  it('survives G.711 μ-law and Opus coding, noise at 20 dB SNR, and twist within limits', () => {
    const pcm = render('159#', { gapMs: 80 })
    expect(
      detectDtmf(decodeMulaw(encodeMulaw(pcm)), 8000)
        .map((d) => d.digit)
        .join(''),
    ).toBe('159#')
    const noisy = mix(pcm, readAll(noise({ seed: 7, dbfs: -30 }), pcm.length))
    expect(
      detectDtmf(noisy, 8000)
        .map((d) => d.digit)
        .join(''),
    ).toBe('159#')
    expect(
      detectDtmf(render('37', { twistDb: -6 }), 8000)
        .map((d) => d.digit)
        .join(''),
    ).toBe('37')
    expect(
      detectDtmf(render('37', { twistDb: 3 }), 8000)
        .map((d) => d.digit)
        .join(''),
    ).toBe('37')
    // Opus at 48 kHz, 20 ms frames
    const wide = render('*0#', { sampleRate: 48000, gapMs: 80 })
    const enc = opusEncoder()
    const dec = opusDecoder()
    try {
      const out = new Int16Array(Math.ceil(wide.length / 960) * 960)
      for (let i = 0; i < out.length; i += 960) {
        const frame = new Int16Array(960)
        frame.set(wide.subarray(i, i + 960))
        out.set(dec.decode(enc.encode(frame)), i)
      }
      expect(
        detectDtmf(out, 48000)
          .map((d) => d.digit)
          .join(''),
      ).toBe('*0#')
      expect(
        detectDtmf(resample(out, 48000, 8000), 8000)
          .map((d) => d.digit)
          .join(''),
      ).toBe('*0#')
    } finally {
      enc.close?.()
      dec.close?.()
    }
  })

  it('rejects: too short, too much twist, single tones, off-frequency pairs, noise, silence, too quiet', () => {
    expect(detectDtmf(render('1', { durationMs: 25 }), 8000)).toEqual([])
    expect(detectDtmf(render('1', { twistDb: -12 }), 8000)).toEqual([])
    expect(detectDtmf(render('1', { twistDb: 7, dbfs: -16 }), 8000)).toEqual([])
    expect(detectDtmf(readAll(tone(697, { durationMs: 500 }), 4000), 8000)).toEqual([])
    expect(detectDtmf(readAll(tone(1209, { durationMs: 500 }), 4000), 8000)).toEqual([])
    // 6 % off both frequencies (Q.24: must reject beyond ±3.5 %)
    expect(detectDtmf(readAll(tones([697 * 1.06, 1209 * 1.06], { durationMs: 500, dbfs: -10 }), 4000), 8000)).toEqual([])
    expect(detectDtmf(readAll(noise({ seed: 3, dbfs: -10, durationMs: 2000 }), 16000), 8000)).toEqual([])
    expect(detectDtmf(new Int16Array(16000), 8000)).toEqual([])
    expect(detectDtmf(render('1', { dbfs: -40 }), 8000)).toEqual([])
    // a tone pair plus loud speech-band noise: below the 70 % tone share
    const masked = mix(render('1', { dbfs: -20, durationMs: 200 }), readAll(noise({ seed: 9, dbfs: -18 }), 8000))
    expect(detectDtmf(masked, 8000)).toEqual([])
  })

  it('finds no digits in speech (talk-off), and finds the digits mixed into speech pauses', () => {
    for (const name of SPEECH_FIXTURES) {
      const speech = readWavFile(speechFixturePath(name), 8000).samples
      expect(detectDtmf(speech, 8000)).toEqual([])
      // digits after the sentence are still found
      const digits = render('42', { dbfs: -16, leadMs: 0 })
      const both = new Int16Array(speech.length + digits.length)
      both.set(speech)
      both.set(digits, speech.length)
      expect(
        detectDtmf(both, 8000)
          .map((d) => d.digit)
          .join(''),
      ).toBe('42')
    }
  })
})
