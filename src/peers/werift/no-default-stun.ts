/**
 * Keeps werift from using a STUN server nobody configured.
 *
 * werift 0.25's ICE `Connection` falls back to `stun.l.google.com:19302` when its options name no STUN server
 * (`applyStunTurnServersFromOptions`, lib/ice/src/ice.ts), and an `RTCPeerConnection` created with
 * `iceServers: []` names none. So every gathering asks the system resolver for `stun.l.google.com` and, where that
 * resolves, sends a Binding request to it: traffic to an address rtcspec never chose, from peers that are meant
 * to stay on loopback. Offline the lookup usually fails at once, but now and then the resolver does not answer and
 * werift's 5 s server-reflexive timer runs out first; `setLocalDescription` then takes 5 s. Measured on the
 * reference server: 5 of 200 POSTs answered after 5.0 s, every other one in under 50 ms.
 *
 * The patch keeps what werift derives from its options and drops only the fallback: with no STUN server
 * configured there is none, and no server-reflexive candidate is gathered (none could be, offline). A STUN or
 * TURN server given in `iceServers` is used exactly as before. With a werift whose function differs it changes
 * nothing and `noDefaultStunServer()` says `unsupported`.
 */
import { Connection } from 'werift'
import { sourceHash } from './patch-guard.ts'

/** Source hash of werift 0.25.x's `Connection.prototype.applyStunTurnServersFromOptions` this patch was written for. */
const APPLY_SERVERS_HASH = ['42edad3a1ae5f330']

interface ConnectionLike {
  options: { stunServer?: unknown }
  stunServer: unknown
  applyStunTurnServersFromOptions(): void
}

let state: 'installed' | 'unsupported' | undefined

/** Installs the patch once; `installed`, or `unsupported` when werift's function did not match. */
export function noDefaultStunServer(): 'installed' | 'unsupported' {
  return (state ??= install())
}

function install(): 'installed' | 'unsupported' {
  const proto = (Connection as unknown as { prototype?: ConnectionLike } | undefined)?.prototype
  const original = proto?.applyStunTurnServersFromOptions
  if (!proto || typeof original !== 'function') return 'unsupported'
  if (!APPLY_SERVERS_HASH.includes(sourceHash(original))) return 'unsupported'
  proto.applyStunTurnServersFromOptions = function applyConfiguredServersOnly(this: ConnectionLike): void {
    original.call(this)
    if (this.options.stunServer === undefined) this.stunServer = undefined
  }
  return 'installed'
}
