import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { tone, tones, silence, noise, pcmSource, readAll, mulberry32 } from '../../src/media/sources.ts'
import { sineAmplitudeForDbfs, rmsForDbfs } from '../../src/media/levels.ts'
import type { AudioSource } from '../../src/media/types.ts'

function rms(x: Int16Array): number {
  let s = 0
  for (const v of x) s += v * v
  return Math.sqrt(s / x.length)
}

/** Reads `total` samples in frames whose sizes cycle through `sizes`. */
function readInFrames(src: AudioSource, total: number, sizes: number[]): Int16Array {
  const out = new Int16Array(total)
  let pos = 0
  let k = 0
  while (pos < total) {
    const size = Math.min(sizes[k++ % sizes.length] as number, total - pos)
    const frame = new Int16Array(size)
    src.read(frame)
    out.set(frame, pos)
    pos += size
  }
  return out
}

describe('tone', () => {
  it('matches the analytic sine to ±1 LSB at the stated level', () => {
    for (const [hz, rate, dbfs] of [
      [440, 8000, -12],
      [1000, 48000, -3],
      [3999, 8000, -20],
      [17.5, 16000, 0],
    ] as const) {
      const x = readAll(tone(hz, { sampleRate: rate, dbfs }), rate)
      const amp = sineAmplitudeForDbfs(dbfs)
      let maxErr = 0
      for (let i = 0; i < x.length; i++) {
        const ideal = Math.max(-32768, Math.min(32767, amp * Math.sin((2 * Math.PI * hz * i) / rate)))
        maxErr = Math.max(maxErr, Math.abs((x[i] as number) - ideal))
      }
      expect(maxErr, `${hz} Hz @ ${rate}`).toBeLessThanOrEqual(1)
    }
  })

  it('default level is -12 dBFS (AES17): RMS = 32768/√2 · 10^(-12/20) within 0.1 %', () => {
    const x = readAll(tone(1000), 8000)
    expect(Math.abs(rms(x) / rmsForDbfs(-12) - 1)).toBeLessThan(0.001)
    expect(Math.max(...x)).toBe(Math.round(sineAmplitudeForDbfs(-12))) // 1 kHz at 8 kHz hits the peak exactly
  })

  it('stays phase-continuous over long runs (15 min): sample n equals sin(2π f n / rate) far into the stream', () => {
    const src = tone(997, { sampleRate: 8000, dbfs: -6 })
    const frame = new Int16Array(8000)
    for (let s = 0; s < 900; s++) src.read(frame) // 15 minutes
    const amp = sineAmplitudeForDbfs(-6)
    const n0 = 900 * 8000
    src.read(frame)
    for (let i = 0; i < frame.length; i += 37) {
      expect(Math.abs((frame[i] as number) - amp * Math.sin((2 * Math.PI * 997 * ((n0 + i) % 8000)) / 8000))).toBeLessThanOrEqual(1.5)
    }
  })

  it('is phase-continuous across frames of any size', () => {
    const whole = readAll(tone(1234.5, { sampleRate: 48000 }), 4000, 4000)
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 20 }), (sizes) => {
        expect(readInFrames(tone(1234.5, { sampleRate: 48000 }), 4000, sizes)).toEqual(whole)
      }),
      { numRuns: 50 },
    )
  })

  it('ends after durationMs: true while the frame holds audio, then false with zero padding', () => {
    const src = tone(1000, { durationMs: 50 }) // 400 samples
    const frame = new Int16Array(160)
    expect(src.read(frame)).toBe(true)
    expect(src.read(frame)).toBe(true)
    expect(src.read(frame)).toBe(true) // 80 samples of audio, 80 of padding
    expect(frame.subarray(80).every((v) => v === 0)).toBe(true)
    expect(frame.subarray(0, 80).some((v) => v !== 0)).toBe(true)
    frame.fill(7)
    expect(src.read(frame)).toBe(false)
    expect(frame.every((v) => v === 0)).toBe(true)
    expect(readAll(tone(1000, { durationMs: 50 }), 10_000, 1).length).toBe(400)
  })

  it('describes itself and rejects nonsense', () => {
    expect(tone(440).description).toBe('tone(440 Hz, -12 dBFS, 8000 Hz)')
    expect(tone(440, { sampleRate: 48000, durationMs: 500 }).sampleRate).toBe(48000)
    expect(() => tone(5000)).toThrow(/Nyquist/)
    expect(() => tone(Number.NaN)).toThrow(RangeError)
    expect(() => tone(440, { sampleRate: 0 })).toThrow(/sampleRate/)
    expect(() => tone(440, { durationMs: -1 })).toThrow(/durationMs/)
  })
})

