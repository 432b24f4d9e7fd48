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
  /** Frees native resources (e.g. a WebAssembly Opus encoder). Idempotent; optional for pure-JS codecs. */
  close?(): void
}

/** Decodes RTP payloads of one codec into PCM16. */
export interface AudioDecoder {
  readonly encoding: string
  readonly clockRate: number
  /** Sample rate of the PCM `decode` returns. */
  readonly sampleRate: number
  decode(payload: Uint8Array): Int16Array
  /** Frees native resources (e.g. a WebAssembly Opus decoder). Idempotent; optional for pure-JS codecs. */
  close?(): void
}

/** Decoded mono PCM16 audio with its sample rate: what recordings and analysis functions exchange. */
export interface PcmAudio {
  readonly sampleRate: number
  readonly samples: Int16Array
}

/**
 * A decoded recording of a received audio stream: mono PCM16 plus where it was saved.
 * Sample 0 is the RTP timestamp of the first packet received; packets are placed by their RTP
 * timestamp, so a gap (loss, DTX, a DTMF event, a sender stall) is silence (zeros), not compressed away.
 */
export interface AudioRecording extends PcmAudio {
  /** What was recorded, e.g. `bob audio in (mid 0, PCMU)`. */
  readonly label: string
  /** The WAV file, once the recording was saved to disk. */
  readonly wavPath?: string
  /** The pcap of the RTP packets, once saved to disk. */
  readonly pcapPath?: string
}

/** A DTMF digit detected in a stream (defined with the RFC 4733 wire format, which produces it). */
export type { DetectedDigit } from '../rtp/telephone-event.ts'
