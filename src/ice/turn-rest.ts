/**
 * Time-limited TURN credentials for coturn's `use-auth-secret` / `static-auth-secret` mode
 * (draft-uberti-behave-turn-rest, "TURN REST API"):
 *
 *     username   = "<expiry unix seconds>" + separator + "<id>"   (or just "<expiry>")
 *     credential = base64(HMAC-SHA1(secret, username))
 *
 * coturn reads the expiry from the username and refuses it once passed. The separator is `:` unless
 * coturn runs with `--rest-api-separator`.
 */
import { createHmac } from 'node:crypto'
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'

/** Options of {@link mintTurnRestCredential}. */
export interface MintTurnRestOptions {
  /** coturn's `static-auth-secret`. */
  secret: string
  /** Lifetime in seconds (positive integer). */
  ttlSeconds: number
  /** Optional user id appended after the expiry. Must not contain the separator. */
  id?: string
  /** The current time: a Date or milliseconds since the epoch. Default `Date.now()`. */
  now?: Date | number
  /** coturn's `rest-api-separator`. Default `:`. */
  separator?: string
}

/** A minted TURN REST credential. Hand `username` and `credential` to the `RTCIceServer`. */
export interface TurnRestCredential {
  username: string
  credential: string
  /** When coturn stops accepting it (the expiry encoded in the username). */
  expiresAt: Date
}

const optionsSchema = z.strictObject({
  secret: z.string().min(1, 'secret is empty'),
  ttlSeconds: z.number().int('ttlSeconds must be an integer').positive('ttlSeconds must be positive'),
  id: z.string().min(1, 'id is empty (leave it out for a timestamp-only username)').optional(),
  now: z.union([z.date(), z.number().finite()]).optional(),
  separator: z.string().length(1, 'separator must be one character').optional(),
})

/** base64(HMAC-SHA1(secret, username)): the coturn REST password for a username. */
export function turnRestPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username, 'utf8').digest('base64')
}

/**
 * Mints a coturn REST credential: the username carries the expiry (`floor(now/1000) + ttlSeconds`)
 * and the optional id; the credential is base64(HMAC-SHA1(secret, username)).
 *
 * @throws {RtcspecError} code `TURN_REST_OPTIONS` when the options are invalid (names the option).
 */
export function mintTurnRestCredential(options: MintTurnRestOptions): TurnRestCredential {
  const r = optionsSchema.safeParse(options)
  if (!r.success) {
    const issue = r.error.issues[0]
    throw new RtcspecError('TURN_REST_OPTIONS', `invalid TURN REST options: ${(issue?.path ?? []).join('.') || 'options'}: ${issue?.message ?? 'invalid'}`, {
      hint: 'pass { secret: <static-auth-secret>, ttlSeconds: <positive integer>, id?: <user id> }',
    })
  }
  const o = r.data
  const separator = o.separator ?? ':'
  if (o.id?.includes(separator)) {
    throw new RtcspecError('TURN_REST_OPTIONS', `invalid TURN REST options: id must not contain the separator ${JSON.stringify(separator)}`, {
      hint: 'coturn splits the username at the separator to find the expiry',
    })
  }
  const nowMs = o.now === undefined ? Date.now() : o.now instanceof Date ? o.now.getTime() : o.now
  if (!Number.isFinite(nowMs)) {
    throw new RtcspecError('TURN_REST_OPTIONS', 'invalid TURN REST options: now is an invalid date')
  }
  const expiry = Math.floor(nowMs / 1000) + o.ttlSeconds
  const username = o.id === undefined ? String(expiry) : `${expiry}${separator}${o.id}`
  return { username, credential: turnRestPassword(o.secret, username), expiresAt: new Date(expiry * 1000) }
}
