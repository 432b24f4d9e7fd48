/**
 * Bridges: what one call leg receives, the other sends.
 *
 * - {@link bridgeMedia} joins the audio of two peers of any kind (werift ↔ plain RTP is the SIP↔WebRTC
 *   gateway case). Received payloads are decoded and re-encoded with the other leg's codec, re-paced at
 *   20 ms behind a playout buffer (40 ms at first; it grows by one frame, up to 100 ms, each time it runs dry,
 *   because the two legs' senders tick on independent clocks and the far leg's packets arrive with jitter).
 *   A frame the other leg must send while the buffer has no audio is sent as silence and counted as missing
 *   media (`underflowFrames`, with the gaps it came in); the silence before the first audio arrived is counted
 *   apart (`startupFrames`), as it is no gap in the media. For the same G.711 law on both legs this is a passthrough: µ-law and A-law
 *   decode→encode is bit-exact (except µ-law's negative zero, which becomes positive zero). RFC 4733
 *   events are not forwarded. Counters on both directions.
 * - {@link startSipB2bua} is a back-to-back user agent: it answers calls on one user agent (leg A) by placing
 *   a call on another (leg B), bridges their media, and hangs up one leg when the other ends. With a WebRTC
 *   leg A and a plain-RTP leg B it is the WebRTC↔SIP/RTP gateway; with both legs plain SIP it inserts
 *   rtcspec between two SIP parties.
 */
import { RtcspecError } from '../errors.ts'
import { findAudioCodec, isTelephoneEvent } from '../peers/codecs.ts'
import { resample } from '../media/resample.ts'
import type { AudioSource, AudioDecoder } from '../media/types.ts'
import type { AudioSendHandle, InboundTrack, Peer } from '../peers/types.ts'
import type { CallRecord } from '../peers/call-record.ts'
import { sipSignaling } from './sip-log.ts'
import { createSipUserAgent, sipCallRecord, type IncomingSipCall, type SipCall, type SipUserAgent, type SipUserAgentOptions } from './user-agent.ts'

/** Counters of one direction of a media bridge. */
export interface BridgeDirectionCounters {
  /** RTP packets received on the source leg and queued for the other leg. */
  packetsIn: number
  /** Audio frames the other leg's sender took from the queue with real audio in them. */
  framesOut: number
  /**
   * Frames sent as silence after the media had started because the playout buffer had no audio: missing
   * media on the other leg (what its listener hears as a gap).
   */
  underflowFrames: number
  /** Frames sent as silence before the first audio arrived and the playout buffer first filled (call set-up, not a gap). */
  startupFrames: number
  /** The gaps the underflow frames came in (at most {@link MAX_BRIDGE_GAPS}; later ones are only counted): when (ms since the epoch) and how many frames. */
  gaps: Array<{ atMs: number; frames: number }>
  /** The playout buffer's current depth target, ms (grows after each underflow). */
  playoutMs: number
  /** Samples dropped because the queue was over its bound (the sending leg ran faster). */
  overflowSamples: number
  /** RFC 4733 packets not forwarded. */
  telephoneEvents: number
  /** Packets with a payload type the bridge could not decode. */
  undecodable: number
}

/** Most gaps a bridge direction lists. */
export const MAX_BRIDGE_GAPS = 200

/** Playout buffer: initial depth, growth step after an underflow and largest depth, ms. */
const PLAYOUT_INITIAL_MS = 40
const PLAYOUT_STEP_MS = 20
const PLAYOUT_MAX_MS = 100

/** A running media bridge. */
export interface MediaBridge {
  readonly aToB: BridgeDirectionCounters
  readonly bToA: BridgeDirectionCounters
  /** Stops forwarding (the peers stay open). Idempotent. */
  stop(): void
}

/** PCM from received packets, read by a paced sender: a bounded FIFO with a start-up cushion. */
class PipeSource implements AudioSource {
  readonly sampleRate: number
  readonly description: string
  readonly #counters: BridgeDirectionCounters
  #cushion: number
  readonly #max: number
  /** Whether audio ever filled the buffer (silence before that is start-up, not a gap). */
  #started = false
  /** The gap being counted, when the buffer is dry. */
  #gap: { atMs: number; frames: number } | undefined
  #chunks: Int16Array[] = []
  #offset = 0
  #buffered = 0
  #primed = false
  #ended = false

