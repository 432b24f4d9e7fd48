/**
 * A `Peer` that is a real headless Chromium page (puppeteer-core; the Chromium `chromiumExecutable()` resolves).
 * One browser per process, one page per peer, pages served from rtcspec's own `http://127.0.0.1:<port>`.
 *
 * - Audio out: any rtcspec source, rendered in Node and streamed to the page in chunks, played through WebAudio
 *   into the track the connection sends (several `sendAudio` sources are mixed into that one track).
 * - Audio in: every remote audio track is recorded in the page (AudioWorklet, 48 kHz PCM16) and streamed back,
 *   so `track.recording()` and the audio analysis work as for werift peers.
 * - Video out: `sendVideo` draws rtcspec's test pattern with the frame code of every frame (index, real capture
 *   time) on a canvas and sends it with the browser's encoder (VP8 or H.264, size, frame rate, bitrate cap).
 * - Video in: every remote video track is rendered in a `<video>` element; each rendered frame's code is read from
 *   its pixels (`track.renderedFrames()`), and the browser's frame counters are in stats (`nativeVideo`).
 * - Stats: the browser's `getStats()` normalised into rtcspec's shapes. The RTP figures of a Chromium peer are
 *   the browser's own counters (see `BrowserRtpStats`), not computed by rtcspec from the packets.
 * - Trickle out through an exposed binding, trickle in through `addIceCandidate`; full gathering with `trickle: false`.
 * - Host candidates leave the page only for `hostAddresses` (default 127.0.0.1): loopback only.
 * - Console errors, page errors and ICE candidate errors go into the timeline's errors (and so the call record).
 */
import type { Browser, ConsoleMessage, Page } from 'puppeteer-core'
import { z } from 'zod'
import { RtcspecError, TimeoutError } from '../../errors.ts'
import { parseOptions } from '../../options.ts'
import { ChromiumPeerOptionsSchema } from '../peer-options.ts'
import { recordState } from '../timeline.ts'
import { createTimeline } from '../timeline.ts'
import type {
  AudioSendHandle,
  AudioSourceSpec,
  CandidateInit,
  DtmfSendOptions,
  InboundTrack,
  MediaKind,
  OutboundStats,
  Peer,
  PeerOptions,
  PeerStats,
  PeerTimeline,
  PeerTraits,
  SessionDescriptionInit,
} from '../types.ts'
import type { AudioSource } from '../../media/types.ts'
import type { EncodedVideo, VideoCodecName } from '../../media/video/types.ts'
import { drawFrameCodeRgba, readFrameCodeRgba } from '../../media/video/frame-code.ts'
import type { Direction } from '../types.ts'
import { RenderedBatchSchema } from './rendered-frames.ts'
import {
  parseVideoPatternChange,
  resolveVideoPattern,
  type ChromiumVideoOptions,
  type ChromiumVideoSendHandle,
  type VideoPatternChangeRecord,
} from './video-sender.ts'
import { acquireBrowser, type BrowserLease } from './browser.ts'
import { ChromiumInboundTrack } from './inbound-track.ts'
import { normalizeBrowserStats, type BrowserStatsView } from './stats.ts'
import type { AudioStreamHandle } from './page-server.ts'

/** Chromium-specific options on top of the common ones. */
export interface ChromiumPeerOptions extends PeerOptions {
  /** Chromium binary; default `$RTCSPEC_CHROMIUM`, else `/usr/bin/chromium`, else chromium on PATH (`chromiumExecutable`). */
  executablePath?: string
  /** Browser launch timeout, default 60 s. */
  launchTimeoutMs?: number
  /** Have the browser verify TLS certificates (e.g. of a `turns:` server). Default false (self-signed test certificates work). */
  strictCertificates?: boolean
  /** How often the browser's stats and recorded audio are fetched while the peer is open, ms. Default 200. */
  pollIntervalMs?: number
  /** Longest recording kept per inbound track, seconds. Default 300. */
  maxRecordingSeconds?: number
  /** How long full ICE gathering (`trickle: false`) may take, ms. Default 10 000. */
  gatheringTimeoutMs?: number
  /**
   * A video transceiver in this direction, created with the offer when no `sendVideo` made one (e.g. `recvonly`
   * to receive video as the offerer; `sendrecv` to `sendVideo` later without renegotiating). Applied to the
   * video sections of a remote offer too (`false`: refuse them). Default: none offered, remote offers accepted.
   */
  video?: Direction | false
  /** Video codecs to offer and accept, in preference order: `VP8`, `H264`. Default: the browser's (all it has). */
  videoCodecs?: VideoCodecName[]
  /** Rendered frames kept per inbound video track: the latest ones. Default 18 000 (the last 10 min at 30 fps). */
  maxRenderedFrames?: number
}

