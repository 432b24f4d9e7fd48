/**
 * The SIP call-flow engine: SIPp-like scenarios, typed. A flow is a list of steps run in order over one
 * raw channel (UDP, TCP or WebSocket):
 *
 * - `send`: a request (`INVITE`, `ACK`, `BYE`, `OPTIONS`, `REGISTER`, any method; `auth` answers the last
 *   401/407 with Digest credentials). Via, From, To, Call-ID, CSeq,
 *   Contact and Max-Forwards are filled in and follow the dialog (To tag, remote Contact, CSeq numbering,
 *   the INVITE's branch for CANCEL and non-2xx ACK); `headers` override or add, `body` sets the body,
 *   `sdp: true` attaches an RTP/AVP offer or answer from the flow's own plain-RTP peer. Over UDP requests
 *   are retransmitted on the RFC 3261 schedule until answered.
 * - `reply`: a response to the last request received (Via, From, To + tag, Call-ID, CSeq copied).
 * - `expect`: the next message must be this request method or response status (or one of several);
 *   `optional` steps are skipped when the message matches a later step; `headers` and `body` are regexes
 *   the message must match; `capture` stores regex groups into variables; `maxResponseMs` times the answer
 *   from the last message sent.
 * - `expectAck`: the flow answered an INVITE with a 2xx (a `reply` step): the ACK for it must arrive within
 *   `withinMs` (default 64·T1, RFC 3261 §13.3.1.4). Over UDP the 2xx is retransmitted meanwhile (T1, doubling
 *   up to T2), so a failure's ladder shows every retransmission the caller left unanswered.
 * - `pause`: waits a fixed time (the scenario's own timing, e.g. call duration).
 * - `media`: sends audio and/or checks received RTP on the negotiated plain-RTP stream.
 *
 * Text in `uri`, `headers` and `body` may use `[variables]`: `[call_id]`, `[local_ip]`, `[local_port]`,
 * `[remote_ip]`, `[remote_port]`, `[transport]`, `[service]`, `[from_tag]`, `[to_tag]`, and any given in
 * `vars` or captured. A failure names the step and shows the SIP ladder up to it with the SDPs (and the raw
 * text of a malformed message). The engine is pure protocol code: the DSL (`scenario({ sip })`) sits on it.
 */
import { randomBytes } from 'node:crypto'
import { RtcspecError } from '../errors.ts'
import {
  canonicalHeaderName,
  digestResponse,
  getHeader,
  getHeaders,
  parseDigestChallenge,
  parseNameAddr,
  safeParseSipMessage,
  serializeDigestCredentials,
  type SipMessage,
  type SipRequest,
} from '../sip/index.ts'
import { createRtpPeer, type RtpPeer } from '../peers/rtp/peer.ts'
import { detectTone } from '../media/analysis.ts'
import type { AudioSourceSpec } from '../peers/types.ts'
import { DEFAULT_SIP_TIMERS, Retransmitter, type SipTimers } from './retransmit.ts'
import { openSipChannel, type SipChannel, type SipChannelTarget } from './sip-channel.ts'
import { formatSipLadder, SipLog } from './sip-log.ts'

/** Where a regex capture reads from. */
export interface FlowCapture {
  /** Header to read (first value); without it the body, or with `startLine` the first line. */
  header?: string
  startLine?: boolean
  /** Regex (string form); group 1 is stored when present, else the whole match. */
  regex: string
}

/** Send a request. */
export interface SendStep {
  send: string
  uri?: string
  headers?: Record<string, string>
  body?: string
  contentType?: string
  sdp?: boolean
  /** Retransmit over UDP until answered (default true except for ACK). */
  retransmit?: boolean
  /** Answer the last 401/407 challenge received with Digest credentials (MD5, qop=auth when offered). */
  auth?: { username: string; password: string }
}

/** Reply to the last request received. */
export interface ReplyStep {
  reply: number
  reason?: string
  headers?: Record<string, string>
  body?: string
  contentType?: string
  sdp?: boolean
}

/** Expect the next message. */
export interface ExpectStep {
  expect: string | number | number[]
  optional?: boolean
  timeoutMs?: number
  maxResponseMs?: number
  headers?: Record<string, string>
  body?: string
  capture?: Record<string, FlowCapture>
}

