/**
 * Opus (RFC 6716, RTP payload format RFC 7587) encoder and decoder for rtcspec's mono PCM16 pipeline,
 * backed by `opusscript`: libopus 1.4 compiled to WebAssembly, so nothing native is downloaded.
 *
 * - PCM in and out is mono at 48 kHz (the Opus RTP clock rate is always 48 kHz, RFC 7587 §4.1).
 * - The encoder runs in the VOIP application mode; a frame must be 2.5, 5, 10, 20, 40 or 60 ms.
 * - The decoder is mono: a stereo stream (the SDP always says `opus/48000/2`) is down-mixed by libopus.
 * - Every encoder/decoder holds WebAssembly memory: call `close()` when done (the peers do).
 * - Both install the `opusscript/heap-views` patch (src/patches/opusscript) before they create the first codec of
 *   the process: without it opusscript's encoders break once the WebAssembly memory grows (many codecs in one
 *   process) and write PCM outside their allocations.
 *
 * @module
 */
import OpusScript from 'opusscript'
import { RtcspecError } from '../errors.ts'
import { installOpusscriptPatches } from '../patches/opusscript/index.ts'
import type { AudioDecoder, AudioEncoder } from './types.ts'

/** The Opus RTP clock rate and the PCM rate rtcspec uses with Opus. */
export const OPUS_RATE = 48000

/** Frame sizes, in samples at 48 kHz, that libopus accepts (2.5 … 60 ms). */
const VALID_FRAME_SIZES = new Set([120, 240, 480, 960, 1920, 2880])

/** `OPUS_SET_INBAND_FEC_REQUEST` and `OPUS_SET_PACKET_LOSS_PERC_REQUEST` from opus_defines.h. */
const OPUS_SET_INBAND_FEC = 4012
const OPUS_SET_PACKET_LOSS_PERC = 4014

/** Options of `opusEncoder`. */
export interface OpusEncoderOptions {
  /** Target bitrate in bit/s (libopus accepts 500 … 512 000). Default: libopus's automatic choice (≈ 51 kbit/s for mono 48 kHz at 20 ms; browsers use ≈ 32 kbit/s). */
  bitrate?: number
  /** Enable in-band forward error correction (as `useinbandfec=1` in the fmtp invites). Default true. */
  inbandFec?: boolean
  /** Expected packet loss in percent, tunes FEC. Default 0. */
  packetLossPercent?: number
}

/** Creates an Opus encoder: 48 kHz mono PCM16 frames in, one Opus packet (RFC 7587 payload) per frame out. */
export function opusEncoder(options: OpusEncoderOptions = {}): AudioEncoder {
  installOpusscriptPatches()
  let opus: OpusScript | undefined = new OpusScript(OPUS_RATE, 1, OpusScript.Application.VOIP)
  try {
    if (options.bitrate !== undefined) {
      if (!Number.isInteger(options.bitrate) || options.bitrate < 500 || options.bitrate > 512_000) {
        throw new RtcspecError('OPUS_OPTIONS', `opusEncoder: bitrate must be an integer 500…512000 bit/s, got ${options.bitrate}`)
      }
      opus.setBitrate(options.bitrate)
    }
    opus.encoderCTL(OPUS_SET_INBAND_FEC, options.inbandFec === false ? 0 : 1)
    if (options.packetLossPercent !== undefined) opus.encoderCTL(OPUS_SET_PACKET_LOSS_PERC, Math.max(0, Math.min(100, Math.round(options.packetLossPercent))))
  } catch (e) {
    opus.delete()
    throw e
  }
  return {
    encoding: 'opus',
    clockRate: OPUS_RATE,
    sampleRate: OPUS_RATE,
    encode(pcm: Int16Array): Uint8Array {
      if (!opus) throw new RtcspecError('CODEC_CLOSED', 'opusEncoder: encode() after close()')
      if (!VALID_FRAME_SIZES.has(pcm.length)) {
        throw new RtcspecError('OPUS_FRAME', `opusEncoder: a frame of ${pcm.length} samples is not a valid Opus frame at 48 kHz`, {
          hint: 'use 2.5, 5, 10, 20, 40 or 60 ms frames (120, 240, 480, 960, 1920 or 2880 samples)',
        })
      }
      const packet = opus.encode(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength), pcm.length)
      return new Uint8Array(packet.buffer, packet.byteOffset, packet.byteLength)
    },
    close(): void {
      opus?.delete()
      opus = undefined
    },
  }
}

/** Creates an Opus decoder: one RTP payload in, 48 kHz mono PCM16 out (as many samples as the packet holds). */
export function opusDecoder(): AudioDecoder {
  installOpusscriptPatches()
  let opus: OpusScript | undefined = new OpusScript(OPUS_RATE, 1, OpusScript.Application.VOIP)
  return {
    encoding: 'opus',
    clockRate: OPUS_RATE,
    sampleRate: OPUS_RATE,
    decode(payload: Uint8Array): Int16Array {
      if (!opus) throw new RtcspecError('CODEC_CLOSED', 'opusDecoder: decode() after close()')
      if (payload.length === 0) return new Int16Array(0)
      const bytes = opus.decode(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength))
      // Copy into an aligned buffer: `bytes` may sit at an odd offset of Node's pool.
      const out = new Int16Array(bytes.byteLength >> 1)
      new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 2))
      return out
    },
    close(): void {
      opus?.delete()
      opus = undefined
    },
  }
}
