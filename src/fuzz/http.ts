/**
 * The fuzzer's HTTP client: sends exact bytes (including invalid UTF-8), never follows redirects, one
 * fresh connection per request (so a server that kills a socket is seen as `reset`), a hard timeout, and a
 * bounded response body. Network failures come back as `error`, never thrown.
 */
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'

/** One fuzz request. */
export interface FuzzHttpRequest {
  method: string
  url: string
  headers?: Record<string, string>
  body?: Uint8Array
  /** Default 5000 ms. */
  timeoutMs?: number
}

/** What came back: a response, or the failure that replaced it. */
export interface FuzzHttpResult {
  status?: number
  headers?: Record<string, string>
  /** First 64 KiB of the body, as UTF-8. */
  body?: string
  /** `timeout`, `reset` (socket closed or destroyed before a full response), `refused`, or another error code. */
  error?: 'timeout' | 'reset' | 'refused' | (string & {})
  elapsedMs: number
}

const MAX_BODY = 64 * 1024

/** Sends one request; resolves with the response or the classified failure. Never rejects. */
export function fuzzHttp(req: FuzzHttpRequest): Promise<FuzzHttpResult> {
  const started = performance.now()
  const timeoutMs = req.timeoutMs ?? 5000
  return new Promise((resolve) => {
    let done = false
    const finish = (r: Omit<FuzzHttpResult, 'elapsedMs'>): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      resolve({ ...r, elapsedMs: Math.round(performance.now() - started) })
    }
    let url: URL
    try {
      url = new URL(req.url)
    } catch {
      finish({ error: 'bad-url' })
      return
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const headers: Record<string, string | number> = { ...req.headers }
    if (req.body !== undefined) headers['content-length'] = req.body.byteLength
    const r = send(url, { method: req.method, headers, agent: false, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (c: Buffer) => {
        if (size < MAX_BODY) chunks.push(c.subarray(0, MAX_BODY - size))
        size += c.length
      })
      res.on('end', () => {
        const h: Record<string, string> = {}
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v
        finish({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks).toString('utf8') })
      })
      res.on('error', () => finish({ error: 'reset', status: res.statusCode ?? 0 }))
      res.on('aborted', () => finish({ error: 'reset', status: res.statusCode ?? 0 }))
    })
    const timer = setTimeout(() => {
      finish({ error: 'timeout' })
      r.destroy()
    }, timeoutMs)
    r.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? ''
      finish({ error: code === 'ECONNREFUSED' ? 'refused' : code === 'ECONNRESET' || /hang up/.test(e.message) ? 'reset' : code || e.message })
    })
    r.end(req.body === undefined ? undefined : Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength))
  })
}

/** Resolves a `Location` header against the request URL. */
export function resolveLocation(base: string, location: string | undefined): string | undefined {
  if (!location) return undefined
  try {
    return new URL(location, base).toString()
  } catch {
    return undefined
  }
}
