/**
 * Why a werift DTLS transport failed, in words. werift 0.25 sets the transport's state to `failed` and only logs
 * the cause (a fingerprint mismatch, a handshake whose flights were never answered, an error while handling the
 * handshake); the peer's messages and call record then said `dtls=failed` with no reason. This wraps
 * `RTCDtlsTransport.prototype.start` to keep the error it rejects with, and watches the DTLS session for a close
 * the remote caused (an alert), so the peer can name the reason.
 *
 * Declared in the patch registry (src/patches) as `werift/dtls-failure`: applied only when werift's `start` is the
 * source it was written for; otherwise it changes nothing and `dtlsFailureReasons()` says `unsupported`.
 */
import { RTCDtlsTransport } from 'werift'
import { installPatch } from '../install.ts'
import type { PatchDefinition } from '../types.ts'
import { WRITTEN_FOR } from '../versions.ts'

interface TransportInternals {
  state?: string
  role?: string
  dtls?: { onClose?: { subscribe(fn: () => void): unknown } }
  start(): Promise<void>
}

type Listener = (reason: string) => void

const reasons = new WeakMap<object, string>()
const listeners = new WeakMap<object, Set<Listener>>()

/** Turns werift's error text into a reason a reader can act on. */
export function explainDtlsError(message: string, role: string | undefined): string {
  const as = role === 'server' || role === 'client' ? ` (this side was the DTLS ${role})` : ''
  if (/fingerprint mismatch/i.test(message))
    return `remote certificate fingerprint mismatch: the certificate the remote presented does not match the a=fingerprint of its SDP${as}`
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

const proto = (): TransportInternals | undefined => RTCDtlsTransport?.prototype as unknown as TransportInternals | undefined

/** The DTLS failure reasons, as the patch registry lists them. */
export const dtlsFailurePatch: PatchDefinition = {
  id: 'werift/dtls-failure',
  package: 'werift',
  version: WRITTEN_FOR.werift,
  fixes: 'a failed DTLS transport only logs why (fingerprint mismatch, handshake timeout, alert); the reason is kept for the peer',
  targets: [{ name: 'RTCDtlsTransport.prototype.start', hash: '8d4797fba97cc56d', source: () => proto()?.start }],
  apply: install,
}

/** Installs the wrapper once; `installed`, or `unsupported` when werift's internals did not match. */
export function dtlsFailureReasons(): 'installed' | 'unsupported' {
  return installPatch(dtlsFailurePatch).state === 'installed' ? 'installed' : 'unsupported'
}

function install(): void {
  const p = proto() as TransportInternals
  const originalStart = p.start
  p.start = function startKeepingTheReason(this: TransportInternals): Promise<void> {
    const started = originalStart.call(this)
    // The DTLS session exists once start() ran its synchronous part: a close before `connected` came from the remote.
    try {
      this.dtls?.onClose?.subscribe(() => {
        if (this.state !== 'connected' && this.state !== 'closed')
          fail(this, `the remote closed the DTLS session during the handshake (an alert)${this.role ? ` (this side was the DTLS ${this.role})` : ''}`)
      })
    } catch {
      // werift without onClose: the start() rejection still gives the reason
    }
    started.catch((e: unknown) => fail(this, explainDtlsError(e instanceof Error ? e.message : String(e), this.role)))
    return started
  }
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
