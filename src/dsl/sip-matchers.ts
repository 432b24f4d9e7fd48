/**
 * rtcspec's `expect` matchers on SIP calls: whether a dialog really was confirmed, and how it ended. They
 * read the call's SIP log, not sip.js's session state (which reports a UAS call established as soon as its
 * 200 is sent, ACK or not), and a failure shows the call's ladder.
 *
 * ```ts
 * const call = await alice.call('sip:bob@rtcspec.test')
 * expect(call).toBeEstablished()            // 2xx received and ACK sent (or, for bob: 2xx sent and ACK received)
 * await call.hangup()
 * expect(call).toHaveEnded({ by: 'local', status: 200 })
 * ```
 */
import type { SessionState } from 'sip.js'
import { z } from 'zod'
import { parseOptions } from '../options.ts'
import type { SipCall } from '../sipua/user-agent.ts'

/** Options of `toHaveEnded`. */
export interface HaveEndedOptions {
  /** Who sent the BYE: this side (`local`) or the far end (`remote`). Default: either. */
  by?: 'local' | 'remote'
  /** The final status the BYE got. Default: any (with `by` given, a BYE must have been sent). */
  status?: number
}

const HaveEndedOptionsSchema = z.strictObject({
  by: z.enum(['local', 'remote']).optional(),
  status: z.number().int().min(200).max(699).optional(),
})

interface MatcherResult {
  pass: boolean
  message: () => string
}

/**
 * Whether `received` is a SipCall, told by its shape: the matchers are part of `expect`, which must not load
 * sip.js (and with it the user agents) in a spec that makes no SIP call.
 */
function isSipCall(received: unknown): received is SipCall {
  if (typeof received !== 'object' || received === null) return false
  const c = received as Partial<Record<keyof SipCall, unknown>>
  return (
    typeof c.dialogEvidence === 'function' &&
    typeof c.ladder === 'function' &&
    typeof c.session === 'object' &&
    c.session !== null &&
    (c.direction === 'outgoing' || c.direction === 'incoming')
  )
}

/** sip.js's `SessionState.Terminated` (a string enum). */
const TERMINATED: `${SessionState.Terminated}` = 'Terminated'

function notACall(name: string, received: unknown): MatcherResult {
  return {
    pass: false,
    message: () => `${name} expects a SipCall (from ua.call() or incoming.accept()), received ${received === null ? 'null' : typeof received}`,
  }
}

function toBeEstablished(this: { isNot: boolean }, received: unknown): MatcherResult {
  if (!isSipCall(received)) return notACall('toBeEstablished', received)
  const e = received.dialogEvidence()
  const theirs = received.direction === 'outgoing' ? 'received' : 'sent'
  const mine = received.direction === 'outgoing' ? 'sent' : 'received'
  const pass = e.answered && e.ack && received.establishedAt !== undefined
  const missing = [
    !e.answered && `no 2xx to the INVITE was ${theirs}`,
    e.answered && !e.ack && `the 2xx was ${theirs} but no ACK was ${mine}`,
    e.answered && e.ack && !received.establishedAt && 'the call never reported itself established',
  ].filter(Boolean)
  return {
    pass,
    message: () =>
      this.isNot
        ? `expected ${received.direction} call ${received.callId} NOT to be established, but its 2xx was ${theirs} and the ACK ${mine}\n\n${received.ladder()}`
        : `expected ${received.direction} call ${received.callId} to be an established (confirmed) dialog: ${missing.join('; ')}${received.errors.length ? `\n  call errors: ${received.errors.join(' | ')}` : ''}\n\n${received.ladder()}`,
  }
}

function toHaveEnded(this: { isNot: boolean }, received: unknown, options?: HaveEndedOptions): MatcherResult {
  if (!isSipCall(received)) return notACall('toHaveEnded', received)
  const o = parseOptions(HaveEndedOptionsSchema, options, { code: 'MATCHER_OPTIONS', what: 'toHaveEnded options' })
  const ended = received.session.state === TERMINATED
  const bye = received.dialogEvidence().bye
  const problems: string[] = []
  if (!ended) problems.push(`the call is still ${received.session.state}`)
  if ((o.by !== undefined || o.status !== undefined) && !bye) problems.push('no BYE was sent or received')
  if (bye && o.by !== undefined && bye.by !== o.by) problems.push(`the BYE came from the ${bye.by} side, not the ${o.by} side`)
  if (bye && o.status !== undefined && bye.status !== o.status)
    problems.push(bye.status === undefined ? `the BYE got no final response (expected ${o.status})` : `the BYE was answered ${bye.status}, not ${o.status}`)
  const want = [o.by && `by the ${o.by} side`, o.status !== undefined && `with a BYE answered ${o.status}`].filter(Boolean).join(' ')
  return {
    pass: problems.length === 0,
    message: () =>
      this.isNot
        ? `expected call ${received.callId} NOT to have ended${want ? ` ${want}` : ''}, but it did\n\n${received.ladder()}`
        : `expected call ${received.callId} to have ended${want ? ` ${want}` : ''}: ${problems.join('; ')}${received.errors.length ? `\n  call errors: ${received.errors.join(' | ')}` : ''}\n\n${received.ladder()}`,
  }
}

/** The matcher implementations, for `expect.extend`. */
export const sipMatchers = { toBeEstablished, toHaveEnded }

declare module 'vitest' {
  interface Matchers<R, T> {
    /** The SIP call is a confirmed dialog: its INVITE got a 2xx and the ACK went out (outgoing) or came in (incoming). */
    toBeEstablished(): R
    /** The SIP call has ended; with `by` / `status`, by a BYE from that side answered with that status. */
    toHaveEnded(options?: HaveEndedOptions): R
  }
}
