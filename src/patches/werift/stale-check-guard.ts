/**
 * Keeps connectivity checks of a previous ICE generation out of werift's restarted agent.
 *
 * werift 0.25 (lib/ice/src/ice.js) answers every STUN Binding request it can authenticate, including those still
 * carrying the *previous* local ufrag (it keeps old passwords in `userHistory`, so consent on the old pair stays
 * fresh during a restart), and then hands the request to `Connection.checkIncoming()`. That method does not look
 * at the generation. For a request of the old generation — a browser keeps sending consent checks on its old pair
 * until its new pair is selected — it
 * 1. learns a peer-reflexive remote candidate at the peer's *old* address and checks it, and
 * 2. sets `pair.localCandidate.ufrag` to the old ufrag taken from the request's USERNAME. The local candidate is one
 *    object shared by every pair of that socket, so werift's new-generation checks then go out with USERNAME
 *    `<new remote ufrag>:<old local ufrag>`, which the peer rejects; each transaction times out after its
 *    retransmissions (≈ 2.5 s) and werift's agent stays `checking` until a later request of the new generation
 *    happens to set the ufrag back and triggers a fresh check.
 * Measured werift ↔ Chromium: media werift → Chromium stopped for 1–3 s in about half of the restarts.
 *
 * The guard wraps `checkIncoming` of each ICE connection so that a request whose USERNAME names another local
 * ufrag than the connection's current one is ignored there (werift has already answered it) — unless its sender
 * ufrag is the peer's *current* one: Chromium pairs its new candidates with our old candidate before it has our new
 * credentials, keeps that pair after it got them and nominates it with our old ufrag; ignoring that would leave
 * werift (controlled) without a nomination. Such a request is handled as a current check, and the local candidate's
 * ufrag is set back to the current one right after. Requests of the current generation are handled exactly as
 * before. Declared in the patch registry (src/patches) as `werift/stale-check-guard`: with a werift whose
 * `checkIncoming` differs from the source it was written for it does nothing.
 */
import { Connection } from 'werift'
import { installPatch } from '../install.ts'
import type { PatchDefinition } from '../types.ts'
import { WRITTEN_FOR } from '../versions.ts'

interface StunMessageLike {
  getAttributeValue(name: string): unknown
}

interface ConnectionLike {
  localUsername?: string
  remoteUsername?: string
  checkIncoming?: (message: StunMessageLike, ...rest: unknown[]) => unknown
}

interface ProtocolLike {
  localCandidate?: { ufrag?: string }
}

/**
 * The guard, as the patch registry lists it. Applying it only enables {@link guardStaleChecks}: the guard wraps
 * each connection's `checkIncoming` (the peer's own connections), not werift's prototype.
 */
export const staleCheckGuardPatch: PatchDefinition = {
  id: 'werift/stale-check-guard',
  package: 'werift',
  version: WRITTEN_FOR.werift,
  fixes: "after an ICE restart, a previous generation's check rewrites the shared local candidate's ufrag and stalls the new checks",
  targets: [
    {
      name: 'Connection.prototype.checkIncoming',
      hash: '06cd74ddccec51e9',
      source: () => (Connection as unknown as { prototype?: ConnectionLike } | undefined)?.prototype?.checkIncoming,
    },
  ],
  apply: () => {},
}

const guarded = new WeakSet<object>()
let ignored = 0
let adopted = 0

/** Stale-generation requests kept out of `checkIncoming` in this process so far. */
export function staleChecksIgnored(): number {
  return ignored
}

/** Requests from the peer's current generation to our previous ufrag, taken as current checks, so far. */
export function staleChecksAdopted(): number {
  return adopted
}

/** The local ufrag a STUN request is addressed to (`USERNAME` = `<recipient ufrag>:<sender ufrag>`). */
export function recipientUfrag(username: unknown): string | undefined {
  if (typeof username !== 'string') return undefined
  const i = username.indexOf(':')
  return i > 0 ? username.slice(0, i) : undefined
}

/** The sender's ufrag in a STUN request's USERNAME. */
export function senderUfrag(username: unknown): string | undefined {
  if (typeof username !== 'string') return undefined
  const i = username.indexOf(':')
  return i > 0 && i < username.length - 1 ? username.slice(i + 1) : undefined
}

/**
 * Installs the guard on one werift ICE `Connection` (`RTCIceTransport.connection`). Idempotent.
 * Returns false when the connection does not look like werift 0.25's, or werift's `checkIncoming` is not the
 * source the guard was written for (nothing installed).
 */
export function guardStaleChecks(connection: unknown): boolean {
  if (!connection || typeof connection !== 'object') return false
  if (installPatch(staleCheckGuardPatch).state !== 'installed') return false
  if (guarded.has(connection)) return true
  const c = connection as ConnectionLike
  const original = c.checkIncoming
  if (typeof original !== 'function' || typeof c.localUsername !== 'string') return false
  c.checkIncoming = function guardedCheckIncoming(this: ConnectionLike, message: StunMessageLike, ...rest: unknown[]) {
    const username = message.getAttributeValue('USERNAME')
    const to = recipientUfrag(username)
    if (to === undefined || c.localUsername === undefined || to === c.localUsername) return original.call(c, message, ...rest)
    if (c.remoteUsername && senderUfrag(username) === c.remoteUsername) {
      // The peer's new generation addressing our previous ufrag: it paired a new candidate with our old one before it
      // had our new credentials (Chromium does), and will nominate that pair. Take the check (and its nomination) as
      // current, but keep our local candidate's ufrag current for every later check.
      const result = original.call(c, message, ...rest)
      const candidate = (rest[1] as ProtocolLike | undefined)?.localCandidate
      if (candidate) candidate.ufrag = c.localUsername
      adopted++
      return result
    }
    ignored++
    return undefined
  }
  guarded.add(connection)
  return true
}
