/**
 * Call records of WHIP/WHEP client sessions: a {@link SessionRecorder} watches one `publish`/`play` session
 * (every HTTP exchange with the time it was sent, the client's peer, the outcome) and turns it into a
 * `kind: 'whip' | 'whep'` call record (docs/call-records.md) so the HTML report draws its HTTP ladder and
 * the CI gates see its media figures.
 *
 * The record is captured once — when the session is closed (after its DELETE, before its peer closes) or
 * when starting it failed — and written when {@link SessionRecorder.write} is called: right away for
 * programmatic sessions (`callRecord` option), at test teardown for the `whip`/`whep` fixtures (so the
 * record carries the test's result).
 *
 * @module
 */
import { appendCallRecord, buildCallRecord, reportDir, type CallRecord } from '../peers/call-record.ts'
import type { Peer } from '../peers/types.ts'
import type { HttpExchange } from '../http/http.ts'

/** The test a session record belongs to. */
export interface SessionRecordTest {
  file?: string
  name: string
  result?: 'passed' | 'failed' | 'unknown'
}

/** Where and for which test a programmatic session writes its call record. */
export interface SessionRecordOptions {
  /** The test the session belongs to (shown in the HTML report, used by the gates' table). */
  test?: SessionRecordTest
  /** Report directory (default `$RTCSPEC_REPORT_DIR`, else `reports/`). */
  dir?: string
}

/**
 * The `callRecord` option of `publish`/`play`: `true` (or options) writes a call record to
 * `call_records.jsonl` when the session is closed or fails to start; `false`/absent writes none.
 * The `whip`/`whep` fixtures always record (with the test's name and result).
 */
export type SessionRecordOption = boolean | SessionRecordOptions

/** One HTTP exchange of a session with when it was sent (ms since the session started) and what it was for. */
export interface TimedExchange {
  atMs: number
  exchange: HttpExchange
  /** Why the client sent it: `trickle`, `ICE restart`, `answer to counter-offer`, … */
  purpose?: string
}

type Signaling = CallRecord['signaling'][number]

/** Content types whose body is shown as the message's SDP (offers, answers, sdpfrags). */
const SDP_TYPES = /^application\/(sdp|trickle-ice-sdpfrag)\b/i

/** Response headers worth showing on the ladder. */
const SHOWN_HEADERS = ['location', 'etag', 'link', 'content-type', 'retry-after', 'accept-patch', 'www-authenticate']

function pathOf(url: string): string {
  try {
    const u = new URL(url)
    return `${u.pathname}${u.search}`
  } catch {
    return url
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return 'server'
  }
}

/** Reason phrases for the status codes WHIP/WHEP servers use (fetch does not keep the server's own). */
const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
}

/**
 * The ladder entries of a session's exchanges: per exchange the request (`POST /whip/live`, body as `sdp`)
 * and its response (`201 Created`, SDP/sdpfrag body as `sdp`, Location/ETag/Link in `headers`) or the
 * network error that replaced it (`no response (…)`), in time order. `client` is the peer's name, the
 * server lane the request URL's `host:port`.
 */
