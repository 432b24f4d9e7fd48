/**
 * SIP transports for sip.js user agents, each logging every message and handing malformed ones to the
 * user agent instead of letting sip.js drop them silently:
 * - `ws`: RFC 7118 over sip.js's own WebSocket transport, wrapped: Node's global WebSocket for `ws:`, and for
 *   `wss:` a WebSocket class from the `ws` package bound to this transport's TLS options (`ca`,
 *   `rejectUnauthorized`), so a test CA is trusted per connection and verification stays on everywhere else;
 * - `udp`: our own socket with the RFC 3261 retransmission timers (see retransmit.ts);
 * - `tcp`: our own listener and connections with Content-Length framing (RFC 3261 §18.3).
 *
 * UDP and TCP address messages as RFC 3261 says, never by "whoever sent last": a response goes to its top
 * Via (`received`/`rport`, §18.2.2, RFC 3581; over TCP on the connection the request came on), a request to
 * its first Route hop, else — when the UA has a fixed `remote` (an outbound proxy, §8.1.2) and the request
 * starts a dialog or its target is no IP address — to the remote, else to its Request-URI (the dialog's
 * remote target, §12.2). CANCEL and the ACK of a non-2xx answer follow their INVITE (§9.1, §17.1.1.3).
 * Received requests get `received`/`rport` stamped into their top Via; Via and Contact carry the real
 * listening address (see addressing.ts). Requests that cannot be handed on are answered statelessly
 * (400, 505, 420 — see src/sip/validate.ts) and recorded as malformed.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { connect as tcpConnect, createServer, isIP, type Server as TcpServer, type Socket as TcpSocket } from 'node:net'
import { EmitterImpl, TransportState, Web, type Transport } from 'sip.js'
import { WebSocket as TlsCapableWebSocket, type ClientOptions as WsClientOptions } from 'ws'
import { RtcspecError } from '../errors.ts'
import {
  checkIncomingRequest,
  getHeader,
  getHeaders,
  isIpLiteral,
  SipStreamDecoder,
  parseVia,
  readAnswerableRequest,
  requestHop,
  responseHop,
  safeParseSipMessage,
  serializeSipMessage,
  stampVia,
  statelessResponse,
  type SipHop,
  type SipMessage,
  type SipRequest,
} from '../sip/index.ts'
import { isLoopbackAddress } from '../net/loopback.ts'
import { bindAddressFor, localAddressToward, resolveSipHost, unbracket } from './resolve.ts'
import { AddressStamper, type AdvertisedAddress } from './addressing.ts'
import { Retransmitter, type RetransmitCounters, type SipTimers } from './retransmit.ts'
import type { LoggedSipMessage, SipLog } from './sip-log.ts'
import { topViaOf } from './top-via.ts'

/** A host and/or port to advertise instead of the listening address. */
export interface AddressOverride {
  host?: string
  port?: number
}

/** Which transport a user agent uses, and where to. */
export type SipTransportSpec =
  | {
      kind: 'ws'
      /** `ws://` or `wss://` (RFC 7118); the host may be a name (resolved when the transport connects). */
      url: string
      /** `wss:` only: the CA certificate(s) (PEM) to trust for this connection, e.g. `registrar.ca`. */
      ca?: string | Buffer
      /** `wss:` only: verify the server's certificate. Default true; false turns it off for this connection only. */
      rejectUnauthorized?: boolean
    }
  | { kind: 'udp'; remote?: { host: string; port: number }; timers?: Partial<SipTimers>; contact?: AddressOverride; via?: AddressOverride }
  | { kind: 'tcp'; remote?: { host: string; port: number }; contact?: AddressOverride; via?: AddressOverride }

/** What a transport reports to the user agent that owns it. */
export interface TransportHooks {
  log: SipLog
  /** A message arrived that does not parse as SIP, or a request was refused as malformed (`answered` with 400/505). */
  onMalformed(entry: LoggedSipMessage, answered: boolean): void
  /** Option tags the user agent implements, lower-case (a `Require` naming others is answered 420). Default none. */
  supported?: readonly string[]
}

/** The local address of a transport, once connected. */
export interface LocalTransportInfo {
  protocol: string
  host: string
  port: number
  retransmissions?: RetransmitCounters
}