/** zod schema of {@link ChromiumPeerOptions}: what `createChromiumPeer` accepts (strict: unknown keys are errors). */
export { ChromiumPeerOptionsSchema }

/** What the page reports through the `rtcspecEmit` binding. */
const PageEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('candidate'),
    /** End of candidates (then there is no `candidate`). */
    end: z.literal(true).optional(),
    candidate: z.string().optional(),
    sdpMid: z.string().nullable().optional(),
    sdpMLineIndex: z.number().nullable().optional(),
    usernameFragment: z.string().nullable().optional(),
  }),
  z.object({ type: z.literal('filtered'), candidate: z.string() }),
  z.object({ type: z.literal('state'), key: z.enum(['ice', 'gathering', 'connection', 'dtls', 'signaling']), state: z.string() }),
  z.object({
    type: z.literal('track'),
    index: z.number().int().nonnegative(),
    kind: z.enum(['audio', 'video']),
    mid: z.string().nullable(),
    trackId: z.string(),
    /** When the track arrived, the page's wall clock, ms. */
    atMs: z.number().optional(),
  }),
  z.object({ type: z.literal('error'), message: z.string() }),
  z.object({ type: z.literal('ice-error'), message: z.string() }),
  z.object({ type: z.literal('audio-ended'), id: z.string() }),
])

const PollSchema = z.object({
  stats: z.array(z.unknown()),
  audio: z.array(z.object({ index: z.number().int(), b64: z.string(), dropped: z.number() })),
  senders: z.array(z.object({ id: z.string(), underruns: z.number(), ended: z.boolean(), started: z.boolean() })),
  video: z.array(RenderedBatchSchema).optional(),
  videoSenders: z
    .array(
      z.object({
        id: z.string(),
        mid: z.string().nullable(),
        framesDrawn: z.number().int().nonnegative(),
        lateFrames: z.number().int().nonnegative(),
        nextIndex: z.number().int().nonnegative(),
        width: z.number().int().positive(),
        height: z.number().int().positive(),
        mode: z.string(),
        started: z.boolean(),
      }),
    )
    .optional(),
  /** New bytes of each recorded inbound video track (MediaRecorder WebM), base64. */
  videoRecordings: z
    .array(z.object({ index: z.number().int().nonnegative(), b64: z.string(), mimeType: z.string(), droppedBytes: z.number().nonnegative() }))
    .optional(),
  audioState: z.string().optional(),
  sampleRate: z.number().optional(),
})

/** Most bytes of WebM kept per recorded inbound video track (later data is counted, not kept). */
export const MAX_VIDEO_RECORDING_BYTES = 64 * 1024 * 1024

/** What the page's takeArrivals() returns. */
const ArrivalSamplesSchema = z.array(z.object({ mid: z.string().nullable(), packetsReceived: z.number(), lastPacketMs: z.number().nullable() }))

const InitSchema = z.object({ sampleRate: z.number().positive(), userAgent: z.string(), audioState: z.string() })

/** The in-page API, as `page.evaluate` sees it (type only). */
type PageGlobal = { rtcspec: Record<string, (...args: unknown[]) => unknown> }

let peerCounter = 0

/** Creates a Chromium peer: leases the process's browser (launching it on first use) and opens a page. */
export async function createChromiumPeer(options: ChromiumPeerOptions = {}): Promise<ChromiumPeer> {
  parseOptions(ChromiumPeerOptionsSchema, options, {
    code: 'INVALID_OPTIONS',
    what: 'Chromium peer options',
    hint: 'see ChromiumPeerOptions for what each option takes',
  })
  const peer = new ChromiumPeer(options)
  try {
    await peer.start()
  } catch (e) {
    await peer.close()
    throw e
  }
  return peer
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms)
    }),
  ])
}

interface SenderEntry {
  id: string
  stream: AudioStreamHandle | undefined
  stats: OutboundStats
  stopped: boolean
}

interface VideoSenderEntry {
  id: string
  stats: OutboundStats
  stopped: boolean
  framesDrawn: number
  lateFrames: number
  changes: VideoPatternChangeRecord[]
}

