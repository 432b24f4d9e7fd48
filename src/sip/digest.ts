/**
 * HTTP Digest authentication as SIP uses it (RFC 3261 §22, RFC 2617 / RFC 8760 with MD5, qop=auth).
 * Pure: hashing only, no I/O.
 */
import { createHash } from 'node:crypto'
import { ParseError } from '../errors.ts'

/** A `WWW-Authenticate` / `Proxy-Authenticate` Digest challenge. */
export interface DigestChallenge {
  realm: string
  nonce: string
  algorithm?: string
  qop?: string
  opaque?: string
  stale?: boolean
}

/** An `Authorization` / `Proxy-Authorization` Digest credential. */
export interface DigestCredentials {
  username: string
  realm: string
  nonce: string
  uri: string
  response: string
  algorithm?: string
  qop?: string
  nc?: string
  cnonce?: string
  opaque?: string
}

/** Parses `Digest k=v, k="v"` into a lower-cased key map. */
export function parseDigestParams(value: string): Record<string, string> {
  const m = /^\s*Digest\s+(.*)$/is.exec(value)
  if (!m) throw new ParseError('sip', 'authentication header is not a Digest header', { line: value, hint: 'rtcspec supports the Digest scheme only' })
  const out: Record<string, string> = {}
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/gy
  let match: RegExpExecArray | null
  let last = 0
  while ((match = re.exec(m[1]!)) !== null) {
    out[match[1]!.toLowerCase()] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '')
    last = re.lastIndex
    if (last >= m[1]!.length) break
  }
  if (m[1]!.slice(last).trim()) throw new ParseError('sip', `cannot parse Digest parameters after "${m[1]!.slice(0, last)}"`, { line: value })
  return out
}

/** Parses a Digest challenge; realm and nonce are required. */
export function parseDigestChallenge(value: string): DigestChallenge {
  const p = parseDigestParams(value)
  if (p.realm === undefined || p.nonce === undefined) throw new ParseError('sip', 'Digest challenge needs realm and nonce', { line: value })
  return {
    realm: p.realm,
    nonce: p.nonce,
    ...(p.algorithm !== undefined ? { algorithm: p.algorithm } : {}),
    ...(p.qop !== undefined ? { qop: p.qop } : {}),
    ...(p.opaque !== undefined ? { opaque: p.opaque } : {}),
    ...(p.stale !== undefined ? { stale: p.stale.toLowerCase() === 'true' } : {}),
  }
}

/** Serializes a challenge for a WWW-Authenticate header. */
export function serializeDigestChallenge(c: DigestChallenge): string {
  const parts = [`realm="${c.realm}"`, `nonce="${c.nonce}"`]
  if (c.opaque !== undefined) parts.push(`opaque="${c.opaque}"`)
  if (c.stale !== undefined) parts.push(`stale=${c.stale ? 'TRUE' : 'FALSE'}`)
  parts.push(`algorithm=${c.algorithm ?? 'MD5'}`)
  if (c.qop !== undefined) parts.push(`qop="${c.qop}"`)
  return `Digest ${parts.join(', ')}`
}

/** Parses Digest credentials; username, realm, nonce, uri and response are required. */
export function parseDigestCredentials(value: string): DigestCredentials {
  const p = parseDigestParams(value)
  for (const k of ['username', 'realm', 'nonce', 'uri', 'response']) {
    if (p[k] === undefined) throw new ParseError('sip', `Digest credentials lack "${k}"`, { line: value })
  }
  return {
    username: p.username!,
    realm: p.realm!,
    nonce: p.nonce!,
    uri: p.uri!,
    response: p.response!,
    ...(p.algorithm !== undefined ? { algorithm: p.algorithm } : {}),
    ...(p.qop !== undefined ? { qop: p.qop } : {}),
    ...(p.nc !== undefined ? { nc: p.nc } : {}),
    ...(p.cnonce !== undefined ? { cnonce: p.cnonce } : {}),
    ...(p.opaque !== undefined ? { opaque: p.opaque } : {}),
  }
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex')

/** Inputs of the Digest response computation. */
export interface DigestResponseInput {
  username: string
  realm: string
  password: string
  method: string
  uri: string
  nonce: string
  /** `auth` or absent (RFC 2069 compatibility). */
  qop?: string
  nc?: string
  cnonce?: string
}

/** Computes the `response` value (MD5, RFC 2617 §3.2.2.1). */
export function digestResponse(input: DigestResponseInput): string {
  const ha1 = md5(`${input.username}:${input.realm}:${input.password}`)
  const ha2 = md5(`${input.method}:${input.uri}`)
  if (input.qop === 'auth') return md5(`${ha1}:${input.nonce}:${input.nc ?? '00000001'}:${input.cnonce ?? ''}:auth:${ha2}`)
  return md5(`${ha1}:${input.nonce}:${ha2}`)
}

/** Serializes credentials for an Authorization header. */
export function serializeDigestCredentials(c: DigestCredentials): string {
  const parts = [
    `username="${c.username}"`,
    `realm="${c.realm}"`,
    `nonce="${c.nonce}"`,
    `uri="${c.uri}"`,
    `response="${c.response}"`,
    `algorithm=${c.algorithm ?? 'MD5'}`,
  ]
  if (c.qop !== undefined) parts.push(`qop=${c.qop}`, `nc=${c.nc ?? '00000001'}`, `cnonce="${c.cnonce ?? ''}"`)
  if (c.opaque !== undefined) parts.push(`opaque="${c.opaque}"`)
  return `Digest ${parts.join(', ')}`
}

/** Checks credentials against a password for the given method. True when the response matches. */
export function verifyDigest(credentials: DigestCredentials, password: string, method: string): boolean {
  const qop = credentials.qop?.replace(/"/g, '')
  const expected = digestResponse({
    username: credentials.username,
    realm: credentials.realm,
    password,
    method,
    uri: credentials.uri,
    nonce: credentials.nonce,
    ...(qop ? { qop } : {}),
    ...(credentials.nc !== undefined ? { nc: credentials.nc } : {}),
    ...(credentials.cnonce !== undefined ? { cnonce: credentials.cnonce } : {}),
  })
  return expected === credentials.response.toLowerCase()
}
