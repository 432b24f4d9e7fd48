import { describe, it, expect } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeWav, decodeWav } from '../../src/media/wav.ts'
import { readAll, tone } from '../../src/media/sources.ts'
import { dominantFrequency, rmsDbfs } from '../../src/media/analysis.ts'
import { speechFixture, speechFixturePath, SPEECH_FIXTURES, wavFile, wavFileFactory } from '../../src/media/wav-source.ts'
import { readFileSync } from 'node:fs'

describe('wavFile and speech fixtures', () => {
  it('plays a WAV resampled to the codec rate, keeping frequency, level and length', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-wav-'))
    try {
      const path = join(dir, 'tone.wav')
      writeFileSync(path, encodeWav(readAll(tone(1000, { sampleRate: 44100, durationMs: 1000 }), 44100, 1), 44100))
      for (const rate of [8000, 16000, 48000]) {
        const src = wavFile(path, { sampleRate: rate })
        expect(src.sampleRate).toBe(rate)
        expect(src.description).toMatch(/wavFile\(tone\.wav/)
        const pcm = readAll(src, rate * 2, 1)
        expect(pcm.length).toBe(rate)
        expect(Math.abs(dominantFrequency(pcm, rate) - 1000)).toBeLessThan(0.1)
        expect(Math.abs(rmsDbfs(pcm.subarray(100, -100)) - -12)).toBeLessThan(0.1)
      }
      // loop: never ends
      const looped = wavFile(path, { sampleRate: 8000, loop: true })
      expect(readAll(looped, 24000).length).toBe(24000)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('names the file and the fix when it cannot be read', () => {
    expect(() => wavFile('/nonexistent/x.wav')).toThrow(/cannot read the WAV file \/nonexistent\/x\.wav: no such file/)
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-wav-'))
    try {
      writeFileSync(join(dir, 'bad.wav'), 'not a wav at all')
      expect(() => wavFile(join(dir, 'bad.wav'))).toThrow(/bad\.wav: invalid wav/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('ships two different speech fixtures, 16 kHz mono, a few seconds, small', () => {
    for (const name of SPEECH_FIXTURES) {
      const bytes = readFileSync(speechFixturePath(name))
      expect(bytes.length).toBeLessThan(200_000)
      const wav = decodeWav(bytes)
      expect([wav.sampleRate, wav.channels]).toEqual([16000, 1])
      expect(wav.samples.length / 16000).toBeGreaterThan(3)
      expect(rmsDbfs(wav.samples)).toBeGreaterThan(-30) // speech, not silence
    }
    expect(speechFixture('speech-en-2', { sampleRate: 8000 }).sampleRate).toBe(8000)
    // @ts-expect-error unknown names are rejected at run time too
    expect(() => speechFixturePath('speech-xx')).toThrow(/no speech fixture named "speech-xx"/)
  })

  it('wavFileFactory reads the file at once (a bad path fails where it is written) and builds the source at any rate', () => {
    expect(() => wavFileFactory('/nonexistent/y.wav')).toThrow(/\/nonexistent\/y\.wav: no such file/)
    const make = wavFileFactory(speechFixturePath('speech-en-1'))
    const a = make(8000)
    const b = make(48000)
    expect([a.sampleRate, b.sampleRate]).toEqual([8000, 48000])
    const n8 = readAll(a, 8000 * 10, 1).length
    const n48 = readAll(b, 48000 * 10, 1).length
    expect(Math.abs(n48 / 6 - n8)).toBeLessThanOrEqual(1)
    expect(Math.abs(n8 / 8000 - 71346 / 16000)).toBeLessThan(0.001)
  })
})
