/**
 * `rtcspec/media`: audio as data — sources (tones, noise, speech fixtures, WAV files, DTMF), G.711 and Opus,
 * resampling, WAV, and analysis (tone and DTMF detection, levels, delay, similarity, the E-model) — and video as
 * data: the frame code, the pattern source, and the Y4M, IVF and Annex B containers.
 *
 * ```ts
 * import { detectTone, readWavFile } from 'rtcspec/media'
 * ```
 * @module
 */
export type { AudioSource, AudioEncoder, AudioDecoder, AudioRecording, DetectedDigit, PcmAudio } from '../media/types.ts'
// Sources
export { tone, tones, silence, noise, pcmSource, readAll } from '../media/sources.ts'
export type { SynthOptions, ToneOptions, NoiseOptions, PcmSourceOptions } from '../media/sources.ts'
export { wavFile, readWavFile, speechFixture, speechFixturePath, SPEECH_FIXTURES } from '../media/wav-source.ts'
export type { WavFileOptions, SpeechFixtureName } from '../media/wav-source.ts'
export { dtmfTones, detectDtmf } from '../media/dtmf.ts'
export type { DtmfTonesOptions, DetectDtmfOptions } from '../media/dtmf.ts'
// Codecs, resampling, WAV
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
} from '../media/g711.ts'
export { opusEncoder, opusDecoder, OPUS_RATE } from '../media/opus.ts'
export type { OpusEncoderOptions } from '../media/opus.ts'
export { resample } from '../media/resample.ts'
export type { ResampleOptions } from '../media/resample.ts'
export { encodeWav, decodeWav } from '../media/wav.ts'
export type { DecodedWav } from '../media/wav.ts'
// Analysis
export { goertzelPower, dominantFrequency, detectTone, rmsDbfs, silenceRatio, silentGaps, clippingRatio, powerSpectrum } from '../media/analysis.ts'
export type {
  PowerSpectrum,
  DominantFrequencyOptions,
  DetectToneOptions,
  ToneDetection,
  SilenceOptions,
  SilentGapOptions,
  SilentGap,
} from '../media/analysis.ts'
export { estimateDelay } from '../media/delay.ts'
export type { DelayOptions, DelayEstimate } from '../media/delay.ts'
export { similarity, SIMILARITY_THRESHOLD } from '../media/similarity.ts'
export type { SimilarityOptions, SimilarityResult } from '../media/similarity.ts'
export { eModel, burstRatio, EMODEL_CODECS } from '../media/emodel.ts'
export type { EModelInput, EModelEstimate, EModelCodec, EModelTransmission } from '../media/emodel.ts'
export { summarizeAudio } from '../media/summary.ts'
export type { AudioSummary } from '../media/summary.ts'
// Video: the frame code, the pattern source, containers
export type { VideoCodecName, I420Frame, FrameCodeValue, EncodedVideoFrame, EncodedVideo, VideoFrameArrival } from '../media/video/types.ts'
export { stampFrameCode, readFrameCode, readFrameCodeRgba, drawFrameCodeRgba } from '../media/video/frame-code.ts'
export { videoPattern } from '../media/video/pattern.ts'
export type { VideoPattern, VideoPatternOptions } from '../media/video/pattern.ts'
export { readY4m, writeY4m } from '../media/video/y4m.ts'
export type { Y4mHeader, Y4mVideo } from '../media/video/y4m.ts'
export { readIvf, writeIvf, vp8FrameInfo } from '../media/video/ivf.ts'
export type { IvfFile, IvfFrame } from '../media/video/ivf.ts'
export { splitNalUnits, splitAccessUnits } from '../media/video/annexb.ts'
export type { AnnexBAccessUnit } from '../media/video/annexb.ts'
export { analyzeVideo, renderedAsArrivals, VIDEO_CLOCK_RATE } from '../media/video/analysis.ts'
export type {
  VideoAnalysis,
  VideoAnalysisOptions,
  SentVideoFrame,
  VideoDelay,
  VideoSecond,
  ResolutionChange,
} from '../media/video/analysis.ts'
export { detectFreezes } from '../media/video/freezes.ts'
export type { FreezeSummary, VideoFreeze } from '../media/video/freezes.ts'
export { digestVideoAnalysis, VideoAnalysisDigestSchema } from '../media/video/analysis-digest.ts'
export type { VideoAnalysisDigest } from '../media/video/analysis-digest.ts'
export { renderFilmstrip } from '../media/video/filmstrip.ts'
export { videoTruthFromRelay } from '../media/video/relay-truth.ts'
export type { RelayVideoTruth, RelayPacketRecord } from '../media/video/relay-truth.ts'
export type { FilmstripInput, FilmstripPicture } from '../media/video/filmstrip.ts'
