/**
 * The embedded SIP registrar and stateless proxy (RFC 3261 §10, §16.11) that SIP specs use by default, so
 * they run with nothing installed. It listens on loopback WebSocket and secure WebSocket (RFC 7118), UDP and
 * TCP, on ports from the OS, and records every message it sees. For `wss:` it makes a throw-away certificate
 * authority and server certificate (once per process; or uses `tls`); clients trust `registrar.ca`.
 *
 * - REGISTER: binds the address-of-record (the To user) to the Contact and to the connection (flow) it came
 *   from. With `users`, REGISTER needs Digest credentials (MD5, qop=auth): no credentials → 401 with a
 *   challenge, a wrong password → 403 naming the user.
 * - Other requests are forwarded statelessly: to the flow the Request-URI user registered from, or to the
 *   flow a Contact URI was seen on (in-dialog requests). The proxy adds its Via (branch derived from the incoming branch, so CANCEL
 *   and non-2xx ACK follow the INVITE) and removes it from responses. It stamps `received`/`rport` into the
 *   top Via of what it receives (RFC 3261 §18.2.1, RFC 3581).
 * - It Record-Routes dialog-creating INVITEs (RFC 3261 §16.6 step 4; two entries, RFC 5658, when the two
 *   sides use different transports), so the dialog's in-dialog requests come through it too; it removes its
 *   own Route entries from requests it receives (loose routing, §16.4).
 * - A CANCEL matching no INVITE it forwarded, and a BYE of a call it never forwarded, are answered 481.
 * - Malformed messages are logged with their raw text and answered 400 (505 for another SIP version) when
 *   they can be answered; nothing a peer sends stops a listener.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { createServer, type Server as TcpServer, type Socket as TcpSocket } from 'node:net'
import { createHash, randomBytes } from 'node:crypto'
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'
import {
  checkIncomingRequest,
  getHeader,
  getHeaders,
  missingMandatoryHeaders,
  readAnswerableRequest,
  stampVia,
  statelessResponse,
  SipStreamDecoder,
  parseDigestCredentials,
  parseNameAddr,
  parseSipUri,
  parseVia,
  removeHeader,
  serializeDigestChallenge,
  serializeSipMessage,
  setHeader,
  splitList,
  verifyDigest,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../sip/index.ts'
import { SipLog, type LoggedSipMessage } from './sip-log.ts'
import { startWsServer, type WsConnection, type WsServer } from './ws-server.ts'
import { createTestCertificateAuthority } from '../net/tls-certificates.ts'

/** Options of {@link startSipRegistrar}. */
export const SipRegistrarOptionsSchema = z
  .object({
    /** The SIP domain users register in. Default `rtcspec.test`. */
    domain: z.string().min(1).default('rtcspec.test'),
    /** Digest realm. Default: the domain. */
    realm: z.string().min(1).optional(),
    /** user → password. When given, REGISTER requires Digest authentication. */
    users: z.record(z.string().min(1), z.string()).optional(),
    /** Transports to listen on. Default all four. */
    transports: z
      .array(z.enum(['ws', 'wss', 'udp', 'tcp']))
      .min(1)
      .default(['ws', 'wss', 'udp', 'tcp']),
    /** Certificate chain and key (PEM) for `wss`, and the CA clients should trust. Default: a test CA made once per process. */
    tls: z
      .object({ cert: z.string().includes('BEGIN CERTIFICATE'), key: z.string().includes('PRIVATE KEY'), ca: z.string().includes('BEGIN CERTIFICATE') })
      .strict()
      .optional(),
    /** Largest Expires granted, seconds. Default 3600. */
    maxExpires: z.number().int().positive().default(3600),
    /** Fixed listening ports (default: ports the OS chooses). UDP and TCP may share one number. */
    ports: z
      .object({
        udp: z.number().int().min(1).max(65535),
        tcp: z.number().int().min(1).max(65535),
        ws: z.number().int().min(1).max(65535),
        wss: z.number().int().min(1).max(65535),
      })
      .partial()
      .strict()
      .optional(),
  })
  .strict()

/** Options of {@link startSipRegistrar} (validated by {@link SipRegistrarOptionsSchema}). */
export type SipRegistrarOptions = z.input<typeof SipRegistrarOptionsSchema>