/** The host sip.js writes into Via and Contact for UDP/TCP user agents (its `viaHost`). */
export function sipJsViaHost(spec: SipTransportSpec): string {
  return spec.kind === 'ws' ? '' : (spec.via?.host ?? LOOPBACK)
}

type SipJsTransportClass = new (logger: unknown, options: unknown) => Transport & { readonly local: LocalTransportInfo | undefined }

const LOOPBACK = '127.0.0.1'
/** Most INVITE branches remembered for their CANCEL / non-2xx ACK (oldest forgotten first). */
const MAX_REMEMBERED = 10_000

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.set(key, value)
  if (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value as K)
}

function branchOf(message: SipMessage): string | undefined {
  return topViaOf(message)?.params.branch
}

/** A UDP or TCP transport: RFC 3261 addressing, logging, stateless answers to bad requests. */
abstract class SocketTransport implements Transport {
  abstract readonly protocol: 'UDP' | 'TCP'
  state: TransportState = TransportState.Disconnected
  readonly stateChange = new EmitterImpl<TransportState>()
  onConnect: (() => void) | undefined
  onDisconnect: ((error?: Error) => void) | undefined
  onMessage: ((message: string) => void) | undefined
  protected readonly hooks: TransportHooks
  protected retransmitter: Retransmitter | undefined
  /** The remote as an IP address (its host name resolved when the transport connects). */
  protected remote: { host: string; port: number } | undefined
  /** The remote as given (host name or IP literal). */
  readonly #remoteGiven: { host: string; port: number } | undefined
  /** Where sockets bind: loopback, unless the remote is elsewhere (then the wildcard). */
  protected bindHost = LOOPBACK
  /** The address advertised in Via/Contact when bound to the wildcard: the interface toward the remote. */
  #advertiseHost: string | undefined
  readonly #overrides: { contact?: AddressOverride; via?: AddressOverride }
  readonly #sipJsHost: string
  #stamper: AddressStamper | undefined
  readonly #inviteHops = new Map<string, SipHop>()

  constructor(hooks: TransportHooks, spec: Extract<SipTransportSpec, { kind: 'udp' | 'tcp' }>) {
    this.hooks = hooks
    this.remote = spec.remote
    this.#remoteGiven = spec.remote
    this.#overrides = { ...(spec.contact ? { contact: spec.contact } : {}), ...(spec.via ? { via: spec.via } : {}) }
    this.#sipJsHost = sipJsViaHost(spec)
  }

  abstract get local(): LocalTransportInfo | undefined
  protected abstract open(): Promise<void>
  /** Sends `text` to `hop`; `message` is it parsed (a response over TCP goes on the connection its request came on). */
  protected abstract write(text: string, hop: SipHop, message: SipMessage): Promise<void>
  protected abstract shut(): Promise<void>

