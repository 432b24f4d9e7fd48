/**
 * Normalises a browser's W3C `getStats()` report (webrtc-stats) into rtcspec's shapes: inbound and outbound
 * stream counters, codecs, the selected candidate pair. Pure: takes the report entries as plain objects.
 *
 * For browser peers these figures are the browser's own counters, not computed by rtcspec from the packets
 * (a page cannot hand out its received RTP): loss is `packetsLost` (RFC 3550 cumulative lost, as the browser
 * counts it), jitter is the browser's RFC 3550 interarrival jitter.
 */
import { z } from 'zod'
import type { RtpStatsSnapshot } from '../../rtp/stats-types.ts'
import type { CodecInfo, IceCheckSummary, MediaKind, NativeVideoInboundStats, NativeVideoOutboundStats, SelectedPair } from '../types.ts'
import { videoInboundFromStats, videoOutboundFromStats } from './video-stats.ts'

/** One entry of a getStats report, as it crosses from the page: an object with at least `id` and `type`. */
export const BrowserStatsEntrySchema = z.looseObject({ id: z.string(), type: z.string() })
/** A getStats entry that passed {@link BrowserStatsEntrySchema}. */
export type BrowserStatsEntry = z.infer<typeof BrowserStatsEntrySchema> & Record<string, unknown>

/** The browser's counters of one received stream (`inbound-rtp`). */
export interface BrowserInbound {
  kind: MediaKind
  mid: string | undefined
  trackIdentifier: string | undefined
  ssrc: number
  packetsReceived: number
  packetsLost: number
  /** Interarrival jitter, seconds (as the browser reports it). */
  jitterSec: number
  bytesReceived: number
  codec: CodecInfo | undefined
  /** Total duration of the audio the browser decoded and played out, s (audio only). */
  totalSamplesDuration: number | undefined
  concealedSamples: number | undefined
  /** The browser's frame counters (video only). */
  video?: NativeVideoInboundStats
}

/** The browser's counters of one sent stream (`outbound-rtp`). */
export interface BrowserOutbound {
  kind: MediaKind
  mid: string | undefined
  ssrc: number
  packetsSent: number
  bytesSent: number
  codec: CodecInfo | undefined
  /** The browser's frame counters (video only). */
  video?: NativeVideoOutboundStats
}

/** A browser stats report in rtcspec's terms. */
export interface BrowserStatsView {
  inbound: BrowserInbound[]
  outbound: BrowserOutbound[]
  selectedPair: SelectedPair | undefined
  /** getStats id of the selected pair: a new id after an ICE restart even when the addresses stay the same. */
  selectedPairId?: string
  /** Connectivity checks and consent per candidate pair, from the `candidate-pair` entries. */
  checks?: IceCheckSummary[]
  /** DTLS state of the (first) transport. */
  dtlsState: string | undefined
  /** ICE state of the (first) transport. */
  iceState: string | undefined
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)
const optNum = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** Turns a `codec` stats entry into rtcspec's CodecInfo (`audio/opus` → `opus`). */
export function codecFromStats(entry: Record<string, unknown> | undefined): CodecInfo | undefined {
  if (!entry) return undefined
  const mime = str(entry.mimeType)
  if (!mime) return undefined
  const slash = mime.indexOf('/')
  const encoding = slash >= 0 ? mime.slice(slash + 1) : mime
  const channels = optNum(entry.channels)
  return { encoding, payloadType: num(entry.payloadType), clockRate: num(entry.clockRate), ...(channels !== undefined ? { channels } : {}) }
}

function endpoint(c: Record<string, unknown>): SelectedPair['local'] {
  return {
    address: str(c.address) ?? str(c.ip) ?? '',
    port: num(c.port),
    type: str(c.candidateType) ?? '',
    protocol: str(c.protocol) ?? '',
  }
}

/**
 * Normalises a report. Entries that fail the minimal shape check are ignored. The selected pair is the one the
 * transport names (`selectedCandidatePairId`), else the nominated succeeded pair that carried the most bytes.
 */
