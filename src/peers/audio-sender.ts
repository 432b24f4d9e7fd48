/**
 * Packetizes an audio source into RTP on a drift-free 20 ms (by default) pacer:
 * sequence numbers +1, timestamps +clockRate·ptime per frame, marker bit at talkspurt start.
 */
import type { AudioEncoder, AudioSource } from '../media/types.ts'
import { Pacer } from '../media/pacer.ts'
import { RtcspecError } from '../errors.ts'
import type { AudioSourceSpec } from './types.ts'

/** The RTP header fields the sender chooses for each packet. */
export interface OutgoingRtp {
  payloadType: number
  sequenceNumber: number
  timestamp: number
  marker: boolean
  payload: Uint8Array
}

export interface AudioSenderOptions {
  source: AudioSource
  encoder: AudioEncoder
  payloadType: number
  /** Packet time, default 20 ms. */
  ptimeMs?: number
  /** Hands each packet to the transport. */
  send: (packet: OutgoingRtp) => void
  /** Called once when the source ends. */
  onEnded?: () => void
}

/** Builds the source a spec asked for at the sample rate the encoder needs. */
export function resolveAudioSource(spec: AudioSourceSpec, sampleRate: number): AudioSource {
  const source = typeof spec === 'function' ? spec(sampleRate) : spec
  if (source.sampleRate !== sampleRate) {
    throw new RtcspecError('SOURCE_RATE', `audio source ${source.description} runs at ${source.sampleRate} Hz but the negotiated codec needs ${sampleRate} Hz`, {
      hint: 'pass a source factory such as tone(440) (without a sampleRate) so rtcspec builds it at the codec rate',
    })
  }
  return source
}

/** Sends one audio source as RTP, paced in real time. */
export class AudioSender {
  packetsSent = 0
  bytesSent = 0
  firstPacketAtMs: number | undefined
  readonly #pacer: Pacer
  readonly #frame: Int16Array
  readonly #timestampStep: number
  readonly #options: AudioSenderOptions
  #seq = Math.floor(Math.random() * 0x10000)
  readonly #ts0 = Math.floor(Math.random() * 0x100000000)
  #ended = false

  constructor(options: AudioSenderOptions) {
    const ptime = options.ptimeMs ?? 20
    this.#options = options
    this.#frame = new Int16Array(Math.round((options.encoder.sampleRate * ptime) / 1000))
    this.#timestampStep = Math.round((options.encoder.clockRate * ptime) / 1000)
    this.#pacer = new Pacer({ periodMs: ptime }, (i) => this.#tick(i))
  }

  get lateTicks(): number {
    return this.#pacer.stats.lateTicks
  }

  start(): void {
    this.#pacer.start()
  }

  stop(): void {
    this.#pacer.stop()
  }

  #tick(index: number): void {
    const more = this.#options.source.read(this.#frame)
    const payload = this.#options.encoder.encode(this.#frame)
    this.#options.send({
      payloadType: this.#options.payloadType,
      sequenceNumber: this.#seq,
      // Timestamps derive from the frame index, so skipped ticks show as a timestamp jump, not drift.
      timestamp: (this.#ts0 + index * this.#timestampStep) >>> 0,
      marker: this.packetsSent === 0,
      payload,
    })
    this.#seq = (this.#seq + 1) & 0xffff
    this.packetsSent++
    this.bytesSent += payload.length
    this.firstPacketAtMs ??= performance.now()
    if (!more && !this.#ended) {
      this.#ended = true
      this.stop()
      this.#options.onEnded?.()
    }
  }
}
