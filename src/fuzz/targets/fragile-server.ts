/**
 * A deliberately fragile WHIP-like HTTP endpoint, to show the fuzzer finds and shrinks real crashes.
 * It behaves like a lenient endpoint (415 for a wrong Content-Type, 400 for text that is not SDP, 201 with
 * an answer and a Location otherwise, 200 on DELETE) except for one bug: an `a=rtpmap` line whose payload
 * type is outside 0..127 makes its handler index past a 128-entry table and crash, and the crash destroys
 * the connection (a "dropped connection" to the client). Loopback only, port from the OS, disposable.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A running fragile server. */
export interface FragileServer extends AsyncDisposable {
  /** POST offers here, e.g. `http://127.0.0.1:PORT/whip`. */
  url: string
  /** Requests that crashed the handler so far. */
  readonly crashes: number
  close(): Promise<void>
}

interface Codec {
  name: string
}

function handleOffer(sdp: string): string {
  // The "codec table": 128 slots for RTP payload types 0..127.
  const table: Codec[] = Array.from({ length: 128 }, () => ({ name: '' }))
  const used: number[] = []
  for (const line of sdp.split(/\r?\n/)) {
    const m = /^a=rtpmap:(-?\d+) ([^/\s]+)/.exec(line)
    if (!m) continue
    const pt = Number(m[1])
    // The bug: no bounds check. A payload type outside 0..127 reads past the table: TypeError.
    ;(table[pt] as Codec).name = m[2] ?? ''
    used.push(pt)
  }
  const audio = used[0] ?? -1
  return `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF ${Math.max(audio, 0)}\r\nc=IN IP4 127.0.0.1\r\na=recvonly\r\n`
}

/** Starts the fragile server on 127.0.0.1 with an OS-assigned port. */
export async function startFragileServer(): Promise<FragileServer> {
  let crashes = 0
  let nextId = 1
  const resources = new Set<string>()
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size <= 2 * 1024 * 1024) chunks.push(c)
    })
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      if (req.method === 'DELETE' && resources.delete(path)) return void res.writeHead(200).end()
      if (req.method !== 'POST' || path !== '/whip') return void res.writeHead(req.method === 'POST' || req.method === 'DELETE' ? 404 : 405).end()
      if (size > 2 * 1024 * 1024) return void res.writeHead(413).end()
      if (!/^application\/sdp\b/i.test(req.headers['content-type'] ?? '')) return void res.writeHead(415).end()
      const sdp = Buffer.concat(chunks).toString('utf8')
      if (!sdp.startsWith('v=0')) return void res.writeHead(400, { 'content-type': 'text/plain' }).end('not an SDP offer')
      let answer: string
      try {
        answer = handleOffer(sdp)
      } catch {
        crashes++
        req.socket.destroy() // the worker "crashed": the client sees the connection drop
        return
      }
      const location = `/whip/resource/${nextId++}`
      resources.add(location)
      res.writeHead(201, { 'content-type': 'application/sdp', location }).end(answer)
    })
  }
  const server = createServer(onRequest)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
    return closing
  }
  return {
    url: `http://127.0.0.1:${port}/whip`,
    get crashes() {
      return crashes
    },
    close,
    [Symbol.asyncDispose]: close,
  }
}
