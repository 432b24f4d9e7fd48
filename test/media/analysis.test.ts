import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { goertzelPower, dominantFrequency, detectTone, rmsDbfs, silenceRatio, silentGaps, clippingRatio, powerSpectrum } from '../../src/media/analysis.ts'
import { tone, tones, noise, silence, readAll } from '../../src/media/sources.ts'
import { decodeMulaw, encodeMulaw } from '../../src/media/g711.ts'

const render = (src: ReturnType<typeof tone>, seconds: number) => readAll(src, Math.round(src.sampleRate * seconds), 1)

/** Sample-wise sum, asserting nothing wraps. */
function mix(a: Int16Array, b: Int16Array): Int16Array {
  const out = new Int16Array(a.length)
  for (let i = 0; i < a.length; i++) {
    const v = (a[i] as number) + (b[i] as number)
    if (v > 32767 || v < -32768) throw new Error('test mix clipped')
    out[i] = v
  }
  return out
}

function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

describe('dominantFrequency', () => {
  for (const rate of [8000, 16000, 48000]) {
    it(`finds clean tones of 0.5 s at ${rate} Hz within 0.05 Hz (spec: ±2 Hz)`, () => {
      let worst = 0
      fc.assert(
        fc.property(
          fc.double({ min: 60, max: rate * 0.45, noNaN: true }),
          fc.constantFrom(0.5, 0.77, 1.3),
          fc.integer({ min: -40, max: -1 }),
          (hz, seconds, dbfs) => {
            const f = dominantFrequency(render(tone(hz, { sampleRate: rate, dbfs }), seconds), rate)
            worst = Math.max(worst, Math.abs(f - hz))
            expect(Math.abs(f - hz)).toBeLessThan(0.05)
          },
        ),
        { numRuns: 60, seed: 20261121 },
      )
      expect(worst).toBeGreaterThan(0) // sanity: it is a measurement, not a lookup
    })
  }

  it('handles long inputs by averaging (10 s at 48 kHz)', () => {
    expect(Math.abs(dominantFrequency(render(tone(1234.56, { sampleRate: 48000 }), 10), 48000) - 1234.56)).toBeLessThan(0.05)
  })

  it('picks the louder of two tones and honours minHz/maxHz', () => {
    const x = mix(render(tone(700, { dbfs: -20 }), 1), render(tone(1900, { dbfs: -14 }), 1))
    expect(Math.abs(dominantFrequency(x, 8000) - 1900)).toBeLessThan(0.05)
    expect(Math.abs(dominantFrequency(x, 8000, { maxHz: 1500 }) - 700)).toBeLessThan(0.05)
    const hum = mix(render(tone(50, { dbfs: -10 }), 1), render(tone(440, { dbfs: -30 }), 1))
    expect(Math.abs(dominantFrequency(hum, 8000, { minHz: 100 }) - 440)).toBeLessThan(0.05)
  })

  it('stays within ±2 Hz for a tone at 10 dB SNR in white noise', () => {
    for (const seed of [1, 2, 3]) {
      const x = mix(render(tone(1020, { dbfs: -20 }), 0.5), render(noise({ seed, dbfs: -30 }), 0.5))
      expect(Math.abs(dominantFrequency(x, 8000) - 1020), `seed ${seed}`).toBeLessThan(2)
    }
  })

  it('is NaN for silence and empty input', () => {
    expect(dominantFrequency(new Int16Array(4000), 8000)).toBeNaN()
    expect(dominantFrequency(new Int16Array(0), 8000)).toBeNaN()
  })
})

