/**
 * SIP user agents for specs: sip.js 0.21 underneath, rtcspec's surface on top. A user agent registers
 * (Digest), places and answers calls whose media runs on a werift peer (`media: 'webrtc'`) or on a
 * plain-RTP peer (`media: 'rtp'`), sends DTMF (RFC 4733 in the media, or SIP INFO), holds and resumes by
 * re-INVITE, sends and receives early media (183) and cancels. Every SIP message is logged, so a failure
 * shows the ladder, and each call yields a call record (`kind: 'sip'`).
 *
 * ```ts
 * await using registrar = await startSipRegistrar()
 * await using alice = await createSipUserAgent({ uri: 'sip:alice@rtcspec.test', transport: { kind: 'ws', url: registrar.wsUrl } })
 * await using bob = await createSipUserAgent({ uri: 'sip:bob@rtcspec.test', transport: { kind: 'ws', url: registrar.wsUrl } })
 * await bob.register()
 * const incoming = bob.waitForIncoming(5000)
 * const call = alice.call('sip:bob@rtcspec.test')
 * const answered = await (await incoming).accept()
 * await call
 * ```
 */
import { type Core, Info, Invitation, Inviter, Registerer, RegistererState, SessionState, SIPExtension, UserAgent, type Session } from 'sip.js'
import { z } from 'zod'
import { RtcspecError, TimeoutError } from '../errors.ts'
import { parseOptions } from '../options.ts'
import { getHeaders, parseSipMessage, type SipRequest } from '../sip/index.ts'
import { createWeriftPeer, type WeriftPeerOptions } from '../peers/werift/peer.ts'
import { createRtpPeer, type RtpPeerOptions } from '../peers/rtp/peer.ts'
import { appendCallRecord, buildCallRecord, type CallRecord } from '../peers/call-record.ts'
import type { AudioSourceSpec, Peer } from '../peers/types.ts'
import { PeerSessionDescriptionHandler, SDPFRAG_CONTENT_TYPE, TRICKLE_INFO_PACKAGE } from './media-handler.ts'
import { formatSipLadder, SipLog, sipSignaling, type LoggedSipMessage } from './sip-log.ts'
import { installSipjsPatches } from '../patches/sipjs/index.ts'
import { sipJsViaHost, transportConstructor, type LocalTransportInfo, type SipTransportSpec } from './transports.ts'

const HostPortSchema = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }).strict()

/**
 * What a UDP/TCP UA advertises in Contact or Via instead of its listening address (e.g. a NAT's public
 * address in a test network). Default: the address the transport listens on, with its real port.
 */
const AddressOverrideSchema = z
  .object({
    host: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$|^\[?[0-9A-Fa-f:.]+\]?$/, 'a host name or IP address')
      .optional(),
    port: z.number().int().min(1).max(65535).optional(),
  })
  .strict()
  .refine((a) => a.host !== undefined || a.port !== undefined, { message: 'give host, port or both' })

const TransportSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('ws'),
      url: z.string().regex(/^wss?:\/\//, 'a ws:// or wss:// URL'),
      /** `wss:` only: CA certificate(s) (PEM) to trust, e.g. `registrar.ca`. */
      ca: z.union([z.string().includes('BEGIN CERTIFICATE', { message: 'a PEM certificate (-----BEGIN CERTIFICATE-----)' }), z.instanceof(Buffer)]).optional(),
      /** `wss:` only: verify the server certificate (default true). */
      rejectUnauthorized: z.boolean().optional(),
    })
    .strict()
    .refine((t) => t.url.startsWith('wss:') || (t.ca === undefined && t.rejectUnauthorized === undefined), {
      message: 'ca and rejectUnauthorized apply to wss:// URLs only',
      path: ['ca'],
    }),
  z
    .object({
      kind: z.literal('udp'),
      /** The registrar/outbound proxy or far end requests outside a dialog go to. Its host may be a name (resolved when the UA starts). Without it, call sip:user@<host>:<port>. */
      remote: HostPortSchema.optional(),
      timers: z.object({ t1: z.number().positive().optional(), t2: z.number().positive().optional() }).strict().optional(),
      contact: AddressOverrideSchema.optional(),
      via: AddressOverrideSchema.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('tcp'),
      /** The registrar/outbound proxy or far end requests outside a dialog go to (connected at start). The UA listens either way. */
      remote: HostPortSchema.optional(),
      contact: AddressOverrideSchema.optional(),
      via: AddressOverrideSchema.optional(),
    })
    .strict(),
])

