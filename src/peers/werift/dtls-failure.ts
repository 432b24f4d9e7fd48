/**
 * Why a werift DTLS transport failed, in words. werift 0.25 sets the transport's state to `failed` and only logs
 * the cause (a fingerprint mismatch, a handshake whose flights were never answered, an error while handling the
 * handshake); the peer's messages and call record then said `dtls=failed` with no reason. This wraps
 * `RTCDtlsTransport.prototype.start` to keep the error it rejects with, and watches the DTLS session for a close
 * the remote caused (an alert), so the peer can name the reason.
 *
 * With a werift whose internals differ it changes nothing and `dtlsFailureReasons()` says `unsupported`.
 */
import { RTCDtlsTransport } from 'werift'

interface TransportInternals {
  state?: string
  role?: string
  dtls?: { onClose?: { subscribe(fn: () => void): unknown } }
  start(): Promise<void>
}

type Listener = (reason: string) => void

const reasons = new WeakMap<object, string>()
const listeners = new WeakMap<object, Set<Listener>>()
let state: 'installed' | 'unsupported' | undefined

/** Turns werift's error text into a reason a reader can act on. */
export function explainDtlsError(message: string, role: string | undefined): string {
  const as = role === 'server' || role === 'client' ? ` (this side was the DTLS ${role})` : ''
  if (/fingerprint mismatch/i.test(message)) return `remote certificate fingerprint mismatch: the certificate the remote presented does not match the a=fingerprint of its SDP${as}`
  if (/remote fingerprint not exist|no supported remote fingerprint/i.test(message)) return `no usable a=fingerprint in the remote SDP (${message})${as}`
  if (/over retransmitCount/i.test(message)) return `handshake timeout: the remote never answered this side's DTLS flights (werift: ${message})${as}`
  if (/alert/i.test(message)) return `the remote sent a fatal DTLS alert (${message})${as}`
  return `${message || 'DTLS handshake failed'}${as}`
}

function fail(transport: object, reason: string): void {
  if (reasons.has(transport)) return
  reasons.set(transport, reason)
  for (const l of listeners.get(transport) ?? []) l(reason)
}

/** Installs the wrapper once; `installed`, or `unsupported` when werift's internals did not match. */
export function dtlsFailureReasons(): 'installed' | 'unsupported' {
  return (state ??= install())
}

function install(): 'installed' | 'unsupported' {
  const proto = RTCDtlsTransport?.prototype as unknown as TransportInternals | undefined
  if (!proto || typeof proto.start !== 'function') return 'unsupported'
  const originalStart = proto.start
  proto.start = function startKeepingTheReason(this: TransportInternals): Promise<void> {
    const started = originalStart.call(this)
    // The DTLS session exists once start() ran its synchronous part: a close before `connected` came from the remote.
    try {
      this.dtls?.onClose?.subscribe(() => {
        if (this.state !== 'connected' && this.state !== 'closed') fail(this, `the remote closed the DTLS session during the handshake (an alert)${this.role ? ` (this side was the DTLS ${this.role})` : ''}`)
      })
    } catch {
      // werift without onClose: the start() rejection still gives the reason
    }
    started.catch((e: unknown) => fail(this, explainDtlsError(e instanceof Error ? e.message : String(e), this.role)))
    return started
  }
  return 'installed'
}

/** Why `transport` failed, once it did. */
export function dtlsFailureReason(transport: object): string | undefined {
  return reasons.get(transport)
}

/** Calls `listener` once with the reason when `transport` fails (at once if it already did). Returns unsubscribe. */
export function onDtlsFailure(transport: object, listener: Listener): () => void {
  const known = reasons.get(transport)
  if (known !== undefined) {
    listener(known)
    return () => {}
  }
  let set = listeners.get(transport)
  if (!set) listeners.set(transport, (set = new Set()))
  set.add(listener)
  return () => set.delete(listener)
}