/**
 * A headless Chromium page as a {@link Peer}. Create it with {@link createChromiumPeer}; `close()` (or `await using`)
 * closes its page, and the browser with the last page. See the module documentation for what differs from werift.
 */
export class ChromiumPeer implements Peer {
  readonly kind = 'chromium' as const
  /** A browser answers checks from any address, and its nominations are seen by polling its stats. */
  readonly traits: PeerTraits = { answersChecksFromAnyAddress: true, nominationsSeenOnStats: true }
  readonly name: string
  readonly trickle: boolean
  readonly timeline: PeerTimeline
  readonly #options: ChromiumPeerOptions
  readonly #pollIntervalMs: number
  #lease: BrowserLease | undefined
  #page: Page | undefined
  #sampleRate = 48000
  #userAgent = ''
  readonly #inbound: ChromiumInboundTrack[] = []
  readonly #trackWaiters = new Set<(t: ChromiumInboundTrack) => void>()
  readonly #candidateListeners = new Set<(c: CandidateInit | null) => void>()
  readonly #localCandidates: Array<CandidateInit | null> = []
  readonly #stateListeners = new Set<() => void>()
  readonly #senders: SenderEntry[] = []
  readonly #videoSenders: VideoSenderEntry[] = []
  readonly #filtered: string[] = []
  #view: BrowserStatsView = { inbound: [], outbound: [], selectedPair: undefined, dtlsState: undefined, iceState: undefined }
  #polling: Promise<void> | undefined
  #pollTimer: NodeJS.Timeout | undefined
  #senderCounter = 0
  #launchMs = 0
  #closed = false

  /** Use {@link createChromiumPeer}: a peer needs its page before it can be used. */
  constructor(options: ChromiumPeerOptions = {}) {
    this.#options = options
    this.name = options.name ?? `chromium-${++peerCounter}`
    this.trickle = options.trickle ?? true
    this.timeline = createTimeline()
    this.#pollIntervalMs = options.pollIntervalMs ?? 200
  }

  /** The peer's page (for anything rtcspec does not wrap). Undefined before start and after close. */
  get page(): Page | undefined {
    return this.#page
  }

  /** The shared browser this peer's page lives in. */
  get browser(): Browser | undefined {
    return this.#lease?.browser
  }

  /** PID of the browser process. */
  get browserPid(): number | undefined {
    return this.#lease?.pid
  }

  /** The browser's profile directory (unique per browser; every Chromium process of it names it). */
  get userDataDir(): string | undefined {
    return this.#lease?.userDataDir
  }

  /** How long this peer waited for the browser to launch (0 when it was already running). */
  get launchMs(): number {
    return this.#launchMs
  }

  /** The browser's user agent. */
  get userAgent(): string {
    return this.#userAgent
  }

  /** Local candidates the page gathered but kept to itself (host addresses outside `hostAddresses`). */
  get filteredCandidates(): readonly string[] {
    return this.#filtered
  }

