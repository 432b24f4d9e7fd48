/**
 * Core media types shared by sources, codecs, recorders and peers.
 * Audio inside rtcspec is mono signed 16-bit PCM (Int16Array) at a stated sample rate.
 */

/** A producer of mono PCM16 audio, pulled one frame at a time by a paced sender. */
export interface AudioSource {
  /** Samples per second of what `read` produces. */
  readonly sampleRate: number
  /** Human-readable label for reports, e.g. `tone(440 Hz, -12 dBFS)`. */
  readonly description: string
  /**
   * Fills `out` with the next `out.length` samples.
   * Returns false once the source has ended (then `out` holds silence padding for the tail).
   */
  read(out: Int16Array): boolean
}

/** Encodes PCM16 frames into RTP payloads of one codec. */
export interface AudioEncoder {
  /** RTP encoding name as in a=rtpmap, e.g. `PCMU`. */
  readonly encoding: string
  /** RTP clock rate of the codec. */
  readonly clockRate: number
  /** Sample rate of the PCM the encoder expects. */
  readonly sampleRate: number
  encode(pcm: Int16Array): Uint8Array
}

/** Decodes RTP payloads of one codec into PCM16. */
export interface AudioDecoder {
  readonly encoding: string
  readonly clockRate: number
  /** Sample rate of the PCM `decode` returns. */
  readonly sampleRate: number
  decode(payload: Uint8Array): Int16Array
}

/** Decoded mono PCM16 audio with its sample rate: what recordings and analysis functions exchange. */
export interface PcmAudio {
  readonly sampleRate: number
  readonly samples: Int16Array
}