/** Options of {@link createSipUserAgent}, validated by zod. */
export const SipUserAgentOptionsSchema = z
  .object({
    /** The address-of-record, e.g. `sip:alice@rtcspec.test`. */
    uri: z.string().regex(/^sips?:[^@\s]+@[^@\s]+$/, 'a SIP URI like sip:alice@rtcspec.test'),
    transport: TransportSchema,
    /** Media of this UA's calls: werift (ICE + DTLS-SRTP) or plain RTP/AVP. Default `webrtc`. */
    media: z.enum(['webrtc', 'rtp']).default('webrtc'),
    /** Audio codecs in preference order. Default PCMU, PCMA. */
    codecs: z.array(z.string()).min(1).optional(),
    /** WebRTC media: trickle candidates over SIP INFO (RFC 8840) when the far end supports it. Default true. */
    trickle: z.boolean().default(true),
    /** Digest credentials for REGISTER (username defaults to the URI user). */
    auth: z.object({ username: z.string().optional(), password: z.string() }).strict().optional(),
    /** Name in messages and call records. Default: the URI user. */
    name: z.string().optional(),
    displayName: z.string().optional(),
    /** Append a call record (`kind: 'sip'`) for each call with media when the UA closes. Default true. */
    callRecords: z.boolean().default(true),
    /** Extra options for the media peers this UA creates. */
    peer: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()

/** Options of {@link createSipUserAgent} (validated by {@link SipUserAgentOptionsSchema}). */
export type SipUserAgentOptions = z.input<typeof SipUserAgentOptionsSchema>
type ParsedOptions = z.output<typeof SipUserAgentOptionsSchema>

/** Options of {@link SipUserAgent.call}. */
export interface SipCallOptions {
  /** How long to wait for the call to be answered. Default 10 s. */
  timeoutMs?: number
  /** Apply an answer from a 183 and start media before the 200 (early media). Default false. */
  earlyMedia?: boolean
  /** Extra headers for the INVITE, `Name: value`. */
  extraHeaders?: string[]
  /** Audio to send once media is up. */
  send?: AudioSourceSpec
}

/** A SIP failure: the step, the reason, and the ladder up to it. */
export class SipError extends RtcspecError {
  /** The final response status, when the failure is a SIP response. */
  readonly status: number | undefined
  constructor(code: string, message: string, options: { status?: number; ladder?: string; hint?: string; cause?: unknown } = {}) {
    super(code, options.ladder ? `${message}\n\n${options.ladder}` : message, { ...(options.hint ? { hint: options.hint } : {}), cause: options.cause })
    this.name = 'SipError'
    this.status = options.status
  }
}

let uaCounter = 0

/** A SIP user agent under rtcspec's control. Dispose it to hang up its calls and free every socket. */
export class SipUserAgent implements AsyncDisposable {
  readonly name: string
  readonly uri: string
  /** Every SIP message this UA sent and received. */
  readonly log = new SipLog()
  /** Malformed messages received, with their raw text. */
  readonly malformed: LoggedSipMessage[] = []
  /** sip.js warnings and errors (bounded), for diagnosis. */
  readonly warnings: string[] = []
  readonly calls: SipCall[] = []
  readonly #options: ParsedOptions
  readonly #ua: UserAgent
  readonly #incoming: IncomingSipCall[] = []
  readonly #incomingWaiters: Array<(c: IncomingSipCall) => void> = []
  readonly #pendingFailures = new Set<(e: Error) => void>()
  #registerer: Registerer | undefined
  #closed = false

  constructor(options: ParsedOptions) {
    this.#options = options
    this.uri = options.uri
    const user = /^sips?:([^@]+)@/.exec(options.uri)?.[1] ?? `ua${++uaCounter}`
    this.name = options.name ?? user
    const spec = options.transport as SipTransportSpec
    const uri = UserAgent.makeURI(options.uri)
    if (!uri) throw new RtcspecError('SIP_URI', `"${options.uri}" is not a SIP URI`, { hint: 'write sip:user@domain' })
    const reliable = spec.kind !== 'udp'
    this.#ua = new UserAgent({
      uri,
      ...(options.displayName ? { displayName: options.displayName } : {}),
      ...(options.auth ? { authorizationUsername: options.auth.username ?? user, authorizationPassword: options.auth.password } : {}),
      transportConstructor: transportConstructor(spec, {
        log: this.log,
        onMalformed: (e, answered) => this.#onMalformed(e, answered),
        supported: ['100rel', ...(options.trickle && options.media === 'webrtc' ? [TRICKLE_INFO_PACKAGE] : [])],
      }) as never,
      sessionDescriptionHandlerFactory: (session) => this.#createSdh(session),
      sipExtensionExtraSupported: options.trickle && options.media === 'webrtc' ? [TRICKLE_INFO_PACKAGE] : [],
      // Reliable provisional responses (RFC 3262): a callee may answer in a PRACKed 183 and trickle on the early dialog.
      sipExtension100rel: SIPExtension.Supported,
      // sip.js predates RFC 8840 and does not know the trickle-ice option tag.
      hackAllowUnregisteredOptionTags: true,
      // sip.js writes viaHost without a port into Via and Contact; the transport stamps the real address in.
      ...(spec.kind === 'ws' ? {} : { viaHost: sipJsViaHost(spec), contactParams: { transport: spec.kind }, hackViaTcp: false }),
      forceRport: !reliable,
      logBuiltinEnabled: false,
      logLevel: 'warn',
      logConnector: (level, category, _label, content) => {
        if (this.warnings.length < 500) this.warnings.push(`${level} ${category}: ${content}`)
      },
      noAnswerTimeout: 60,
      delegate: { onInvite: (invitation) => this.#onInvite(invitation) },
    })
  }

  /** The local transport address (UDP/TCP port for the far end to reach this UA). */
  get local(): LocalTransportInfo | undefined {
    return (this.#ua.transport as unknown as { local?: LocalTransportInfo }).local
  }

  /** @internal Connects the transport and starts sip.js. */
  async start(): Promise<void> {
    try {
      await this.#ua.start()
    } catch (e) {
      if (e instanceof RtcspecError && e.code === 'SIP_TLS') throw e // already says what and how to fix it
      throw new SipError(
        'SIP_TRANSPORT',
        `${this.name}: could not connect the ${this.#options.transport.kind} transport: ${e instanceof Error ? e.message : String(e)}`,
        {
          hint: 'check the registrar/far end is listening (rtcspec startSipRegistrar() gives loopback URLs)',
          cause: e,
        },
      )
    }
  }

  /** The SIP ladder of this UA's messages (optionally only one Call-ID). */
  ladder(callId?: string): string {
    const entries = callId ? this.log.entries.filter((e) => !e.parsed || getHeaders(e.parsed, 'call-id')[0] === callId || e.error) : this.log.entries
    return formatSipLadder(entries, { local: this.name })
  }

  #onMalformed(entry: LoggedSipMessage, answered: boolean): void {
    if (this.malformed.length < 1000) this.malformed.push(entry)
    // A request the transport answered (400/505) is the sender's failure, not an answer to what we wait for.
    if (answered) return
    const err = new SipError(
      'SIP_MALFORMED',
      `${this.name} received a malformed SIP message from ${entry.remote}: ${entry.error}\n--- raw message ---\n${entry.raw}`,
      {
        hint: 'the far end sent something that is not valid SIP (RFC 3261 §7); the raw text is above',
      },
    )
    for (const fail of [...this.#pendingFailures]) fail(err)
  }

  /** Runs `work`, failing it early if a malformed message arrives or `timeoutMs` passes. */
  #guard<T>(what: string, timeoutMs: number, work: Promise<T>, onTimeout?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fail = (e: Error) => {
        clearTimeout(timer)
        this.#pendingFailures.delete(fail)
        reject(e)
      }
      const timer = setTimeout(() => {
        onTimeout?.()
        fail(new SipError('TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}`, { ladder: this.ladder() }))
      }, timeoutMs)
      this.#pendingFailures.add(fail)
      work.then(
        (v) => {
          clearTimeout(timer)
          this.#pendingFailures.delete(fail)
          resolve(v)
        },
        (e: unknown) => fail(e instanceof Error ? e : new Error(String(e))),
      )
    })
  }

  #createPeer(trickle: boolean): Peer {
    const common = { name: `${this.name}-media`, ...(this.#options.codecs ? { codecs: this.#options.codecs } : {}), ...(this.#options.peer ?? {}) }
    if (this.#options.media === 'rtp') return createRtpPeer(common as RtpPeerOptions)
    return createWeriftPeer({ ...(common as WeriftPeerOptions), trickle })
  }

  #createSdh(session: Session): PeerSessionDescriptionHandler {
    const trickle = session instanceof Invitation ? this.trickles(session) : this.#options.trickle && this.#options.media === 'webrtc'
    const call = this.calls.findLast((c) => c.session === session) // the newest calls are the live ones: no scan of every past call
    const sdh = new PeerSessionDescriptionHandler(this.#createPeer(trickle), trickle, { onError: (m) => call?.errors.push(m) ?? this.warnings.push(m) })
    sdh.attachTrickle(session)
    return sdh
  }

  /** Whether an incoming call trickles: this UA trickles and the caller supports it (RFC 8840 §4.1). */
  trickles(invitation: Invitation): boolean {
    if (!this.#options.trickle || this.#options.media !== 'webrtc') return false
    const supported = invitation.request.getHeaders('supported').flatMap((h) => h.split(',').map((s) => s.trim().toLowerCase()))
    return supported.includes(TRICKLE_INFO_PACKAGE)
  }

  #onInvite(invitation: Invitation): void {
    if (this.#closed) {
      void invitation.reject({ statusCode: 480 }).catch(() => {})
      return
    }
    const incoming = new IncomingSipCall(this, invitation)
    const waiter = this.#incomingWaiters.shift()
    if (waiter) waiter(incoming)
    else this.#incoming.push(incoming)
  }

  /** Resolves with the next incoming call (already received ones first). */
  waitForIncoming(timeoutMs = 10_000): Promise<IncomingSipCall> {
    const queued = this.#incoming.shift()
    if (queued) return Promise.resolve(queued)
    let waiter!: (c: IncomingSipCall) => void
    const p = new Promise<IncomingSipCall>((resolve) => {
      waiter = resolve
      this.#incomingWaiters.push(waiter)
    })
    const forget = () => {
      const i = this.#incomingWaiters.indexOf(waiter)
      if (i >= 0) this.#incomingWaiters.splice(i, 1)
    }
    // However the wait ends (timeout, malformed input, close), the waiter must not swallow the next call.
    return this.#guard(`an incoming INVITE at ${this.name}`, timeoutMs, p, forget).catch((e: unknown) => {
      forget()
      throw e
    })
  }

  /** Answers every incoming call automatically (optionally sending audio). Returns a stop function. */
  autoAnswer(options: { send?: AudioSourceSpec; onCall?: (call: SipCall) => void } = {}): () => void {
    let on = true
    const loop = async () => {
      for (let guard = 0; on && !this.#closed && guard < 100_000; guard++) {
        let incoming: IncomingSipCall
        try {
          incoming = await this.waitForIncoming(3_600_000)
        } catch (e) {
          if (!on || this.#closed) return
          // Garbage on the wire (or an hour without calls) must not stop answering: note it and wait again.
          if (this.warnings.length < 500) this.warnings.push(`autoAnswer: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`)
          continue
        }
        if (!on) {
          await incoming.reject(480).catch(() => {})
          return
        }
        incoming.accept({ ...(options.send ? { send: options.send } : {}) }).then(
          (c) => options.onCall?.(c),
          (e: unknown) => this.warnings.push(`autoAnswer: ${e instanceof Error ? e.message : String(e)}`),
        )
      }
    }
    void loop()
    return () => {
      on = false
    }
  }

  /** Registers with the registrar (Digest when challenged). Rejects with the final status and the ladder. */
  async register(options: { expires?: number; timeoutMs?: number } = {}): Promise<void> {
    this.#registerer ??= new Registerer(this.#ua, { expires: options.expires ?? 600, logConfiguration: false })
    const registerer = this.#registerer
    let rejected: { status: number; reason: string } | undefined
    const done = new Promise<void>((resolve, reject) => {
      const listener = (s: RegistererState) => {
        if (s === RegistererState.Registered) {
          registerer.stateChange.removeListener(listener)
          resolve()
        }
      }
      registerer.stateChange.addListener(listener)
      registerer
        .register({
          requestDelegate: {
            onReject: (response) => {
              rejected = { status: response.message.statusCode ?? 0, reason: response.message.reasonPhrase ?? '' }
              registerer.stateChange.removeListener(listener)
              const auth = rejected.status === 401 || rejected.status === 403 || rejected.status === 407
              reject(
                new SipError('SIP_REGISTER_FAILED', `${this.name}: REGISTER ${this.uri} was rejected with ${rejected.status} ${rejected.reason}`, {
                  status: rejected.status,
                  ladder: this.ladder(),
                  hint: auth
                    ? `check the username and password given in auth (${this.#options.auth ? `username ${this.#options.auth.username ?? this.name}` : 'none given'})`
                    : 'see the ladder for what the registrar answered',
                }),
              )
            },
          },
        })
        .catch(reject)
    })
    await this.#guard(`${this.name} to register`, options.timeoutMs ?? 10_000, done)
  }

  /** Removes the registration. */
  async unregister(): Promise<void> {
    if (this.#registerer && this.#registerer.state === RegistererState.Registered) await this.#registerer.unregister().catch(() => {})
  }

  /** Calls `target`; resolves once the call is established (200 + ACK). Rejects with the final response and the ladder. */
  async call(target: string, options: SipCallOptions = {}): Promise<SipCall> {
    if (this.#closed) throw new RtcspecError('SIP_CLOSED', `${this.name} is closed`)
    const uri = UserAgent.makeURI(target)
    if (!uri) throw new RtcspecError('SIP_URI', `"${target}" is not a SIP URI`, { hint: 'write sip:user@domain' })
    const trickle = this.#options.trickle && this.#options.media === 'webrtc'
    const inviter = new Inviter(this.#ua, uri, {
      earlyMedia: options.earlyMedia ?? false,
      extraHeaders: [...(trickle ? [`Recv-Info: ${TRICKLE_INFO_PACKAGE}`] : []), ...(options.extraHeaders ?? [])],
    })
    const call = new SipCall(this, inviter, 'outgoing')
    this.calls.push(call)
    if (options.send) call.sendOnConnect(options.send)
    let final: { status: number; reason: string } | undefined
    let wasEstablished = false
    const established = new Promise<void>((resolve, reject) => {
      inviter.stateChange.addListener((s) => {
        if (s === SessionState.Established) {
          wasEstablished = true
          resolve()
        }
        // After establishment the promise is settled: no failure (nor its ladder) to build at hang-up.
        if (s === SessionState.Terminated && !wasEstablished) {
          final ??= call.finalResponse()
          reject(
            new SipError(
              'SIP_CALL_FAILED',
              `${this.name}: call to ${target} ended before it was established${final ? `: ${final.status} ${final.reason}` : ''}`,
              {
                ...(final ? { status: final.status } : {}),
                ladder: this.ladder(call.callId),
              },
            ),
          )
        }
      })
    })
    const timeoutMs = options.timeoutMs ?? 10_000
    await this.#guard(
      `${target} to answer (INVITE → 200 → ACK)`,
      timeoutMs,
      (async () => {
        await inviter.invite({
          requestDelegate: {
            onReject: (r) => {
              final = { status: r.message.statusCode ?? 0, reason: r.message.reasonPhrase ?? '' }
            },
            onProgress: (r) => {
              call.provisional.push({ status: r.message.statusCode ?? 0, reason: r.message.reasonPhrase ?? '' })
              // INFO within the early dialog (RFC 8840, trickled candidates after a reliable 18x); sip.js
              // gives early dialogs no handler, and replaces this one with its own once the call is answered.
              const early = (r as Partial<Core.PrackableIncomingResponseWithSession>).session
              if (early && !early.delegate) early.delegate = { onInfo: (uas: Core.IncomingInfoRequest) => call.receiveInfo(new Info(uas)) }
              // A reliable 18x with the answer, PRACKed by sip.js already: once the PRACK is answered (so the callee
              // is ready for requests on the early dialog), our candidates may go on it too.
              const reliable = /\b100rel\b/i.test(r.message.getHeader('require') ?? '') && !!r.message.body
              const trickler = call.sdh?.trickler
              if (early && reliable && trickler) {
                const callId = call.callId
                const stop = this.log.onAdd((e) => {
                  if (e.direction === 'in' && e.summary === '200 OK (PRACK)' && e.parsed && getHeaders(e.parsed, 'call-id')[0] === callId) {
                    stop()
                    trickler.earlyDialog(early as Core.SessionDialog)
                  }
                })
                inviter.stateChange.addListener((st) => {
                  if (st === SessionState.Established || st === SessionState.Terminated) stop()
                })
              }
            },
          },
        })
        await established
      })(),
      () => void inviter.cancel().catch(() => {}),
    )
    // sip.js sends the ACK before it reports Established; a dialog is confirmed only if the ACK went out.
    if (!call.dialogEvidence().ack) {
      const error = new SipError('SIP_NO_ACK', `${this.name}: the call to ${target} was answered but no ACK went out (the dialog is not confirmed)`, {
        ladder: this.ladder(call.callId),
        hint: "see the warnings for why the ACK could not be sent (e.g. no route to the callee's Contact)",
      })
      call.errors.push(error.message.split('\n')[0]!)
      throw error
    }
    call.ackedAt ??= new Date()
    call.established()
    return call
  }

  /** The address Via and Contact carry (UDP/TCP), once started. */
  get advertised(): { via: { host: string; port: number }; contact: { host: string; port: number } } | undefined {
    return (this.#ua.transport as unknown as { advertised?: { via: { host: string; port: number }; contact: { host: string; port: number } } }).advertised
  }

  /** Hangs up every call, unregisters and stops sip.js (closing its transport). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const fail of [...this.#pendingFailures]) fail(new RtcspecError('SIP_CLOSED', `${this.name} was closed`))
    for (const i of this.#incoming.splice(0)) await i.reject(480).catch(() => {})
    // Bounded: a far end that never answers the BYE must not hold the disposal (the failure stays in call.errors).
    await Promise.all(this.calls.map((c) => c.hangup({ timeoutMs: 2000 }).catch(() => {})))
    await this.unregister()
    await this.#ua.stop().catch(() => {})
    if (this.#options.callRecords) {
      for (const c of this.calls) {
        if (!c.sdh) continue
        try {
          appendCallRecord(await sipCallRecord([c], { extra: { ua: this.name } }))
        } catch (e) {
          this.warnings.push(`call record: ${e instanceof Error ? e.message : String(e)}`)
        }
      }
    }
    await Promise.all(this.calls.map((c) => c.sdh?.peer.close().catch(() => {})))
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

/** An incoming INVITE, waiting for the spec to answer it. */
export class IncomingSipCall {
  readonly invitation: Invitation
  /** The INVITE as received, parsed by rtcspec. */
  readonly request: SipRequest
  readonly #ua: SipUserAgent
  readonly #call: SipCall

  constructor(ua: SipUserAgent, invitation: Invitation) {
    this.#ua = ua
    this.invitation = invitation
    this.request = parseSipMessage(invitation.request.toString()) as SipRequest
    this.#call = new SipCall(ua, invitation, 'incoming')
    ua.calls.push(this.#call)
  }

  /** The caller's From URI. */
  get from(): string {
    return this.invitation.remoteIdentity.uri.toString()
  }

  /**
   * Sends a provisional response: 180 Ringing, or 183 Session Progress with an SDP answer (early media).
   * `reliable: true` sends it reliably (RFC 3262, `Require: 100rel`) and resolves once the caller's PRACK
   * arrived; on a trickling WebRTC call the callee then trickles its candidates in INFO within the early
   * dialog (RFC 8840), before the call is answered. The caller must support 100rel.
   */
  async progress(status: 180 | 183 = 180, options: { send?: AudioSourceSpec; reliable?: boolean } = {}): Promise<void> {
    if (options.send) this.#call.sendOnConnect(options.send)
    if (!options.reliable) {
      await this.invitation.progress({ statusCode: status })
      if (status === 183) this.#call.earlyMediaStarted()
      return
    }
    const tags = ['supported', 'require'].flatMap((h) => getHeaders(this.request, h).flatMap((v) => v.split(',').map((t) => t.trim().toLowerCase())))
    if (!tags.includes('100rel')) {
      throw new SipError(
        'SIP_100REL',
        `${this.#ua.name}: cannot send a reliable ${status}: the INVITE from ${this.from} does not support 100rel (no 100rel in Supported or Require)`,
        {
          hint: 'send an unreliable provisional (progress() without reliable), or make the caller support RFC 3262',
        },
      )
    }
    const trickle = this.#ua.trickles(this.invitation)
    await this.invitation.progress({ statusCode: status, rel100: true, ...(trickle ? { extraHeaders: [`Recv-Info: ${TRICKLE_INFO_PACKAGE}`] } : {}) })
    if (status === 183) this.#call.earlyMediaStarted()
    const dialog = this.invitation.dialog as Core.SessionDialog | undefined
    if (trickle && dialog) {
      // sip.js left the early dialog a PRACK handler only: take the caller's early trickle INFOs too.
      const sipjs = dialog.delegate
      dialog.delegate = { ...sipjs, onInfo: (uas: Core.IncomingInfoRequest) => this.#call.receiveInfo(new Info(uas)) }
      this.#call.sdh?.trickler?.earlyDialog(dialog)
    }
  }

  /** Answers with 200 and resolves once the ACK arrived (the call is established). */
  async accept(options: { send?: AudioSourceSpec; timeoutMs?: number } = {}): Promise<SipCall> {
    if (options.send) this.#call.sendOnConnect(options.send)
    const trickle = this.#ua.trickles(this.invitation)
    // sip.js answers an offer its media handler cannot take with 480; RFC 3261 §21.4.26 says 488.
    const core = (this.invitation as unknown as { incomingInviteRequest: { reject(o?: { statusCode?: number; reasonPhrase?: string }): unknown } })
      .incomingInviteRequest
    const reject = core.reject.bind(core)
    core.reject = (o) => reject(o?.statusCode === 480 || o?.statusCode === undefined ? { ...o, statusCode: 488, reasonPhrase: 'Not Acceptable Here' } : o)
    try {
      await this.invitation.accept({ extraHeaders: trickle ? [`Recv-Info: ${TRICKLE_INFO_PACKAGE}`] : [] })
    } catch (e) {
      const final = this.#call.finalResponse()
      const error = new SipError(
        'SIP_ANSWER_FAILED',
        `${this.#ua.name}: could not answer ${this.from}'s call${final ? ` (answered ${final.status} ${final.reason})` : ''}: ${e instanceof Error ? e.message : String(e)}`,
        {
          ...(final ? { status: final.status } : {}),
          ladder: this.#ua.ladder(this.#call.callId),
          cause: e,
        },
      )
      this.#call.errors.push(error.message.split('\n')[0]!)
      throw error
    } finally {
      core.reject = reject
    }
    const timeoutMs = options.timeoutMs ?? 10_000
    await this.#ackArrived(timeoutMs)
    this.#call.established()
    return this.#call
  }

  /**
   * Resolves when the ACK of our 2xx arrived (sip.js reports Established as soon as the 200 is sent).
   * Rejects when the call ends first (Timer H: 64·T1 without ACK) or after `timeoutMs`, with the ladder
   * showing how often the 200 was sent.
   */
  #ackArrived(timeoutMs: number): Promise<void> {
    const dialog = this.invitation.dialog as unknown as { ackWait?: boolean; delegate?: Core.SessionDelegate } | undefined
    const call = this.#call
    const sent200 = () => call.messages().filter((m) => m.direction === 'out' && m.summary === '200 OK (INVITE)').length
    return new Promise<void>((resolve, reject) => {
      if (!dialog?.ackWait) return resolve()
      const delegate = dialog.delegate
      const onAck = delegate?.onAck
      let timer: ReturnType<typeof setTimeout> | undefined
      const fail = (why: string) => {
        clearTimeout(timer)
        const error = new SipError(
          'SIP_NO_ACK',
          `${this.#ua.name}: ${this.from}'s call was answered but ${why}; the 200 OK was sent ${sent200()} time(s), so the dialog is not confirmed`,
          {
            ladder: this.#ua.ladder(call.callId),
            hint: "the caller's ACK did not reach this UA: check the Contact this UA advertised and the route the caller follows (RFC 3261 §13.3.1.4, §12.2)",
          },
        )
        call.errors.push(error.message.split('\n')[0]!)
        reject(error)
      }
      if (delegate) {
        delegate.onAck = (request: Core.IncomingAckRequest) => {
          clearTimeout(timer)
          call.ackedAt ??= new Date()
          resolve()
          return onAck ? onAck.call(delegate, request) : undefined
        }
      }
      this.invitation.stateChange.addListener((st) => {
        if (st === SessionState.Terminated && !call.ackedAt) fail('the call ended before any ACK (Timer H fired, or it was hung up)')
      })
      timer = setTimeout(() => fail(`no ACK arrived within ${timeoutMs} ms`), timeoutMs)
      timer.unref()
    })
  }

  /** Rejects with a final response (default 486 Busy Here). */
  async reject(status = 486, reason?: string): Promise<void> {
    await this.invitation.reject({ statusCode: status, ...(reason ? { reasonPhrase: reason } : {}) })
  }

  /** Resolves when the caller cancels (CANCEL → 487). */
  waitForCancel(timeoutMs = 10_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.invitation.state === SessionState.Terminated) return resolve()
      const timer = setTimeout(() => reject(new TimeoutError(`a CANCEL from ${this.from}`, timeoutMs)), timeoutMs)
      timer.unref()
      this.invitation.stateChange.addListener((s) => {
        if (s === SessionState.Terminated) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
  }
}

/** One SIP call (either direction) with its media peer. */
export class SipCall {
  readonly session: Session
  readonly direction: 'outgoing' | 'incoming'
  /** Provisional responses received (outgoing calls). */
  readonly provisional: Array<{ status: number; reason: string }> = []
  /** DTMF digits received in SIP INFO (application/dtmf-relay or application/dtmf). */
  readonly infoDtmf: string[] = []
  /** Errors seen during the call (media negotiation, trickle, DTMF). */
  readonly errors: string[] = []
  readonly startedAt = new Date()
  establishedAt: Date | undefined
  /** When the ACK of the initial 2xx was received (incoming calls) or sent (outgoing calls). */
  ackedAt: Date | undefined
  endedAt: Date | undefined
  readonly #ua: SipUserAgent
  #hangingUp: Promise<void> | undefined
  #toSend: AudioSourceSpec[] = []
  #sendStarted = false

  constructor(ua: SipUserAgent, session: Session, direction: 'outgoing' | 'incoming') {
    this.#ua = ua
    this.session = session
    this.direction = direction
    session.delegate = {
      onInfo: (info) => void this.#onInfo(info),
    }
    session.stateChange.addListener((s) => {
      if (s === SessionState.Established) this.sdh?.trickler?.established()
      if (s === SessionState.Terminated) this.endedAt ??= new Date()
    })
  }

  /** The media handler (after the first offer/answer). */
  get sdh(): PeerSessionDescriptionHandler | undefined {
    return this.session.sessionDescriptionHandler as PeerSessionDescriptionHandler | undefined
  }

  /** The media peer (werift or plain RTP). */
  get peer(): Peer {
    const sdh = this.sdh
    if (!sdh) throw new RtcspecError('SIP_NO_MEDIA', 'this call has no media yet (no offer/answer happened)')
    return sdh.peer
  }

  /** The Call-ID. */
  get callId(): string {
    return (this.session as Partial<Inviter>).request?.callId ?? (this.session as Partial<Invitation>).request?.callId ?? ''
  }

  /** Whether the call is established and not yet ended. */
  get active(): boolean {
    return this.session.state === SessionState.Established
  }

  /** @internal Queues audio to send once the media peer exists. */
  sendOnConnect(source: AudioSourceSpec): void {
    this.#toSend.push(source)
    if (this.#sendStarted) this.#startSending()
  }

  /** @internal Called when the dialog is established. */
  established(): void {
    this.establishedAt ??= new Date()
    this.#sendStarted = true
    this.#startSending()
  }

  /** @internal Called when early media is negotiated. */
  earlyMediaStarted(): void {
    this.#sendStarted = true
    this.#startSending()
  }

  #startSending(): void {
    const sdh = this.sdh
    if (!sdh) return
    for (const s of this.#toSend.splice(0)) sdh.peer.sendAudio(s)
  }

  /** @internal Handles an INFO received on an early dialog (the confirmed dialog's arrive through the session delegate). */
  receiveInfo(info: Info): void {
    void this.#onInfo(info)
  }

  async #onInfo(info: Info): Promise<void> {
    const ct = (info.request.getHeader('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
    const pkg = (info.request.getHeader('info-package') ?? '').trim().toLowerCase()
    const body = info.request.body ?? ''
    try {
      if (ct === SDPFRAG_CONTENT_TYPE || pkg === TRICKLE_INFO_PACKAGE) {
        const trickler = this.sdh?.trickler
        if (!trickler) {
          await info.reject({ statusCode: 469, reasonPhrase: 'Bad Info Package' })
          return
        }
        await trickler.receive(body)
        await info.accept()
        return
      }
      if (ct === 'application/dtmf-relay' || ct === 'application/dtmf') {
        const digit = ct === 'application/dtmf' ? body.trim() : /Signal\s*=\s*(\S)/i.exec(body)?.[1]
        if (digit) this.infoDtmf.push(digit)
        await info.accept()
        return
      }
      await info.reject({ statusCode: 415, reasonPhrase: 'Unsupported Media Type' })
    } catch (e) {
      this.errors.push(`INFO (${ct || 'no Content-Type'}): ${e instanceof Error ? e.message : String(e)}`)
      await info.reject({ statusCode: 400, reasonPhrase: 'Bad Request' }).catch(() => {})
    }
  }

  /** Sends DTMF: `rfc4733` in the media stream (default), or one SIP INFO per digit (`application/dtmf-relay`). */
  async sendDtmf(digits: string, options: { via?: 'rfc4733' | 'info'; durationMs?: number } = {}): Promise<void> {
    if ((options.via ?? 'rfc4733') === 'rfc4733') return this.peer.sendDtmf(digits, options.durationMs !== undefined ? { durationMs: options.durationMs } : {})
    for (const d of digits) {
      if (!/^[0-9*#A-D]$/i.test(d)) throw new RtcspecError('DTMF_DIGIT', `"${d}" is not a DTMF digit`, { hint: 'use 0-9 * # A-D' })
      await new Promise<void>((resolve, reject) => {
        this.session
          .info({
            requestOptions: {
              body: {
                contentDisposition: 'render',
                contentType: 'application/dtmf-relay',
                content: `Signal=${d}\r\nDuration=${options.durationMs ?? 160}\r\n`,
              },
            },
            requestDelegate: {
              onAccept: () => resolve(),
              onReject: (r) => reject(new SipError('SIP_INFO_REJECTED', `INFO DTMF ${d} rejected: ${r.message.statusCode} ${r.message.reasonPhrase}`)),
            },
          })
          .catch(reject)
      })
    }
  }

  async #reinvite(hold: boolean): Promise<void> {
    if (!this.active) throw new RtcspecError('SIP_NOT_ESTABLISHED', 'hold/resume needs an established call')
    await new Promise<void>((resolve, reject) => {
      this.session
        .invite({
          sessionDescriptionHandlerOptions: { hold } as never,
          requestDelegate: {
            onAccept: () => resolve(),
            onReject: (r) =>
              reject(
                new SipError('SIP_REINVITE_REJECTED', `re-INVITE (${hold ? 'hold' : 'resume'}) rejected: ${r.message.statusCode} ${r.message.reasonPhrase}`, {
                  ladder: this.#ua.ladder(this.callId),
                }),
              ),
          },
        })
        .catch(reject)
    })
  }

  /** Puts the far end on hold (re-INVITE with `a=sendonly`). */
  hold(): Promise<void> {
    return this.#reinvite(true)
  }

  /** Takes the call off hold (re-INVITE with `a=sendrecv`). */
  resume(): Promise<void> {
    return this.#reinvite(false)
  }

  /** Cancels an unanswered outgoing call (CANCEL). */
  async cancel(): Promise<void> {
    if (this.session instanceof Inviter && (this.session.state === SessionState.Initial || this.session.state === SessionState.Establishing))
      await this.session.cancel()
  }

  /**
   * Ends the call: BYE on an established dialog (resolving only once the BYE got a 2xx), CANCEL or a 480
   * before. Rejects with the ladder when the BYE is refused or gets no final response within `timeoutMs`
   * (default 10 s); the failure is also kept in {@link errors}. Calling it again returns the same outcome.
   */
  hangup(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#hangingUp ??= this.#hangup(options.timeoutMs ?? 10_000)
    return this.#hangingUp
  }

  async #hangup(timeoutMs: number): Promise<void> {
    const s = this.session
    try {
      if (s.state === SessionState.Established) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            reject(
              new SipError(
                'SIP_BYE_TIMEOUT',
                `${this.#ua.name}: the BYE of call ${this.callId} got no final response within ${timeoutMs} ms (is the far end reachable at the dialog's remote target?)`,
                { ladder: this.ladder() },
              ),
            )
          }, timeoutMs)
          timer.unref()
          s.bye({
            requestDelegate: {
              onAccept: () => {
                clearTimeout(timer)
                resolve()
              },
              onReject: (r) => {
                clearTimeout(timer)
                const status = r.message.statusCode ?? 0
                reject(
                  new SipError('SIP_BYE_REJECTED', `${this.#ua.name}: the BYE of call ${this.callId} was answered ${status} ${r.message.reasonPhrase ?? ''}`, {
                    status,
                    ladder: this.ladder(),
                  }),
                )
              },
            },
          }).catch((e: unknown) => {
            clearTimeout(timer)
            reject(
              new SipError('SIP_BYE_FAILED', `${this.#ua.name}: could not send the BYE of call ${this.callId}: ${e instanceof Error ? e.message : String(e)}`, {
                ladder: this.ladder(),
                cause: e,
              }),
            )
          })
        })
      } else if (s.state === SessionState.Initial || s.state === SessionState.Establishing) {
        if (s instanceof Inviter) await s.cancel()
        else await (s as Invitation).reject({ statusCode: 480 })
      }
    } catch (e) {
      this.errors.push(`hangup: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`)
      throw e
    } finally {
      this.endedAt ??= new Date()
    }
  }

  /**
   * What the SIP log shows of this call's dialog: whether the INVITE was answered 2xx, whether the ACK of
   * that 2xx was sent (outgoing) or received (incoming), and who sent the first BYE with its final status.
   */
  dialogEvidence(): { answered: boolean; ack: boolean; bye: { by: 'local' | 'remote'; status: number | undefined } | undefined } {
    const msgs = this.messages()
    const mine = this.direction === 'outgoing' ? 'out' : 'in'
    const theirs = mine === 'out' ? 'in' : 'out'
    const seqOf = (m: LoggedSipMessage) => Number.parseInt(getHeaders(m.parsed!, 'cseq')[0] ?? '', 10)
    const invite = msgs.find((m) => m.direction === mine && m.parsed?.kind === 'request' && m.parsed.method === 'INVITE')
    const seq = invite ? seqOf(invite) : Number.NaN
    const answered = msgs.some(
      (m) =>
        m.direction === theirs &&
        m.parsed?.kind === 'response' &&
        m.parsed.status >= 200 &&
        m.parsed.status < 300 &&
        /INVITE/i.test(getHeaders(m.parsed, 'cseq')[0] ?? '') &&
        seqOf(m) === seq,
    )
    const ack = msgs.some((m) => m.direction === mine && m.parsed?.kind === 'request' && m.parsed.method === 'ACK' && seqOf(m) === seq)
    const byeMsg = msgs.find((m) => m.parsed?.kind === 'request' && m.parsed.method === 'BYE')
    let bye: { by: 'local' | 'remote'; status: number | undefined } | undefined
    if (byeMsg) {
      const byeSeq = seqOf(byeMsg)
      const final = msgs.find(
        (m) =>
          m.direction !== byeMsg.direction &&
          m.parsed?.kind === 'response' &&
          m.parsed.status >= 200 &&
          /BYE/i.test(getHeaders(m.parsed, 'cseq')[0] ?? '') &&
          seqOf(m) === byeSeq,
      )
      bye = { by: byeMsg.direction === 'out' ? 'local' : 'remote', status: final?.parsed?.kind === 'response' ? final.parsed.status : undefined }
    }
    return { answered, ack, bye }
  }

  /** Resolves when the far end (or we) ended the call. */
  waitForEnd(timeoutMs = 10_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.session.state === SessionState.Terminated) return resolve()
      const timer = setTimeout(() => reject(new TimeoutError(`the call ${this.callId} to end`, timeoutMs)), timeoutMs)
      timer.unref() // a watcher (e.g. the B2BUA's) must not keep the process alive
      this.session.stateChange.addListener((st) => {
        if (st === SessionState.Terminated) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
  }

  /** The final (≥ 300) response to this call's INVITE, as logged, if any. */
  finalResponse(): { status: number; reason: string } | undefined {
    for (const m of [...this.messages()].reverse()) {
      const p = m.parsed
      if (p?.kind === 'response' && p.status >= 300 && /INVITE/i.test(getHeaders(p, 'cseq')[0] ?? '')) return { status: p.status, reason: p.reason }
    }
    return undefined
  }

  /** The SIP messages of this call from this UA's log. */
  messages(): LoggedSipMessage[] {
    const id = this.callId
    return this.#ua.log.forCallId(id)
  }

  /** This call's ladder, with the SDPs. */
  ladder(): string {
    return formatSipLadder(this.messages(), { local: this.#ua.name })
  }
}

/**
 * Builds one call record (`kind: 'sip'`) for one or more legs of the same call (e.g. alice's outgoing and
 * bob's incoming side): every leg's media peer, and the SIP messages of the first leg as signaling.
 */
export async function sipCallRecord(legs: SipCall[], options: { test?: CallRecord['test']; extra?: Record<string, unknown> } = {}): Promise<CallRecord> {
  const first = legs[0]
  if (!first) throw new RtcspecError('INVALID_ARGUMENT', 'sipCallRecord needs at least one call leg')
  const startedAt = new Date(Math.min(...legs.map((l) => l.startedAt.getTime())))
  const peers = legs.flatMap((l) => (l.sdh ? [l.sdh.peer] : []))
  const t0 = startedAt.getTime()
  const messages = first.messages()
  // Addresses on each arrow, the full message text, and retransmissions with their timers (the report's ladder).
  const signaling = sipSignaling(messages, t0)
  const established = legs.map((l) => l.establishedAt?.getTime()).filter((x): x is number => x !== undefined)
  const ended = legs.map((l) => l.endedAt?.getTime()).filter((x): x is number => x !== undefined)
  return buildCallRecord({
    kind: 'sip',
    peers,
    startedAt,
    ...(ended.length ? { endedAt: new Date(Math.max(...ended)) } : {}),
    setup: { ...(established.length ? { connectMs: Math.min(...established) - t0 } : {}), ...firstRtpSince(peers, t0) },
    signaling,
    errors: legs.flatMap((l) => l.errors.map((message) => ({ message }))),
    extra: {
      sip: legs.map((l) => ({
        callId: l.callId,
        direction: l.direction,
        provisional: l.provisional,
        infoDtmf: l.infoDtmf,
        trickle: l.sdh?.trickler
          ? {
              infosSent: l.sdh.trickler.infosSent,
              infosReceived: l.sdh.trickler.infosReceived,
              candidatesSent: l.sdh.trickler.candidatesSent,
              candidatesReceived: l.sdh.trickler.candidatesReceived,
            }
          : false,
      })),
      ...options.extra,
    },
    ...(options.test ? { test: options.test } : {}),
  })
}

/**
 * `firstRtpMs`: from `t0` (wall clock, ms) to the first RTP packet any of `peers` received. Inbound arrival
 * times are on the monotonic clock (`performance.now()`), so they are moved onto the wall clock first.
 */
export function firstRtpSince(peers: ReadonlyArray<Peer>, t0: number): { firstRtpMs?: number } {
  const firsts = peers.flatMap((p) => p.inbound.map((t) => t.rtp.snapshot().firstArrivalMs)).filter((x): x is number => x !== undefined)
  if (!firsts.length) return {}
  const wallMinusMono = Date.now() - performance.now()
  return { firstRtpMs: Math.max(0, Math.min(...firsts) + wallMinusMono - t0) }
}

/** Creates and starts a SIP user agent (transport connected). Invalid options throw with every problem listed. */
export async function createSipUserAgent(options: SipUserAgentOptions): Promise<SipUserAgent> {
  const parsed = {
    data: parseOptions(SipUserAgentOptionsSchema, options, { code: 'SIP_UA_OPTIONS', what: 'SIP user agent options', hint: 'see docs/sip.md (user agents)' }),
  }
  // sip.js's known defects (src/patches), e.g. its grammar re-decoded on every header parse; unsupported ones stay off.
  await installSipjsPatches()
  const ua = new SipUserAgent(parsed.data)
  try {
    await ua.start()
  } catch (e) {
    await ua.close()
    throw e
  }
  return ua
}