export function sessionSignaling(entries: readonly TimedExchange[], client: string): Signaling[] {
  const out: Signaling[] = []
  for (const { atMs, exchange: x, purpose } of entries) {
    const server = hostOf(x.request.url)
    const reqType = `${x.request.method} ${pathOf(x.request.url)}${purpose ? ` (${purpose})` : ''}`
    const reqCt = Object.entries(x.request.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? ''
    out.push({
      atMs: round(atMs),
      from: client,
      to: server,
      type: reqType,
      ...(x.request.body && SDP_TYPES.test(reqCt) ? { sdp: x.request.body } : {}),
      transport: 'HTTP',
      ...(reqCt
        ? { headers: { 'content-type': reqCt, ...ifMatch(x.request.headers) } }
        : Object.keys(ifMatch(x.request.headers)).length
          ? { headers: ifMatch(x.request.headers) }
          : {}),
    })
    if (x.response) {
      const r = x.response
      const headers = Object.fromEntries(SHOWN_HEADERS.flatMap((h) => (r.headers[h] !== undefined ? [[h, r.headers[h] as string]] : [])))
      out.push({
        atMs: round(atMs + r.elapsedMs),
        from: server,
        to: client,
        type: `${r.status}${REASONS[r.status] ? ` ${REASONS[r.status]}` : ''}`,
        ...(r.body && SDP_TYPES.test(r.headers['content-type'] ?? '') ? { sdp: r.body } : {}),
        transport: 'HTTP',
        ...(Object.keys(headers).length ? { headers } : {}),
      })
    } else {
      out.push({ atMs: round(atMs), from: server, to: client, type: `no response (${x.error ?? 'unknown error'})`, transport: 'HTTP' })
    }
  }
  return out.sort((a, b) => a.atMs - b.atMs)
}

function ifMatch(headers: Record<string, string>): Record<string, string> {
  const v = Object.entries(headers).find(([k]) => k.toLowerCase() === 'if-match')?.[1]
  return v !== undefined ? { 'if-match': v } : {}
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}

/** What the session tells its recorder when it captures. */
export interface SessionCaptureInput {
  endpointUrl: string
  sessionUrl?: string
  etag?: string
  trickle?: { patches: number; candidatesSent: number; stopped: string | undefined }
  iceServers?: number
  /** Why the session failed to start (or failed later), when it did. */
  error?: unknown
}

/**
 * Records one WHIP/WHEP client session. Create it before the session starts (its clock starts then), hand
 * it to `startClientSession` (option `recorder`), then {@link write} it.
 */
export class SessionRecorder {
  /** `whip` or `whep`: the record's kind. */
  readonly protocol: 'whip' | 'whep'
  /** Wall clock when the session started. */
  readonly startedAt: Date
  /** `performance.now()` when the session started; `atMs` values count from it. */
  readonly t0: number
  /** Every HTTP exchange, with the time it was sent. */
  readonly exchanges: TimedExchange[] = []
  /** Problems met after the session started (a failed ICE restart, a trickle PATCH refused, …). */
  readonly errors: string[] = []
  /** `performance.now()` when the offer was POSTed (connectMs and firstRtpMs count from it). */
  postedAt: number | undefined
  /** The peer, once the session has one. */
  peer: Peer | undefined
  /** The record built at capture time (test not yet filled in). */
  captured: CallRecord | undefined
  private capturing: Promise<CallRecord | undefined> | undefined
  private written = false

  constructor(protocol: 'whip' | 'whep') {
    this.protocol = protocol
    this.startedAt = new Date()
    this.t0 = performance.now()
  }

  /** Notes one exchange that was sent at `sentAt` (`performance.now()`). */
  exchange(x: HttpExchange, sentAt: number, purpose?: string): void {
    if (x.request.method === 'POST' && this.postedAt === undefined) this.postedAt = sentAt
    this.exchanges.push({ atMs: sentAt - this.t0, exchange: x, ...(purpose ? { purpose } : {}) })
  }

  /**
   * Builds the record from the peer (stats, ICE, DTLS, RTP with its per-second timeline) and the exchanges.
   * Call it while the peer is still open. Only the first call builds; later ones return the same record.
   * Never throws.
   */
  capture(input: SessionCaptureInput): Promise<CallRecord | undefined> {
    this.capturing ??= this.build(input).catch((e) => {
      process.stderr.write(`rtcspec: could not build the ${this.protocol} call record: ${e instanceof Error ? e.message : String(e)}\n`)
      return undefined
    })
    return this.capturing
  }

  private async build(input: SessionCaptureInput): Promise<CallRecord> {
    const peer = this.peer
    const client = peer?.name ?? 'client'
    const errors = [...this.errors]
    if (input.error !== undefined) errors.unshift(input.error instanceof Error ? input.error.message : String(input.error))
    const statuses = this.exchanges.map(({ exchange: x, purpose }) => ({
      method: x.request.method,
      ...(purpose ? { purpose } : {}),
      status: x.response?.status ?? null,
      ...(x.error ? { error: x.error } : {}),
    }))
    const record = await buildCallRecord({
      kind: this.protocol,
      peers: peer ? [peer] : [],
      startedAt: this.startedAt,
      setup: peer ? this.setupTimes(peer) : {},
      signaling: sessionSignaling(this.exchanges, client),
      extra: {
        [this.protocol]: {
          endpointUrl: input.endpointUrl,
          ...(input.sessionUrl ? { sessionUrl: input.sessionUrl } : {}),
          statuses,
          ...(input.etag ? { etag: input.etag } : {}),
          ...(input.trickle ? { trickle: input.trickle } : {}),
          ...(input.iceServers ? { iceServers: input.iceServers } : {}),
          ok: input.error === undefined,
        },
      },
      errors: errors.map((message) => ({ ...(peer ? { peer: peer.name } : {}), message })),
    })
    this.captured = record
    return record
  }

  /** connectMs: POST sent → peer connection `connected`; firstRtpMs: POST sent → first inbound RTP packet. */
  private setupTimes(peer: Peer): CallRecord['setup'] {
    if (this.postedAt === undefined) return {}
    const postedWall = this.startedAt.getTime() + (this.postedAt - this.t0)
    const connected = peer.timeline.connection.find((s) => s.state === 'connected')
    const firsts = peer.inbound.map((t) => t.rtp.snapshot().firstArrivalMs).filter((x): x is number => x !== undefined)
    return {
      ...(connected ? { connectMs: round(Math.max(0, peer.timeline.createdAt + connected.atMs - postedWall)) } : {}),
      ...(firsts.length ? { firstRtpMs: round(Math.max(0, Math.min(...firsts) - this.postedAt)) } : {}),
    }
  }

  /**
   * Appends the captured record (with `test`) to `call_records.jsonl` once. Does nothing when nothing was
   * captured (the session never reached the server) or it was already written. Never throws.
   */
  async write(options: SessionRecordOptions = {}): Promise<CallRecord | undefined> {
    const record = await this.capturing
    if (!record || this.written) return undefined
    this.written = true
    const full: CallRecord = options.test
      ? { ...record, test: { ...(options.test.file ? { file: options.test.file } : {}), name: options.test.name, result: options.test.result ?? 'unknown' } }
      : record
    try {
      appendCallRecord(full, options.dir ?? reportDir())
    } catch (e) {
      process.stderr.write(`rtcspec: could not write the ${this.protocol} call record: ${e instanceof Error ? e.message : String(e)}\n`)
    }
    return full
  }
}

/** The recorder `publish`/`play` use, and whether they write its record themselves. */
export interface SessionRecording {
  recorder: SessionRecorder | undefined
  /** Writes the record when `publish`/`play` own the recorder (option `callRecord`); no-op otherwise. */
  finish(): Promise<void>
}

/**
 * Picks the recorder of a `publish`/`play` call: the caller's `recorder` (the fixtures write it themselves),
 * else a new one when `callRecord` asks for a record (written by {@link SessionRecording.finish}), else none.
 */
export function sessionRecording(protocol: 'whip' | 'whep', options: { recorder?: SessionRecorder; callRecord?: SessionRecordOption }): SessionRecording {
  if (options.recorder) return { recorder: options.recorder, finish: async () => undefined }
  if (!options.callRecord) return { recorder: undefined, finish: async () => undefined }
  const recorder = new SessionRecorder(protocol)
  const writeOptions = options.callRecord === true ? {} : options.callRecord
  return {
    recorder,
    finish: async () => {
      await recorder.write(writeOptions)
    },
  }
}