  /** What this transport writes into Via and Contact. */
  get advertised(): { via: AdvertisedAddress; contact: AdvertisedAddress } | undefined {
    const a = this.#stamper?.advertisement
    return a ? { via: { ...a.via }, contact: { ...a.contact } } : undefined
  }

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
      if (this.#remoteGiven) {
        const ip = await resolveSipHost(this.#remoteGiven.host, `SIP ${this.protocol} remote`)
        this.remote = { host: ip, port: this.#remoteGiven.port }
        this.bindHost = bindAddressFor(ip)
        this.#advertiseHost = isLoopbackAddress(ip) ? undefined : await localAddressToward(ip)
      }
      await this.open()
    } catch (e) {
      this.#transition(TransportState.Disconnected)
      throw e
    }
    const local = this.local!
    const o = this.#overrides
    const host = this.#advertiseHost ?? local.host
    this.#stamper = new AddressStamper({
      sipJsHost: this.#sipJsHost,
      via: { host: o.via?.host ?? host, port: o.via?.port ?? local.port },
      contact: { host: o.contact?.host ?? o.via?.host ?? host, port: o.contact?.port ?? o.via?.port ?? local.port },
    })
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
    if (this.state !== TransportState.Connected)
      throw new RtcspecError('SIP_TRANSPORT', `${this.protocol} transport is not connected; cannot send ${message.split('\r\n')[0]}`)
    const isRequest = !message.startsWith('SIP/')
    const text = this.#stamper!.outgoing(message, isRequest)
    const r = safeParseSipMessage(text)
    if (!r.ok) throw new RtcspecError('SIP_TRANSPORT', `refusing to send a malformed message: ${r.error.message}`)
    const hop = await this.#destination(r.value)
    this.hooks.log.add('out', this.protocol, `${hop.host}:${hop.port}`, text, r.value)
    await this.write(text, hop, r.value)
    this.retransmitter?.sent(text, r.value, hop)
  }

  /** Where a message goes (see the module comment), host names resolved. Throws naming the message when there is nowhere. */
  async #destination(m: SipMessage): Promise<SipHop> {
    if (m.kind === 'response') {
      // parseVia again when the top Via does not parse: its ParseError says why the response cannot go out
      const hop = responseHop(topViaOf(m) ?? parseVia(getHeaders(m, 'via')[0]!))
      return isIpLiteral(hop.host) ? hop : { ...hop, host: await resolveSipHost(hop.host, `SIP ${m.status} response destination`) }
    }
    const branch = branchOf(m)
    if ((m.method === 'ACK' || m.method === 'CANCEL') && branch !== undefined) {
      const hop = this.#inviteHops.get(branch)
      if (hop) return hop
    }
    const routes = getHeaders(m, 'route')
    let hop: SipHop
    if (routes.length) hop = requestHop(m.uri, routes)
    else {
      const target = requestHop(m.uri, [])
      const inDialog = /;\s*tag=/i.test(getHeader(m, 'to') ?? '')
      if (this.remote && (!inDialog || !isIpLiteral(target.host))) hop = { ...this.remote, transport: undefined }
      else hop = target
    }
    if (!isIpLiteral(hop.host))
      hop = { ...hop, host: await resolveSipHost(hop.host, `SIP ${m.method} ${m.uri} destination (no transport.remote, so its Route or Request-URI host)`) }
    if (m.method === 'INVITE' && branch !== undefined) remember(this.#inviteHops, branch, hop)
    return hop
  }

  /**
   * Handles received text from `source`: logs it; hands SIP to sip.js, with `received`/`rport` stamped into a
   * request's top Via; answers or records what cannot go on. `reply` sends a stateless answer back.
   */
  protected receive(
    text: string,
    source: { host: string; port: number },
    reply: (text: string, hop: SipHop) => void,
    onRequest?: (request: SipRequest) => void,
  ): void {
    const entry = this.hooks.log.add('in', this.protocol, `${source.host}:${source.port}`, text)
    if (entry.summary === 'keep-alive') return
    const m = entry.parsed
    if (!m) {
      const request = readAnswerableRequest(text)
      const answered =
        !!request && request.method !== 'ACK' && this.#answer(request, source, 400, `Bad Request (${entry.summary.replace(/^malformed: /, '')})`, [], reply)
      return this.hooks.onMalformed(entry, answered)
    }
    if (m.kind === 'request') {
      onRequest?.(m)
      const rejection = checkIncomingRequest(m, this.hooks.supported ?? [])
      if (rejection) {
        if (rejection.status !== 420) {
          entry.error = rejection.reason
          entry.summary = `malformed: ${entry.summary}: ${rejection.reason}`
        }
        const answered = m.method !== 'ACK' && this.#answer(m, source, rejection.status, rejection.reason, rejection.headers, reply)
        if (rejection.status !== 420) this.hooks.onMalformed(entry, answered)
        return
      }
      const via = getHeaders(m, 'via')[0]!
      const stamped = stampVia(via, source)
      this.retransmitter?.received(text, m)
      this.onMessage?.(stamped === via ? text : text.replace(via, stamped))
      return
    }
    this.retransmitter?.received(text, m)
    this.onMessage?.(this.#stamper ? this.#stamper.incomingResponse(text) : text)
  }

  /** Sends a stateless answer; false when the request has no usable Via. */
  #answer(
    request: SipRequest,
    source: { host: string; port: number },
    status: number,
    reason: string,
    extra: Array<{ name: string; value: string }>,
    reply: (text: string, hop: SipHop) => void,
  ): boolean {
    const via = getHeaders(request, 'via')[0]
    if (via === undefined) return false
    let hop: SipHop
    let stamped: string
    try {
      stamped = stampVia(via, source)
      hop = responseHop(parseVia(stamped))
      if (!isIpLiteral(hop.host)) return false
    } catch {
      return false
    }
    const withVia: SipRequest = {
      ...request,
      headers: request.headers.map((h) => (h.value === via && /^(via|v)$/i.test(h.name) ? { ...h, value: stamped } : h)),
    }
    const text = serializeSipMessage(statelessResponse(withVia, status, reason, { toTag: Math.random().toString(36).slice(2, 12), extra, server: 'rtcspec' }))
    this.hooks.log.add('out', this.protocol, `${hop.host}:${hop.port}`, text)
    reply(text, hop)
    return true
  }
}

