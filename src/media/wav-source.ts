/**
 * Audio sources from files: `wavFile(path)` plays a WAV file (any format `decodeWav` reads, mixed to mono)
 * resampled to the rate the codec needs, and `speechFixture(name)` plays one of rtcspec's committed speech
 * recordings (`fixtures/audio/`, made with espeak-ng; see its README).
 *
 * The file is read and resampled once, when the source is built. Errors name the file and say what to do.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { RtcspecError, ParseError } from '../errors.ts'
import { resample } from './resample.ts'
import { pcmSource } from './sources.ts'
import { decodeWav } from './wav.ts'
import type { AudioSource, PcmAudio } from './types.ts'

/** Options of `wavFile`. */
export interface WavFileOptions {
  /** Rate to play at (the codec's); the file is resampled to it. Default: the file's own rate. */
  sampleRate?: number
  /** Start over at the end instead of ending. Default false. */
  loop?: boolean
}

/** The speech fixtures shipped in `fixtures/audio/` (16 kHz mono, about 4.5 s each, different sentences). */
export const SPEECH_FIXTURES = ['speech-en-1', 'speech-en-2'] as const
/** Name of a shipped speech fixture. */
export type SpeechFixtureName = (typeof SPEECH_FIXTURES)[number]

/** Reads a WAV file into mono PCM16 at `sampleRate` (default: the file's rate). */
export function readWavFile(path: string, sampleRate?: number): PcmAudio {
  let bytes: Uint8Array
  try {
    bytes = readFileSync(path)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new RtcspecError('WAV_FILE', `cannot read the WAV file ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, {
      hint: 'paths are relative to the working directory (the project root under Vitest); check the spelling',
      cause: e,
    })
  }
  let wav
  try {
    wav = decodeWav(bytes)
  } catch (e) {
    if (e instanceof ParseError)
      throw new RtcspecError('WAV_FILE', `${path}: ${e.message}`, { cause: e, hint: 'convert it with `sox in.wav -b 16 -c 1 out.wav`' })
    throw e
  }
  const rate = sampleRate ?? wav.sampleRate
  if (!Number.isFinite(rate) || rate <= 0) throw new RangeError(`readWavFile: sampleRate must be a positive number of Hz, got ${rate}`)
  const samples = rate === wav.sampleRate ? wav.samples : resample(wav.samples, wav.sampleRate, rate)
  return { sampleRate: rate, samples }
}

/**
 * A source playing a WAV file, resampled to `sampleRate` (pass the codec's rate, or use the DSL's
 * `sources.wavFile(path)` which does it for you).
 */
export function wavFile(path: string, options: WavFileOptions = {}): AudioSource {
  const pcm = readWavFile(path, options.sampleRate)
  const name = path.split(/[\\/]/).pop() ?? path
  return pcmSource(pcm.samples, pcm.sampleRate, {
    ...(options.loop ? { loop: true } : {}),
    description: `wavFile(${name}, ${pcm.sampleRate} Hz, ${((pcm.samples.length * 1000) / pcm.sampleRate).toFixed(0)} ms${options.loop ? ', loop' : ''})`,
  })
}

/**
 * Reads and decodes `path` now (so a missing or broken file fails where it is named, not when a call starts)
 * and returns a factory building the source at any rate (resampled once per rate). What the DSL's
 * `sources.wavFile(path)` uses.
 */
export function wavFileFactory(path: string, options: Omit<WavFileOptions, 'sampleRate'> = {}): (sampleRate: number) => AudioSource {
  const original = readWavFile(path)
  const name = path.split(/[\\/]/).pop() ?? path
  const byRate = new Map<number, Int16Array>()
  return (sampleRate) => {
    let samples = byRate.get(sampleRate)
    if (!samples) {
      if (!Number.isFinite(sampleRate) || sampleRate <= 0) throw new RangeError(`wavFile: sampleRate must be a positive number of Hz, got ${sampleRate}`)
      samples = sampleRate === original.sampleRate ? original.samples : resample(original.samples, original.sampleRate, sampleRate)
      byRate.set(sampleRate, samples)
    }
    return pcmSource(samples, sampleRate, {
      ...(options.loop ? { loop: true } : {}),
      description: `wavFile(${name}, ${sampleRate} Hz, ${((samples.length * 1000) / sampleRate).toFixed(0)} ms${options.loop ? ', loop' : ''})`,
    })
  }
}

/** The absolute path of a shipped speech fixture. */
export function speechFixturePath(name: SpeechFixtureName = 'speech-en-1'): string {
  if (!(SPEECH_FIXTURES as readonly string[]).includes(name)) {
    throw new RtcspecError('FIXTURE_UNKNOWN', `no speech fixture named "${name}"`, { hint: `use one of: ${SPEECH_FIXTURES.join(', ')}` })
  }
  const path = fileURLToPath(new URL(`../../fixtures/audio/${name}.wav`, import.meta.url))
  if (!existsSync(path))
    throw new RtcspecError('FIXTURE_MISSING', `the speech fixture ${path} is missing`, { hint: 'reinstall rtcspec (the fixtures ship in fixtures/audio/)' })
  return path
}

/** A source playing a shipped speech fixture at `sampleRate` (default 16 kHz, the file's rate). */
export function speechFixture(name: SpeechFixtureName = 'speech-en-1', options: WavFileOptions = {}): AudioSource {
  return wavFile(speechFixturePath(name), options)
}
