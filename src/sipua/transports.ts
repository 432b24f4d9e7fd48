/**
 * SIP transports for sip.js user agents, each logging every message and handing malformed ones to the
 * user agent instead of letting sip.js drop them silently:
 * - `ws`: RFC 7118 over sip.js's own WebSocket transport, wrapped: Node's global WebSocket for `ws:`, and for
 *   `wss:` a WebSocket class from the `ws` package bound to this transport's TLS options (`ca`,
 *   `rejectUnauthorized`), so a test CA is trusted per connection and verification stays on everywhere else;
 * - `udp`: our own socket with the RFC 3261 retransmission timers (see retransmit.ts); without a fixed
 *   remote it answers whoever sent the last message (for incoming calls from sipp and the like);
 * - `tcp`: our own connection with Content-Length framing (RFC 3261 §18.3).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { connect as tcpConnect, type Socket as TcpSocket } from 'node:net'
import { EmitterImpl, TransportState, Web, type Transport } from 'sip.js'
import { WebSocket as TlsCapableWebSocket, type ClientOptions as WsClientOptions } from 'ws'
import { RtcspecError } from '../errors.ts'
import { nextFramedMessage } from '../sip/index.ts'
import { assertLoopback } from '../net/loopback.ts'
import { Retransmitter, type RetransmitCounters, type SipTimers } from './retransmit.ts'
import type { LoggedSipMessage, SipLog } from './sip-log.ts'

/** Which transport a user agent uses, and where to. */
export type SipTransportSpec =
  | {
      kind: 'ws'
      /** `ws://` or `wss://` (RFC 7118), loopback only. */
      url: string
      /** `wss:` only: the CA certificate(s) (PEM) to trust for this connection, e.g. `registrar.ca`. */
      ca?: string | Buffer
      /** `wss:` only: verify the server's certificate. Default true; false turns it off for this connection only. */
      rejectUnauthorized?: boolean
    }
  | { kind: 'udp'; remote?: { host: string; port: number }; timers?: Partial<SipTimers> }
  | { kind: 'tcp'; remote: { host: string; port: number } }

/** What a transport reports to the user agent that owns it. */
export interface TransportHooks {
  log: SipLog
  /** A message arrived that does not parse as SIP. */
  onMalformed(entry: LoggedSipMessage): void
}

/** The local address of a transport, once connected. */
export interface LocalTransportInfo {
  protocol: string
  host: string
  port: number
  retransmissions?: RetransmitCounters
}

type SipJsTransportClass = new (logger: unknown, options: unknown) => Transport & { readonly local: LocalTransportInfo | undefined }

abstract class BaseTransport implements Transport {
  abstract readonly protocol: string
  state: TransportState = TransportState.Disconnected
  readonly stateChange = new EmitterImpl<TransportState>()
  onConnect: (() => void) | undefined
  onDisconnect: ((error?: Error) => void) | undefined
  onMessage: ((message: string) => void) | undefined
  protected readonly hooks: TransportHooks
  protected retransmitter: Retransmitter | undefined

  constructor(hooks: TransportHooks) {
    this.hooks = hooks
  }

  abstract get local(): LocalTransportInfo | undefined
  protected abstract open(): Promise<void>
  protected abstract write(text: string): void
  protected abstract shut(): Promise<void>
  protected abstract get remoteLabel(): string

  #transition(s: TransportState): void {
    if (this.state === s) return
    this.state = s
    this.stateChange.emit(s)
  }

  isConnected(): boolean {
    return this.state === TransportState.Connected
  }

  async connect(): Promise<void> {
    if (this.state === TransportState.Connected) return
    this.#transition(TransportState.Connecting)
    try {
      await this.open()
    } catch (e) {
      this.#transition(TransportState.Disconnected)
      throw e
    }
    this.#transition(TransportState.Connected)
    this.onConnect?.()
  }

  async disconnect(): Promise<void> {
    if (this.state === TransportState.Disconnected) return
    this.#transition(TransportState.Disconnecting)
    this.retransmitter?.clear()
    await this.shut()
    this.#transition(TransportState.Disconnected)
    this.onDisconnect?.()
  }

  async dispose(): Promise<void> {
    await this.disconnect()
  }

  async send(message: string): Promise<void> {
    if (this.state !== TransportState.Connected) throw new RtcspecError('SIP_TRANSPORT', `${this.protocol} transport is not connected; cannot send ${message.split('\r\n')[0]}`)
    this.hooks.log.add('out', this.protocol, this.remoteLabel, message)
    this.write(message)
    this.retransmitter?.sent(message)
  }

  /** Logs a received message; hands SIP to sip.js and malformed text to the user agent. */
  protected deliver(text: string, remote = this.remoteLabel): void {
    const entry = this.hooks.log.add('in', this.protocol, remote, text)
    if (entry.summary === 'keep-alive') return
    if (entry.error) return this.hooks.onMalformed(entry)
    this.retransmitter?.received(text)
    this.onMessage?.(text)
  }
}