describe('detectTone', () => {
  it('finds the right tone, with frequency, level and a high SNR', () => {
    for (const [hz, rate, dbfs] of [
      [1000, 8000, -12],
      [440, 48000, -30],
      [3400, 8000, -50],
    ] as const) {
      const d = detectTone(render(tone(hz, { sampleRate: rate, dbfs }), 0.5), rate, hz)
      expect(d.present, `${hz} Hz`).toBe(true)
      expect(Math.abs(d.measuredHz - hz)).toBeLessThan(0.05)
      expect(Math.abs(d.levelDbfs - dbfs)).toBeLessThan(0.1)
      // only PCM16 rounding is "noise" (true SNR > 80 dB); the Hann leakage beyond ±8 bins caps the reading near 60 dB
      expect(d.snrDb).toBeGreaterThan(45)
    }
  })

  it('measures the G.711 quantization SNR of a μ-law coded tone (theory ≈ 38 dB at mid levels)', () => {
    const x = decodeMulaw(encodeMulaw(render(tone(1020, { dbfs: -12 }), 1)))
    const d = detectTone(x, 8000, 1020)
    expect(d.present).toBe(true)
    expect(d.snrDb).toBeGreaterThan(35)
    expect(d.snrDb).toBeLessThan(40)
  })

  it('a wrong tone is not present (1100 Hz when 1000 is expected, and 1005 Hz outside the 2 Hz tolerance)', () => {
    const far = detectTone(render(tone(1100), 1), 8000, 1000)
    expect(far.present).toBe(false)
    expect(far.measuredHz).toBeNaN() // the only peaks near 1000 Hz are side lobes of 1100 Hz
    const near = detectTone(render(tone(1005), 1), 8000, 1000)
    expect(near.present).toBe(false)
    expect(Math.abs(near.measuredHz - 1005)).toBeLessThan(0.05)
    expect(detectTone(render(tone(1005), 1), 8000, 1000, { toleranceHz: 6 }).present).toBe(true)
  })

  it('white noise alone: no tone, over many seeds', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const d = detectTone(render(noise({ seed, dbfs: -20 }), 0.5), 8000, 1000)
      expect(d.present, `seed ${seed}`).toBe(false)
      expect(d.prominenceDb, `seed ${seed}`).toBeLessThan(15)
    }
  })

  it('silence and empty input: no tone', () => {
    for (const x of [render(silence(), 1), new Int16Array(0)]) {
      const d = detectTone(x, 8000, 1000)
      expect(d.present).toBe(false)
      expect(d.measuredHz).toBeNaN()
      expect(d.snrDb).toBe(Number.NEGATIVE_INFINITY)
    }
  })

  it('measures the SNR of a tone buried in white noise within ±1 dB (1 s, SNR -15 … +20 dB)', () => {
    for (const snr of [20, 10, 0, -5, -10, -15]) {
      for (const seed of [11, 12]) {
        const x = mix(render(tone(1000, { dbfs: -30 }), 1), render(noise({ seed, dbfs: -30 - snr }), 1))
        const d = detectTone(x, 8000, 1000)
        expect(d.present, `SNR ${snr} dB, seed ${seed}`).toBe(true)
        expect(Math.abs(d.snrDb - snr), `SNR ${snr} dB, seed ${seed}: measured ${d.snrDb}`).toBeLessThan(1)
        expect(Math.abs(d.levelDbfs + 30), `level at SNR ${snr}`).toBeLessThan(1)
      }
    }
  })

  it('a tone too deep in noise (-30 dB SNR, 0.5 s) is not reported present', () => {
    const x = mix(render(tone(1000, { dbfs: -40 }), 0.5), render(noise({ seed: 4, dbfs: -10 }), 0.5))
    expect(detectTone(x, 8000, 1000).present).toBe(false)
  })

  it('each tone of a dual tone is present; the other counts as noise in snrDb', () => {
    const x = render(tones([1000, 1500], { dbfs: -15 }), 1)
    for (const hz of [1000, 1500]) {
      const d = detectTone(x, 8000, hz)
      expect(d.present).toBe(true)
      expect(Math.abs(d.snrDb)).toBeLessThan(0.1) // equal powers: 0 dB
    }
    expect(detectTone(x, 8000, 1250).present).toBe(false)
  })

  it('respects minLevelDbfs', () => {
    const x = render(tone(1000, { dbfs: -70 }), 1)
    expect(detectTone(x, 8000, 1000).present).toBe(false)
    expect(detectTone(x, 8000, 1000, { minLevelDbfs: -80 }).present).toBe(true)
  })
})

describe('goertzelPower', () => {
  it('gives 10^(dbfs/10) for a tone on a whole number of cycles, ~0 for other bins', () => {
    const x = render(tone(1000, { dbfs: -12 }), 0.02) // 160 samples, 20 cycles
    expect(10 * Math.log10(goertzelPower(x, 8000, 1000))).toBeCloseTo(-12, 2)
    expect(goertzelPower(x, 8000, 1050)).toBeLessThan(1e-8) // exactly one bin off: orthogonal
    expect(goertzelPower(x, 8000, 2000)).toBeLessThan(1e-8)
  })

  it('agrees with a direct correlation at non-bin frequencies', () => {
    const x = render(noise({ seed: 8, dbfs: -10 }), 0.0375) // 300 samples
    for (const hz of [123.4, 697, 1633.3]) {
      let re = 0
      let im = 0
      for (let i = 0; i < x.length; i++) {
        re += (x[i] as number) * Math.cos((2 * Math.PI * hz * i) / 8000)
        im -= (x[i] as number) * Math.sin((2 * Math.PI * hz * i) / 8000)
      }
      const expected = ((2 * Math.hypot(re, im)) / x.length / 32768) ** 2
      expect(goertzelPower(x, 8000, hz) / expected).toBeCloseTo(1, 9)
    }
    expect(goertzelPower(new Int16Array(0), 8000, 1000)).toBe(0)
  })

  it('separates DTMF row tones in a 20 ms frame', () => {
    const x = render(tones([770, 1336], { dbfs: -10 }), 0.02)
    const p = Object.fromEntries([697, 770, 852, 941].map((hz) => [hz, 10 * Math.log10(goertzelPower(x, 8000, hz))]))
    expect(Math.abs((p[770] as number) + 10)).toBeLessThan(1.5)
    for (const other of [697, 852, 941]) expect((p[770] as number) - (p[other] as number), `${other} Hz`).toBeGreaterThan(10)
  })
})