export function normalizeBrowserStats(report: readonly unknown[]): BrowserStatsView {
  const byId = new Map<string, Record<string, unknown>>()
  for (const raw of report) {
    const parsed = BrowserStatsEntrySchema.safeParse(raw)
    if (parsed.success) byId.set(parsed.data.id, parsed.data as Record<string, unknown>)
  }
  const entries = [...byId.values()]
  const codecOf = (e: Record<string, unknown>) => codecFromStats(byId.get(str(e.codecId) ?? ''))
  const kindOf = (e: Record<string, unknown>): MediaKind => ((str(e.kind) ?? str(e.mediaType)) === 'video' ? 'video' : 'audio')

  const inbound: BrowserInbound[] = entries
    .filter((e) => e.type === 'inbound-rtp')
    .map((e) => ({
      kind: kindOf(e),
      mid: str(e.mid),
      trackIdentifier: str(e.trackIdentifier),
      ssrc: num(e.ssrc),
      packetsReceived: num(e.packetsReceived),
      packetsLost: num(e.packetsLost),
      jitterSec: num(e.jitter),
      bytesReceived: num(e.bytesReceived),
      codec: codecOf(e),
      totalSamplesDuration: optNum(e.totalSamplesDuration),
      concealedSamples: optNum(e.concealedSamples),
      ...(kindOf(e) === 'video' ? { video: videoInboundFromStats(e) } : {}),
    }))
  const outbound: BrowserOutbound[] = entries
    .filter((e) => e.type === 'outbound-rtp')
    .map((e) => ({
      kind: kindOf(e),
      mid: str(e.mid),
      ssrc: num(e.ssrc),
      packetsSent: num(e.packetsSent),
      bytesSent: num(e.bytesSent),
      codec: codecOf(e),
      ...(kindOf(e) === 'video' ? { video: videoOutboundFromStats(e) } : {}),
    }))

  const transport = entries.find((e) => e.type === 'transport')
  let pair = transport ? byId.get(str(transport.selectedCandidatePairId) ?? '') : undefined
  if (!pair) {
    const nominated = entries.filter((e) => e.type === 'candidate-pair' && e.nominated === true && e.state === 'succeeded')
    nominated.sort((a, b) => num(b.bytesReceived) + num(b.bytesSent) - (num(a.bytesReceived) + num(a.bytesSent)))
    pair = nominated[0]
  }
  let selectedPair: SelectedPair | undefined
  if (pair) {
    const l = byId.get(str(pair.localCandidateId) ?? '')
    const r = byId.get(str(pair.remoteCandidateId) ?? '')
    if (l && r) selectedPair = { local: endpoint(l), remote: endpoint(r) }
  }
  const describe = (id: unknown): string => {
    const c = byId.get(str(id) ?? '')
    return c ? `${str(c.address) ?? str(c.ip) ?? ''}:${num(c.port)} ${str(c.candidateType) ?? ''}` : '?'
  }
  const checks: IceCheckSummary[] = entries
    .filter((e) => e.type === 'candidate-pair')
    .map((e) => {
      const rtt = optNum(e.currentRoundTripTime)
      return {
        local: describe(e.localCandidateId),
        remote: describe(e.remoteCandidateId),
        state: str(e.state) ?? '',
        nominated: e.nominated === true,
        requestsSent: num(e.requestsSent),
        responsesReceived: num(e.responsesReceived),
        requestsReceived: num(e.requestsReceived),
        responsesSent: num(e.responsesSent),
        consentRequestsSent: num(e.consentRequestsSent),
        ...(rtt !== undefined ? { rttMs: rtt * 1000 } : {}),
      }
    })
  return {
    inbound,
    outbound,
    selectedPair,
    ...(pair ? { selectedPairId: str(pair.id) } : {}),
    checks,
    dtlsState: transport ? str(transport.dtlsState) : undefined,
    iceState: transport ? str(transport.iceState) : undefined,
  }
}

/** Timing rtcspec observed while polling a browser stream (performance.now() ms). */
export interface ObservedTiming {
  /** When polling first saw `packetsReceived > 0`. */
  firstSeenMs: number | undefined
  /** When polling last saw `packetsReceived` grow. */
  lastGrowthMs: number | undefined
}

/**
 * An {@link RtpStatsSnapshot} filled from the browser's counters. `received`/`unique`/`packets` are
 * `packetsReceived`; `expected` is `packetsReceived + packetsLost`; `lost` is `packetsLost` (clamped at 0);
 * `jitterMs` is the browser's jitter. Arrival times are when rtcspec's polling noticed packets (poll-interval
 * resolution), and fields a browser does not report (duplicates, reordered, gaps, markers) are 0.
 */
export function snapshotFromBrowser(n: BrowserInbound | undefined, clockRate: number, timing: ObservedTiming): RtpStatsSnapshot {
  const received = n?.packetsReceived ?? 0
  const lostRaw = n?.packetsLost ?? 0
  const lost = Math.max(0, lostRaw)
  const expected = received + lost
  const rate = n?.codec?.clockRate || clockRate
  const jitterMs = (n?.jitterSec ?? 0) * 1000
  const bytes = n?.bytesReceived ?? 0
  const span = timing.firstSeenMs !== undefined && timing.lastGrowthMs !== undefined ? timing.lastGrowthMs - timing.firstSeenMs : 0
  return {
    ssrc: n?.ssrc,
    payloadType: n?.codec?.payloadType,
    clockRate: rate,
    packets: received,
    received,
    duplicates: 0,
    unique: received,
    expected,
    lost,
    lossFraction: expected > 0 ? lost / expected : 0,
    discarded: 0,
    rfc3550CumulativeLost: lostRaw,
    fractionLostInterval: 0,
    jitter: (jitterMs / 1000) * rate,
    jitterMs,
    reordered: 0,
    longestSeqGap: 0,
    longestArrivalGapMs: 0,
    firstArrivalMs: received > 0 ? timing.firstSeenMs : undefined,
    lastArrivalMs: received > 0 ? timing.lastGrowthMs : undefined,
    bytes,
    bitrateBps: span > 0 ? (bytes * 8 * 1000) / span : 0,
    markers: 0,
    cycles: 0,
    restarts: 0,
    probation: false,
    rfc3550: { baseSeq: 0, extendedHighestSeq: 0, expected, received, cumulativeLost: lostRaw, cycles: 0, probation: 0, valid: received > 0 },
  }
}
