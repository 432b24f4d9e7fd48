/**
 * The top Via of a parsed SIP message, parsed once per message: the transport (where a response goes, the
 * branch of a CANCEL's INVITE), the retransmission timers and the SIP log each need it for every message.
 * The result is shared: callers read it and never change it.
 */
import { getHeaders, parseVia, type SipMessage, type SipVia } from '../sip/index.ts'

const parsed = new WeakMap<SipMessage, SipVia | null>()

/** The message's top Via, parsed; undefined when it has none or it does not parse. Read-only. */
export function topViaOf(message: SipMessage): Readonly<SipVia> | undefined {
  let v = parsed.get(message)
  if (v === undefined) {
    const text = getHeaders(message, 'via')[0]
    try {
      v = text === undefined ? null : parseVia(text)
    } catch {
      v = null
    }
    parsed.set(message, v)
  }
  return v ?? undefined
}
