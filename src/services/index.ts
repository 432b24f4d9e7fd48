/**
 * Services: coturn, FFmpeg and Kamailio, each with `docker` / `local` / `external` providers (`auto` by default).
 * See docs/services.md.
 */
export { startCoturn, parseCoturnUsage, COTURN_PROVIDER_SPEC, CoturnOptionsSchema } from './coturn.ts'
export type { CoturnOptions, CoturnService, CoturnCredentials, CoturnSessionUsage } from './coturn.ts'
export { resolveProvider, providerStates, autoProvider, findBinary } from './provider.ts'
export type { ServiceProviderSpec, ProviderState } from './provider.ts'
export {
  dockerEngineAnswers,
  dockerEngineVersion,
  dockerImageExists,
  ensureServiceImage,
  serviceImage,
  sweepOrphanContainers,
  listRtcspecContainers,
  liveServiceContainers,
  RTCSPEC_LABEL,
} from './docker.ts'
export { liveLocalServiceGroups } from './process.ts'
export type { ServiceProcess, ExitInfo } from './process.ts'
export { ServiceLog, serviceLogDir } from './logs.ts'
export type { Service, ProviderKind, ProviderChoice } from './types.ts'
export { startFfmpegSource, startFfmpegSink, plainRtpSdp, udpPortBound, FFMPEG_PROVIDER_SPEC } from './ffmpeg.ts'
export type {
  FfmpegSourceOptions,
  FfmpegSinkOptions,
  FfmpegSource,
  FfmpegSink,
  FfmpegService,
  FfmpegAudioCodec,
  FfmpegVideoCodec,
  RtpAddress,
} from './ffmpeg.ts'
export { startKamailio, parseSipProxyUris, KAMAILIO_PROVIDER_SPEC, KamailioOptionsSchema } from './kamailio.ts'
export type { KamailioOptions, KamailioService, KamailioTransport } from './kamailio.ts'
export { kamailioConfig } from './kamailio-config.ts'
export type { KamailioConfigInput } from './kamailio-config.ts'
export { startBaresip, baresipConfig, BARESIP_PROVIDER_SPEC, BaresipOptionsSchema } from './baresip.ts'
export type { BaresipOptions, BaresipService, BaresipEvent } from './baresip.ts'