class UdpTransport extends SocketTransport {
  readonly protocol = 'UDP'
  #socket: UdpSocket | undefined

  constructor(hooks: TransportHooks, spec: Extract<SipTransportSpec, { kind: 'udp' }>) {
    super(hooks, spec)
    // every resend is logged too, so a ladder shows each retransmission (the log marks it as one)
    this.retransmitter = new Retransmitter((text, to) => {
      if (to) this.hooks.log.add('out', 'UDP', `${to.host}:${to.port}`, text)
      this.#sendTo(text, to)
    }, spec.timers)
  }

  get local(): LocalTransportInfo | undefined {
    const a = this.#socket?.address()
    return a ? { protocol: 'UDP', host: a.address, port: a.port, retransmissions: this.retransmitter!.counters } : undefined
  }

  protected async open(): Promise<void> {
    if (this.#socket) return
    const sock = createSocket(isIP(this.bindHost) === 6 ? 'udp6' : 'udp4')
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject)
      sock.bind(0, this.bindHost, () => resolve())
    })
    sock.on('error', () => {})
    sock.on('message', (buf, rinfo) => {
      try {
        this.receive(buf.toString('utf8'), { host: rinfo.address, port: rinfo.port }, (text, hop) => this.#sendTo(text, hop))
      } catch (e) {
        // Nothing a datagram carries may stop the listener; what went wrong is in the log.
        this.hooks.log.add('in', 'UDP', `${rinfo.address}:${rinfo.port}`, buf.toString('utf8')).error ??=
          `not handled: ${e instanceof Error ? e.message : String(e)}`
      }
    })
    this.#socket = sock
  }

  #sendTo(text: string, to: { host: string; port: number } | undefined): void {
    if (!to) return
    this.#socket?.send(text, to.port, to.host)
  }

  protected async write(text: string, hop: SipHop): Promise<void> {
    this.#sendTo(text, hop)
  }

  protected async shut(): Promise<void> {
    const s = this.#socket
    this.#socket = undefined
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
  }
}

class TcpTransport extends SocketTransport {
  readonly protocol = 'TCP'
  #server: TcpServer | undefined
  /** Open connections by far address (`host:port`): those we opened by their target, accepted ones by their source. */
  readonly #connections = new Map<string, TcpSocket>()
  /** The connection each request arrived on, by its top Via branch (its responses go back on it, §18.2.2). */
  readonly #requestConnections = new Map<string, TcpSocket>()
  #remoteSocket: TcpSocket | undefined

  get local(): LocalTransportInfo | undefined {
    const a = this.#server?.address()
    return a && typeof a === 'object' ? { protocol: 'TCP', host: a.address, port: a.port } : undefined
  }

