/**
 * The SIP message log every rtcspec SIP component keeps (registrar, user agents, call flows): each
 * message as it crossed the wire, with time, direction and a one-line summary, for ladders and call records.
 */
import { describeSipMessage, getHeader, getHeaders, parseCSeq, safeParseSipMessage, type SipMessage } from '../sip/index.ts'
import type { CallRecord } from '../peers/call-record.ts'
import { topViaOf } from './top-via.ts'

/** One SIP message as sent or received. */
export interface LoggedSipMessage {
  /** `Date.now()` when it was sent or received. */
  at: number
  direction: 'in' | 'out'
  /** `UDP`, `TCP`, `WS`... */
  transport: string
  /** The far end, `address:port` (or a connection id). */
  remote: string
  /** The message exactly as on the wire. */
  raw: string
  /** `INVITE sip:bob@x` or `200 OK (INVITE)`, or `malformed: <reason>`. */
  summary: string
  /** The parsed message, when it parsed. */
  parsed: SipMessage | undefined
  /** Why it did not parse. */
  error?: string
  /** Our own address of the exchange, `address:port`, when known (the sent-by of our Via, or given by the transport). */
  local?: string
  /**
   * `n` when this message is the n-th resend of an earlier one in the same direction and transaction (same top
   * Via branch, CSeq and, for a response, status): sent again by a retransmission timer, or received again
   * because the far end's timer fired.
   */
  retransmission?: number
  /** For a retransmission: ms since the previous copy of the message (the timer interval that elapsed). */
  sincePreviousMs?: number
  /** For a retransmission we sent over an unreliable transport: the RFC 3261 timer that fired (`Timer A`, `Timer E`, `Timer G`, `2xx timer`). */
  timer?: string
}

/** What identifies a message's transaction copy: direction, top Via branch, CSeq and status (responses). */
function transactionKey(direction: 'in' | 'out', m: SipMessage): { key: string; sentBy: string; method: string } | undefined {
  const v = topViaOf(m)
  const cseq = getHeader(m, 'cseq')
  if (v === undefined || cseq === undefined) return undefined
  try {
    const branch = v.params.branch
    const c = parseCSeq(cseq)
    if (!branch) return undefined
    // sentBy: the `host:port` the Via names (port 5060 when it names none).
    return {
      key: `${direction}|${branch}|${c.seq}|${c.method}|${m.kind === 'response' ? m.status : 'request'}`,
      sentBy: `${v.host}:${v.port ?? 5060}`,
      method: c.method,
    }
  } catch {
    return undefined
  }
}

/** The RFC 3261 timer that resends a message we sent over an unreliable transport. */
function timerOf(m: SipMessage, method: string): string | undefined {
  if (m.kind === 'request') return m.method === 'INVITE' ? 'Timer A' : m.method === 'ACK' ? undefined : 'Timer E'
  if (method !== 'INVITE') return undefined
  return m.status >= 300 ? 'Timer G' : m.status >= 200 ? '2xx timer' : undefined
}

/** Most messages a log keeps (older ones are dropped and counted). */
export const SIP_LOG_MAX = 20_000

/** An append-only, bounded log of SIP messages, indexed by Call-ID. */
export class SipLog {
  readonly entries: LoggedSipMessage[] = []
  /** Messages dropped because the log was full. */
  dropped = 0
  readonly #max: number
  /** Parsed entries by Call-ID, in log order (so a call's messages are found without scanning the whole log). */
  readonly #byCallId = new Map<string, LoggedSipMessage[]>()
  readonly #listeners = new Set<(entry: LoggedSipMessage) => void>()
  /** Copies seen per transaction key (bounded like the log): how many and when the last one was. */
  readonly #copies = new Map<string, { count: number; lastAt: number }>()
  /** Our address per transport, learnt from our own Vias. */
  readonly #localByTransport = new Map<string, string>()

  constructor(max = SIP_LOG_MAX) {
    this.#max = max
  }