/** A connection the registrar can send on. */
interface Flow {
  id: string
  transport: 'WS' | 'WSS' | 'UDP' | 'TCP'
  remote: string
  send(text: string): void
  readonly open: boolean
}

/** One registration. */
export interface SipBinding {
  aor: string
  contact: string
  flow: string
  transport: string
  expiresAt: number
}

const LOCAL = '127.0.0.1'
/** Most branches, INVITEs and calls remembered (oldest forgotten first). */
const MAX_REMEMBERED = 50_000

function bounded<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.set(key, value)
  if (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value as K)
}

function boundedSet<K>(set: Set<K>, key: K): void {
  set.add(key)
  if (set.size > MAX_REMEMBERED) set.delete(set.values().next().value as K)
}

/** `host:port` → [host, port] (undefined host when it is no such pair, e.g. a WebSocket connection id). */
function splitHostPort(remote: string): [string | undefined, number] {
  const m = /^\[?([0-9A-Fa-f:.]+?)\]?:(\d+)$/.exec(remote)
  return m ? [m[1]!, Number(m[2])] : [undefined, 0]
}

let defaultTls: Promise<{ cert: string; key: string; ca: string }> | undefined
/** The `wss:` certificate of registrars started without `tls`: one test CA per process, made on first use. */
function defaultRegistrarTls(): Promise<{ cert: string; key: string; ca: string }> {
  defaultTls ??= (async () => {
    const ca = await createTestCertificateAuthority({ commonName: 'rtcspec registrar test CA' })
    const issued = await ca.issueServerCertificate()
    return { cert: issued.certPem, key: issued.keyPem, ca: ca.certPem }
  })()
  // A failure is not cached: the next registrar tries again.
  defaultTls.catch(() => (defaultTls = undefined))
  return defaultTls
}

/** The running registrar/proxy. Dispose it to close every listener and connection. */
export class SipRegistrar implements AsyncDisposable {
  readonly domain: string
  readonly realm: string
  /** Every message received and sent, in order. */
  readonly log = new SipLog()
  #ws: WsServer | undefined
  #wss: WsServer | undefined
  #ca: string | undefined
  #udp: UdpSocket | undefined
  #tcp: TcpServer | undefined
  readonly #tcpSockets = new Set<TcpSocket>()
  readonly #options: z.output<typeof SipRegistrarOptionsSchema>
  readonly #flows = new Map<string, Flow>()
  readonly #bindings = new Map<string, SipBinding>()
  readonly #contacts = new Map<string, string>()
  readonly #branches = new Map<string, string>()
  /** `flow|branch` of INVITEs forwarded (CANCEL must match one), and Call-IDs of calls forwarded (BYE must match one). */
  readonly #invites = new Set<string>()
  readonly #calls = new Set<string>()
  readonly #nonces = new Set<string>()
  #udpPort = 0
  #tcpPort = 0
  #closed = false

  constructor(options: z.output<typeof SipRegistrarOptionsSchema>) {
    this.#options = options
    this.domain = options.domain
    this.realm = options.realm ?? options.domain
  }

