/** The shared `InboundTrack` implementation: statistics, receive hooks and waits for any peer kind. */
import { TimeoutError } from '../errors.ts'
import { RtpReceiveStats } from '../rtp/stats.ts'
import type { CodecInfo, InboundTrack, MediaKind, ReceivedRtp } from './types.ts'

export interface InboundTrackInit {
  kind: MediaKind
  mid: string | undefined
  peerName: string
  clockRate: number
  /** Maps a payload type to the negotiated codec. */
  codecOf: (payloadType: number) => CodecInfo | undefined
}

export class InboundTrackImpl implements InboundTrack {
  readonly kind: MediaKind
  readonly mid: string | undefined
  readonly peerName: string
  readonly rtp: RtpReceiveStats
  codec: CodecInfo | undefined
  readonly #codecOf: (pt: number) => CodecInfo | undefined
  readonly #listeners = new Set<(p: ReceivedRtp) => void>()
  readonly #waiters = new Set<{ count: number; resolve: () => void }>()
  #count = 0
  #ended = false

  constructor(init: InboundTrackInit) {
    this.kind = init.kind
    this.mid = init.mid
    this.peerName = init.peerName
    this.#codecOf = init.codecOf
    this.rtp = new RtpReceiveStats({ clockRate: init.clockRate })
  }

  /** Number of packets received so far (duplicates included). */
  get packetCount(): number {
    return this.#count
  }

  /** Feeds one received packet (called by the peer implementation). */
  push(packet: ReceivedRtp): void {
    if (this.#ended) return
    if (this.codec === undefined || this.codec.payloadType !== packet.payloadType) {
      this.codec = this.#codecOf(packet.payloadType) ?? this.codec
    }
    this.rtp.onPacket(
      { sequenceNumber: packet.sequenceNumber, timestamp: packet.timestamp, ssrc: packet.ssrc, payloadType: packet.payloadType, marker: packet.marker, payloadBytes: packet.payload.length },
      packet.arrivalMs,
    )
    this.#count++
    for (const l of this.#listeners) l(packet)
    for (const w of this.#waiters) {
      if (this.#count >= w.count) {
        this.#waiters.delete(w)
        w.resolve()
      }
    }
  }

  /** Stops accepting packets (the peer closed). */
  end(): void {
    this.#ended = true
    this.#listeners.clear()
  }

  onRtp(listener: (packet: ReceivedRtp) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  waitForPackets(count: number, timeoutMs: number): Promise<void> {
    if (this.#count >= count) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        count,
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        reject(new TimeoutError(`${count} RTP packets on ${this.peerName}'s inbound ${this.kind} track (got ${this.#count})`, timeoutMs))
      }, timeoutMs)
      this.#waiters.add(waiter)
    })
  }
}
