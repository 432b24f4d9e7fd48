/**
 * `rtcspec/media`: audio as data — sources (tones, noise, speech fixtures, WAV files, DTMF), G.711 and Opus,
 * resampling, WAV, and analysis (tone and DTMF detection, levels, delay, similarity, the E-model).
 *
 * ```ts
 * import { detectTone, readWavFile } from 'rtcspec/media'
 * ```
 * @module
 */
export * from '../media/index.ts'