describe('tones', () => {
  it('sums the components at the requested level when that cannot clip', () => {
    const x = readAll(tones([1000, 1500], { dbfs: -20 }), 8000)
    const a = sineAmplitudeForDbfs(-20)
    for (let i = 0; i < x.length; i += 7) {
      const ideal = a * (Math.sin((2 * Math.PI * 1000 * i) / 8000) + Math.sin((2 * Math.PI * 1500 * i) / 8000))
      expect(Math.abs((x[i] as number) - ideal)).toBeLessThanOrEqual(1)
    }
    // two incoherent tones: power adds, so RMS = √2 × one tone's RMS
    expect(Math.abs(rms(x) / (Math.SQRT2 * rmsForDbfs(-20)) - 1)).toBeLessThan(0.002)
  })

  it('lowers every tone so the sum never clips', () => {
    const src = tones([350, 440, 1000, 2000], { dbfs: 0, sampleRate: 8000 })
    const x = readAll(src, 80_000)
    let peak = 0
    for (const v of x) peak = Math.max(peak, Math.abs(v))
    expect(peak).toBeLessThanOrEqual(32767)
    expect(peak).toBeGreaterThan(0.9 * 32767) // the components do line up at times (t = 0.05 s period multiples)
    expect(src.description).toMatch(/^tones\(350\+440\+1000\+2000 Hz, -12\.04 dBFS each/)
    expect(() => tones([])).toThrow(RangeError)
  })

  it('is phase-continuous across frames', () => {
    const whole = readAll(tones([697, 1209], { sampleRate: 8000 }), 3000, 3000)
    expect(readInFrames(tones([697, 1209], { sampleRate: 8000 }), 3000, [1, 159, 160, 7, 320])).toEqual(whole)
  })
})

describe('silence', () => {
  it('is all zeros and ends after its duration', () => {
    const src = silence({ sampleRate: 16000, durationMs: 20 })
    const frame = new Int16Array(320).fill(5)
    expect(src.read(frame)).toBe(true)
    expect(frame.every((v) => v === 0)).toBe(true)
    expect(src.read(frame)).toBe(false)
    expect(src.description).toBe('silence(16000 Hz, 20 ms)')
    const endless = silence()
    for (let i = 0; i < 100; i++) expect(endless.read(frame)).toBe(true)
  })
})

describe('noise', () => {
  it('is deterministic per seed, and different seeds differ', () => {
    const a = readAll(noise({ seed: 42, dbfs: -20 }), 8000)
    const b = readInFrames(noise({ seed: 42, dbfs: -20 }), 8000, [1, 33, 160])
    const c = readAll(noise({ seed: 43, dbfs: -20 }), 8000)
    expect(b).toEqual(a)
    let same = 0
    for (let i = 0; i < a.length; i++) if (a[i] === c[i]) same++
    expect(same).toBeLessThan(40) // chance coincidences only
    expect(noise({ seed: 42, dbfs: -20 }).description).toBe('noise(seed 42, -20 dBFS, 8000 Hz)')
    // sample i is mulberry32(seed)'s i-th value mapped linearly onto [-A, A), A = √3 · RMS
    const r = mulberry32(42)
    const amp = rmsForDbfs(-20) * Math.sqrt(3)
    for (let i = 0; i < 1000; i++) expect(a[i]).toBe(Math.round((r() * 2 * amp) / 4294967296 - amp))
  })

  it('has the requested RMS level (±0.1 dB), zero mean and a flat (white) spectrum', () => {
    for (const dbfs of [-40, -20, -6]) {
      const x = readAll(noise({ seed: 7, dbfs, sampleRate: 48000 }), 48000)
      const levelDb = 20 * Math.log10(rms(x) / rmsForDbfs(dbfs))
      expect(Math.abs(levelDb), `${dbfs} dBFS`).toBeLessThan(0.1)
      let mean = 0
      for (const v of x) mean += v
      mean /= x.length
      expect(Math.abs(mean)).toBeLessThan((4 * rms(x)) / Math.sqrt(x.length)) // 4σ of the sample mean
      // white: lag-1 autocorrelation near 0 (σ ≈ 1/√N ≈ 0.0046)
      let r1 = 0
      let r0 = 0
      for (let i = 1; i < x.length; i++) {
        r1 += (x[i] as number) * (x[i - 1] as number)
        r0 += (x[i] as number) * (x[i] as number)
      }
      expect(Math.abs(r1 / r0)).toBeLessThan(0.02)
    }
  })

  it('mulberry32 gives the reference sequence', () => {
    // the canonical JS mulberry32 (bryc), transcribed as published
    function canonical(seed: number): () => number {
      let a = seed
      return () => {
        let t = (a += 0x6d2b79f5)
        t = Math.imul(t ^ (t >>> 15), t | 1)
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296
      }
    }
    for (const seed of [1, 42, 0xdeadbeef]) {
      const ours = mulberry32(seed)
      const ref = canonical(seed)
      for (let i = 0; i < 1000; i++) expect(ours() / 4294967296).toBe(ref())
    }
    expect(mulberry32(1)() / 4294967296).toBe(0.6270739405881613) // the widely quoted first value for seed 1
  })
})

describe('pcmSource', () => {
  const samples = Int16Array.from({ length: 500 }, (_, i) => i - 250)

  it('plays the buffer once, then ends', () => {
    const src = pcmSource(samples, 8000)
    expect(readAll(src, 10_000, 1)).toEqual(samples)
    const src2 = pcmSource(samples, 8000)
    const frame = new Int16Array(160)
    for (let i = 0; i < 3; i++) expect(src2.read(frame)).toBe(true)
    expect(src2.read(frame)).toBe(true)
    expect(Array.from(frame.subarray(0, 20))).toEqual(Array.from(samples.subarray(480)))
    expect(frame.subarray(20).every((v) => v === 0)).toBe(true)
    expect(src2.read(frame)).toBe(false)
    expect(src.description).toBe('pcm(500 samples @ 8000 Hz)')
  })

  it('loops seamlessly across frame boundaries', () => {
    const src = pcmSource(samples, 48000, { loop: true })
    const x = readInFrames(src, 1700, [160, 3, 480])
    for (let i = 0; i < x.length; i++) expect(x[i]).toBe(samples[i % 500])
    expect(src.description).toContain('loop')
  })

  it('an empty looped buffer ends instead of spinning', () => {
    const src = pcmSource(new Int16Array(0), 8000, { loop: true })
    expect(src.read(new Int16Array(10))).toBe(false)
  })
})
