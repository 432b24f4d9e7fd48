/**
 * RFC 3261 §17 retransmission timers for unreliable transports, which sip.js 0.21 leaves to the transport:
 * - Timer A (INVITE client): resend the INVITE at T1, 2·T1, 4·T1... until any response; Timer B gives up at 64·T1.
 * - Timer E (non-INVITE client): resend at T1, doubling up to T2, at T2 once a provisional response
 *   arrived, until a final response; Timer F gives up at 64·T1.
 * - Timer G (INVITE server, non-2xx final): resend the response at T1 doubling up to T2 until the ACK;
 *   Timer H gives up at 64·T1. (2xx retransmission is done by sip.js's dialog layer.)
 */
import { getHeader, parseCSeq, safeParseSipMessage, type SipMessage } from '../sip/index.ts'
import { topViaOf } from './top-via.ts'

/** Timer values, ms. */
export interface SipTimers {
  /** RTT estimate, default 500 ms. */
  t1: number
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, default 4000 ms. */
  t2: number
}

/** Default RFC 3261 timers. */
export const DEFAULT_SIP_TIMERS: SipTimers = { t1: 500, t2: 4000 }

/** Where a message was sent (its retransmissions go there too). */
export interface RetransmitTarget {
  host: string
  port: number
}

interface Pending {
  kind: 'invite' | 'non-invite' | 'response'
  text: string
  to: RetransmitTarget | undefined
  interval: number
  deadline: number
  timer: ReturnType<typeof setTimeout> | undefined
  sends: number
}

/** Counts of what the retransmitter did, for tests and reports. */
export interface RetransmitCounters {
  /** Messages resent because no answer came in time. */
  retransmissions: number
  /** Transactions given up after 64·T1 (Timer B / F / H). */
  timeouts: number
}

/** Tracks outgoing messages of one unreliable transport and resends them on the RFC 3261 schedule. */
export class Retransmitter {
  readonly counters: RetransmitCounters = { retransmissions: 0, timeouts: 0 }
  readonly #timers: SipTimers
  readonly #resend: (text: string, to: RetransmitTarget | undefined) => void
  readonly #pending = new Map<string, Pending>()

  constructor(resend: (text: string, to: RetransmitTarget | undefined) => void, timers: Partial<SipTimers> = {}) {
    this.#resend = resend
    this.#timers = { ...DEFAULT_SIP_TIMERS, ...timers }
  }

  /** How many transactions are waiting for an answer. */
  get pending(): number {
    return this.#pending.size
  }

  /** Call for every message sent (first transmission), with it parsed when at hand and where it went. */
  sent(text: string, parsed?: SipMessage, to?: RetransmitTarget): void {
    const m =
      parsed ??
      (() => {
        const r = safeParseSipMessage(text)
        return r.ok ? r.value : undefined
      })()
    if (!m) return
    const via = topViaOf(m)
    const cseq = getHeader(m, 'cseq')
    if (via === undefined || cseq === undefined) return
    const branch = via.params.branch
    let method: string
    try {
      method = parseCSeq(cseq).method
    } catch {
      return
    }
    if (!branch) return
    const { t1 } = this.#timers
    if (m.kind === 'request') {
      if (m.method === 'ACK') return
      this.#start(`${branch}|${method}`, {
        kind: method === 'INVITE' ? 'invite' : 'non-invite',
        text,
        to,
        interval: t1,
        deadline: performance.now() + 64 * t1,
        timer: undefined,
        sends: 1,
      })
    } else if (method === 'INVITE' && m.status >= 300) {
      this.#start(`${branch}|INVITE|response`, { kind: 'response', text, to, interval: t1, deadline: performance.now() + 64 * t1, timer: undefined, sends: 1 })
    }
  }

  /** Call for every message received (parsed when at hand): responses and ACKs stop retransmissions. */
  received(text: string, parsed?: SipMessage): void {
    const m =
      parsed ??
      (() => {
        const r = safeParseSipMessage(text)
        return r.ok ? r.value : undefined
      })()
    if (!m) return
    const via = topViaOf(m)
    const cseq = getHeader(m, 'cseq')
    if (via === undefined || cseq === undefined) return
    const branch = via.params.branch
    let method: string
    try {
      method = parseCSeq(cseq).method
    } catch {
      return
    }
    if (m.kind === 'request') {
      if (m.method === 'ACK') this.#stop(`${branch}|INVITE|response`)
      return
    }
    const key = `${branch}|${method}`
    const p = this.#pending.get(key)
    if (!p) return
    if (p.kind === 'invite' || m.status >= 200) this.#stop(key)
    else {
      // Non-INVITE with a provisional response: keep resending, at T2 (RFC 3261 §17.1.2.2).
      p.interval = this.#timers.t2
    }
  }

  #start(key: string, p: Pending): void {
    this.#stop(key)
    this.#pending.set(key, p)
    this.#arm(key, p)
  }

  #arm(key: string, p: Pending): void {
    const wait = Math.max(0, Math.min(p.interval, p.deadline - performance.now()))
    p.timer = setTimeout(() => {
      if (this.#pending.get(key) !== p) return
      if (performance.now() >= p.deadline - 1) {
        this.#pending.delete(key)
        this.counters.timeouts++
        return
      }
      this.counters.retransmissions++
      p.sends++
      this.#resend(p.text, p.to)
      p.interval = p.kind === 'invite' ? p.interval * 2 : Math.min(p.interval * 2, this.#timers.t2)
      this.#arm(key, p)
    }, wait)
    p.timer.unref?.()
  }

  #stop(key: string): void {
    const p = this.#pending.get(key)
    if (p?.timer) clearTimeout(p.timer)
    this.#pending.delete(key)
  }

  /** Stops every timer. */
  clear(): void {
    for (const key of [...this.#pending.keys()]) this.#stop(key)
  }
}
