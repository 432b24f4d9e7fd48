/**
 * The bookkeeping of a peer's outgoing audio, shared by the werift and the plain-RTP peer: every
 * `sendAudio` call is an entry whose {@link AudioSender} exists only once media can flow, DTMF asked for
 * before that waits on the entry, stopping an entry rejects its waiting DTMF, and the outbound stats read
 * the sender's counters. What differs between peers — how a sender is built and where its packets go —
 * stays in the peer: it builds the sender in {@link AudioSenderBook.start}.
 */
import { RtcspecError } from '../errors.ts'
import { silence } from '../media/sources.ts'
import { validateDtmfDigits } from '../rtp/telephone-event.ts'
import { withTimeout } from '../wait.ts'
import type { AudioSender } from './audio-sender.ts'
import type { AudioSendHandle, AudioSourceSpec, DtmfSendOptions, OutboundStats, SendAudioOptions } from './types.ts'

/** A `sendDtmf` call made before its sender started. */
interface PendingDtmf {
  digits: string
  options: DtmfSendOptions
  resolve: () => void
  reject: (e: unknown) => void
}

/** One `sendAudio` request: its sender exists once the connection is up. */
export interface AudioSenderEntry {
  readonly spec: AudioSourceSpec
  readonly options: SendAudioOptions
  /** Set by {@link AudioSenderBook.start}. */
  sender: AudioSender | undefined
  /** What is known before the sender exists (codec, mid, ssrc), completed by the sender's counters. */
  readonly stats: OutboundStats
  stopped: boolean
  /** `sendDtmf` calls made before the sender started. */
  readonly pendingDtmf: PendingDtmf[]
}

function withCounters(stats: OutboundStats, s: AudioSender | undefined): OutboundStats {
  return s
    ? {
        ...stats,
        packetsSent: s.packetsSent,
        bytesSent: s.bytesSent,
        lateTicks: s.lateTicks,
        firstPacketAtMs: s.firstPacketAtMs,
        stalls: s.stalls,
        ...(s.error !== undefined ? { senderError: s.error } : {}),
      }
    : { ...stats }
}

/** The outgoing audio entries of one peer. */
export class AudioSenderBook {
  readonly #peerName: string
  readonly #entries: AudioSenderEntry[] = []

  /** `peerName` names the peer in DTMF errors. */
  constructor(peerName: string) {
    this.#peerName = peerName
  }

  /** Every entry, in `sendAudio` order. */
  get entries(): readonly AudioSenderEntry[] {
    return this.#entries
  }

  /** Entries still waiting for their sender (not stopped). */
  waiting(): AudioSenderEntry[] {
    return this.#entries.filter((e) => !e.sender && !e.stopped)
  }

  /** Records a `sendAudio` call and returns its entry and the handle the caller gets. */
  add(spec: AudioSourceSpec, options: SendAudioOptions, known: Pick<OutboundStats, 'ssrc'>): { entry: AudioSenderEntry; handle: AudioSendHandle } {
    const entry: AudioSenderEntry = {
      spec,
      options,
      sender: undefined,
      stopped: false,
      pendingDtmf: [],
      stats: { kind: 'audio', mid: undefined, codec: undefined, ssrc: known.ssrc, packetsSent: 0, bytesSent: 0, lateTicks: 0, firstPacketAtMs: undefined },
    }
    this.#entries.push(entry)
    const peerName = this.#peerName
    const handle: AudioSendHandle = {
      stop: () => {
        entry.stopped = true
        entry.sender?.stop()
        for (const d of entry.pendingDtmf.splice(0)) d.reject(new RtcspecError('DTMF_ABORTED', `${peerName}: audio stopped before DTMF was sent`))
      },
      get stats() {
        return Object.assign(entry.stats, withCounters(entry.stats, entry.sender))
      },
    }
    return { entry, handle }
  }

  /**
   * Builds `entry`'s sender with `build` (the peer's part: codec, packetisation, where packets go), starts it
   * and sends the DTMF that waited for it. A build that throws goes to `onError` and the entry keeps waiting; a
   * sender that stops because a frame failed goes there too (and to its stats' `senderError`).
   */
  start(entry: AudioSenderEntry, build: () => AudioSender, onError: (message: string) => void): void {
    let sender: AudioSender
    try {
      sender = build()
    } catch (e) {
      onError(e instanceof Error ? e.message : String(e))
      return
    }
    entry.sender = sender
    sender.onError((message) => onError(`the audio sender stopped: ${message}`))
    sender.start()
    for (const d of entry.pendingDtmf.splice(0)) sender.sendDtmf(d.digits, d.options).then(d.resolve, d.reject)
  }

  /**
   * Sends RFC 4733 events on the first live audio; with none, `startAudio` is called with a silence source
   * to carry them (events travel in the audio stream). Resolves when the last event is sent; the wait is
   * bounded by every digit's duration, end packets and gap, plus time to connect.
   */
  sendDtmf(digits: string, options: DtmfSendOptions, startAudio: (source: AudioSourceSpec) => void): Promise<void> {
    validateDtmfDigits(digits)
    let entry = this.#entries.find((e) => !e.stopped && !e.sender?.stopped)
    if (!entry) {
      startAudio((rate) => silence({ sampleRate: rate }))
      entry = this.#entries.at(-1)
      if (!entry) throw new RtcspecError('DTMF_ABORTED', `${this.#peerName}: no audio to carry DTMF`, { hint: 'call sendAudio first' })
    }
    const target = entry
    const sent = target.sender
      ? target.sender.sendDtmf(digits, options)
      : new Promise<void>((resolve, reject) => target.pendingDtmf.push({ digits, options, resolve, reject }))
    const timeoutMs = 10_000 + digits.length * ((options.durationMs ?? 100) + (options.gapMs ?? 50) + 100) * 3
    return withTimeout(sent, timeoutMs, `${this.#peerName}: DTMF "${digits}" to be sent`)
  }

  /** Outbound stats of every entry, with its sender's counters. */
  outbound(): OutboundStats[] {
    return this.#entries.map((e) => withCounters(e.stats, e.sender))
  }

  /** Stops every sender (peer close). */
  stopAll(): void {
    for (const e of this.#entries) e.sender?.stop()
  }
}
