/**
 * A minimal WebSocket server (RFC 6455) for the embedded SIP registrar's RFC 7118 transport: the opening
 * handshake with the `sip` subprotocol, text messages (with fragmentation), ping/pong and close, over plain
 * TCP (`ws:`) or TLS (`wss:`, with `tls: { cert, key }`). Loopback only, port from the OS. Written before
 * the project depended on a WebSocket package; clients use Node's global `WebSocket` (`ws:`) or the `ws`
 * package with a per-connection CA (`wss:`, see transports.ts).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import { createHash, randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import { RtcspecError } from '../errors.ts'

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
/** Largest message accepted from a client. */
export const WS_MAX_MESSAGE_BYTES = 1 << 20

/** One accepted WebSocket connection. */
export interface WsConnection {
  readonly id: string
  /** `address:port` of the client. */
  readonly remote: string
  readonly open: boolean
  send(text: string): void
  close(code?: number, reason?: string): void
  onText(listener: (text: string) => void): void
  onClose(listener: () => void): void
}

/** A running WebSocket server. */
export interface WsServer extends AsyncDisposable {
  /** `ws://127.0.0.1:<port>`, or `wss://…` with TLS. */
  readonly url: string
  readonly port: number
  readonly connections: ReadonlySet<WsConnection>
  close(): Promise<void>
}

/** Options of {@link startWsServer}. */
export interface WsServerOptions {
  host?: string
  /** Port to listen on (default: one the OS chooses). */
  port?: number | undefined
  /** Subprotocol to select when the client offers it (RFC 7118: `sip`). */
  protocol?: string
  /** Serve TLS (`wss:`) with this certificate chain and key (PEM). */
  tls?: { cert: string; key: string }
  onConnection(connection: WsConnection): void
}

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length
  const header = len < 126 ? Buffer.alloc(2) : len < 0x10000 ? Buffer.alloc(4) : Buffer.alloc(10)
  header[0] = 0x80 | opcode
  if (len < 126) header[1] = len
  else if (len < 0x10000) {
    header[1] = 126
    header.writeUInt16BE(len, 2)
  } else {
    header[1] = 127
    header.writeBigUInt64BE(BigInt(len), 2)
  }
  return Buffer.concat([header, payload])
}

class Connection implements WsConnection {
  readonly id = randomUUID()
  readonly remote: string
  open = true
  readonly #socket: Socket
  #buffer: Buffer = Buffer.alloc(0)
  #fragments: Buffer[] = []
  #fragmentBytes = 0
  readonly #textListeners: Array<(t: string) => void> = []
  readonly #closeListeners: Array<() => void> = []

  constructor(socket: Socket) {
    this.#socket = socket
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`
    socket.on('data', (d: Buffer) => this.#onData(d))
    socket.on('close', () => this.#closed())
    socket.on('error', () => this.#closed())
  }

  send(text: string): void {
    if (this.open) this.#socket.write(frame(0x1, Buffer.from(text, 'utf8')))
  }

  close(code = 1000, reason = ''): void {
    if (!this.open) return
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason))
    payload.writeUInt16BE(code, 0)
    payload.write(reason, 2)
    this.#socket.end(frame(0x8, payload))
    this.#closed()
  }

  /** Drops the TCP connection without a close handshake. */
  destroy(): void {
    this.#socket.destroy()
    this.#closed()
  }

  onText(listener: (text: string) => void): void {
    this.#textListeners.push(listener)
  }

  onClose(listener: () => void): void {
    this.#closeListeners.push(listener)
  }

  #closed(): void {
    if (!this.open) return
    this.open = false
    for (const l of this.#closeListeners.splice(0)) l()
  }

  #onData(data: Buffer): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, data]) : data
    for (let guard = 0; guard < 10_000 && this.open; guard++) {
      const b = this.#buffer
      if (b.length < 2) return
      const fin = (b[0]! & 0x80) !== 0
      const opcode = b[0]! & 0x0f
      const masked = (b[1]! & 0x80) !== 0
      let len = b[1]! & 0x7f
      let offset = 2
      if (len === 126) {
        if (b.length < 4) return
        len = b.readUInt16BE(2)
        offset = 4
      } else if (len === 127) {
        if (b.length < 10) return
        const big = b.readBigUInt64BE(2)
        if (big > BigInt(WS_MAX_MESSAGE_BYTES)) return this.close(1009, 'message too big')
        len = Number(big)
        offset = 10
      }
      if (!masked) return this.close(1002, 'client frames must be masked')
      if (len > WS_MAX_MESSAGE_BYTES) return this.close(1009, 'message too big')
      if (b.length < offset + 4 + len) return
      const mask = b.subarray(offset, offset + 4)
      const payload = Buffer.from(b.subarray(offset + 4, offset + 4 + len))
      for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i & 3]!
      this.#buffer = b.subarray(offset + 4 + len)
      this.#onFrame(fin, opcode, payload)
    }
  }

  #onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === 0x8) return this.close(1000)
    if (opcode === 0x9) {
      this.#socket.write(frame(0xa, payload))
      return
    }
    if (opcode === 0xa) return
    if (opcode === 0x1 || opcode === 0x2 || opcode === 0x0) {
      this.#fragments.push(payload)
      this.#fragmentBytes += payload.length
      if (this.#fragmentBytes > WS_MAX_MESSAGE_BYTES) return this.close(1009, 'message too big')
      if (!fin) return
      const text = Buffer.concat(this.#fragments).toString('utf8')
      this.#fragments = []
      this.#fragmentBytes = 0
      for (const l of this.#textListeners) l(text)
      return
    }
    this.close(1002, `unknown opcode ${opcode}`)
  }
}

/** Starts a WebSocket server on an OS-assigned loopback port. Dispose it to close every connection. */
export async function startWsServer(options: WsServerOptions): Promise<WsServer> {
  const host = options.host ?? '127.0.0.1'
  const connections = new Set<Connection>()
  const onRequest = (_req: IncomingMessage, res: import('node:http').ServerResponse) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('this endpoint speaks WebSocket (RFC 7118 SIP) only\n')
  }
  const server: Server = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : createServer(onRequest)
  // A client that rejects our certificate aborts the handshake; that is the client's diagnosis, not ours.
  server.on('tlsClientError', () => {})
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    const key = req.headers['sec-websocket-key']
    if (req.headers.upgrade?.toLowerCase() !== 'websocket' || typeof key !== 'string' || req.headers['sec-websocket-version'] !== '13') {
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n')
      return
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((s) => s.trim())
    const protocol = options.protocol && offered.includes(options.protocol) ? options.protocol : undefined
    const accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64')
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : ''}\r\n`,
    )
    socket.setNoDelay(true)
    const c = new Connection(socket)
    connections.add(c)
    c.onClose(() => connections.delete(c))
    options.onConnection(c)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new RtcspecError('WS_LISTEN', `WebSocket server could not listen on ${host}: ${e.message}`)))
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    for (const c of connections) c.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return {
    url: `${options.tls ? 'wss' : 'ws'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    connections,
    close,
    [Symbol.asyncDispose]: close,
  }
}
