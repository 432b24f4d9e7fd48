/**
 * The JSON trickle form some SIP testers and signalling servers use (`application/trickle-ice+json`):
 * the `RTCIceCandidateInit` shape `{ candidate, sdpMid, sdpMLineIndex, usernameFragment }`, one object
 * or an array of them. An empty `candidate` string is the end-of-candidates indication (W3C WebRTC
 * §4.8.1).
 */
import { z } from 'zod'
import { ParseError, safely, type ParseResult } from '../errors.ts'
import { parseCandidate } from './candidate.ts'

/** One trickled candidate in JSON form (`RTCIceCandidateInit`). */
export interface TrickleIceJson {
  /** `candidate:...` text, or `''` for end-of-candidates. */
  candidate: string
  sdpMid?: string | null
  sdpMLineIndex?: number | null
  usernameFragment?: string | null
}

/** The zod schema of one {@link TrickleIceJson} object (unknown keys are rejected). */
export const trickleIceJsonSchema = z
  .strictObject({
    candidate: z.string(),
    sdpMid: z.string().nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(65535).nullable().optional(),
    usernameFragment: z.string().nullable().optional(),
  })
  .refine((v) => (v.sdpMid ?? null) !== null || (v.sdpMLineIndex ?? null) !== null, {
    message: 'sdpMid and sdpMLineIndex are both missing or null; one is needed to pick the media section',
    path: ['sdpMid'],
  })

const arraySchema = z.array(trickleIceJsonSchema)

function fail(reason: string, hint?: string): never {
  throw new ParseError('trickle-ice-json', reason, hint === undefined ? {} : { hint })
}

function check(item: TrickleIceJson, index: number | undefined): TrickleIceJson {
  if (item.candidate === '') return item
  const at = index === undefined ? 'candidate' : `[${index}].candidate`
  if (!item.candidate.startsWith('candidate:')) {
    fail(`${at} must start with "candidate:"`, 'use the RTCIceCandidate.candidate text, e.g. "candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host"')
  }
  try {
    parseCandidate(item.candidate)
  } catch (e) {
    if (e instanceof ParseError) fail(`${at}: ${e.reason}`, e.hint)
    throw e
  }
  return item
}

/**
 * Parses a JSON trickle body: one object or an array of objects, validated with zod; each non-empty
 * `candidate` must parse as an ICE candidate. Always returns an array.
 *
 * @throws {ParseError} format `trickle-ice-json`; the reason names the field (`[2].sdpMLineIndex`, ...).
 */
export function parseTrickleIceJson(text: string): TrickleIceJson[] {
  if (typeof text !== 'string') fail(`expected a string, got ${typeof text}`)
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    fail(`not JSON: ${(e as Error).message}`, 'send {"candidate":"candidate:...","sdpMid":"0","sdpMLineIndex":0}')
  }
  return validate(data)
}

function validate(data: unknown): TrickleIceJson[] {
  const r = Array.isArray(data) ? arraySchema.safeParse(data) : trickleIceJsonSchema.safeParse(data)
  if (!r.success) {
    const issue = r.error.issues[0]
    const path =
      issue && issue.path.length > 0
        ? issue.path
            .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
            .join('')
            .replace(/^\./, '')
        : 'body'
    fail(
      `${path}: ${issue?.message ?? 'invalid'}`,
      'expected {candidate: string, sdpMid?: string|null, sdpMLineIndex?: number|null, usernameFragment?: string|null} or an array of them',
    )
  }
  const items: TrickleIceJson[] = Array.isArray(r.data) ? r.data : [r.data]
  return items.map((it, i) => check(it, Array.isArray(r.data) ? i : undefined))
}

/** {@link parseTrickleIceJson} that returns a {@link ParseResult} instead of throwing. */
export function safeParseTrickleIceJson(text: string): ParseResult<TrickleIceJson[]> {
  return safely(() => parseTrickleIceJson(text))
}

/**
 * Writes one object (or, given an array, a JSON array) with keys in the order candidate, sdpMid,
 * sdpMLineIndex, usernameFragment; absent keys are left out. Validates like the parser.
 *
 * @throws {ParseError} format `trickle-ice-json` when an item is invalid.
 */
export function serializeTrickleIceJson(value: TrickleIceJson | TrickleIceJson[]): string {
  const one = (v: TrickleIceJson): Record<string, unknown> => {
    const o: Record<string, unknown> = { candidate: v.candidate }
    if (v.sdpMid !== undefined) o.sdpMid = v.sdpMid
    if (v.sdpMLineIndex !== undefined) o.sdpMLineIndex = v.sdpMLineIndex
    if (v.usernameFragment !== undefined) o.usernameFragment = v.usernameFragment
    return o
  }
  validate(value)
  return JSON.stringify(Array.isArray(value) ? value.map(one) : one(value))
}

/** True when the item is the end-of-candidates indication (empty `candidate`). */
export function isEndOfCandidatesJson(item: TrickleIceJson): boolean {
  return item.candidate === ''
}
