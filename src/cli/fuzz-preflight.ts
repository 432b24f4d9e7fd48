/**
 * Before `rtcspec fuzz sip` sends its first mutated message: does anything answer at the URL? A SIP endpoint
 * answers a plain OPTIONS (RFC 3261 §11); over UDP a closed port comes back as ICMP port unreachable
 * (`ECONNREFUSED` on a connected socket), over WebSocket the connection is refused. Without an answer the campaign
 * could only report silence for every case, which says nothing about the endpoint: the command exits 4
 * (infrastructure) with this one-line cause instead, like `rtcspec conformance` and the HTTP fuzz targets do.
 */
import { randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { isIP } from 'node:net'
import WebSocket from 'ws'

/** The outcome of {@link sipPreflight}: reachable, or why not (one line). */
export type SipPreflight = { ok: true } | { ok: false; cause: string }

function options(target: URL, local: { host: string; port: number }, transport: 'UDP' | 'WS'): string {
  const host = target.hostname
  const port = target.port || (transport === 'UDP' ? '5060' : '80')
  const tag = randomBytes(6).toString('hex')
  const lh = local.host.includes(':') ? `[${local.host}]` : local.host
  return [
    `OPTIONS sip:${host}:${port} SIP/2.0`,
    `Via: SIP/2.0/${transport} ${lh}:${local.port};branch=z9hG4bK${tag};rport`,
    'Max-Forwards: 70',
    `From: <sip:rtcspec@${lh}>;tag=${tag}`,
    `To: <sip:${host}:${port}>`,
    `Call-ID: ${tag}@rtcspec.preflight`,
    'CSeq: 1 OPTIONS',
    `Contact: <sip:rtcspec@${lh}:${local.port}>`,
    'Accept: application/sdp',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
}

async function udp(target: URL, timeoutMs: number): Promise<SipPreflight> {
  const host = target.hostname.replace(/^\[|\]$/g, '')
  const port = Number(target.port || 5060)
  const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4')
  try {
    return await new Promise<SipPreflight>((resolve) => {
      const timers: NodeJS.Timeout[] = []
      const done = (r: SipPreflight) => {
        for (const t of timers) clearTimeout(t)
        resolve(r)
      }
      socket.on('error', (e: NodeJS.ErrnoException) =>
        done({ ok: false, cause: `${target.href}: ${e.code === 'ECONNREFUSED' ? 'connection refused (nothing listens on that UDP port)' : e.message}` }),
      )
      socket.on('message', () => done({ ok: true }))
      socket.connect(port, host, () => {
        const text = options(target, { host: socket.address().address, port: socket.address().port }, 'UDP')
        // Retransmitted like a SIP client does over UDP (Timer E: 500 ms, then doubling), within the timeout.
        const send = () => socket.send(text)
        send()
        for (let at = 500, gap = 500; at < timeoutMs; gap *= 2, at += gap) timers.push(setTimeout(send, at))
        timers.push(
          setTimeout(
            () => done({ ok: false, cause: `${target.href}: no answer to a SIP OPTIONS within ${timeoutMs} ms (nothing answers SIP there)` }),
            timeoutMs,
          ),
        )
      })
    })
  } finally {
    socket.close()
  }
}

async function ws(target: URL, timeoutMs: number): Promise<SipPreflight> {
  const socket = new WebSocket(target, 'sip', { handshakeTimeout: timeoutMs })
  try {
    return await new Promise<SipPreflight>((resolve) => {
      socket.on('open', () => resolve({ ok: true }))
      socket.on('unexpected-response', (_req, res) =>
        resolve({ ok: false, cause: `${target.href}: the WebSocket upgrade was answered ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd() }),
      )
      socket.on('error', (e: NodeJS.ErrnoException) =>
        resolve({ ok: false, cause: `${target.href}: ${e.code === 'ECONNREFUSED' ? 'connection refused (nothing listens on that port)' : e.message}` }),
      )
    })
  } finally {
    socket.terminate()
  }
}

/** Whether a SIP endpoint answers at `url` (`udp://`, `ws://`, `wss://`). Never throws; bounded by `timeoutMs`. */
export async function sipPreflight(url: string, timeoutMs = 2000): Promise<SipPreflight> {
  let target: URL
  try {
    target = new URL(url)
  } catch {
    return { ok: false, cause: `${url}: not a URL` }
  }
  if (target.protocol === 'udp:') return udp(target, timeoutMs)
  if (target.protocol === 'ws:' || target.protocol === 'wss:') return ws(target, timeoutMs)
  return { ok: true }
}
