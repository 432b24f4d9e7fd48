/**
 * A generic HTTP offer/answer client for servers that only do "POST the offer, get the answer" (e.g.
 * `POST /offer` with `{ "sdp", "type" }`, hangup by call id). The request and response mapping is data:
 * raw `application/sdp` or JSON with configurable field paths and extra fields, extra headers, a Bearer
 * token, and a hangup by URL template (`{id}` from the response, or the Location header) and method.
 * Validated with zod; works with any `Peer` (the offer must carry its candidates: a non-trickle peer).
 */
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'
import type { Peer } from '../peers/types.ts'
import { createWeriftPeer, type WeriftPeerOptions } from '../peers/werift/peer.ts'
import { describeExchange, httpExchange, type HttpExchange } from '../http/http.ts'

const FieldPath = z.string().regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'a dot path like "sdp" or "data.answer.sdp"')

/** How the offer is sent. */
export const OfferRequestSchema = z.discriminatedUnion('format', [
  z.object({ format: z.literal('sdp').describe('Body is the raw SDP, Content-Type application/sdp') }),
  z.object({
    format: z.literal('json'),
    sdpField: FieldPath.default('sdp').describe('Where the offer SDP goes'),
    typeField: FieldPath.optional().describe('Where "offer" goes (e.g. "type"); omitted when unset'),
    extra: z.record(z.string(), z.unknown()).default({}).describe('Extra JSON fields merged into the body (e.g. apiKey, agentId)'),
  }),
])

/** Where the answer is found. */
export const AnswerResponseSchema = z.discriminatedUnion('format', [
  z.object({ format: z.literal('sdp') }),
  z.object({
    format: z.literal('json'),
    sdpField: FieldPath.default('sdp'),
    idField: FieldPath.optional().describe('Where the call id is (e.g. "call_id"), used by the hangup'),
  }),
])

/** Options of {@link offerAnswer}. */
export const HttpOfferOptionsSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    method: z.enum(['POST', 'PUT']).default('POST'),
    headers: z.record(z.string(), z.string()).default({}),
    token: z.string().min(1).optional().describe('Sent as Authorization: Bearer <token>; no Authorization header when unset'),
    request: OfferRequestSchema.default({ format: 'json', sdpField: 'sdp', typeField: 'type', extra: {} }),
    response: AnswerResponseSchema.default({ format: 'json', sdpField: 'sdp' }),
    hangup: z
      .object({
        url: z.string().optional().describe('URL (absolute or relative to `url`) with {id} for the call id; default: the Location header'),
        method: z.enum(['DELETE', 'POST']).default('DELETE'),
        body: z.record(z.string(), z.unknown()).optional().describe('JSON body; string values "{id}" are replaced by the call id'),
      })
      .optional(),
    expectStatus: z.array(z.number().int()).default([200, 201]).describe('Statuses that carry the answer'),
    timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  })
  .strict()

/** Input of {@link offerAnswer}. */
export type HttpOfferOptions = z.input<typeof HttpOfferOptionsSchema>

/** A call set up by {@link offerAnswer}. */
export interface HttpOfferSession extends AsyncDisposable {
  readonly peer: Peer
  readonly answer: string
  /** The call id from `response.idField`, if configured and present. */
  readonly callId: string | undefined
  /** The session URL from a Location header, if any. */
  readonly location: string | undefined
  readonly exchanges: readonly HttpExchange[]
  /** Sends the configured hangup once (no-op without one); closes the peer if rtcspec created it. */
  hangup(): Promise<HttpExchange | undefined>
}

function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string, unknown>)[k]
  }
  return cur
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.')
  let cur = obj
  for (const k of keys.slice(0, -1)) {
    const next = cur[k]
    if (next === null || typeof next !== 'object') cur[k] = {}
    cur = cur[k] as Record<string, unknown>
  }
  cur[keys[keys.length - 1] ?? ''] = value
}

function fill(v: unknown, id: string): unknown {
  if (typeof v === 'string') return v.replaceAll('{id}', id)
  if (Array.isArray(v)) return v.map((x) => fill(x, id))
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x, id)]))
  return v
}

/**
 * Sends the peer's offer and applies the answer. Without `peer`, a non-trickle werift peer (audio
 * sendrecv) is created and closed on hangup.
 *
 * @throws {RtcspecError} `INVALID_OPTIONS` for bad options; `HTTP_OFFER` when the server's answer is not usable (the message shows the exchange).
 */