  /** Opens the page and the peer connection in it. Called by {@link createChromiumPeer}. */
  async start(): Promise<void> {
    if (this.#lease) return
    this.#lease = await acquireBrowser({
      ...(this.#options.executablePath ? { executablePath: this.#options.executablePath } : {}),
      ...(this.#options.launchTimeoutMs ? { launchTimeoutMs: this.#options.launchTimeoutMs } : {}),
      ...(this.#options.strictCertificates ? { strictCertificates: true } : {}),
    })
    this.#launchMs = this.#lease.launchMs
    if (this.#closed) {
      await this.#lease.release()
      this.#lease = undefined
      return
    }
    const page = await this.#lease.browser.newPage()
    this.#page = page
    page.on('console', (m: ConsoleMessage) => {
      if (m.type() === 'error') this.#error(`console.error: ${m.text()}`)
    })
    page.on('pageerror', (e: unknown) => this.#error(`page error: ${e instanceof Error ? e.message : String(e)}`))
    page.on('error', (e: Error) => this.#error(`page crashed: ${e.message}`))
    await page.exposeFunction('rtcspecEmit', (json: string) => this.#onEvent(json))
    const response = await page.goto(this.#lease.server.pageUrl, { waitUntil: 'load', timeout: 30_000 })
    if (!response?.ok()) throw new RtcspecError('CHROMIUM_PAGE', `${this.name}: could not load the peer page (${response?.status() ?? 'no response'})`)
    const o = this.#options
    const info = InitSchema.parse(
      await this.#wrap('start the in-page peer', () =>
        this.#invoke('init', {
          hostAddresses: o.hostAddresses ?? ['127.0.0.1'],
          trickle: this.trickle,
          audio: o.audio ?? 'sendrecv',
          codecs: o.codecs,
          dtmf: o.dtmf ?? true,
          iceServers: o.iceServers ?? [],
          relayOnly: o.relayOnly ?? false,
          maxRecordSamples: Math.round((o.maxRecordingSeconds ?? 300) * 48000),
          gatheringTimeoutMs: o.gatheringTimeoutMs ?? 10_000,
          video: o.video ?? undefined,
          videoCodecs: o.videoCodecs,
          maxRenderedFrames: o.maxRenderedFrames ?? 18_000,
          recordVideo: o.record ?? false,
          maxVideoRecordBytes: MAX_VIDEO_RECORDING_BYTES,
          // self-contained functions (see frame-code.ts): the page evaluates their source text
          frameCode: { draw: drawFrameCodeRgba.toString(), read: readFrameCodeRgba.toString() },
        }),
      ),
    )
    this.#sampleRate = info.sampleRate
    this.#userAgent = info.userAgent
    if (info.audioState !== 'running') this.#error(`the page's AudioContext is ${info.audioState}, not running: audio will not flow`)
    this.#pollTimer = setInterval(() => void this.#poll().catch(() => undefined), this.#pollIntervalMs)
    this.#pollTimer.unref()
  }

  async #invoke(method: string, ...args: unknown[]): Promise<unknown> {
    const page = this.#page
    if (!page || this.#closed) throw new RtcspecError('PEER_CLOSED', `${this.name} is closed`)
    return page.evaluate((m: string, a: unknown[]) => (globalThis as unknown as PageGlobal).rtcspec[m]!(...a), method, args)
  }

  async #wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (e) {
      if (e instanceof RtcspecError) throw e
      const detail = (e instanceof Error ? e.message : String(e)).replace(/^Error: /, '')
      const message = `${this.name}: could not ${what}: ${detail}`
      this.#error(message)
      throw new RtcspecError('SIGNALING', message, { cause: e, hint: 'check the SDP you passed (rtcspec parseSdp() gives line-level errors)' })
    }
  }

  #onEvent(json: string): void {
    let raw: unknown
    try {
      raw = JSON.parse(json)
    } catch {
      this.#error(`page sent a malformed event: ${json.slice(0, 200)}`)
      return
    }
    const parsed = PageEventSchema.safeParse(raw)
    if (!parsed.success) {
      this.#error(`page sent an unexpected event: ${json.slice(0, 200)}`)
      return
    }
    const ev = parsed.data
    const t = this.timeline
    switch (ev.type) {
      case 'candidate': {
        const init: CandidateInit | null =
          !ev.end && ev.candidate !== undefined
            ? { candidate: ev.candidate, sdpMid: ev.sdpMid ?? null, sdpMLineIndex: ev.sdpMLineIndex ?? null, usernameFragment: ev.usernameFragment ?? null }
            : null
        if (init) t.localCandidates.push({ atMs: Date.now() - t.createdAt, candidate: init.candidate })
        this.#localCandidates.push(init)
        for (const l of this.#candidateListeners) l(init)
        break
      }
      case 'filtered':
        this.#filtered.push(ev.candidate)
        break
      case 'state':
        recordState(t, ev.key, ev.state)
        for (const l of [...this.#stateListeners]) l()
        break
      case 'track': {
        const track = new ChromiumInboundTrack({
          kind: ev.kind as MediaKind,
          mid: ev.mid ?? undefined,
          peerName: this.name,
          index: ev.index,
          ...(ev.atMs !== undefined ? { arrivedAtMs: ev.atMs } : {}),
          sampleRate: this.#sampleRate,
          maxSamples: Math.round((this.#options.maxRecordingSeconds ?? 300) * this.#sampleRate),
          maxRenderedFrames: this.#options.maxRenderedFrames ?? 18_000,
          refresh: () => this.#poll(),
          pollIntervalMs: Math.min(this.#pollIntervalMs, 100),
          videoRecorder: {
            start: async () => z.boolean().parse(await this.#invoke('recordVideo', ev.index, MAX_VIDEO_RECORDING_BYTES)),
            flush: async () => {
              await this.#invoke('flushVideoRecordings', 3000)
              await this.#poll()
            },
          },
          arrivals: {
            start: async (intervalMs, maxMs) => {
              await this.#invoke('watchArrivals', intervalMs, maxMs)
            },
            take: async (minPackets, waitMs) =>
              ArrivalSamplesSchema.parse(await this.#invoke('takeArrivals', minPackets, waitMs)).map((x) => ({
                ...x,
                lastPacketMs: x.lastPacketMs ?? undefined,
              })),
          },
        })
        if (this.#options.record) track.record()
        this.#inbound.push(track)
        for (const w of [...this.#trackWaiters]) w(track)
        break
      }
      case 'error':
        this.#error(ev.message)
        break
      case 'ice-error':
        this.#error(ev.message)
        for (const l of [...this.#stateListeners]) l()
        break
      case 'audio-ended':
        break
    }
  }

  #error(message: string): void {
    this.timeline.errors.push({ atMs: Date.now() - this.timeline.createdAt, message })
  }

  /** Fetches the browser's stats and newly recorded audio once (concurrent callers share the round trip). */
  #poll(): Promise<void> {
    if (this.#closed || !this.#page) return Promise.resolve()
    if (this.#polling) return this.#polling
    const run = async () => {
      try {
        const result = PollSchema.safeParse(await this.#invoke('poll'))
        if (!result.success) {
          this.#error(`unexpected poll result from the page: ${z.prettifyError(result.error)}`)
          return
        }
        this.#apply(result.data, performance.now())
      } catch (e) {
        if (!this.#closed) this.#error(`polling the page failed: ${e instanceof Error ? e.message : String(e)}`)
      }
    }
    this.#polling = run().finally(() => {
      this.#polling = undefined
    })
    return this.#polling
  }

  #apply(poll: z.infer<typeof PollSchema>, now: number): void {
    const view = normalizeBrowserStats(poll.stats)
    this.#view = view
    this.#recordNomination(view)
    const byKind = new Map<MediaKind, number>()
    for (const track of this.#inbound) {
      const nth = byKind.get(track.kind) ?? 0
      byKind.set(track.kind, nth + 1)
      const sameKind = view.inbound.filter((i) => i.kind === track.kind)
      const native = (track.mid !== undefined ? sameKind.find((i) => i.mid === track.mid) : undefined) ?? sameKind[nth]
      if (native) track.rtp.update(native, now)
    }
    for (const a of poll.audio) {
      const track = this.#inbound.find((t) => t.index === a.index)
      if (!track) continue
      const bytes = Buffer.from(a.b64, 'base64')
      const pcm = new Int16Array(bytes.length >> 1)
      for (let i = 0; i < pcm.length; i++) pcm[i] = bytes.readInt16LE(2 * i)
      track.appendAudio(pcm, a.dropped)
    }
    for (const batch of poll.video ?? []) this.#inbound.find((t) => t.index === batch.index)?.appendRendered(batch)
    for (const r of poll.videoRecordings ?? []) {
      this.#inbound.find((t) => t.index === r.index)?.appendVideoRecording(Buffer.from(r.b64, 'base64'), r.mimeType, r.droppedBytes)
    }
    for (const v of this.#videoSenders) {
      const page = poll.videoSenders?.find((x) => x.id === v.id)
      if (!page) continue
      v.framesDrawn = page.framesDrawn
      v.lateFrames = page.lateFrames
      v.stats.lateTicks = page.lateFrames
      const out = view.outbound.find((o) => o.kind === 'video' && page.mid !== null && o.mid === page.mid)
      if (out) {
        Object.assign(v.stats, { mid: out.mid, codec: out.codec, ssrc: out.ssrc, packetsSent: out.packetsSent, bytesSent: out.bytesSent })
        if (out.video) v.stats.nativeVideo = out.video
        if (out.packetsSent > 0 && v.stats.firstPacketAtMs === undefined) v.stats.firstPacketAtMs = now
      }
    }
    const out = view.outbound.find((o) => o.kind === 'audio')
    for (const s of this.#senders) {
      const page = poll.senders.find((x) => x.id === s.id)
      if (page) s.stats.lateTicks = page.underruns
      if (out) {
        Object.assign(s.stats, { mid: out.mid, codec: out.codec, ssrc: out.ssrc, packetsSent: out.packetsSent, bytesSent: out.bytesSent })
        if (out.packetsSent > 0 && s.stats.firstPacketAtMs === undefined && page?.started) s.stats.firstPacketAtMs = now
      }
    }
  }

  /**
   * Appends the browser's selected candidate pair to the timeline's nominations when it changed (a new pair id:
   * at connect and after each ICE restart). Seen at poll resolution (`pollIntervalMs`).
   */
  #recordNomination(view: BrowserStatsView): void {
    const pair = view.selectedPair
    if (!pair || view.selectedPairId === undefined || view.selectedPairId === this.#nominatedPairId) return
    this.#nominatedPairId = view.selectedPairId
    const local = `${pair.local.address}:${pair.local.port} ${pair.local.type}`
    const remote = `${pair.remote.address}:${pair.remote.port} ${pair.remote.type}`
    ;(this.timeline.nominations ??= []).push({ atMs: Date.now() - this.timeline.createdAt, local, remote, protocol: pair.local.protocol })
  }

  #nominatedPairId: string | undefined
  #localUfrag: string | undefined
  #iceRestarts = 0

  /** Counts ICE restarts: a local description with new ICE credentials after the first one. */
  #noteLocal(desc: SessionDescriptionInit): SessionDescriptionInit {
    const ufrag = /^a=ice-ufrag:(\S+)/m.exec(desc.sdp)?.[1]
    if (ufrag !== undefined) {
      if (this.#localUfrag !== undefined && ufrag !== this.#localUfrag) this.#iceRestarts++
      this.#localUfrag = ufrag
    }
    return desc
  }

  async createOffer(options: { iceRestart?: boolean } = {}): Promise<SessionDescriptionInit> {
    this.#assertOpen()
    return this.#wrap('create an offer', async () => this.#noteLocal(this.#description(await this.#invoke('createOffer', options))))
  }

  async acceptOffer(offer: SessionDescriptionInit): Promise<SessionDescriptionInit> {
    this.#assertOpen()
    return this.#wrap('apply the remote offer', async () => this.#noteLocal(this.#description(await this.#invoke('acceptOffer', offer.sdp))))
  }

  async acceptAnswer(answer: SessionDescriptionInit): Promise<void> {
    this.#assertOpen()
    await this.#wrap('apply the remote answer', () => this.#invoke('acceptAnswer', answer.sdp))
  }

  #description(raw: unknown): SessionDescriptionInit {
    return z.object({ type: z.enum(['offer', 'answer']), sdp: z.string().min(1) }).parse(raw)
  }

  async addRemoteCandidate(candidate: CandidateInit | null): Promise<void> {
    if (this.#closed) return
    if (candidate) this.timeline.remoteCandidates.push({ atMs: Date.now() - this.timeline.createdAt, candidate: candidate.candidate })
    const init = candidate
      ? {
          candidate: candidate.candidate,
          sdpMid: candidate.sdpMid ?? null,
          sdpMLineIndex: candidate.sdpMLineIndex ?? (candidate.sdpMid == null ? 0 : null),
          ...(candidate.usernameFragment ? { usernameFragment: candidate.usernameFragment } : {}),
        }
      : null
    await this.#wrap('add a remote ICE candidate', () => this.#invoke('addCandidate', init))
  }

  onLocalCandidate(listener: (candidate: CandidateInit | null) => void): () => void {
    for (const c of this.#localCandidates) listener(c)
    this.#candidateListeners.add(listener)
    return () => this.#candidateListeners.delete(listener)
  }

  sendAudio(source: AudioSourceSpec): AudioSendHandle {
    this.#assertOpen()
    const lease = this.#lease
    if (!lease) throw new RtcspecError('PEER_NOT_STARTED', `${this.name} has no page yet: create it with createChromiumPeer()`)
    // The page's AudioContext runs at 48 kHz; a source object at another rate is resampled by WebAudio.
    const resolved: AudioSource = typeof source === 'function' ? source(this.#sampleRate) : source
    const entry: SenderEntry = {
      id: `s${++this.#senderCounter}`,
      stream: lease.server.registerAudio(resolved),
      stopped: false,
      stats: { kind: 'audio', mid: undefined, codec: undefined, ssrc: undefined, packetsSent: 0, bytesSent: 0, lateTicks: 0, firstPacketAtMs: undefined },
    }
    this.#senders.push(entry)
    this.#invoke('sendAudio', entry.id, `${lease.server.origin}${entry.stream!.path}`).catch((e: unknown) =>
      this.#error(`sendAudio: ${e instanceof Error ? e.message : String(e)}`),
    )
    return {
      stop: () => {
        if (entry.stopped) return
        entry.stopped = true
        entry.stream?.dispose()
        if (!this.#closed) this.#invoke('stopAudio', entry.id).catch(() => undefined)
      },
      get stats() {
        return entry.stats
      },
    }
  }

  /**
   * Sends rtcspec's test pattern as video: drawn on a canvas in the page (moving content, or a slide, with the frame
   * code of every frame: its index from 0 and the page's real capture time) and encoded by the browser. Call it
   * before the offer/answer (its transceiver is negotiated then), or after connecting when the peer was created
   * with `video: 'sendrecv'`. Drawing starts once the connection is up. An {@link EncodedVideo} cannot be handed
   * to a browser's encoder: the pattern is drawn at its codec, frame rate and size instead.
   */
  sendVideo(source?: ChromiumVideoOptions | EncodedVideo): ChromiumVideoSendHandle {
    this.#assertOpen()
    const pattern = resolveVideoPattern(source, `${this.name}.sendVideo options`)
    const entry: VideoSenderEntry = {
      id: `v${++this.#senderCounter}`,
      stopped: false,
      framesDrawn: 0,
      lateFrames: 0,
      changes: [],
      stats: { kind: 'video', mid: undefined, codec: undefined, ssrc: undefined, packetsSent: 0, bytesSent: 0, lateTicks: 0, firstPacketAtMs: undefined },
    }
    this.#videoSenders.push(entry)
    const { description, ...opts } = pattern
    const started = this.#invoke('sendVideo', entry.id, opts).catch((e: unknown) => {
      this.#error(`sendVideo: ${e instanceof Error ? e.message.replace(/^Error: /, '') : String(e)}`)
      throw e
    })
    started.catch(() => undefined)
    const ChangeRecordSchema = z.object({ index: z.number().int().nonnegative(), atMs: z.number() })
    return {
      description,
      stop: () => {
        if (entry.stopped) return
        entry.stopped = true
        if (!this.#closed) this.#invoke('stopVideo', entry.id).catch(() => undefined)
      },
      update: async (change) => {
        const c = parseVideoPatternChange(change)
        await started
        const at = ChangeRecordSchema.parse(await this.#wrap('change the video pattern', () => this.#invoke('updateVideo', entry.id, c)))
        const record: VideoPatternChangeRecord = { ...c, ...at }
        entry.changes.push(record)
        return record
      },
      get stats() {
        return entry.stats
      },
      get changes() {
        return entry.changes
      },
      get framesDrawn() {
        return entry.framesDrawn
      },
      get lateFrames() {
        return entry.lateFrames
      },
    }
  }

  async sendDtmf(digits: string, options: DtmfSendOptions = {}): Promise<void> {
    this.#assertOpen()
    if (!/^[0-9*#A-Da-d,]+$/.test(digits)) {
      throw new RtcspecError('INVALID_ARGUMENT', `sendDtmf: "${digits}" is not a DTMF digit string`, {
        hint: 'use the digits 0-9, *, #, A-D (and "," for a 2 s pause)',
      })
    }
    // Chromium's RTCDTMFSender takes 40..6000 ms tones and a gap of at least 30 ms.
    const duration = Math.min(6000, Math.max(40, options.durationMs ?? 100))
    const gap = Math.max(30, options.gapMs ?? 50)
    const timeoutMs = digits.length * (duration + gap + 2000) + 5000
    await this.#wrap('send DTMF', () => this.#invoke('sendDtmf', digits, duration, gap, timeoutMs))
  }

  get inbound(): ReadonlyArray<InboundTrack> {
    return this.#inbound
  }

  waitForTrack(kind: MediaKind, timeoutMs: number): Promise<InboundTrack> {
    const existing = this.#inbound.find((t) => t.kind === kind)
    if (existing) return Promise.resolve(existing)
    return new Promise<InboundTrack>((resolve, reject) => {
      const waiter = (t: ChromiumInboundTrack) => {
        if (t.kind !== kind) return
        clearTimeout(timer)
        this.#trackWaiters.delete(waiter)
        resolve(t)
      }
      const timer = setTimeout(() => {
        this.#trackWaiters.delete(waiter)
        reject(new TimeoutError(`${this.name}: an inbound ${kind} track`, timeoutMs))
      }, timeoutMs)
      this.#trackWaiters.add(waiter)
    })
  }

  #connection(): string {
    return this.timeline.connection.at(-1)?.state ?? 'new'
  }

  waitForConnected(timeoutMs: number): Promise<void> {
    if (this.#connection() === 'connected') return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer)
        this.#stateListeners.delete(check)
      }
      const check = () => {
        const s = this.#connection()
        if (s === 'connected') {
          done()
          resolve()
        } else if (s === 'failed' || s === 'closed') {
          done()
          reject(new RtcspecError('CONNECTION_FAILED', `${this.name}: connection ${s}; ${this.#stateSummary()}`))
        }
      }
      const timer = setTimeout(() => {
        this.#stateListeners.delete(check)
        reject(
          new TimeoutError(
            `${this.name} to connect (ICE+DTLS); ${this.#stateSummary()}`,
            timeoutMs,
            'check that both peers exchanged candidates and that a path exists (relay, TURN credentials)',
          ),
        )
      }, timeoutMs)
      this.#stateListeners.add(check)
      check()
    })
  }

  #stateSummary(): string {
    const last = (xs: Array<{ state: string }>) => xs.at(-1)?.state ?? 'new'
    const t = this.timeline
    const errors = t.errors.length ? `; errors: ${t.errors.map((e) => e.message).join(' | ')}` : ''
    return `ice=${last(t.ice)} dtls=${last(t.dtls)} connection=${last(t.connection)} local candidates=${t.localCandidates.length} remote candidates=${t.remoteCandidates.length}${errors}`
  }

  async stats(): Promise<PeerStats> {
    await this.#poll()
    const view = this.#view
    const underruns = this.#senders.reduce((n, s) => n + s.stats.lateTicks, 0)
    const first = this.#senders.map((s) => s.stats.firstPacketAtMs).find((x) => x !== undefined)
    return {
      peer: this.name,
      kind: this.kind,
      inbound: this.#inbound.map((t) => {
        const n = t.rtp.native
        return {
          kind: t.kind,
          mid: t.mid,
          codec: t.codec,
          rtp: t.rtp.snapshot(),
          ...(n ? { native: { packetsReceived: n.packetsReceived, packetsLost: n.packetsLost, jitterMs: n.jitterSec * 1000 } } : {}),
          origin: 'browser-getstats' as const,
          ...(n?.video ? { nativeVideo: n.video } : {}),
        }
      }),
      outbound: view.outbound.map((o) => ({
        kind: o.kind,
        mid: o.mid,
        codec: o.codec,
        ssrc: o.ssrc,
        packetsSent: o.packetsSent,
        bytesSent: o.bytesSent,
        lateTicks: o.kind === 'audio' ? underruns : (this.#videoSenders.find((v) => v.stats.mid === o.mid)?.lateFrames ?? 0),
        firstPacketAtMs: o.kind === 'audio' ? first : this.#videoSenders.find((v) => v.stats.mid === o.mid)?.stats.firstPacketAtMs,
        ...(o.video ? { nativeVideo: o.video } : {}),
      })),
      selectedPair: view.selectedPair,
      ...(view.checks ? { iceDetail: { checks: view.checks, iceRestarts: this.#iceRestarts } } : {}),
      iceState: this.timeline.ice.at(-1)?.state ?? view.iceState ?? 'new',
      dtlsState: view.dtlsState ?? this.timeline.dtls.at(-1)?.state,
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new RtcspecError('PEER_CLOSED', `${this.name} is closed`)
  }

  /** Closes the connection, the page and (if it was the last page) the browser. Idempotent, never throws. */
  async close(): Promise<void> {
    if (this.#closed) return
    // A last poll so the recording and counters include everything up to now.
    if (this.#page) await withTimeout(this.#poll(), 3000)
    this.#closed = true
    clearInterval(this.#pollTimer)
    await this.#polling?.catch(() => undefined)
    for (const s of this.#senders) {
      s.stopped = true
      s.stream?.dispose()
    }
    for (const v of this.#videoSenders) v.stopped = true
    this.#candidateListeners.clear()
    this.#stateListeners.clear()
    this.#trackWaiters.clear()
    for (const t of this.#inbound) t.end()
    const page = this.#page
    this.#page = undefined
    if (page) {
      await withTimeout(
        page.evaluate(() => (globalThis as unknown as PageGlobal).rtcspec.close!()).catch(() => undefined),
        3000,
      )
      await withTimeout(
        page.close().catch(() => undefined),
        5000,
      )
    }
    recordState(this.timeline, 'connection', 'closed')
    const lease = this.#lease
    this.#lease = undefined
    await lease?.release().catch((e: unknown) => this.#error(`closing the browser failed: ${String(e)}`))
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