/** The ACK for the 2xx the flow sent to an INVITE (RFC 3261 §13.3.1.4): retransmits the 2xx over UDP until it arrives. */
export interface ExpectAckStep {
  expectAck: true
  /** How long to wait for the ACK, ms. Default 64·T1 (32 s with the default T1). */
  withinMs?: number
}

/** Wait. */
export interface PauseStep {
  pause: number
}

/** Media on the flow's plain-RTP stream. */
export interface MediaStep {
  media: {
    send?: AudioSourceSpec
    expect?: { packetsAtLeast: number; withinMs?: number; tone?: number; lossBelow?: number }
  }
}

/** One step of a flow. */
export type FlowStep = SendStep | ReplyStep | ExpectStep | ExpectAckStep | PauseStep | MediaStep

/** Options of {@link runSipFlow}. */
export interface SipFlowOptions {
  name?: string
  target: SipChannelTarget
  steps: FlowStep[]
  vars?: Record<string, string>
  /** Retransmission timers for UDP (default T1 500 ms, T2 4 s). */
  timers?: Partial<SipTimers>
  /** Default timeout of expect steps, ms. Default 10 000. */
  expectTimeoutMs?: number
  /** Called once the channel is open, with its local address (e.g. to point a caller at a flow in the UAS role). */
  onReady?: (local: { host: string; port: number; transport: string }) => void | Promise<void>
}

/** Outcome of a flow. */
export interface SipFlowResult {
  vars: Record<string, string>
  /** Response times measured for expect steps (ms from the last message sent). */
  timings: Array<{ step: number; label: string; ms: number }>
  /** Indexes of optional steps that were skipped. */
  skipped: number[]
  log: SipLog
  /** The flow's plain-RTP peer, when the flow negotiated media (closed after the flow). */
  media: RtpPeer | undefined
}

/** A flow failed: which step, why, and the ladder up to it. */
export class SipFlowError extends RtcspecError {
  readonly stepIndex: number
  readonly stepLabel: string
  readonly ladder: string
  /** Why the step failed, without the ladder. */
  readonly reason: string
  /** The flow's messages up to the failure. */
  readonly log: SipLog | undefined
  constructor(flow: string, stepIndex: number, stepLabel: string, reason: string, ladder: string, hint?: string, log?: SipLog) {
    super('SIP_FLOW', `SIP flow "${flow}" failed at step ${stepIndex + 1} (${stepLabel}): ${reason}\n\n${ladder}`, hint ? { hint } : {})
    this.name = 'SipFlowError'
    this.reason = hint ? `${reason}\n  hint: ${hint}` : reason
    this.log = log
    this.stepIndex = stepIndex
    this.stepLabel = stepLabel
    this.ladder = ladder
  }
}

/** A short label for a step, for messages. */
export function describeStep(step: FlowStep): string {
  if ('send' in step) return `send ${step.send}`
  if ('reply' in step) return `reply ${step.reply}`
  if ('expect' in step) return `expect ${Array.isArray(step.expect) ? step.expect.join('|') : step.expect}${step.optional ? ' (optional)' : ''}`
  if ('pause' in step) return `pause ${step.pause} ms`
  if ('expectAck' in step) return `expect ACK of the 2xx${step.withinMs !== undefined ? ` within ${step.withinMs} ms` : ''}`
  return `media${step.media.send ? ' send' : ''}${step.media.expect ? ' expect' : ''}`
}

const token = (n = 8) => randomBytes(n).toString('hex')

function matches(step: ExpectStep, m: SipMessage): boolean {
  const wanted = Array.isArray(step.expect) ? step.expect : [step.expect]
  return wanted.some((w) =>
    typeof w === 'number' ? m.kind === 'response' && m.status === w : m.kind === 'request' && m.method.toUpperCase() === w.toUpperCase(),
  )
}

class FlowFailure extends Error {
  readonly hint: string | undefined
  constructor(message: string, hint?: string) {
    super(message)
    this.hint = hint
  }
}

