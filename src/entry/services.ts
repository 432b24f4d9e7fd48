/**
 * `rtcspec/services`: the external programs specs talk to — coturn, FFmpeg (RTP source and sink; video encode,
 * decode and quality), Kamailio and baresip — each from a docker image, a local binary or an external address,
 * and `findBinary` to ask whether a tool is installed. The `coturn` and `ffmpeg` fixtures of `rtcspec` start and
 * stop them for a test.
 *
 * ```ts
 * import { startCoturn, findBinary } from 'rtcspec/services'
 * ```
 * @module
 */
export { startCoturn, CoturnOptionsSchema } from '../services/coturn.ts'
export type { CoturnOptions, CoturnService, CoturnCredentials, CoturnSessionUsage } from '../services/coturn.ts'
export { startFfmpegSource, startFfmpegSink, plainRtpSdp } from '../services/ffmpeg.ts'
export type {
  FfmpegSourceOptions,
  FfmpegSinkOptions,
  FfmpegSource,
  FfmpegSink,
  FfmpegService,
  FfmpegAudioCodec,
  FfmpegVideoCodec,
  RtpAddress,
  VideoSinkFormat,
} from '../services/ffmpeg.ts'
export { encodeVideoPattern, encodeVideoFile, decodeVideo, videoQuality } from '../services/video-encode.ts'
export { decodeReceivedVideo } from '../dsl/video-decoded-frames.ts'
export type { DecodeReceivedVideoOptions, DecodedReceivedVideo } from '../dsl/video-decoded-frames.ts'
export type {
  EncodeVideoPatternOptions,
  EncodeVideoFileOptions,
  DecodeVideoOptions,
  DecodedVideo,
  DecodedVideoFrame,
  VideoInput,
  VideoFileFormat,
  VideoQuality,
  VideoReference,
  VideoQualityOptions,
} from '../services/video-encode.ts'
export { startKamailio, KamailioOptionsSchema } from '../services/kamailio.ts'
export type { KamailioOptions, KamailioService, KamailioTransport } from '../services/kamailio.ts'
export { startBaresip, BaresipOptionsSchema } from '../services/baresip.ts'
export type { BaresipOptions, BaresipService, BaresipEvent } from '../services/baresip.ts'
export { findBinary } from '../services/provider.ts'
export type { Service, ProviderKind, ProviderChoice } from '../services/types.ts'