class UdpTransport extends BaseTransport {
  readonly protocol = 'UDP'
  #socket: UdpSocket | undefined
  #remote: { host: string; port: number } | undefined
  readonly #spec: Extract<SipTransportSpec, { kind: 'udp' }>

  constructor(hooks: TransportHooks, spec: Extract<SipTransportSpec, { kind: 'udp' }>) {
    super(hooks)
    this.#spec = spec
    this.#remote = spec.remote
    if (spec.remote) assertLoopback(spec.remote.host, 'SIP UDP remote')
    this.retransmitter = new Retransmitter((text) => this.write(text), spec.timers)
  }

  get local(): LocalTransportInfo | undefined {
    const a = this.#socket?.address()
    return a ? { protocol: 'UDP', host: a.address, port: a.port, retransmissions: this.retransmitter!.counters } : undefined
  }

  protected get remoteLabel(): string {
    return this.#remote ? `${this.#remote.host}:${this.#remote.port}` : '(nobody yet)'
  }

  protected async open(): Promise<void> {
    if (this.#socket) return
    const sock = createSocket('udp4')
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject)
      sock.bind(0, '127.0.0.1', () => resolve())
    })
    sock.on('error', () => {})
    sock.on('message', (buf, rinfo) => {
      if (!this.#spec.remote) this.#remote = { host: rinfo.address, port: rinfo.port }
      this.deliver(buf.toString('utf8'), `${rinfo.address}:${rinfo.port}`)
    })
    this.#socket = sock
  }

  protected write(text: string): void {
    if (!this.#remote) throw new RtcspecError('SIP_TRANSPORT', 'UDP transport has no remote to send to yet', { hint: 'give transport.remote, or wait for the far end to send first' })
    this.#socket?.send(text, this.#remote.port, this.#remote.host)
  }

  protected async shut(): Promise<void> {
    const s = this.#socket
    this.#socket = undefined
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
  }
}

class TcpTransport extends BaseTransport {
  readonly protocol = 'TCP'
  #socket: TcpSocket | undefined
  readonly #remote: { host: string; port: number }

  constructor(hooks: TransportHooks, spec: Extract<SipTransportSpec, { kind: 'tcp' }>) {
    super(hooks)
    assertLoopback(spec.remote.host, 'SIP TCP remote')
    this.#remote = spec.remote
  }

  get local(): LocalTransportInfo | undefined {
    const s = this.#socket
    return s?.localPort ? { protocol: 'TCP', host: s.localAddress ?? '127.0.0.1', port: s.localPort } : undefined
  }

  protected get remoteLabel(): string {
    return `${this.#remote.host}:${this.#remote.port}`
  }

  protected async open(): Promise<void> {
    const socket = tcpConnect({ host: this.#remote.host, port: this.#remote.port })
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (e) => reject(new RtcspecError('SIP_TRANSPORT', `TCP connect to ${this.remoteLabel} failed: ${e.message}`)))
      socket.once('connect', () => resolve())
    })
    socket.setNoDelay(true)
    let buffer: Uint8Array = new Uint8Array(0)
    socket.on('data', (d: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, d]) : d
      for (let guard = 0; guard < 1000; guard++) {
        let framed
        try {
          framed = nextFramedMessage(buffer)
        } catch (e) {
          const entry = this.hooks.log.add('in', 'TCP', this.remoteLabel, Buffer.from(buffer).toString('utf8'))
          entry.error ??= (e as Error).message
          this.hooks.onMalformed(entry)
          buffer = new Uint8Array(0)
          return
        }
        if (!framed) return
        buffer = framed.rest
        this.deliver(Buffer.from(framed.message).toString('utf8'))
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      if (this.state === TransportState.Connected) void this.disconnect()
    })
    this.#socket = socket
  }

  protected write(text: string): void {
    this.#socket?.write(text)
  }

  protected async shut(): Promise<void> {
    const s = this.#socket
    this.#socket = undefined
    s?.destroy()
  }
}

/** TLS errors a client reports when it does not trust the server's certificate. */
const UNTRUSTED_CERT = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME/

/**
 * A WebSocket class (browser-style constructor `(url, protocols)`) that opens every connection with `options`,
 * for sip.js's transport, which constructs `WebSocket` itself. `onError` sees the underlying error (the
 * browser-style error event sip.js listens to carries no reason).
 */
function boundWebSocketClass(options: WsClientOptions, onCreated: () => void, onError: (e: Error) => void): typeof TlsCapableWebSocket {
  return class BoundWebSocket extends TlsCapableWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, options)
      onCreated()
      this.on('error', onError)
    }
  } as unknown as typeof TlsCapableWebSocket
}

/** Wraps sip.js's WebSocket transport so its messages are logged and malformed ones reported. */
class WsTransport implements Transport {
  readonly #inner: Web.Transport
  readonly #hooks: TransportHooks
  readonly #url: string
  readonly #socketClass: typeof TlsCapableWebSocket | undefined
  #socketsCreated = 0
  #lastError: (Error & { code?: string }) | undefined
  #onMessage: ((message: string) => void) | undefined

