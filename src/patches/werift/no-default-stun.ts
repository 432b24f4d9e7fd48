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
 * TURN server given in `iceServers` is used exactly as before. Declared in the patch registry (src/patches) as
 * `werift/no-default-stun`: with a werift whose function differs it changes nothing and `noDefaultStunServer()`
 * says `unsupported`.
 */
import { Connection } from 'werift'
import { installPatch } from '../install.ts'
import type { PatchDefinition } from '../types.ts'
import { WRITTEN_FOR } from '../versions.ts'

interface ConnectionLike {
  options: { stunServer?: unknown }
  stunServer: unknown
  applyStunTurnServersFromOptions(): void
}

const proto = (): ConnectionLike | undefined => (Connection as unknown as { prototype?: ConnectionLike } | undefined)?.prototype

/** The dropped STUN fallback, as the patch registry lists it. */
export const noDefaultStunPatch: PatchDefinition = {
  id: 'werift/no-default-stun',
  package: 'werift',
  version: WRITTEN_FOR.werift,
  fixes: 'with no STUN server configured, ICE still sends Binding requests to stun.l.google.com:19302',
  targets: [{ name: 'Connection.prototype.applyStunTurnServersFromOptions', hash: '42edad3a1ae5f330', source: () => proto()?.applyStunTurnServersFromOptions }],
  apply: install,
}

/** Installs the patch once; `installed`, or `unsupported` when werift's function did not match. */
export function noDefaultStunServer(): 'installed' | 'unsupported' {
  return installPatch(noDefaultStunPatch).state === 'installed' ? 'installed' : 'unsupported'
}

function install(): void {
  const p = proto() as ConnectionLike
  const original = p.applyStunTurnServersFromOptions
  p.applyStunTurnServersFromOptions = function applyConfiguredServersOnly(this: ConnectionLike): void {
    original.call(this)
    if (this.options.stunServer === undefined) this.stunServer = undefined
  }
}
