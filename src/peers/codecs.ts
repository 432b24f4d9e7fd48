/**
 * The audio codecs rtcspec peers can negotiate and send, with their RTP parameters and encoders.
 */
import type { AudioDecoder, AudioEncoder } from '../media/types.ts'
import { pcmaDecoder, pcmaEncoder, pcmuDecoder, pcmuEncoder } from '../media/g711.ts'
import { RtcspecError } from '../errors.ts'

/** Static description of an audio codec rtcspec supports. */
export interface AudioCodecSpec {
  /** Encoding name as in a=rtpmap. */
  encoding: string
  /** Static payload type, or the dynamic one rtcspec offers. */
  payloadType: number
  clockRate: number
  channels: number
  /** Sample rate of the PCM the encoder takes. */
  sampleRate: number
  createEncoder(): AudioEncoder
  createDecoder(): AudioDecoder
}

const codecs: Record<string, AudioCodecSpec> = {
  PCMU: { encoding: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1, sampleRate: 8000, createEncoder: pcmuEncoder, createDecoder: pcmuDecoder },
  PCMA: { encoding: 'PCMA', payloadType: 8, clockRate: 8000, channels: 1, sampleRate: 8000, createEncoder: pcmaEncoder, createDecoder: pcmaDecoder },
}

/** Registers another audio codec (used by the media layer to add Opus and others). */
export function registerAudioCodec(spec: AudioCodecSpec): void {
  codecs[spec.encoding.toUpperCase()] = spec
}

/** Looks up a codec by encoding name, case-insensitively. Throws a clear error for unknown names. */
export function audioCodec(name: string): AudioCodecSpec {
  const spec = codecs[name.toUpperCase()]
  if (!spec) {
    throw new RtcspecError('CODEC_UNKNOWN', `unknown audio codec "${name}"`, { hint: `use one of: ${Object.keys(codecs).join(', ')}` })
  }
  return spec
}

/** The names of every registered audio codec. */
export function audioCodecNames(): string[] {
  return Object.keys(codecs)
}