export async function offerAnswer(input: HttpOfferOptions & { peer?: Peer; peerOptions?: WeriftPeerOptions }): Promise<HttpOfferSession> {
  const { peer: given, peerOptions, ...rest } = input
  const parsed = HttpOfferOptionsSchema.safeParse(rest)
  if (!parsed.success)
    throw new RtcspecError('INVALID_OPTIONS', `invalid HTTP offer options:\n${z.prettifyError(parsed.error)}`, {
      hint: 'see HttpOfferOptionsSchema in src/http-offer/client.ts',
    })
  const o = parsed.data
  if (given?.trickle) {
    throw new RtcspecError('INVALID_OPTIONS', `${given.name} trickles candidates, but a plain HTTP offer/answer exchange has no way to send them`, {
      hint: 'create the peer with trickle: false so the offer carries every candidate',
    })
  }
  const owned = given === undefined
  const peer = given ?? createWeriftPeer({ name: 'http-offer', trickle: false, ...peerOptions })
  const exchanges: HttpExchange[] = []
  const auth: Record<string, string> = o.token !== undefined ? { Authorization: `Bearer ${o.token}` } : {}
  const fail = (msg: string, x: HttpExchange) =>
    new RtcspecError('HTTP_OFFER', `${msg}: ${describeExchange(x)}${x.response?.body ? `\n  body: ${x.response.body.slice(0, 300)}` : ''}`)
  try {
    const offer = await peer.createOffer()
    let body: string
    let contentType: string
    if (o.request.format === 'sdp') {
      body = offer.sdp
      contentType = 'application/sdp'
    } else {
      const json: Record<string, unknown> = structuredClone(o.request.extra)
      setPath(json, o.request.sdpField, offer.sdp)
      if (o.request.typeField) setPath(json, o.request.typeField, 'offer')
      body = JSON.stringify(json)
      contentType = 'application/json'
    }
    const x = await httpExchange(o.url, { method: o.method, headers: { 'Content-Type': contentType, ...auth, ...o.headers }, body, timeoutMs: o.timeoutMs })
    exchanges.push(x)
    if (!x.response) throw fail('no response to the offer', x)
    if (!o.expectStatus.includes(x.response.status)) throw fail(`the offer was answered ${x.response.status}, expected ${o.expectStatus.join(' or ')}`, x)
    let answer: string
    let callId: string | undefined
    if (o.response.format === 'sdp') {
      answer = x.response.body
    } else {
      let json: unknown
      try {
        json = JSON.parse(x.response.body)
      } catch {
        throw fail('the response is not JSON', x)
      }
      const sdp = getPath(json, o.response.sdpField)
      if (typeof sdp !== 'string') throw fail(`the response has no string at "${o.response.sdpField}"`, x)
      answer = sdp
      if (o.response.idField) {
        const id = getPath(json, o.response.idField)
        if (typeof id === 'string' || typeof id === 'number') callId = String(id)
      }
    }
    if (!answer.startsWith('v=0')) throw fail('the answer is not SDP (does not start with v=0)', x)
    await peer.acceptAnswer({ type: 'answer', sdp: answer })
    const location = x.response.headers.location ? new URL(x.response.headers.location, o.url).toString() : undefined
    let hungUp: Promise<HttpExchange | undefined> | undefined
    const hangup = (): Promise<HttpExchange | undefined> => {
      hungUp ??= (async () => {
        let result: HttpExchange | undefined
        const h = o.hangup
        if (h) {
          const target = h.url ? new URL(h.url.replaceAll('{id}', encodeURIComponent(callId ?? '')), o.url).toString() : location
          if (target) {
            const hb = h.body ? JSON.stringify(fill(h.body, callId ?? '')) : undefined
            result = await httpExchange(target, {
              method: h.method,
              headers: { ...auth, ...o.headers, ...(hb ? { 'Content-Type': 'application/json' } : {}) },
              ...(hb ? { body: hb } : {}),
              timeoutMs: o.timeoutMs,
            })
            exchanges.push(result)
          }
        }
        if (owned) await peer.close()
        return result
      })()
      return hungUp
    }
    return { peer, answer, callId, location, exchanges, hangup, [Symbol.asyncDispose]: async () => void (await hangup()) }
  } catch (e) {
    if (owned) await peer.close()
    throw e
  }
}