  protected async open(): Promise<void> {
    const server = createServer((socket) => this.#attach(socket, `${socket.remoteAddress}:${socket.remotePort}`))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, this.bindHost, () => resolve())
    })
    server.on('error', () => {})
    this.#server = server
    if (this.remote) {
      this.#remoteSocket = await this.#connect(this.remote)
      this.#remoteSocket.on('close', () => {
        if (this.state === TransportState.Connected) void this.disconnect()
      })
    }
  }

  async #connect(to: { host: string; port: number }): Promise<TcpSocket> {
    const key = `${to.host}:${to.port}`
    const existing = this.#connections.get(key)
    if (existing && !existing.destroyed) return existing
    const socket = tcpConnect({ host: to.host, port: to.port, ...(isLoopbackAddress(to.host) && isIP(to.host) === 4 ? { localAddress: LOOPBACK } : {}) })
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (e) => reject(new RtcspecError('SIP_TRANSPORT', `TCP connect to ${key} failed: ${e.message}`)))
      socket.once('connect', () => resolve())
    })
    this.#attach(socket, key)
    return socket
  }

  #attach(socket: TcpSocket, key: string): void {
    this.#connections.set(key, socket)
    socket.setNoDelay(true)
    const source = { host: socket.remoteAddress ?? LOOPBACK, port: socket.remotePort ?? 0 }
    const reply = (text: string) => void socket.write(text)
    const decoder = new SipStreamDecoder()
    socket.on('data', (d: Buffer) => {
      for (const ev of decoder.push(d)) {
        if (ev.kind === 'keep-alive') continue
        if (ev.kind === 'error') {
          // The stream cannot be re-synchronised: record and drop what is buffered, keep the connection.
          const entry = this.hooks.log.add('in', 'TCP', `${source.host}:${source.port}`, ev.text)
          entry.error ??= ev.error
          this.hooks.onMalformed(entry, false)
          continue
        }
        const text = ev.text
        try {
          this.receive(text, source, reply, (request) => {
            const branch = branchOf(request)
            if (branch !== undefined) remember(this.#requestConnections, branch, socket)
          })
        } catch (e) {
          this.hooks.log.add('in', 'TCP', `${source.host}:${source.port}`, text).error ??= `not handled: ${e instanceof Error ? e.message : String(e)}`
        }
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      if (this.#connections.get(key) === socket) this.#connections.delete(key)
    })
  }

  protected async write(text: string, hop: SipHop, message: SipMessage): Promise<void> {
    if (message.kind === 'response') {
      const branch = branchOf(message)
      const on = branch === undefined ? undefined : this.#requestConnections.get(branch)
      if (on && !on.destroyed) {
        on.write(text)
        return
      }
    }
    const socket = await this.#connect(hop)
    socket.write(text)
  }

  protected async shut(): Promise<void> {
    for (const s of this.#connections.values()) s.destroy()
    this.#connections.clear()
    this.#requestConnections.clear()
    this.#remoteSocket?.destroy()
    const server = this.#server
    this.#server = undefined
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
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
  /** The server's host (a name is resolved first, so an unresolvable one is named in the error). */
  readonly #host: string
  readonly #socketClass: typeof TlsCapableWebSocket | undefined
  #socketsCreated = 0
  #lastError: (Error & { code?: string }) | undefined
  #onMessage: ((message: string) => void) | undefined

  constructor(hooks: TransportHooks, spec: Extract<SipTransportSpec, { kind: 'ws' }>, logger: unknown) {
    this.#hooks = hooks
    this.#url = spec.url
    const url = new URL(spec.url)
    this.#host = unbracket(url.hostname)
    if (url.protocol === 'wss:') {
      const tls: WsClientOptions = { rejectUnauthorized: spec.rejectUnauthorized ?? true, ...(spec.ca !== undefined ? { ca: spec.ca } : {}) }
      this.#socketClass = boundWebSocketClass(
        tls,
        () => this.#socketsCreated++,
        (e) => (this.#lastError = e),
      )
    } else if (spec.ca !== undefined || spec.rejectUnauthorized !== undefined) {
      throw new RtcspecError('SIP_TRANSPORT', `transport.ca / rejectUnauthorized apply to wss:// URLs, but the URL is ${spec.url}`, {
        hint: 'use the wss:// URL (registrar.wssUrl) or drop ca',
      })
    }
    this.#inner = new Web.Transport(logger as ConstructorParameters<typeof Web.Transport>[0], { server: spec.url, connectionTimeout: 5, keepAliveInterval: 0 })
    this.#inner.onMessage = (text) => {
      const entry = this.#hooks.log.add('in', this.protocol, this.#url, text)
      if (entry.summary === 'keep-alive') return
      if (entry.error) return this.#hooks.onMalformed(entry, false)
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
  async connect(): Promise<void> {
    await resolveSipHost(this.#host, `SIP WebSocket server ${this.#url}`)
    return this.#connectResolved()
  }

  #connectResolved(): Promise<void> {
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
      return Promise.reject(
        new RtcspecError('SIP_TRANSPORT', 'sip.js did not construct its WebSocket during connect(); the wss: transport cannot apply its TLS options', {
          hint: 'sip.js changed how it opens WebSockets; see src/sipua/transports.ts',
        }),
      )
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
  // sip.js calls `new transportConstructor(logger, options)`: a plain function that returns an object stands for
  // the three transport classes, as `new` hands back the object it returns.
  function SipTransport(logger: unknown): object {
    if (spec.kind === 'udp') return new UdpTransport(hooks, spec)
    if (spec.kind === 'tcp') return new TcpTransport(hooks, spec)
    return new WsTransport(hooks, spec, logger)
  }
  return SipTransport as unknown as SipJsTransportClass
}