  constructor(hooks: TransportHooks, spec: Extract<SipTransportSpec, { kind: 'ws' }>, logger: unknown) {
    this.#hooks = hooks
    this.#url = spec.url
    const url = new URL(spec.url)
    const host = url.hostname.replace(/^\[|\]$/g, '')
    assertLoopback(host, 'SIP WebSocket server')
    if (url.protocol === 'wss:') {
      const tls: WsClientOptions = { rejectUnauthorized: spec.rejectUnauthorized ?? true, ...(spec.ca !== undefined ? { ca: spec.ca } : {}) }
      this.#socketClass = boundWebSocketClass(tls, () => this.#socketsCreated++, (e) => (this.#lastError = e))
    } else if (spec.ca !== undefined || spec.rejectUnauthorized !== undefined) {
      throw new RtcspecError('SIP_TRANSPORT', `transport.ca / rejectUnauthorized apply to wss:// URLs, but the URL is ${spec.url}`, { hint: 'use the wss:// URL (registrar.wssUrl) or drop ca' })
    }
    this.#inner = new Web.Transport(logger as ConstructorParameters<typeof Web.Transport>[0], { server: spec.url, connectionTimeout: 5, keepAliveInterval: 0 })
    this.#inner.onMessage = (text) => {
      const entry = this.#hooks.log.add('in', this.protocol, this.#url, text)
      if (entry.summary === 'keep-alive') return
      if (entry.error) return this.#hooks.onMalformed(entry)
      this.#onMessage?.(text)
    }
  }

  get local(): LocalTransportInfo | undefined {
    return { protocol: this.protocol, host: '127.0.0.1', port: 0 }
  }

  get protocol(): string {
    return this.#inner.protocol
  }
  get state(): TransportState {
    return this.#inner.state
  }
  get stateChange() {
    return this.#inner.stateChange
  }
  get onConnect() {
    return this.#inner.onConnect
  }
  set onConnect(f) {
    this.#inner.onConnect = f
  }
  get onDisconnect() {
    return this.#inner.onDisconnect
  }
  set onDisconnect(f) {
    this.#inner.onDisconnect = f
  }
  get onMessage() {
    return this.#onMessage
  }
  set onMessage(f) {
    this.#onMessage = f
  }
  connect(): Promise<void> {
    if (!this.#socketClass) return this.#inner.connect()
    // sip.js constructs the global `WebSocket` synchronously inside connect(); lend it ours for that call only.
    const g = globalThis as { WebSocket?: unknown }
    const saved = g.WebSocket
    const before = this.#socketsCreated
    const wasDisconnected = this.#inner.state === TransportState.Disconnected
    let connecting: Promise<void>
    g.WebSocket = this.#socketClass
    try {
      connecting = this.#inner.connect()
    } finally {
      g.WebSocket = saved
    }
    if (wasDisconnected && this.#socketsCreated === before) {
      return Promise.reject(new RtcspecError('SIP_TRANSPORT', 'sip.js did not construct its WebSocket during connect(); the wss: transport cannot apply its TLS options', { hint: 'sip.js changed how it opens WebSockets; see src/sipua/transports.ts' }))
    }
    this.#lastError = undefined
    return connecting.catch((e: unknown) => {
      throw this.#explain(e)
    })
  }

  /** Turns sip.js's "WebSocket closed (code: 1006)" into the reason, with the fix for untrusted certificates. */
  #explain(e: unknown): Error {
    const cause = this.#lastError
    if (!cause) return e instanceof Error ? e : new Error(String(e))
    if (UNTRUSTED_CERT.test(cause.code ?? '') || UNTRUSTED_CERT.test(cause.message)) {
      return new RtcspecError('SIP_TLS', `TLS: ${this.#url} presented a certificate this client does not trust (${cause.code ?? 'error'}: ${cause.message})`, {
        hint: "pass the CA that issued the server's certificate as transport.ca — for the embedded registrar { kind: 'ws', url: registrar.wssUrl, ca: registrar.ca } — (rejectUnauthorized: false would skip verification for this connection only)",
        cause,
      })
    }
    return new RtcspecError('SIP_TRANSPORT', `WebSocket connection to ${this.#url} failed: ${cause.message}`, { cause })
  }
  disconnect(): Promise<void> {
    return this.#inner.disconnect()
  }
  dispose(): Promise<void> {
    return this.#inner.dispose()
  }
  isConnected(): boolean {
    return this.#inner.isConnected()
  }
  async send(message: string): Promise<void> {
    this.#hooks.log.add('out', this.protocol, this.#url, message)
    await this.#inner.send(message)
  }
}

/** Builds the sip.js `transportConstructor` for a spec; every instance logs to `hooks.log`. */
export function transportConstructor(spec: SipTransportSpec, hooks: TransportHooks): SipJsTransportClass {
  return class {
    constructor(logger: unknown) {
      if (spec.kind === 'udp') return new UdpTransport(hooks, spec)
      if (spec.kind === 'tcp') return new TcpTransport(hooks, spec)
      return new WsTransport(hooks, spec, logger)
    }
  } as unknown as SipJsTransportClass
}
