/**
 * Harness for a SIP endpoint over UDP (`udp://host:port`) or WebSocket (`ws://host:port/path`, RFC 7118).
 * Each case sends one message (a valid or mutated request, or a stray response) from one long-lived
 * socket, and acts as a UAS for requests a proxy forwards back to it (answering them 480), so a proxy's
 * final response still reaches the harness.
 *
 * Before sending, the harness writes its real address into the message (every `127.0.0.1:5060`, the
 * generator's placeholder sent-by and Contact, becomes the socket's address) and makes every branch unique
 * per send (`z9hG4bK` → `z9hG4bK<n>x`), so each case is a new transaction even when shrinking repeats an input.
 *
 * What the endpoint owes each message depends on the `profile` (`uas`, `proxy`, `registrar`): see
 * sip-rules.ts. A required final response is awaited up to `timeoutMs`; where RFC 3261 permits silence the
 * harness listens only `graceMs` (a response arriving in that time is still checked), so a campaign against
 * a loopback proxy runs hundreds of cases a second.
 *
 * Invariants:
 * - a well-formed request gets a final response within the timeout, unless a rule of the profile permits silence;
 * - an ACK and a stray response are never answered;
 * - every response parses and carries the request's Call-ID and CSeq (RFC 3261 §8.2.6.2);
 * - the status codes the RFC requires for the profile (420 for an unknown Proxy-Require at a proxy, 481 for an
 *   unmatched CANCEL at a UAS, 400 for a misused `Contact: *` at a registrar, the bindings in a REGISTER's 200);
 * - the endpoint keeps answering OPTIONS (checked every `checkEvery` cases and after the campaign).
 */
import { createSocket, type Socket } from 'node:dgram'
import fc from 'fast-check'
import { parseVia } from '../../sip/headers.ts'
import { getHeader, getHeaders, safeParseSipMessage, serializeSipMessage, type SipRequest, type SipResponse } from '../../sip/message.ts'
import {
  buildMutatedSipRequest,
  buildSipResponse,
  mutatedSipRequest,
  sipMutation,
  sipResponse,
  SIP_RUN_MARKER,
  SIP_TARGET_MARKER,
  type MutatedSipRequestSpec,
  type SipResponseSpec,
} from '../arbitraries/sip.ts'
import { applySdpMutations, type SdpMutation } from '../arbitraries/sdp-mutation.ts'
import { checkFuzzTarget } from '../loopback.ts'
import { decodedPayload, encodePayload, hasRawBytes } from '../payload.ts'
import {
  correlationProblems,
  finalResponseProblems,
  sipExpectation,
  SIP_RULES,
  type HarnessAddress,
  type SipExpectation,
  type SipProfile,
} from './sip-rules.ts'
import type { FuzzCase, FuzzOutcome, FuzzTarget } from '../target.ts'

/** A generated SIP input: a (mutated) request, or a (mutated) stray response. */
export type SipInputSpec = { request: MutatedSipRequestSpec } | { response: SipResponseSpec; mutations: SdpMutation[] }

/** Structured SIP inputs: mostly requests (weight 4), some stray responses (weight 1). */
export const sipInput: fc.Arbitrary<SipInputSpec> = fc.oneof(
  { weight: 4, arbitrary: mutatedSipRequest.map((request) => ({ request })) },
  { weight: 1, arbitrary: fc.record({ response: sipResponse, mutations: fc.array(sipMutation, { maxLength: 2 }) }) },
)

/** The text of a {@link SipInputSpec}. */
export function buildSipInput(spec: SipInputSpec): string {
  return 'request' in spec ? buildMutatedSipRequest(spec.request) : applySdpMutations(buildSipResponse(spec.response), spec.mutations)
}

/** The largest UDP payload over IPv4. */
const MAX_UDP_PAYLOAD = 65_507

/** Options of {@link sipTarget}. */
export interface SipTargetOptions {
  /** `udp://127.0.0.1:5060` or `ws://127.0.0.1:PORT` (subprotocol `sip`). */
  url: string
  allowRemote?: boolean
  /** Which kind of element the endpoint is; decides where silence is permitted (default `proxy`). */
  profile?: SipProfile
  /** How long to wait for a final response the profile requires (default 2000 ms). */
  timeoutMs?: number
  /** How long to listen after a message that may go unanswered (default 20 ms). */
  graceMs?: number
}

interface Channel {
  /** The harness's own address (UDP), written into Via and Contact; undefined over a connection. */
  local: HarnessAddress | undefined
  send(payload: string): void
  onMessage(listener: (text: string) => void): void
  close(): Promise<void>
}