  constructor(sampleRate: number, label: string, counters: BridgeDirectionCounters) {
    this.sampleRate = sampleRate
    this.description = `bridge(${label})`
    this.#counters = counters
    this.#cushion = Math.round((sampleRate * PLAYOUT_INITIAL_MS) / 1000)
    counters.playoutMs = PLAYOUT_INITIAL_MS
    this.#max = sampleRate // at most 1 s queued
  }

  push(pcm: Int16Array): void {
    this.#chunks.push(pcm)
    this.#buffered += pcm.length
    while (this.#buffered - this.#offset > this.#max && this.#chunks.length > 1) {
      const dropped = this.#chunks.shift()!
      this.#counters.overflowSamples += dropped.length - this.#offset
      this.#buffered -= dropped.length
      this.#offset = 0
    }
  }

  end(): void {
    this.#ended = true
  }

  read(out: Int16Array): boolean {
    const available = this.#buffered - this.#offset
    if (!this.#primed && available >= this.#cushion) {
      this.#primed = true
      this.#started = true
      this.#gap = undefined
    }
    if (!this.#primed || available === 0) {
      out.fill(0)
      if (!this.#started) {
        this.#counters.startupFrames++
        return !this.#ended
      }
      this.#counters.underflowFrames++
      if (this.#gap) this.#gap.frames++
      else {
        this.#gap = { atMs: Date.now(), frames: 1 }
        if (this.#counters.gaps.length < MAX_BRIDGE_GAPS) this.#counters.gaps.push(this.#gap)
      }
      if (available === 0 && this.#primed) {
        // ran dry: refill to a deeper buffer before playing on (the far leg's jitter exceeded the depth)
        this.#primed = false
        const ms = Math.min(PLAYOUT_MAX_MS, this.#counters.playoutMs + PLAYOUT_STEP_MS)
        this.#counters.playoutMs = ms
        this.#cushion = Math.round((this.sampleRate * ms) / 1000)
      }
      return !this.#ended
    }
    let written = 0
    while (written < out.length && this.#chunks.length > 0) {
      const head = this.#chunks[0]!
      const n = Math.min(out.length - written, head.length - this.#offset)
      out.set(head.subarray(this.#offset, this.#offset + n), written)
      written += n
      this.#offset += n
      if (this.#offset >= head.length) {
        this.#chunks.shift()
        this.#buffered -= head.length
        this.#offset = 0
      }
    }
    if (written < out.length) out.fill(0, written)
    this.#counters.framesOut++
    return !this.#ended
  }
}

function counters(): BridgeDirectionCounters {
  return {
    packetsIn: 0,
    framesOut: 0,
    underflowFrames: 0,
    startupFrames: 0,
    gaps: [],
    playoutMs: PLAYOUT_INITIAL_MS,
    overflowSamples: 0,
    telephoneEvents: 0,
    undecodable: 0,
  }
}

/** Forwards the audio `from` receives to `to`. Returns a stop function. */
function forward(from: Peer, to: Peer, c: BridgeDirectionCounters, timeoutMs: number): () => void {
  let stopped = false
  let unsubscribe: (() => void) | undefined
  let handle: AudioSendHandle | undefined
  let pipe: PipeSource | undefined
  const decoders = new Map<number, AudioDecoder | null>()
  const onTrack = (track: InboundTrack) => {
    if (stopped) return
    unsubscribe = track.onRtp((p) => {
      // The track's codec is the audio codec of the stream (telephone-event packets never set it).
      const info = track.codec
      let decoder = decoders.get(p.payloadType)
      if (decoder === undefined && info?.payloadType === p.payloadType && !isTelephoneEvent(info.encoding)) {
        decoder = findAudioCodec(info.encoding)?.createDecoder() ?? null
        decoders.set(p.payloadType, decoder)
      }
      if (!decoder) {
        if (p.payload.length === 4 && p.payloadType >= 96) c.telephoneEvents++
        else c.undecodable++
        return
      }
      c.packetsIn++
      let pcm = decoder.decode(p.payload)
      if (!pipe) {
        // The other leg's sender asks for its codec's rate: build the pipe lazily at that rate.
        return
      }
      if (decoder.sampleRate !== pipe.sampleRate) pcm = resample(pcm, decoder.sampleRate, pipe.sampleRate)
      pipe.push(pcm)
    })
  }
  handle = to.sendAudio((rate) => {
    pipe = new PipeSource(rate, `${from.name} → ${to.name}`, c)
    return pipe
  })
  from.waitForTrack('audio', timeoutMs).then(onTrack, () => {})
  return () => {
    if (stopped) return
    stopped = true
    unsubscribe?.()
    pipe?.end()
    handle?.stop()
    for (const d of decoders.values()) d?.close?.()
  }
}

/** Joins the audio of two peers both ways. The peers must be (or become) connected; tracks are awaited up to `trackTimeoutMs`. */
export function bridgeMedia(a: Peer, b: Peer, options: { trackTimeoutMs?: number } = {}): MediaBridge {
  const aToB = counters()
  const bToA = counters()
  const timeout = options.trackTimeoutMs ?? 30_000
  const stops = [forward(a, b, aToB, timeout), forward(b, a, bToA, timeout)]
  return {
    aToB,
    bToA,
    stop: () => {
      for (const s of stops) s()
    },
  }
}

/** Options of {@link startSipB2bua}. */
export interface SipB2buaOptions {
  /** Leg A: the user agent that receives calls (e.g. WebRTC over WS, registered at the registrar). */
  a: SipUserAgentOptions
  /** Leg B: the user agent that places the onward call (e.g. plain RTP over UDP towards a SIP endpoint). */
  b: SipUserAgentOptions
  /** Where leg B calls for an incoming call on leg A (default: the same Request-URI user at leg B's domain). */
  target: string | ((incoming: IncomingSipCall) => string)
  /** Register leg A first (default true). */
  registerA?: boolean
  /** Timeout of leg B's call, ms. Default 10 s. */
  callTimeoutMs?: number
}

/** One bridged call: both legs and the media bridge. */
export interface B2buaCall {
  a: SipCall
  b: SipCall
  media: MediaBridge
}

/** A running back-to-back user agent. Dispose it to hang up every call and close both user agents. */
export interface SipB2bua extends AsyncDisposable {
  readonly a: SipUserAgent
  readonly b: SipUserAgent
  /** Calls bridged so far. */
  readonly calls: readonly B2buaCall[]
  /** Incoming calls that could not be bridged, with why. */
  readonly failures: ReadonlyArray<{ from: string; message: string }>
  /** Resolves with the `n`-th bridged call (1-based) once it is up. */
  waitForCall(n?: number, timeoutMs?: number): Promise<B2buaCall>
  close(): Promise<void>
}

/** Starts a B2BUA: every call to leg A is answered once leg B's onward call is answered, then bridged. */
export async function startSipB2bua(options: SipB2buaOptions): Promise<SipB2bua> {
  const a = await createSipUserAgent({ name: 'b2bua-a', ...options.a })
  let b: SipUserAgent
  try {
    b = await createSipUserAgent({ name: 'b2bua-b', ...options.b })
    if (options.registerA ?? true) await a.register()
  } catch (e) {
    await a.close()
    throw e
  }
  const calls: B2buaCall[] = []
  const failures: Array<{ from: string; message: string }> = []
  const waiters: Array<{ n: number; resolve: (c: B2buaCall) => void }> = []
  let closed = false

  const handle = async (incoming: IncomingSipCall) => {
    const target = typeof options.target === 'function' ? options.target(incoming) : options.target
    let bCall: SipCall
    try {
      await incoming.progress(180)
      bCall = await b.call(target, { timeoutMs: options.callTimeoutMs ?? 10_000 })
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e)
      failures.push({ from: incoming.from, message })
      const status = (e as { status?: number }).status
      await incoming.reject(status && status >= 400 && status < 700 ? status : 502, status ? undefined : 'Bad Gateway').catch(() => {})
      return
    }
    let aCall: SipCall
    try {
      aCall = await incoming.accept()
    } catch (e) {
      failures.push({ from: incoming.from, message: e instanceof Error ? e.message : String(e) })
      await bCall.hangup().catch(() => {}) // a failed BYE is kept in bCall.errors
      return
    }
    const media = bridgeMedia(aCall.peer, bCall.peer)
    const call = { a: aCall, b: bCall, media }
    calls.push(call)
    // When one leg ends, end the other (a BYE that fails is kept in that leg's errors).
    void aCall
      .waitForEnd(24 * 3600_000)
      .then(() => {
        media.stop()
        return bCall.hangup()
      })
      .catch(() => {})
    void bCall
      .waitForEnd(24 * 3600_000)
      .then(() => {
        media.stop()
        return aCall.hangup()
      })
      .catch(() => {})
    for (const w of [...waiters]) {
      if (calls.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(calls[w.n - 1]!)
      }
    }
  }

  void (async () => {
    for (let guard = 0; !closed && guard < 1_000_000; guard++) {
      let incoming: IncomingSipCall
      try {
        incoming = await a.waitForIncoming(3_600_000)
      } catch {
        return
      }
      void handle(incoming)
    }
  })()

  const close = async () => {
    if (closed) return
    closed = true
    for (const c of calls) c.media.stop()
    await a.close()
    await b.close()
  }
  return {
    a,
    b,
    calls,
    failures,
    waitForCall(n = 1, timeoutMs = 15_000) {
      const have = calls[n - 1]
      if (have) return Promise.resolve(have)
      return new Promise<B2buaCall>((resolve, reject) => {
        const w = { n, resolve: (c: B2buaCall) => (clearTimeout(timer), resolve(c)) }
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1)
          reject(
            new RtcspecError(
              'TIMEOUT',
              `timed out after ${timeoutMs} ms waiting for bridged call #${n}${failures.length ? `; failures: ${failures.map((f) => f.message).join(' | ')}` : ''}`,
            ),
          )
        }, timeoutMs)
        waiters.push(w)
      })
    },
    close,
    [Symbol.asyncDispose]: close,
  }
}

/** The missing media of one bridge direction: frames its sender sent as silence since the media started, of all it sent. */
export function bridgeMissingMedia(c: BridgeDirectionCounters): { missingFrames: number; frames: number; fraction: number } {
  const frames = c.framesOut + c.underflowFrames
  return { missingFrames: c.underflowFrames, frames, fraction: frames > 0 ? c.underflowFrames / frames : 0 }
}

/**
 * The call record of a bridged call (`kind: 'sip'`, both legs): each leg's outbound audio carries the bridge's
 * missing media towards it (`missingFrames`, `frames`: leg A's from the B→A direction, leg B's from A→B), and
 * `extra.bridge` the counters of both directions; `signaling` is leg A's SIP messages as {@link sipSignaling} gives them.
 */
export async function b2buaCallRecord(call: B2buaCall, options: { test?: CallRecord['test']; extra?: Record<string, unknown> } = {}): Promise<CallRecord> {
  const { aToB, bToA } = call.media
  const record = await sipCallRecord([call.a, call.b], {
    ...(options.test ? { test: options.test } : {}),
    extra: { bridge: { aToB: { ...aToB, gaps: [...aToB.gaps] }, bToA: { ...bToA, gaps: [...bToA.gaps] } }, ...options.extra },
  })
  // leg A's SIP messages with both transport addresses, the whole message text and retransmissions marked
  record.signaling = sipSignaling(call.a.messages(), Date.parse(record.startedAt))
  const legs = (
    [
      [call.a.sdh?.peer, bToA],
      [call.b.sdh?.peer, aToB],
    ] as Array<[Peer | undefined, BridgeDirectionCounters]>
  ).filter(([p]) => p !== undefined)
  // the record lists the legs' peers in leg order (by name when a peer's stats were unavailable)
  const inOrder = record.peers.length === legs.length
  for (const [i, [peer, c]] of legs.entries()) {
    const rec = inOrder ? record.peers[i] : record.peers.find((p) => p.name === peer!.name)
    const out = rec?.rtp.outbound.find((o) => o.kind === 'audio')
    if (!out) continue
    const m = bridgeMissingMedia(c)
    out.missingFrames = m.missingFrames
    out.frames = m.frames
  }
  return record
}