  /**
   * Parses (unless `parsed` is given) and appends a message; returns the entry. Never throws for bad input.
   * A copy of an earlier message of the same transaction is marked as its retransmission (see
   * {@link LoggedSipMessage.retransmission}); `local` is our address when the caller knows it.
   */
  add(direction: 'in' | 'out', transport: string, remote: string, raw: string, parsed?: SipMessage, local?: string): LoggedSipMessage {
    const r = parsed ? { ok: true as const, value: parsed } : raw.trim() === '' ? undefined : safeParseSipMessage(raw)
    const entry: LoggedSipMessage = {
      at: Date.now(),
      direction,
      transport,
      remote,
      raw,
      summary: r === undefined ? 'keep-alive' : r.ok ? describeSipMessage(r.value) : `malformed: ${r.error.reason}`,
      parsed: r?.ok ? r.value : undefined,
      ...(r && !r.ok ? { error: r.error.message } : {}),
    }
    if (entry.parsed) this.#annotate(entry, entry.parsed, local)
    else if (local !== undefined) entry.local = local
    if (this.entries.length >= this.#max) {
      const old = this.entries.shift()
      this.dropped++
      const oldId = old?.parsed ? getHeaders(old.parsed, 'call-id')[0] : undefined
      const list = oldId === undefined ? undefined : this.#byCallId.get(oldId)
      if (list && list[0] === old) {
        list.shift()
        if (list.length === 0) this.#byCallId.delete(oldId!)
      }
    }
    this.entries.push(entry)
    const callId = entry.parsed ? getHeaders(entry.parsed, 'call-id')[0] : undefined
    if (callId !== undefined) {
      const list = this.#byCallId.get(callId)
      if (list) list.push(entry)
      else this.#byCallId.set(callId, [entry])
    }
    if (this.#listeners.size) for (const l of [...this.#listeners]) l(entry)
    return entry
  }

  #annotate(entry: LoggedSipMessage, m: SipMessage, local: string | undefined): void {
    const t = transactionKey(entry.direction, m)
    // our own Via: on what we send as a request, on what we receive as a response
    const ours = t && (entry.direction === 'out') === (m.kind === 'request') ? t.sentBy : undefined
    if (local !== undefined) this.#localByTransport.set(entry.transport, local)
    else if (ours !== undefined && !/\.invalid:/i.test(ours)) this.#localByTransport.set(entry.transport, ours)
    const known = local ?? this.#localByTransport.get(entry.transport)
    if (known !== undefined) entry.local = known
    if (!t) return
    const seen = this.#copies.get(t.key)
    if (!seen) {
      if (this.#copies.size >= this.#max) this.#copies.delete(this.#copies.keys().next().value!)
      this.#copies.set(t.key, { count: 0, lastAt: entry.at })
      return
    }
    seen.count++
    entry.retransmission = seen.count
    entry.sincePreviousMs = entry.at - seen.lastAt
    seen.lastAt = entry.at
    if (entry.direction === 'out' && entry.transport === 'UDP') {
      const timer = timerOf(m, t.method)
      if (timer) entry.timer = timer
    }
  }

  /** Calls `listener` with every message logged from now on (before it is processed); returns a function that stops it. */
  onAdd(listener: (entry: LoggedSipMessage) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** The parsed messages with this Call-ID, in log order (a copy). */
  forCallId(callId: string): LoggedSipMessage[] {
    return [...(this.#byCallId.get(callId) ?? [])]
  }
}

/**
 * Renders a ladder: one line per message (time since the first, direction, summary), then the SDP bodies
 * and the raw text of malformed messages.
 */
export function formatSipLadder(
  entries: readonly LoggedSipMessage[],
  options: { local?: string; showSdp?: boolean; showRaw?: 'malformed' | 'all' } = {},
): string {
  if (entries.length === 0) return 'SIP ladder: (no SIP messages)'
  const t0 = entries[0]!.at
  const local = options.local ?? 'rtcspec'
  const lines = entries.map((e) => {
    const arrow = e.direction === 'out' ? `${local} → ${e.remote}` : `${e.remote} → ${local}`
    const retx = e.retransmission ? `  (retransmission #${e.retransmission}${e.timer ? `, ${e.timer}` : ''}, +${e.sincePreviousMs} ms)` : ''
    return `  ${String(e.at - t0).padStart(6)} ms  ${arrow.padEnd(44)} ${e.transport.padEnd(4)} ${e.summary}${retx}`
  })
  const extra: string[] = []
  for (const e of entries) {
    const showAll = options.showRaw === 'all'
    if (e.error || showAll) extra.push(`--- ${e.direction === 'in' ? 'received' : 'sent'} ${e.summary} (raw) ---\n${e.raw.replace(/\r\n/g, '\n').trimEnd()}`)
    else if ((options.showSdp ?? true) && e.parsed && /application\/sdp/i.test(e.raw) && e.parsed.body) {
      extra.push(`--- SDP of ${e.summary} (${e.direction === 'in' ? 'received' : 'sent'}) ---\n${e.parsed.body.replace(/\r\n/g, '\n').trimEnd()}`)
    }
  }
  return `SIP ladder:\n${lines.join('\n')}${extra.length ? `\n\n${extra.join('\n\n')}` : ''}`
}

/** Longest raw message text kept in a call record's signaling entry. */
export const SIGNALING_RAW_MAX = 65_536

/**
 * The call-record signaling entries of logged SIP messages: times from `t0` (ms since the epoch), the party
 * names (`localName` for us, the far address otherwise), both transport addresses, the whole message text,
 * the SDP, and retransmissions with the gap since the previous copy and the timer that fired.
 */
export function sipSignaling(entries: readonly LoggedSipMessage[], t0: number, localName = 'local'): CallRecord['signaling'] {
  return entries.map((m) => {
    const here = m.local
    return {
      atMs: m.at - t0,
      from: m.direction === 'out' ? localName : m.remote,
      to: m.direction === 'out' ? m.remote : localName,
      type: m.summary,
      transport: m.transport,
      ...(m.parsed?.body && /application\/sdp/i.test(m.raw) ? { sdp: m.parsed.body } : {}),
      ...(here !== undefined
        ? m.direction === 'out'
          ? { fromAddress: here, toAddress: m.remote }
          : { fromAddress: m.remote, toAddress: here }
        : m.direction === 'out'
          ? { toAddress: m.remote }
          : { fromAddress: m.remote }),
      raw: m.raw.length > SIGNALING_RAW_MAX ? `${m.raw.slice(0, SIGNALING_RAW_MAX)}\n… (${m.raw.length - SIGNALING_RAW_MAX} more characters)` : m.raw,
      ...(m.retransmission ? { retransmission: m.retransmission } : {}),
      ...(m.sincePreviousMs !== undefined ? { sincePreviousMs: m.sincePreviousMs } : {}),
      ...(m.timer ? { timer: m.timer } : {}),
    }
  })
}