  /** `ws://127.0.0.1:<port>` when listening on WebSocket. */
  get wsUrl(): string {
    if (!this.#ws) throw new RtcspecError('SIP_NO_TRANSPORT', 'the registrar does not listen on WebSocket', { hint: "add 'ws' to transports" })
    return this.#ws.url
  }

  /** `wss://127.0.0.1:<port>` when listening on secure WebSocket (TLS with {@link ca}). */
  get wssUrl(): string {
    if (!this.#wss) throw new RtcspecError('SIP_NO_TRANSPORT', 'the registrar does not listen on secure WebSocket', { hint: "add 'wss' to transports" })
    return this.#wss.url
  }

  /** The CA certificate (PEM) that issued the `wss:` server certificate: clients pass it as `ca`. */
  get ca(): string {
    if (!this.#ca)
      throw new RtcspecError('SIP_NO_TRANSPORT', 'the registrar does not listen on secure WebSocket, so it has no CA', { hint: "add 'wss' to transports" })
    return this.#ca
  }

  /** The UDP listening address. */
  get udp(): { host: string; port: number } {
    if (!this.#udp) throw new RtcspecError('SIP_NO_TRANSPORT', 'the registrar does not listen on UDP', { hint: "add 'udp' to transports" })
    return { host: LOCAL, port: this.#udpPort }
  }

  /** The TCP listening address. */
  get tcp(): { host: string; port: number } {
    if (!this.#tcp) throw new RtcspecError('SIP_NO_TRANSPORT', 'the registrar does not listen on TCP', { hint: "add 'tcp' to transports" })
    return { host: LOCAL, port: this.#tcpPort }
  }

  /** Current bindings (expired ones removed). */
  bindings(): SipBinding[] {
    const now = Date.now()
    for (const [k, b] of this.#bindings) if (b.expiresAt <= now) this.#bindings.delete(k)
    return [...this.#bindings.values()]
  }

  /** Messages the registrar could not parse, with their raw text. */
  malformed(): LoggedSipMessage[] {
    return this.log.entries.filter((e) => e.error)
  }

  /** @internal Starts the listeners. */
  async listen(): Promise<void> {
    const t = this.#options.transports
    const onConnection = (transport: 'WS' | 'WSS') => (c: WsConnection) => {
      const flow: Flow = {
        id: `${transport.toLowerCase()}:${c.id}`,
        transport,
        remote: c.remote,
        send: (text) => c.send(text),
        get open() {
          return c.open
        },
      }
      this.#flows.set(flow.id, flow)
      c.onText((text) => this.#receive(flow, text))
      c.onClose(() => this.#flows.delete(flow.id))
    }
    if (t.includes('ws')) this.#ws = await startWsServer({ protocol: 'sip', port: this.#options.ports?.ws, onConnection: onConnection('WS') })
    if (t.includes('wss')) {
      const tls = this.#options.tls ?? (await defaultRegistrarTls())
      this.#ca = tls.ca
      this.#wss = await startWsServer({
        protocol: 'sip',
        port: this.#options.ports?.wss,
        tls: { cert: tls.cert, key: tls.key },
        onConnection: onConnection('WSS'),
      })
    }
    if (t.includes('udp')) {
      const sock = createSocket('udp4')
      this.#udp = sock
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject)
        sock.bind(this.#options.ports?.udp ?? 0, LOCAL, () => resolve())
      })
      this.#udpPort = sock.address().port
      sock.on('error', () => {})
      sock.on('message', (buf, rinfo) => this.#receive(this.#udpFlow(rinfo.address, rinfo.port), buf.toString('utf8')))
    }
    if (t.includes('tcp')) {
      const server = createServer((socket) => this.#acceptTcp(socket))
      this.#tcp = server
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(this.#options.ports?.tcp ?? 0, LOCAL, () => resolve())
      })
      const a = server.address()
      this.#tcpPort = typeof a === 'object' && a ? a.port : 0
    }
  }

  #acceptTcp(socket: TcpSocket): void {
    this.#tcpSockets.add(socket)
    const id = `tcp:${socket.remoteAddress}:${socket.remotePort}`
    const flow: Flow = {
      id,
      transport: 'TCP',
      remote: `${socket.remoteAddress}:${socket.remotePort}`,
      send: (text) => socket.write(text),
      get open() {
        return !socket.destroyed
      },
    }
    this.#flows.set(id, flow)
    const decoder = new SipStreamDecoder()
    socket.on('data', (d: Buffer) => {
      for (const ev of decoder.push(d)) {
        if (ev.kind === 'keep-alive') {
          socket.write('\r\n') // RFC 5626 §4.4.1: answer a CRLF CRLF ping with a CRLF pong
        } else if (ev.kind === 'error') {
          // A stream that cannot be framed cannot be re-synchronised: record it, close this connection only.
          this.log.add('in', 'TCP', flow.remote, ev.text).error ??= ev.error
          socket.destroy()
          return
        } else this.#receive(flow, ev.text)
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      this.#tcpSockets.delete(socket)
      this.#flows.delete(id)
    })
  }

  #send(flow: Flow, message: SipMessage): void {
    const text = serializeSipMessage(message)
    this.log.add('out', flow.transport, flow.remote, text)
    if (flow.open) flow.send(text)
  }

  #receive(flow: Flow, text: string): void {
    if (this.#closed) return
    const entry = this.log.add('in', flow.transport, flow.remote, text)
    if (entry.summary === 'keep-alive') return
    try {
      this.#handle(flow, text, entry)
    } catch (e) {
      // Nothing a peer sends may stop a listener: record what could not be handled.
      entry.error ??= `not handled: ${e instanceof Error ? e.message : String(e)}`
    }
  }

  #handle(flow: Flow, text: string, entry: LoggedSipMessage): void {
    let message = entry.parsed
    if (!message) {
      // Logged with the raw text; answered 400 when the request line and Via are legible (e.g. a short body).
      const request = readAnswerableRequest(text)
      if (request && request.method !== 'ACK') this.#reply(flow, request, 400, `Bad Request (${entry.summary.replace(/^malformed: /, '')})`)
      return
    }
    if (message.kind === 'request') {
      const problem = checkIncomingRequest(message, [])
      // A proxy does not judge Require (that is for the UAS, RFC 3261 §16.3); a registrar does.
      if (problem && (problem.status !== 420 || message.method === 'REGISTER')) {
        if (problem.status !== 420) entry.error = problem.reason
        if (message.method !== 'ACK' && getHeader(message, 'via') !== undefined) this.#reply(flow, message, problem.status, problem.reason, problem.headers)
        return
      }
      // Proxy-Require names what this proxy must support; it supports no extension (RFC 3261 §16.3 step 5).
      const proxyRequire = getHeaders(message, 'proxy-require')
        .flatMap((v) => splitList(v))
        .map((t) => t.trim())
        .filter(Boolean)
      if (proxyRequire.length && message.method !== 'ACK' && message.method !== 'CANCEL') {
        return this.#reply(flow, message, 420, 'Bad Extension', [{ name: 'Unsupported', value: proxyRequire.join(', ') }])
      }
      const via = getHeaders(message, 'via')[0]!
      const [host, port] = splitHostPort(flow.remote)
      const stamped = host !== undefined && flow.transport !== 'WS' && flow.transport !== 'WSS' ? stampVia(via, { host, port }) : via
      if (stamped !== via)
        message = { ...message, headers: message.headers.map((h) => (h.value === via && /^(via|v)$/i.test(h.name) ? { ...h, value: stamped } : h)) }
    } else {
      const problems = missingMandatoryHeaders(message)
      if (problems.length) {
        entry.error = problems.join('; ')
        return
      }
    }
    this.#learnContacts(message, flow)
    if (message.kind === 'response') this.#forwardResponse(message)
    else this.#onRequest(flow, message)
  }

  #learnContacts(message: SipMessage, flow: Flow): void {
    for (const c of getHeaders(message, 'contact')) {
      try {
        const uri = parseSipUri(parseNameAddr(c, 'Contact').uri)
        if (uri.user !== undefined) this.#contacts.set(`${uri.user}@${uri.host}`, flow.id)
      } catch {
        // an unparsable Contact is the sender's problem; routing falls back to the registration
      }
    }
  }

  #reply(flow: Flow, request: SipRequest, status: number, reason: string, extra: Array<{ name: string; value: string }> = []): void {
    const toTag = createHash('sha1')
      .update(getHeader(request, 'call-id') ?? '')
      .digest('hex')
      .slice(0, 10)
    const response: SipResponse = statelessResponse(request, status, reason, { toTag, extra, server: 'rtcspec-registrar' })
    this.#send(flow, response)
  }

  #onRequest(flow: Flow, incoming: SipRequest): void {
    let request = incoming
    let ruri
    try {
      ruri = parseSipUri(request.uri)
    } catch {
      if (request.method !== 'ACK') this.#reply(flow, request, 416, 'Unsupported URI Scheme')
      return
    }
    if (request.method === 'REGISTER') return this.#register(flow, request)
    // Loose routing (RFC 3261 §16.4): our own Route entries (from our Record-Route) are removed first.
    request = this.#popOwnRoutes(request)
    const routed = getHeaders(request, 'route').length > 0
    if (request.method === 'OPTIONS' && ruri.user === undefined && !routed)
      return this.#reply(flow, request, 200, 'OK', [{ name: 'Allow', value: 'REGISTER, OPTIONS, INVITE, ACK, CANCEL, BYE, INFO' }])
    const callId = getHeader(request, 'call-id') ?? ''
    const incomingBranch = parseVia(getHeaders(request, 'via')[0]!).params.branch ?? ''
    if (request.method === 'CANCEL' && !this.#invites.has(`${flow.id}|${incomingBranch}`))
      return this.#reply(flow, request, 481, 'Call/Transaction Does Not Exist')
    if (request.method === 'BYE' && !this.#calls.has(callId)) return this.#reply(flow, request, 481, 'Call/Transaction Does Not Exist')
    const target = this.#route(ruri.user, ruri.host)
    if (!target) {
      if (request.method !== 'ACK') this.#reply(flow, request, 404, `Not Found (no registration or dialog for ${ruri.user ?? request.uri})`)
      return
    }
    const maxForwards = Number(getHeader(request, 'max-forwards') ?? '70')
    if (maxForwards <= 0) return this.#reply(flow, request, 483, 'Too Many Hops')
    const branch = `z9hG4bK${createHash('sha1').update(`${flow.id}|${incomingBranch}`).digest('hex').slice(0, 20)}`
    bounded(this.#branches, branch, flow.id)
    let forwarded: SipRequest = setHeader(request, 'Max-Forwards', String(maxForwards - 1))
    if (target.uri) forwarded = { ...forwarded, uri: target.uri }
    const via = { name: 'Via', value: `SIP/2.0/${target.flow.transport} ${LOCAL}:${this.#portOf(target.flow.transport)};branch=${branch}` }
    const recordRoute: Array<{ name: string; value: string }> = []
    if (request.method === 'INVITE' && !/;\s*tag=/i.test(getHeader(request, 'to') ?? '')) {
      boundedSet(this.#invites, `${flow.id}|${incomingBranch}`)
      boundedSet(this.#calls, callId)
      // Toward the callee first: the callee's route set is the list in order, the caller's reversed.
      recordRoute.push({ name: 'Record-Route', value: `<${this.#ownUri(target.flow.transport)}>` })
      if (target.flow.transport !== flow.transport) recordRoute.push({ name: 'Record-Route', value: `<${this.#ownUri(flow.transport)}>` })
    }
    forwarded = { ...forwarded, headers: [via, ...recordRoute, ...forwarded.headers] }
    this.#send(target.flow, forwarded)
  }

  /** This proxy's URI on a transport, for Record-Route (`lr`: loose routing; `r2`: RFC 5658 double routing). */
  #ownUri(transport: Flow['transport']): string {
    return `sip:${LOCAL}:${this.#portOf(transport)};transport=${transport.toLowerCase()};lr;r2=on`
  }

  /** Removes the Route entries naming this proxy from the top of the route set. */
  #popOwnRoutes(request: SipRequest): SipRequest {
    const own = new Set([this.#udpPort, this.#tcpPort, this.#ws?.port, this.#wss?.port].filter((p): p is number => !!p))
    const routes = getHeaders(request, 'route').flatMap((v) => splitList(v))
    let i = 0
    for (; i < routes.length; i++) {
      try {
        const uri = parseSipUri(parseNameAddr(routes[i]!, 'Route').uri)
        if (!(uri.host === LOCAL && uri.port !== undefined && own.has(uri.port))) break
      } catch {
        break
      }
    }
    if (i === 0) return request
    const rest = removeHeader(request, 'route')
    return { ...rest, headers: [...rest.headers, ...routes.slice(i).map((value) => ({ name: 'Route', value }))] }
  }

  #udpFlow(address: string, port: number): Flow {
    const id = `udp:${address}:${port}`
    let flow = this.#flows.get(id)
    if (!flow) {
      const sock = this.#udp!
      flow = {
        id,
        transport: 'UDP',
        remote: `${address}:${port}`,
        open: true,
        send: (text) => {
          if (!this.#closed) sock.send(text, port, address)
        },
      }
      this.#flows.set(id, flow)
    }
    return flow
  }

  #portOf(transport: Flow['transport']): number {
    return transport === 'UDP' ? this.#udpPort : transport === 'TCP' ? this.#tcpPort : transport === 'WSS' ? (this.#wss?.port ?? 0) : (this.#ws?.port ?? 0)
  }

  #route(user: string | undefined, host: string): { flow: Flow; uri?: string } | undefined {
    if (user !== undefined) {
      const viaContact = this.#contacts.get(`${user}@${host}`)
      const f = viaContact ? this.#flows.get(viaContact) : undefined
      if (f?.open) return { flow: f }
      const binding = this.bindings().find((b) => b.aor === `${user}@${this.domain}`)
      const bf = binding ? this.#flows.get(binding.flow) : undefined
      if (binding && bf?.open) return { flow: bf, uri: binding.contact }
    }
    return undefined
  }

  #forwardResponse(response: SipResponse): void {
    const vias = getHeaders(response, 'via')
    const top = vias[0] ? parseVia(vias[0]) : undefined
    const flowId = top?.params.branch ? this.#branches.get(top.params.branch) : undefined
    const flow = flowId ? this.#flows.get(flowId) : undefined
    if (!flow) return // not ours, or the caller is gone: drop (logged)
    let out = removeHeader(response, 'via')
    const rest = vias.slice(1)
    out = { ...out, headers: [...rest.map((v) => ({ name: 'Via', value: v })), ...out.headers] }
    this.#send(flow, out)
  }

  #register(flow: Flow, request: SipRequest): void {
    const toValue = getHeader(request, 'to')!
    const toUri = parseSipUri(parseNameAddr(toValue, 'To').uri)
    const user = toUri.user
    if (user === undefined) return this.#reply(flow, request, 400, 'Bad Request (To has no user part)')
    const users = this.#options.users
    if (users) {
      const authorization = getHeader(request, 'authorization')
      if (authorization === undefined) return this.#challenge(flow, request)
      let creds
      try {
        creds = parseDigestCredentials(authorization)
      } catch {
        return this.#reply(flow, request, 400, 'Bad Request (unparsable Authorization)')
      }
      if (!this.#nonces.has(creds.nonce)) return this.#challenge(flow, request, true)
      const password = users[creds.username]
      if (password === undefined || creds.username !== user) return this.#reply(flow, request, 403, `Forbidden (unknown user ${creds.username})`)
      if (!verifyDigest(creds, password, 'REGISTER')) return this.#reply(flow, request, 403, `Forbidden (wrong password for ${creds.username})`)
    }
    const contacts = getHeaders(request, 'contact')
    const aor = `${user}@${this.domain}`
    const headerExpires = Number(getHeader(request, 'expires') ?? '3600')
    const extra: Array<{ name: string; value: string }> = []
    for (const c of contacts) {
      if (c.trim() === '*') {
        this.#bindings.delete(aor)
        continue
      }
      const addr = parseNameAddr(c, 'Contact')
      const expires = Math.min(this.#options.maxExpires, Number(addr.params.expires ?? headerExpires))
      if (expires === 0) this.#bindings.delete(aor)
      else {
        this.#bindings.set(aor, { aor, contact: addr.uri, flow: flow.id, transport: flow.transport, expiresAt: Date.now() + expires * 1000 })
        extra.push({ name: 'Contact', value: `<${addr.uri}>;expires=${expires}` })
      }
    }
    this.#reply(flow, request, 200, 'OK', extra)
  }

  #challenge(flow: Flow, request: SipRequest, stale = false): void {
    const nonce = randomBytes(12).toString('hex')
    this.#nonces.add(nonce)
    if (this.#nonces.size > 10_000) this.#nonces.delete(this.#nonces.values().next().value!)
    this.#reply(flow, request, 401, 'Unauthorized', [
      {
        name: 'WWW-Authenticate',
        value: serializeDigestChallenge({ realm: this.realm, nonce, algorithm: 'MD5', qop: 'auth', ...(stale ? { stale: true } : {}) }),
      },
    ])
  }

  /** Closes every listener and connection. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#ws?.close()
    await this.#wss?.close()
    this.#udp?.close()
    for (const s of this.#tcpSockets) s.destroy()
    if (this.#tcp) await new Promise<void>((resolve) => this.#tcp!.close(() => resolve()))
    this.#flows.clear()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

/** Starts the embedded registrar/proxy on loopback ports from the OS. Invalid options throw with every problem listed. */
export async function startSipRegistrar(options: SipRegistrarOptions = {}): Promise<SipRegistrar> {
  const parsed = SipRegistrarOptionsSchema.safeParse(options)
  if (!parsed.success) throw new RtcspecError('SIP_REGISTRAR_OPTIONS', `invalid registrar options:\n${z.prettifyError(parsed.error)}`)
  const registrar = new SipRegistrar(parsed.data)
  try {
    await registrar.listen()
  } catch (e) {
    await registrar.close()
    throw e
  }
  return registrar
}
