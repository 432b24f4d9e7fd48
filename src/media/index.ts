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
export type { AudioRecording, DetectedDigit, PcmAudio } from './types.ts'
export { opusEncoder, opusDecoder, OPUS_RATE } from './opus.ts'
export type { OpusEncoderOptions } from './opus.ts'
export { dtmfTones, detectDtmf, dtmfFrequencies, DTMF_LOW_HZ, DTMF_HIGH_HZ } from './dtmf.ts'
export type { DtmfTonesOptions, DetectDtmfOptions } from './dtmf.ts'
export { wavFile, readWavFile, speechFixture, speechFixturePath, SPEECH_FIXTURES } from './wav-source.ts'
export type { WavFileOptions, SpeechFixtureName } from './wav-source.ts'
export { renderRtpAudio } from './rtp-recorder.ts'
export type { RecordedRtpPacket, RenderRtpAudioOptions, RenderRtpAudioStats, RenderedRtpAudio } from './rtp-recorder.ts'
export { summarizeAudio } from './summary.ts'
export type { AudioSummary } from './summary.ts'