async function udpChannel(host: string, port: number): Promise<Channel> {
  const sock: Socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject)
    sock.bind(0, host.includes(':') ? '::1' : '127.0.0.1', () => resolve())
  })
  sock.on('error', () => {}) // ICMP unreachable etc.: the case times out and says so
  let closed: Promise<void> | undefined
  const a = sock.address()
  return {
    local: { host: a.address, port: a.port },
    send: (payload) => sock.send(encodePayload(payload), port, host.replace(/^\[|\]$/g, '')),
    onMessage: (l) => sock.on('message', (b) => l(b.toString('utf8'))),
    close: () => (closed ??= new Promise<void>((r) => sock.close(() => r()))),
  }
}

async function wsChannel(url: string, timeoutMs: number): Promise<Channel> {
  const ws = new WebSocket(url, 'sip')
  const listeners: Array<(t: string) => void> = []
  ws.addEventListener('message', (ev) => {
    const d = ev.data
    const text = typeof d === 'string' ? d : Buffer.from(d as ArrayBuffer).toString('utf8')
    for (const l of listeners) l(text)
  })
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`WebSocket ${url} did not open within ${timeoutMs} ms`)), timeoutMs)
    ws.addEventListener('open', () => (clearTimeout(t), resolve()), { once: true })
    ws.addEventListener('error', () => (clearTimeout(t), reject(new Error(`WebSocket ${url} failed to open`))), { once: true })
  })
  ws.binaryType = 'arraybuffer'
  let closed: Promise<void> | undefined
  return {
    local: undefined,
    // invalid UTF-8 cannot travel in a text frame: such payloads go as a binary frame
    send: (payload) => (hasRawBytes(payload) ? ws.send(encodePayload(payload)) : ws.send(payload)),
    onMessage: (l) => void listeners.push(l),
    close: () =>
      (closed ??= new Promise<void>((r) => {
        if (ws.readyState === WebSocket.CLOSED) return r()
        const t = setTimeout(r, 1000)
        ws.addEventListener('close', () => (clearTimeout(t), r()), { once: true })
        ws.close()
      })),
  }
}

