/**
 * The SIP message log every rtcspec SIP component keeps (registrar, user agents, call flows): each
 * message as it crossed the wire, with time, direction and a one-line summary, for ladders and call records.
 */
import { describeSipMessage, getHeaders, safeParseSipMessage, type SipMessage } from '../sip/index.ts'

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

  constructor(max = SIP_LOG_MAX) {
    this.#max = max
  }

  /** Parses (unless `parsed` is given) and appends a message; returns the entry. Never throws for bad input. */
  add(direction: 'in' | 'out', transport: string, remote: string, raw: string, parsed?: SipMessage): LoggedSipMessage {
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
export function formatSipLadder(entries: readonly LoggedSipMessage[], options: { local?: string; showSdp?: boolean; showRaw?: 'malformed' | 'all' } = {}): string {
  if (entries.length === 0) return 'SIP ladder: (no SIP messages)'
  const t0 = entries[0]!.at
  const local = options.local ?? 'rtcspec'
  const lines = entries.map((e) => {
    const arrow = e.direction === 'out' ? `${local} → ${e.remote}` : `${e.remote} → ${local}`
    return `  ${String(e.at - t0).padStart(6)} ms  ${arrow.padEnd(44)} ${e.transport.padEnd(4)} ${e.summary}`
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
