/**
 * Public media API: G.711 codecs, audio sources, WAV files and audio analysis.
 * @module
 */
export type { AudioSource, AudioEncoder, AudioDecoder } from './types.ts'
export {
  linearToMulaw,
  mulawToLinear,
  linearToAlaw,
  alawToLinear,
  encodeMulaw,
  decodeMulaw,
  encodeAlaw,
  decodeAlaw,
  MULAW_SILENCE,
  ALAW_SILENCE,
  pcmuEncoder,
  pcmaEncoder,
  pcmuDecoder,
  pcmaDecoder,
} from './g711.ts'
export { FULL_SCALE, sineAmplitudeForDbfs, rmsForDbfs, dbfsForRms } from './levels.ts'
export { tone, tones, silence, noise, pcmSource, readAll, mulberry32 } from './sources.ts'
export type { SynthOptions, ToneOptions, NoiseOptions, PcmSourceOptions } from './sources.ts'
export { resample } from './resample.ts'
export type { ResampleOptions } from './resample.ts'
export { encodeWav, decodeWav } from './wav.ts'
export type { DecodedWav } from './wav.ts'
export { fft, hannWindow, isPowerOfTwo, nextPowerOfTwo } from './fft.ts'
export {
  goertzelPower,
  dominantFrequency,
  detectTone,
  rmsDbfs,
  silenceRatio,
  silentGaps,
  clippingRatio,
  powerSpectrum,
} from './analysis.ts'
export type {
  PowerSpectrum,
  DominantFrequencyOptions,
  DetectToneOptions,
  ToneDetection,
  SilenceOptions,
  SilentGapOptions,
  SilentGap,
} from './analysis.ts'
export { estimateDelay, crossCorrelate } from './delay.ts'
export type { DelayOptions, DelayEstimate } from './delay.ts'
export { similarity, melSpectrogram, SIMILARITY_THRESHOLD } from './similarity.ts'
export type { SimilarityOptions, SimilarityResult } from './similarity.ts'
export { eModel, mosFromR, burstRatio, burstRatioOf, mouthToEarDelayMs, EMODEL_CODECS } from './emodel.ts'
export type { EModelInput, EModelEstimate, EModelCodec, EModelTransmission } from './emodel.ts'