describe('rmsDbfs', () => {
  it('reads the AES17 level: sine at its dbfs, full-scale square +3.01, noise at its dbfs', () => {
    expect(rmsDbfs(render(tone(1000, { dbfs: -12 }), 1))).toBeCloseTo(-12, 2)
    expect(rmsDbfs(render(tone(997, { dbfs: 0, sampleRate: 48000 }), 1))).toBeCloseTo(0, 2)
    const square = Int16Array.from({ length: 800 }, (_, i) => (i % 8 < 4 ? 32767 : -32767))
    expect(rmsDbfs(square)).toBeCloseTo(20 * Math.log10(Math.SQRT2 * (32767 / 32768)), 6)
    expect(Math.abs(rmsDbfs(render(noise({ seed: 1, dbfs: -33 }), 1)) + 33)).toBeLessThan(0.1)
    expect(rmsDbfs(new Int16Array(100))).toBe(Number.NEGATIVE_INFINITY)
    expect(rmsDbfs(new Int16Array(0))).toBe(Number.NEGATIVE_INFINITY)
  })
})

describe('silenceRatio and silentGaps', () => {
  // 1 s tone, 0.3 s silence, 0.5 s tone, 0.2 s quiet noise (-60 dBFS), 0.1 s tone, all at 8 kHz
  const t = (s: number) => render(tone(440, { dbfs: -20 }), s)
  const x = concat(t(1), new Int16Array(2400), t(0.5), render(noise({ seed: 2, dbfs: -60 }), 0.2), t(0.1))

  it('measures the silent share of a known pattern', () => {
    expect(silenceRatio(x, 8000)).toBeCloseTo(0.5 / 2.1, 6)
    expect(silenceRatio(x, 8000, { thresholdDbfs: -70 })).toBeCloseTo(0.3 / 2.1, 6) // the -60 dBFS noise is not silent at -70
    expect(silenceRatio(render(silence(), 1), 8000)).toBe(1)
    expect(silenceRatio(t(1), 8000)).toBe(0)
    expect(silenceRatio(new Int16Array(0), 8000)).toBe(0)
  })

  it('lists the gaps with start and duration', () => {
    expect(silentGaps(x, 8000)).toEqual([
      { startMs: 1000, durationMs: 300 },
      { startMs: 1800, durationMs: 200 },
    ])
    expect(silentGaps(x, 8000, { minDurationMs: 250 })).toEqual([{ startMs: 1000, durationMs: 300 }])
    expect(silentGaps(t(1), 8000)).toEqual([])
  })

  it('works at window resolution, counts a partial last window, and rejects a zero window', () => {
    // a 30 ms gap starting at 10 ms: 20 ms windows [0,20) [20,40) [40,60): only [20,40) is fully silent;
    // [0,20) is half tone, [40,60) a third tone → not silent
    const y = concat(t(0.01), new Int16Array(240), t(0.02))
    expect(silentGaps(y, 8000)).toEqual([{ startMs: 20, durationMs: 20 }])
    expect(silentGaps(y, 8000, { windowMs: 5 })).toEqual([{ startMs: 10, durationMs: 30 }])
    const z = concat(t(0.04), new Int16Array(40)) // a trailing 5 ms of silence in a partial window
    expect(silenceRatio(z, 8000)).toBeCloseTo(40 / 360, 9)
    expect(silentGaps(z, 8000)).toEqual([{ startMs: 40, durationMs: 5 }])
    expect(() => silenceRatio(z, 8000, { windowMs: 0 })).toThrow(/windowMs/)
  })
})

describe('clippingRatio', () => {
  it('counts samples at full scale', () => {
    expect(clippingRatio(Int16Array.from([0, 32767, -32768, -32767, 32766, 100]))).toBeCloseTo(3 / 6, 12)
    expect(clippingRatio(Int16Array.from([0, 32767, 30000]), 30000)).toBeCloseTo(2 / 3, 12)
    expect(clippingRatio(render(tone(1000, { dbfs: -1 }), 1))).toBe(0)
    // a sine at +6 dBFS clips where |sin| > 1/2: a third of the time (within sampling granularity)
    expect(Math.abs(clippingRatio(render(tone(997, { dbfs: 20 * Math.log10(2), sampleRate: 48000 }), 1)) - 2 / 3)).toBeLessThan(0.01)
    expect(clippingRatio(new Int16Array(0))).toBe(0)
  })
})

describe('powerSpectrum', () => {
  it('averages long inputs in 32768-sample segments and keeps Parseval', () => {
    const x = render(noise({ seed: 3, dbfs: -20, sampleRate: 48000 }), 2)
    const s = powerSpectrum(x, 48000)
    expect(s).toBeDefined()
    if (s === undefined) return
    expect(s.size).toBe(65536)
    expect(s.segments).toBe(Math.ceil((96000 - 32768) / 16384) + 1)
    let total = (s.power[0] as number) + (s.power[s.size / 2] as number)
    for (let k = 1; k < s.size / 2; k++) total += 2 * (s.power[k] as number)
    const meanSquare = total / s.size / s.windowEnergy
    expect(10 * Math.log10(meanSquare / (32768 ** 2 / 2))).toBeCloseTo(-20, 0)
    expect(powerSpectrum(new Int16Array(0), 8000)).toBeUndefined()
  })
})