/** A 480 answer to a request a proxy forwarded to the harness. */
function answerForwarded(req: SipRequest): string {
  const copy = req.headers.filter((h) => ['via', 'v', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq'].includes(h.name.toLowerCase()))
  const res: SipResponse = {
    kind: 'response',
    version: 'SIP/2.0',
    status: 480,
    reason: 'Temporarily Unavailable (rtcspec fuzz)',
    headers: copy.map((h) => (/^(to|t)$/i.test(h.name) && !/;\s*tag=/i.test(h.value) ? { ...h, value: `${h.value};tag=fuzz` } : h)),
    body: '',
  }
  return serializeSipMessage(res)
}

/** The generator's placeholder for the harness's own address. */
const PLACEHOLDER = '127.0.0.1:5060'

/**
 * The message as sent: the harness's address instead of the placeholder (UDP), every branch made unique
 * with `n`, the run marker of generated users replaced by `runTag`, and the target marker host by the
 * endpoint's host:port. Exported for tests.
 */
export function personalizeSipText(text: string, local: HarnessAddress | undefined, n: number, runTag = 'r', endpoint?: HarnessAddress): string {
  let out = text.replaceAll('z9hG4bK', `z9hG4bK${n.toString(36)}x`).replaceAll(SIP_RUN_MARKER, `${runTag}.`)
  if (endpoint) out = out.replaceAll(`@${SIP_TARGET_MARKER}`, `@${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`)
  if (local) out = out.replaceAll(PLACEHOLDER, `${local.host.includes(':') ? `[${local.host}]` : local.host}:${local.port}`)
  return out
}

/** The branch of the top Via, if there is one that parses. */
function topBranch(m: { headers: SipRequest['headers'] }): string | undefined {
  const v = getHeaders(m, 'via')[0]
  if (v === undefined) return undefined
  try {
    return parseVia(v).params.branch || undefined
  } catch {
    return undefined
  }
}

/** A request in the INVITE's transaction or dialog (ACK, CANCEL, BYE), built from the INVITE and a response. */
function followUp(method: 'ACK' | 'CANCEL' | 'BYE', invite: SipRequest, response: SipResponse | undefined, branch: string | undefined): string {
  const cseq = (getHeader(invite, 'cseq') ?? '1').split(/\s+/)[0] ?? '1'
  const via = getHeaders(invite, 'via')[0] ?? ''
  const req: SipRequest = {
    kind: 'request',
    method,
    uri: invite.uri,
    version: 'SIP/2.0',
    headers: [
      { name: 'Via', value: branch ? via.replace(/branch=[^;,\s]*/, `branch=${branch}`) : via },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: getHeader(invite, 'from') ?? '' },
      { name: 'To', value: (response ? getHeader(response, 'to') : undefined) ?? getHeader(invite, 'to') ?? '' },
      { name: 'Call-ID', value: getHeader(invite, 'call-id') ?? '' },
      { name: 'CSeq', value: `${method === 'BYE' ? Number(cseq) + 1 : cseq} ${method}` },
    ],
    body: '',
  }
  return serializeSipMessage(req)
}

/** The SIP harness as a campaign target. Call `close()` (the CLI and tests do) to release the socket. */
export function sipTarget(options: SipTargetOptions): FuzzTarget<SipInputSpec> {
  const url = checkFuzzTarget(options.url, { protocols: ['udp:', 'ws:', 'wss:'], allowRemote: options.allowRemote ?? false })
  const profile: SipProfile = options.profile ?? 'proxy'
  const timeoutMs = options.timeoutMs ?? 2000
  const graceMs = options.graceMs ?? 20
  const endpoint: HarnessAddress = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || (url.protocol === 'udp:' ? 5060 : 80)) }
  let channel: Promise<Channel> | undefined
  let inbox: Array<SipResponse | { unparsable: string }> = []
  let wake: (() => void) | undefined
  let forwarded = 0
  let sends = 0
  const runTag = `r${Math.floor(Math.random() * 36 ** 6).toString(36)}`
  const open = (): Promise<Channel> =>
    (channel ??= (async () => {
      const ch = url.protocol === 'udp:' ? await udpChannel(url.hostname, Number(url.port || 5060)) : await wsChannel(url.toString(), timeoutMs)
      ch.onMessage((text) => {
        if (/^\s*$/.test(text)) return // keep-alive
        const r = safeParseSipMessage(text)
        if (!r.ok && !/^\s*SIP\//.test(text)) {
          forwarded++ // a request the proxy relayed as the harness sent it, damage included: not the proxy's answer
          return
        }
        if (r.ok && r.value.kind === 'request') {
          forwarded++
          if (r.value.method !== 'ACK') ch.send(answerForwarded(r.value))
          return
        }
        inbox.push(r.ok ? (r.value as SipResponse) : { unparsable: `${r.error.message}: ${JSON.stringify(text.slice(0, 120))}` })
        wake?.()
      })
      return ch
    })())

  /** Waits until `done()` or `ms` have passed. */
  const waitFor = async (ms: number, done: () => boolean): Promise<void> => {
    const until = performance.now() + ms
    while (!done() && performance.now() < until) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, until - performance.now()))
        wake = () => (clearTimeout(t), r())
      })
    }
    wake = undefined
  }

  const run = async (c: FuzzCase): Promise<FuzzOutcome> => {
    const ch = await open()
    const text = personalizeSipText(c.fields.text ?? '', ch.local, ++sends, runTag, endpoint)
    if (url.protocol === 'udp:' && encodePayload(text).byteLength > MAX_UDP_PAYLOAD) {
      // cannot travel in one datagram (RFC 3261 §18.1.1 sends such messages over TCP): not a case for UDP
      return { response: 'too-big-for-udp', violations: [] }
    }
    const wire = decodedPayload(text)
    const exp: SipExpectation = sipExpectation(profile, wire, ch.local, endpoint)
    const parsed = safeParseSipMessage(wire)
    const sent = parsed.ok ? parsed.value : undefined
    const branch = sent ? topBranch(sent) : undefined
    const callId = sent ? getHeader(sent, 'call-id') : undefined
    // a response is this case's when it carries the branch (unique per send), or, without one, the Call-ID
    const mine = (m: SipResponse) => (branch !== undefined ? topBranch(m) === branch : callId !== undefined && getHeader(m, 'call-id') === callId)
    inbox = []
    const before = forwarded
    ch.send(text)
    const responses = () => inbox.filter((m): m is SipResponse => 'kind' in m && mine(m))
    const finalOf = () => responses().find((m) => m.status >= 200)
    await waitFor(exp.answer === 'final' ? timeoutMs : graceMs, () => finalOf() !== undefined)
    const violations: string[] = []
    const req = exp.request
    // a UAS may ring and wait for its user: CANCEL it, and then it owes a final response (487) to the INVITE
    let cancelled = false
    if (exp.answer === 'final' && req?.method === 'INVITE' && !finalOf() && responses().some((m) => m.status > 100)) {
      cancelled = true
      ch.send(followUp('CANCEL', req, undefined, branch))
      await waitFor(timeoutMs, () => finalOf() !== undefined)
    }
    const final = finalOf()
    // an answer to a malformed message may copy its damage (a bare CR in a From it echoes): only answers to
    // well-formed messages must parse
    if (exp.answer === 'final') for (const m of inbox) if (!('kind' in m)) violations.push(`the endpoint sent a message that does not parse (${m.unparsable})`)
    if (exp.answer === 'final' && !final) {
      violations.push(
        `no final response within ${timeoutMs} ms${cancelled ? ' (after a CANCEL)' : ''} to a well-formed ${req?.method ?? 'request'}, and no rule lets a ${profile} stay silent here`,
      )
    }
    if (exp.answer === 'never' && responses().length) {
      violations.push(
        exp.rule?.id === 'ack'
          ? `an ACK was answered with ${responses()
              .map((m) => `${m.status} ${m.reason}`)
              .join(', ')} (${exp.rule.text})`
          : `a stray response came back to the harness (relayed to the next Via although the top Via is not the endpoint's own) (${exp.rule?.text})`,
      )
    }
    if (req && exp.answer !== 'never') for (const m of responses()) violations.push(...correlationProblems(req, m))
    if (req && exp.answer === 'final' && final && !cancelled) violations.push(...finalResponseProblems(profile, req, final))
    if (final && req?.method === 'INVITE') {
      // complete the INVITE transaction (and end a dialog a 2xx opened) so the endpoint stops retransmitting
      if (final.status < 300) {
        ch.send(followUp('ACK', req, final, `z9hG4bK${(++sends).toString(36)}ack`))
        ch.send(followUp('BYE', req, final, `z9hG4bK${(++sends).toString(36)}bye`))
      } else ch.send(followUp('ACK', req, final, branch))
    }
    const response = final
      ? String(final.status)
      : forwarded > before
        ? 'forwarded'
        : exp.answer === 'final'
          ? 'no-answer'
          : `silence:${exp.rule?.id ?? 'permitted'}`
    return {
      response,
      violations: [...new Set(violations)],
      detail: {
        received: responses().map((m) => `${m.status} ${m.reason}`),
        expectation: exp.answer,
        ...(exp.rule ? { rule: exp.rule.id } : {}),
        ...(exp.why ? { why: exp.why } : {}),
      },
    }
  }

  const healthCheck = async (): Promise<string[]> => {
    const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host
    const options = [
      `OPTIONS sip:${host}:${endpoint.port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${PLACEHOLDER};branch=z9hG4bKhealth;rport`,
      'Max-Forwards: 70',
      'From: <sip:fuzz@example.test>;tag=health',
      `To: <sip:${host}:${endpoint.port}>`,
      `Call-ID: fuzz-health-${Date.now()}-${Math.floor(Math.random() * 1e9)}`,
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n')
    const o = await run({ kind: 'sip', fields: { text: options } })
    return o.violations.length ? [`the endpoint stopped answering OPTIONS: ${o.violations.join('; ')}`] : []
  }

  const silence = Object.values(SIP_RULES).filter(
    (r) => r.id !== 'ack' && r.id !== 'response' && (profile !== 'uas' || !['cancel-unmatched', 'route-elsewhere', 'forwarded-elsewhere'].includes(r.id)),
  )
  return {
    name: 'sip',
    description: `SIP ${profile} ${options.url}`,
    invariants: [
      `a well-formed request gets a final response within ${timeoutMs} ms; silence is permitted only for: ${silence.map((r) => r.id).join(', ')}`,
      'an ACK and a stray response are never answered',
      "every response parses and carries the request's Call-ID and CSeq",
      profile === 'uas'
        ? 'an unmatched CANCEL is answered 481; an unknown Require is answered 420'
        : profile === 'proxy'
          ? 'an unknown Proxy-Require is answered 420'
          : 'an unknown Proxy-Require is answered 420; Contact "*" with other Contacts or Expires ≠ 0 is refused 400; a 200 to REGISTER lists the binding',
      'the endpoint keeps answering OPTIONS',
    ],
    arbitrary: sipInput,
    toCase: (s) => ({ kind: 'sip', fields: { text: buildSipInput(s) } }),
    run,
    reduce: (s) =>
      'request' in s
        ? s.request.mutations.map((_, i) => ({ request: { ...s.request, mutations: s.request.mutations.filter((__, j) => j !== i) } }))
        : s.mutations.map((_, i) => ({ ...s, mutations: s.mutations.filter((__, j) => j !== i) })),
    healthCheck,
    close: async () => {
      const ch = channel
      channel = undefined
      if (ch) await (await ch).close()
    },
  }
}
