/**
 * One HTTP request/response exchange, recorded as evidence. Used by the WHIP/WHEP clients, the generic
 * HTTP offer/answer client and the conformance checks: every request has a timeout (AbortSignal.timeout),
 * redirects are never followed implicitly, and a network failure (reset, refused, timeout) is returned as
 * an `error` instead of thrown, so a misbehaving server can never crash or hang the caller.
 */

/** What was sent. */
export interface RecordedRequest {
  method: string
  url: string
  headers: Record<string, string>
  body?: string
}

/** What came back. Header names are lower case; repeated headers (e.g. Link) are joined with ", ". */
export interface RecordedResponse {
  status: number
  headers: Record<string, string>
  /** Every `Link` header field value as received (not joined). */
  links: string[]
  body: string
  /** Milliseconds from sending the request to the end of the body. */
  elapsedMs: number
}

/** A request and its response, or the network error that replaced the response. */
export interface HttpExchange {
  request: RecordedRequest
  response?: RecordedResponse
  /** Set when no complete response arrived: timeout, connection reset or refused, bad URL. */
  error?: string
}

/** Options of {@link httpExchange}. */
export interface HttpExchangeOptions {
  method: string
  headers?: Record<string, string>
  body?: string
  /** Abort after this long (default 5000 ms). The error says so. */
  timeoutMs?: number
  /** Responses larger than this are cut (default 256 KiB) so garbage cannot exhaust memory. */
  maxBodyBytes?: number
}

const DEFAULT_TIMEOUT_MS = 5_000
const DEFAULT_MAX_BODY = 256 * 1024

async function readBody(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    const room = maxBytes - total
    if (value.byteLength > room) {
      chunks.push(value.subarray(0, room))
      total = maxBytes
      await reader.cancel().catch(() => undefined)
      break
    }
    chunks.push(value)
    total += value.byteLength
  }
  return new TextDecoder().decode(Buffer.concat(chunks))
}

/**
 * Sends one request with `fetch` (no redirect following, a timeout on the whole exchange including the
 * body) and records it. Never throws for network problems: they become `error`.
 */
export async function httpExchange(url: string, options: HttpExchangeOptions): Promise<HttpExchange> {
  const headers = { ...(options.headers ?? {}) }
  const request: RecordedRequest = { method: options.method, url, headers, ...(options.body !== undefined ? { body: options.body } : {}) }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const started = performance.now()
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    const res = await fetch(url, {
      method: options.method,
      headers,
      ...(options.body !== undefined ? { body: options.body } : {}),
      redirect: 'manual',
      signal,
    })
    const body = await readBody(res, options.maxBodyBytes ?? DEFAULT_MAX_BODY)
    const out: Record<string, string> = {}
    res.headers.forEach((v, k) => (out[k.toLowerCase()] = v))
    const links = splitLinkHeader(res.headers.get('link'))
    return { request, response: { status: res.status, headers: out, links, body, elapsedMs: Math.round(performance.now() - started) } }
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } }
    const reason = signal.aborted
      ? `no complete response within ${timeoutMs} ms`
      : `${err.message}${err.cause ? ` (${err.cause.code ?? ''} ${err.cause.message ?? ''})`.replace(/\s+\)/, ')') : ''}`
    return { request, error: reason }
  }
}

/**
 * Splits a (possibly comma-joined) Link header value into its link-values, respecting `<...>` and quoted
 * strings, since fetch joins repeated Link fields with ", ".
 */
export function splitLinkHeader(value: string | null | undefined): string[] {
  if (!value) return []
  const parts: string[] = []
  let cur = ''
  let inAngle = false
  let inQuote = false
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] ?? ''
    if (inQuote) {
      cur += ch
      if (ch === '\\' && i + 1 < value.length) cur += value[++i] ?? ''
      else if (ch === '"') inQuote = false
      continue
    }
    if (ch === '"') inQuote = true
    else if (ch === '<') inAngle = true
    else if (ch === '>') inAngle = false
    if (ch === ',' && !inAngle) {
      if (cur.trim()) parts.push(cur.trim())
      cur = ''
      continue
    }
    cur += ch
  }
  if (cur.trim()) parts.push(cur.trim())
  return parts
}

/** A short one-line summary of an exchange for messages: `POST url → 201` or `POST url → error`. */
export function describeExchange(x: HttpExchange): string {
  return `${x.request.method} ${x.request.url} → ${x.response ? x.response.status : `no response (${x.error ?? 'unknown error'})`}`
}
