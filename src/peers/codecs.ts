/**
 * The audio codecs rtcspec peers can negotiate and send, with their RTP parameters and encoders.
 */
import type { AudioDecoder, AudioEncoder } from '../media/types.ts'
import { pcmaDecoder, pcmaEncoder, pcmuDecoder, pcmuEncoder } from '../media/g711.ts'
import { opusDecoder, opusEncoder } from '../media/opus.ts'
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
  /** Format parameters for a=fmtp, if any (e.g. `minptime=10;useinbandfec=1`). */
  fmtp?: string
  createEncoder(): AudioEncoder
  createDecoder(): AudioDecoder
}

const codecs: Record<string, AudioCodecSpec> = {
  PCMU: { encoding: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1, sampleRate: 8000, createEncoder: pcmuEncoder, createDecoder: pcmuDecoder },
  PCMA: { encoding: 'PCMA', payloadType: 8, clockRate: 8000, channels: 1, sampleRate: 8000, createEncoder: pcmaEncoder, createDecoder: pcmaDecoder },
  // RFC 7587: always opus/48000/2 in SDP; rtcspec encodes and decodes mono at 48 kHz (libopus via WebAssembly).
  OPUS: {
    encoding: 'opus',
    payloadType: 111,
    clockRate: 48000,
    channels: 2,
    sampleRate: 48000,
    fmtp: 'minptime=10;useinbandfec=1',
    createEncoder: () => opusEncoder(),
    createDecoder: opusDecoder,
  },
}

/** RFC 4733 telephone-event payload types rtcspec offers, per clock rate (8 kHz as in RFC 4733 examples, 48 kHz as Chromium). */
export const TELEPHONE_EVENT_PAYLOAD_TYPES: Readonly<Record<number, number>> = { 8000: 101, 48000: 110 }

/** Whether an encoding name is RFC 4733 telephone-event (not audio to decode). */
export function isTelephoneEvent(encoding: string | undefined): boolean {
  return encoding?.toLowerCase() === 'telephone-event'
}

/** Registers another audio codec (used by the media layer to add Opus and others). */
export function registerAudioCodec(spec: AudioCodecSpec): void {
  codecs[spec.encoding.toUpperCase()] = spec
}

/** Looks up a codec by encoding name, case-insensitively. Throws a clear error for unknown names. */
export function audioCodec(name: string): AudioCodecSpec {
  const spec = codecs[name.toUpperCase()]
  if (!spec) {
    throw new RtcspecError('CODEC_UNKNOWN', `unknown audio codec "${name}"`, { hint: `use one of: ${audioCodecNames().join(', ')}` })
  }
  return spec
}

/** The names of every registered audio codec, upper-cased (`PCMU`, `PCMA`, `OPUS`); lookups are case-insensitive. */
export function audioCodecNames(): string[] {
  return Object.keys(codecs)
}

/** Looks up a codec by encoding name without throwing: undefined when rtcspec cannot decode it. */
export function findAudioCodec(name: string): AudioCodecSpec | undefined {
  return codecs[name.toUpperCase()]
}
