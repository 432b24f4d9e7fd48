/**
 * Lets werift's TURN client see a 401 or 438 answer to a request it signed.
 *
 * werift 0.25's `TurnProtocol.handleSTUNMessage` (lib/ice/src/turn/protocol.js) checks every response to a signed
 * request against the session's integrity key and drops any that fail, as if it never arrived. A TURN server
 * answers a request with credentials it refuses (a wrong password, a TURN REST credential past its expiry time)
 * with 401 Unauthenticated, which carries no MESSAGE-INTEGRITY: the server has no key it trusts. RFC 8489 §9.2.5
 * handles 401 and 438 (Stale Nonce) before it looks at the integrity of a response, so a client acts on them. werift
 * instead retransmits the request until the transaction times out, about 12 s later. Measured with coturn:
 * - gathering with refused credentials (every ICE restart after a REST credential expired) took 12.7 s, and the
 *   peer sends no media while it restarts, so the restart stopped media for 13–25 s;
 * - each ChannelBind on an allocation whose credential expired hangs the same 12 s, and werift serialises
 *   ChannelBinds per allocation, so every packet queued behind it waits (a new peer address after an ICE restart
 *   had no media for 15 s and more).
 *
 * werift's `Transaction.responseReceived` drops unsigned responses too while it holds a key, so the patch hands such
 * a 401 or 438 to its transaction with the key set aside for that one call, and the transaction fails at once: werift's `requestWithRetry` then
 * retries once with the new nonce (a 438 on a long session) or gives up (the credentials are refused), an Allocate
 * fails in milliseconds, and a refused ChannelBind falls back to a Send indication as werift already does for other
 * ChannelBind errors. Every other response is handled exactly as before. Declared in the patch registry
 * (src/patches) as `werift/turn-auth-errors`: with a werift whose function differs it changes nothing and
 * `turnAuthErrors()` says `unsupported`.
 */
import { parseMessage, TurnProtocol } from 'werift'
import { RtcspecError } from '../../errors.ts'
import { installPatch } from '../install.ts'
import type { PatchDefinition } from '../types.ts'
import { WRITTEN_FOR } from '../versions.ts'

/** STUN message class of an error response. */
const ERROR_RESPONSE = 0x110

interface StunMessageLike {
  messageClass: number
  transactionIdHex: string
  getAttributeValue(name: string): unknown
}

interface TransactionLike {
  integrityKey: Buffer | undefined
  responseReceived(message: unknown, addr: unknown): void
}

interface TurnProtocolLike {
  transactions?: Record<string, TransactionLike | undefined>
  handleSTUNMessage(data: Buffer, addr: unknown): void
}

let delivered = 0

const proto = (): TurnProtocolLike | undefined => (TurnProtocol as unknown as { prototype?: TurnProtocolLike } | undefined)?.prototype

/** The TURN 401/438 handling, as the patch registry lists it. */
export const turnAuthErrorsPatch: PatchDefinition = {
  id: 'werift/turn-auth-errors',
  package: 'werift',
  version: WRITTEN_FOR.werift,
  fixes: 'an unsigned 401/438 answer to a signed TURN request is dropped, so the request hangs ~12 s instead of failing',
  targets: [{ name: 'TurnProtocol.prototype.handleSTUNMessage', hash: '2129656a76fb60e7', source: () => proto()?.handleSTUNMessage }],
  apply: install,
}

/** Installs the patch once; `installed`, or `unsupported` when werift's internals did not match. */
export function turnAuthErrors(): 'installed' | 'unsupported' {
  return installPatch(turnAuthErrorsPatch).state === 'installed' ? 'installed' : 'unsupported'
}

/** Unsigned 401/438 answers to signed TURN requests handed to their transaction in this process so far. */
export function turnAuthErrorsDelivered(): number {
  return delivered
}

/** The error code of an error response that RFC 8489 §9.2.5 handles without MESSAGE-INTEGRITY (401, 438), else undefined. */
export function unsignedAuthErrorCode(message: StunMessageLike): 401 | 438 | undefined {
  if (message.messageClass !== ERROR_RESPONSE) return undefined
  const value = message.getAttributeValue('ERROR-CODE')
  const code = Array.isArray(value) ? value[0] : undefined
  return code === 401 || code === 438 ? code : undefined
}

function install(): void {
  const p = proto() as TurnProtocolLike
  const original = p.handleSTUNMessage
  if (typeof parseMessage !== 'function') throw new RtcspecError('PATCH_UNSUPPORTED', 'werift exports no parseMessage')
  p.handleSTUNMessage = function handleSTUNMessageWithAuthErrors(this: TurnProtocolLike, data: Buffer, addr: unknown): void {
    try {
      const message = parseMessage(data) as unknown as StunMessageLike | undefined
      const transaction = message ? this.transactions?.[message.transactionIdHex] : undefined
      const key = transaction?.integrityKey
      if (message && transaction && key && unsignedAuthErrorCode(message) !== undefined && !parseMessage(data, key)) {
        // The transaction itself also ignores responses without MESSAGE-INTEGRITY while it holds a key: let it
        // take this one as the error it is (its own checks of the sender address and state still apply).
        delivered++
        transaction.integrityKey = undefined
        try {
          transaction.responseReceived(message, addr)
        } finally {
          transaction.integrityKey = key
        }
        return
      }
    } catch {
      // not a STUN message we can read: werift's own handling below logs it
    }
    original.call(this, data, addr)
  }
}
