/**
 * The audio source factories of the fixtures and scenarios (`tone`, `speech`, `dtmf`, …): each returns a source
 * spec that builds its source once the negotiated codec's sample rate is known. Kept apart from the call engine so
 * that using them loads no peer.
 */
import { noise as noiseSource, silence as silenceSource, tone as toneSource, tones as tonesSource } from '../media/sources.ts'
import { dtmfTones, type DtmfTonesOptions } from '../media/dtmf.ts'
import { speechFixturePath, wavFileFactory, type SpeechFixtureName } from '../media/wav-source.ts'
import type { AudioSourceSpec } from '../peers/types.ts'

/** Audio source factories: each builds its source at the sample rate the negotiated codec needs. */
export interface SourceFactories {
  tone: (hz: number, options?: { dbfs?: number; durationMs?: number }) => AudioSourceSpec
  tones: (hz: number[], options?: { dbfs?: number; durationMs?: number }) => AudioSourceSpec
  silence: (options?: { durationMs?: number }) => AudioSourceSpec
  noise: (options?: { seed?: number; dbfs?: number; durationMs?: number }) => AudioSourceSpec
  /** A WAV file (any rate, any channel count), resampled to the codec rate. */
  wavFile: (path: string, options?: { loop?: boolean }) => AudioSourceSpec
  /** One of the shipped speech fixtures (`speech-en-1`, `speech-en-2`: espeak-ng sentences, ~4.5 s). */
  speech: (name?: SpeechFixtureName, options?: { loop?: boolean }) => AudioSourceSpec
  /** In-band DTMF: the Q.23 tone pair of each digit (default 100 ms on, 100 ms off). */
  dtmf: (digits: string, options?: Omit<DtmfTonesOptions, 'sampleRate'>) => AudioSourceSpec
}

const sourceFactories: SourceFactories = {
  tone:
    (hz, o = {}) =>
    (sampleRate) =>
      toneSource(hz, { ...o, sampleRate }),
  tones:
    (hz, o = {}) =>
    (sampleRate) =>
      tonesSource(hz, { ...o, sampleRate }),
  silence:
    (o = {}) =>
    (sampleRate) =>
      silenceSource({ ...o, sampleRate }),
  noise:
    (o = {}) =>
    (sampleRate) =>
      noiseSource({ ...o, sampleRate }),
  // read and checked now, so a bad path fails where it is written; resampled when the codec rate is known
  wavFile: (path, o = {}) => wavFileFactory(path, o),
  speech: (name, o = {}) => wavFileFactory(speechFixturePath(name), o),
  dtmf:
    (digits, o = {}) =>
    (sampleRate) =>
      dtmfTones(digits, { ...o, sampleRate }),
}

/** Audio source factories, usable outside fixtures too. */
export const sources: SourceFactories = sourceFactories