/** Runs a flow to the end. Rejects with a {@link SipFlowError}. Always closes its channel and media. */
export async function runSipFlow(options: SipFlowOptions): Promise<SipFlowResult> {
  const name = options.name ?? 'flow'
  const log = new SipLog()
  const inbox: Array<{ text: string; error?: string; at: number }> = []
  let wake: (() => void) | undefined
  let retransmitter: Retransmitter | undefined
  const channel: SipChannel = await openSipChannel(options.target, log, (text, error) => {
    retransmitter?.received(text)
    inbox.push({ text, ...(error ? { error } : {}), at: performance.now() })
    wake?.()
  })
  if (channel.transport === 'UDP') retransmitter = new Retransmitter((t) => channel.send(t), options.timers)
  try {
    await options.onReady?.({ host: channel.localHost, port: channel.localPort, transport: channel.transport })
  } catch (e) {
    await channel.close()
    throw e
  }
  const vars: Record<string, string> = {
    call_id: `${token()}@rtcspec`,
    from_tag: token(5),
    local_ip: channel.localHost,
    local_port: String(channel.localPort),
    remote_ip: channel.remoteHost,
    remote_port: String(channel.remotePort),
    transport: channel.transport,
    service: 'service',
    ...options.vars,
  }
  const dialog = {
    cseq: 0,
    inviteCseq: 0,
    inviteBranch: '',
    lastInviteFinal: 0,
    remoteTarget: undefined as string | undefined,
    localTag: token(5),
    lastRequest: undefined as SipRequest | undefined,
    sdpOffered: false,
    remoteOffer: undefined as string | undefined,
    lastChallenge: undefined as { value: string; proxy: boolean } | undefined,
    /** The last 2xx the flow sent to an INVITE: its text and CSeq number, for `expectAck`. */
    last2xx: undefined as { text: string; cseq: number; status: number } | undefined,
  }
  const consumed = new Set<string>()
  const timings: SipFlowResult['timings'] = []
  const skipped: number[] = []
  let peer: RtpPeer | undefined
  let lastSentAt = performance.now()

  const fill = (text: string): string =>
    text.replace(/\[([A-Za-z_][\w-]*)\]/g, (_whole, v: string) => {
      const value = vars[v]
      if (value === undefined)
        throw new FlowFailure(
          `unknown variable [${v}] in "${text.slice(0, 80)}"`,
          `define it in vars or capture it first; known: ${Object.keys(vars).join(', ')}`,
        )
      return value
    })

  const ensurePeer = () => (peer ??= createRtpPeer({ name: `${name}-media` }))

  const withHeaders = (base: Array<[string, string]>, extra: Record<string, string> | undefined): Array<[string, string]> => {
    const out = [...base]
    for (const [k, v] of Object.entries(extra ?? {})) {
      const i = out.findIndex(([n]) => canonicalHeaderName(n) === canonicalHeaderName(k))
      if (i >= 0) out[i] = [out[i]![0], fill(v)]
      else out.push([k, fill(v)])
    }
    return out
  }

  const bodyFor = async (step: SendStep | ReplyStep): Promise<{ body: string; type: string | undefined }> => {
    if (step.sdp) {
      const p = ensurePeer()
      if (dialog.remoteOffer !== undefined) {
        const answer = await p.acceptOffer({ type: 'offer', sdp: dialog.remoteOffer })
        dialog.remoteOffer = undefined
        return { body: answer.sdp, type: 'application/sdp' }
      }
      dialog.sdpOffered = true
      return { body: (await p.createOffer()).sdp, type: 'application/sdp' }
    }
    if (step.body !== undefined) return { body: fill(step.body), type: step.contentType ?? 'application/sdp' }
    return { body: '', type: undefined }
  }

  const serialize = (startLine: string, headers: Array<[string, string]>, body: string, type: string | undefined) => {
    const all = headers.filter(([n]) => canonicalHeaderName(n) !== 'content-length')
    if (type && body && !all.some(([n]) => canonicalHeaderName(n) === 'content-type')) all.push(['Content-Type', type])
    all.push(['Content-Length', String(Buffer.byteLength(body))])
    return `${startLine}\r\n${all.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n${body}`
  }

  const sendRequest = async (step: SendStep) => {
    const method = step.send.toUpperCase()
    let seq: number
    let branch = `z9hG4bK${token(6)}`
    if (method === 'ACK') {
      seq = dialog.inviteCseq
      if (dialog.lastInviteFinal >= 300) branch = dialog.inviteBranch
    } else if (method === 'CANCEL') {
      seq = dialog.inviteCseq
      branch = dialog.inviteBranch
    } else seq = ++dialog.cseq
    if (method === 'INVITE') {
      dialog.inviteCseq = seq
      dialog.inviteBranch = branch
      dialog.lastInviteFinal = 0
    }
    const inDialog = vars.to_tag !== undefined && method !== 'CANCEL' && !(method === 'ACK' && dialog.lastInviteFinal >= 300)
    const uri =
      step.uri !== undefined
        ? fill(step.uri)
        : inDialog && dialog.remoteTarget
          ? dialog.remoteTarget
          : fill(vars.uri ?? 'sip:[service]@[remote_ip]:[remote_port]')
    const toUri = fill(vars.to ?? 'sip:[service]@[remote_ip]:[remote_port]')
    const { body, type } = await bodyFor(step)
    const hostPort = channel.transport === 'WS' ? channel.localHost : `${channel.localHost}:${channel.localPort}`
    const headers = withHeaders(
      [
        ['Via', `SIP/2.0/${channel.transport} ${hostPort};branch=${branch};rport`],
        ['Max-Forwards', '70'],
        ['From', `<${fill(vars.from ?? `sip:rtcspec@${hostPort}`)}>;tag=${vars.from_tag}`],
        ['To', `<${toUri}>${vars.to_tag !== undefined && method !== 'CANCEL' && !(method === 'INVITE' && !inDialog) ? `;tag=${vars.to_tag}` : ''}`],
        ['Call-ID', vars.call_id!],
        ['CSeq', `${seq} ${method}`],
        ['Contact', `<sip:rtcspec@${hostPort};transport=${channel.transport.toLowerCase()}>`],
        ['User-Agent', 'rtcspec call-flow'],
      ],
      step.headers,
    )
    if (step.auth) headers.push(authorization(step.auth, method, uri))
    const text = serialize(`${method} ${uri} SIP/2.0`, headers, body, type)
    channel.send(text)
    lastSentAt = performance.now()
    if (retransmitter && method !== 'ACK' && (step.retransmit ?? true)) retransmitter.sent(text)
  }

  const authorization = (auth: { username: string; password: string }, method: string, uri: string): [string, string] => {
    const challenge = dialog.lastChallenge
    if (!challenge) throw new FlowFailure('send with auth: no 401/407 challenge was received before', 'expect the 401 (or 407) first')
    let c
    try {
      c = parseDigestChallenge(challenge.value)
    } catch (e) {
      throw new FlowFailure(`send with auth: cannot read the challenge: ${(e as Error).message}`)
    }
    const qop = c.qop
      ?.split(',')
      .map((q) => q.trim())
      .includes('auth')
      ? 'auth'
      : undefined
    const cnonce = token(8)
    const response = digestResponse({
      username: auth.username,
      realm: c.realm,
      password: fill(auth.password),
      method,
      uri,
      nonce: c.nonce,
      ...(qop ? { qop, nc: '00000001', cnonce } : {}),
    })
    const value = serializeDigestCredentials({
      username: auth.username,
      realm: c.realm,
      nonce: c.nonce,
      uri,
      response,
      algorithm: 'MD5',
      ...(qop ? { qop, nc: '00000001', cnonce } : {}),
      ...(c.opaque !== undefined ? { opaque: c.opaque } : {}),
    })
    return [challenge.proxy ? 'Proxy-Authorization' : 'Authorization', value]
  }

  const sendReply = async (step: ReplyStep) => {
    const req = dialog.lastRequest
    if (!req) throw new FlowFailure('there is no received request to reply to', 'put an expect step for the request before the reply')
    const reason =
      step.reason ??
      (step.reply === 200
        ? 'OK'
        : step.reply === 180
          ? 'Ringing'
          : step.reply === 100
            ? 'Trying'
            : step.reply === 183
              ? 'Session Progress'
              : step.reply === 486
                ? 'Busy Here'
                : 'Response')
    const to = getHeader(req, 'to') ?? ''
    const toValue = step.reply > 100 && !/;\s*tag=/i.test(to) ? `${to};tag=${dialog.localTag}` : to
    const { body, type } = await bodyFor(step)
    const hostPort = channel.transport === 'WS' ? channel.localHost : `${channel.localHost}:${channel.localPort}`
    const headers = withHeaders(
      [
        ...getHeaders(req, 'via').map((v): [string, string] => ['Via', v]),
        ['From', getHeader(req, 'from') ?? ''],
        ['To', toValue],
        ['Call-ID', getHeader(req, 'call-id') ?? ''],
        ['CSeq', getHeader(req, 'cseq') ?? ''],
        ['Contact', `<sip:rtcspec@${hostPort};transport=${channel.transport.toLowerCase()}>`],
      ],
      step.headers,
    )
    const text = serialize(`SIP/2.0 ${step.reply} ${reason}`, headers, body, type)
    channel.send(text)
    lastSentAt = performance.now()
    if (req.method === 'INVITE' && step.reply >= 200 && step.reply < 300)
      dialog.last2xx = { text, cseq: Number.parseInt(getHeader(req, 'cseq') ?? '', 10), status: step.reply }
  }

  /** Takes the next non-retransmitted message, waiting up to `timeoutMs`. */
  const nextMessage = async (timeoutMs: number, what: string): Promise<{ message: SipMessage; at: number }> => {
    const got = await nextMessageOrNone(timeoutMs)
    if (!got) throw new FlowFailure(`timed out after ${timeoutMs} ms waiting for ${what}`)
    return got
  }

  /** Like `nextMessage`, but undefined when nothing came within `timeoutMs`. */
  const nextMessageOrNone = async (timeoutMs: number): Promise<{ message: SipMessage; at: number } | undefined> => {
    const deadline = performance.now() + timeoutMs
    for (let guard = 0; guard < 100_000; guard++) {
      const item = inbox.shift()
      if (item) {
        const r = item.error ? undefined : safeParseSipMessage(item.text)
        if (!r?.ok) {
          throw new FlowFailure(
            `received a malformed SIP message: ${item.error ?? (r && !r.ok ? r.error.message : '')}\n--- raw message ---\n${item.text}`,
            'the far end sent something that is not valid SIP (RFC 3261 §7)',
          )
        }
        if (item.text.trim() === '') continue
        const m = r.value
        const key = `${m.kind === 'request' ? m.method : m.status}|${getHeader(m, 'cseq')}|${getHeaders(m, 'via')[0]}|${getHeader(m, 'call-id')}`
        if (consumed.has(key)) continue // a retransmission of something already handled
        consumed.add(key)
        return { message: m, at: item.at }
      }
      const left = deadline - performance.now()
      if (left <= 0) return undefined
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        wake = () => {
          clearTimeout(timer)
          wake = undefined
          resolve()
        }
      })
    }
    throw new FlowFailure(`gave up waiting for a message after ${timeoutMs} ms`)
  }

  const expectAck = async (step: ExpectAckStep, index: number) => {
    const sent = dialog.last2xx
    if (!sent)
      throw new FlowFailure('no 2xx answer to an INVITE was sent, so there is no ACK to expect', 'reply 200 (or another 2xx) to the INVITE before expectAck')
    const t1 = options.timers?.t1 ?? DEFAULT_SIP_TIMERS.t1
    const t2 = options.timers?.t2 ?? DEFAULT_SIP_TIMERS.t2
    const within = step.withinMs ?? 64 * t1
    const deadline = lastSentAt + within
    const udp = channel.transport === 'UDP'
    let interval = t1
    let nextRetransmit = lastSentAt + interval
    let sentTimes = 1
    for (let guard = 0; guard < 10_000; guard++) {
      const now = performance.now()
      if (now >= deadline) {
        throw new FlowFailure(
          `the ${sent.status} answering the INVITE (CSeq ${sent.cseq}) was not ACKed within ${within} ms (sent ${sentTimes} time${sentTimes === 1 ? '' : 's'}${udp ? ', retransmitted on T1 doubling up to T2' : ''})`,
          'the caller must ACK a 2xx to its INVITE (RFC 3261 §13.2.2.4); check it receives the 200 (its Via/rport, routing) and that its ACK reaches this address',
        )
      }
      const got = await nextMessageOrNone(Math.max(0, Math.min(deadline, udp ? nextRetransmit : deadline) - now))
      if (!got) {
        if (udp && performance.now() >= nextRetransmit && performance.now() < deadline) {
          channel.send(sent.text)
          sentTimes++
          interval = Math.min(interval * 2, t2)
          nextRetransmit = performance.now() + interval
        }
        continue
      }
      const m = got.message
      if (m.kind === 'request' && m.method === 'INVITE' && Number.parseInt(getHeader(m, 'cseq') ?? '', 10) === sent.cseq) {
        channel.send(sent.text) // a retransmitted INVITE gets the 2xx again (RFC 3261 §13.3.1.4)
        sentTimes++
        continue
      }
      if (m.kind === 'request' && m.method === 'ACK' && Number.parseInt(getHeader(m, 'cseq') ?? '', 10) === sent.cseq) {
        await learn(m)
        timings.push({ step: index, label: describeStep(step), ms: got.at - lastSentAt })
        return
      }
      const what = m.kind === 'request' ? `${m.method} request` : `${m.status} ${m.reason}`
      throw new FlowFailure(
        `unexpected ${what} while waiting for the ACK of the ${sent.status} (CSeq ${sent.cseq})`,
        'the caller must ACK the 2xx before anything else in the dialog',
      )
    }
    throw new FlowFailure('gave up waiting for the ACK')
  }

  const check = (step: ExpectStep, m: SipMessage, at: number, index: number) => {
    const problems: string[] = []
    for (const [h, pattern] of Object.entries(step.headers ?? {})) {
      const value = getHeader(m, h)
      if (value === undefined) problems.push(`header ${h} is missing`)
      else if (!new RegExp(pattern).test(value)) problems.push(`header ${h}: ${JSON.stringify(value)} does not match /${pattern}/`)
    }
    if (step.body !== undefined && !new RegExp(step.body).test(m.body)) problems.push(`body does not match /${step.body}/`)
    for (const [v, cap] of Object.entries(step.capture ?? {})) {
      const source =
        cap.header !== undefined
          ? getHeader(m, cap.header)
          : cap.startLine
            ? m.kind === 'request'
              ? `${m.method} ${m.uri} ${m.version}`
              : `${m.version} ${m.status} ${m.reason}`
            : m.body
      const match = source === undefined ? null : new RegExp(cap.regex).exec(source)
      if (!match) problems.push(`capture [${v}]: /${cap.regex}/ found nothing in ${cap.header ?? (cap.startLine ? 'the start line' : 'the body')}`)
      else vars[v] = match[1] ?? match[0]
    }
    const ms = at - lastSentAt
    timings.push({ step: index, label: describeStep(step), ms })
    if (step.maxResponseMs !== undefined && ms > step.maxResponseMs)
      problems.push(`answered after ${ms.toFixed(1)} ms, more than maxResponseMs ${step.maxResponseMs}`)
    if (problems.length) throw new FlowFailure(problems.join('; '))
  }

  const learn = async (m: SipMessage) => {
    if (m.kind === 'request') dialog.lastRequest = m
    const to = getHeader(m, 'to')
    if (m.kind === 'response' && to) {
      const tag = parseNameAddr(to, 'To').params.tag
      if (tag && m.status > 100) vars.to_tag = tag
    }
    if (m.kind === 'request' && m.method === 'INVITE') {
      // We are the UAS: the caller's tag is the remote tag; our To tag is the local one.
      const from = getHeader(m, 'from')
      if (from) vars.remote_tag = parseNameAddr(from, 'From').params.tag ?? ''
      vars.call_id = getHeader(m, 'call-id') ?? vars.call_id!
    }
    const contact = getHeaders(m, 'contact')[0]
    if (contact && ((m.kind === 'response' && m.status >= 200 && m.status < 300) || (m.kind === 'request' && m.method === 'INVITE'))) {
      try {
        dialog.remoteTarget = parseNameAddr(contact, 'Contact').uri
      } catch {
        // keep the previous target
      }
    }
    if (m.kind === 'response' && (m.status === 401 || m.status === 407)) {
      const value = getHeader(m, m.status === 401 ? 'www-authenticate' : 'proxy-authenticate')
      if (value !== undefined) dialog.lastChallenge = { value, proxy: m.status === 407 }
    }
    const cseq = getHeader(m, 'cseq') ?? ''
    if (m.kind === 'response' && / INVITE$/i.test(cseq) && m.status >= 200) dialog.lastInviteFinal = m.status
    if (/application\/sdp/i.test(getHeader(m, 'content-type') ?? '') && m.body) {
      if (dialog.sdpOffered && peer) {
        dialog.sdpOffered = false
        await peer.acceptAnswer({ type: 'answer', sdp: m.body })
      } else if (!dialog.sdpOffered) dialog.remoteOffer = m.body
    }
  }

  const media = async (step: MediaStep) => {
    if (!peer?.negotiated) throw new FlowFailure('no media was negotiated', 'send or reply with sdp: true first, and expect the answer')
    if (step.media.send) peer.sendAudio(step.media.send)
    const e = step.media.expect
    if (!e) return
    const within = e.withinMs ?? 5000
    const track = await peer.waitForTrack('audio', within)
    await track.waitForPackets(e.packetsAtLeast, within)
    const s = track.rtp.snapshot()
    const problems: string[] = []
    if (e.lossBelow !== undefined && !(s.lossFraction < e.lossBelow))
      problems.push(`loss ${(s.lossFraction * 100).toFixed(2)} % is not below ${(e.lossBelow * 100).toFixed(2)} %`)
    if (e.tone !== undefined) {
      const rec = track.recording()
      const d = detectTone(rec.samples, rec.sampleRate, e.tone)
      if (!d.present) problems.push(`no ${e.tone} Hz tone in the received audio`)
    }
    if (problems.length) throw new FlowFailure(`media: ${problems.join('; ')} (received ${s.received}, lost ${s.lost})`)
  }

  let index = 0
  try {
    for (let guard = 0; index < options.steps.length && guard < 100_000; guard++) {
      const step = options.steps[index]!
      if ('send' in step) await sendRequest(step)
      else if ('reply' in step) await sendReply(step)
      else if ('pause' in step) await new Promise((r) => setTimeout(r, step.pause))
      else if ('media' in step) await media(step)
      else if ('expectAck' in step) await expectAck(step, index)
      else {
        // Expect: the next message must match this step, or (skipping optional steps) a later expect.
        const { message, at } = await nextMessage(step.timeoutMs ?? options.expectTimeoutMs ?? 10_000, describeStep(step))
        let j = index
        let target: number | undefined
        for (; j < options.steps.length; j++) {
          const s = options.steps[j]!
          if (!('expect' in s)) break
          if (matches(s, message)) {
            target = j
            break
          }
          if (!s.optional) break
        }
        if (target === undefined) {
          // Report the first required step the message failed to match.
          if (j < options.steps.length && 'expect' in options.steps[j]!) index = j
          const got = message.kind === 'request' ? `${message.method} request` : `${message.status} ${message.reason}`
          throw new FlowFailure(`unexpected ${got}`, 'mark steps that may not happen as optional: true')
        }
        for (let k = index; k < target; k++) skipped.push(k)
        index = target
        await learn(message)
        check(options.steps[target] as ExpectStep, message, at, target)
      }
      index++
    }
    return { vars, timings, skipped, log, media: peer }
  } catch (e) {
    const step = options.steps[Math.min(index, options.steps.length - 1)]
    const label = step ? describeStep(step) : 'start'
    const reason = e instanceof Error ? e.message : String(e)
    throw new SipFlowError(name, index, label, reason, formatSipLadder(log.entries, { local: 'rtcspec' }), e instanceof FlowFailure ? e.hint : undefined, log)
  } finally {
    retransmitter?.clear()
    await channel.close()
    await peer?.close()
  }
}
