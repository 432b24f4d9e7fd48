/**
 * Harness for a SIP endpoint over UDP (`udp://host:port`) or WebSocket (`ws://host:port/path`, RFC 7118).
 * Each case sends one message (a valid or mutated request, or a stray response) from one long-lived
 * socket, and acts as a UAS for requests a proxy forwards back to it (answering them 480), so a proxy's
 * final response still reaches the harness.
 *
 * Invariants:
 * - a well-formed request (it parses, carries Via/From/To/Call-ID/CSeq, is not an ACK) gets a final response
 *   within the timeout; anything else gets either a response or silence (the "defined silence" of RFC 3261
 *   §18.3 / §16.3 for messages that cannot be answered);
 * - every response parses, and carries the request's Call-ID and CSeq (RFC 3261 §8.2.6.2);
 * - the endpoint keeps answering OPTIONS (checked every `checkEvery` cases and after the campaign).
 */
import { createSocket, type Socket } from 'node:dgram'
import fc from 'fast-check'
import { missingMandatoryHeaders } from '../../sip/headers.ts'
import { canonicalHeaderName, getHeader, getHeaders, safeParseSipMessage, serializeSipMessage, type SipMessage, type SipRequest, type SipResponse } from '../../sip/message.ts'
import { buildMutatedSipRequest, buildSipResponse, mutatedSipRequest, sipMutation, sipResponse, type MutatedSipRequestSpec, type SipResponseSpec } from '../arbitraries/sip.ts'
import { applySdpMutations, type SdpMutation } from '../arbitraries/sdp-mutation.ts'
import { checkFuzzTarget } from '../loopback.ts'
import { decodedPayload, encodePayload, hasRawBytes } from '../payload.ts'
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
  /** How long to wait for the final response to a well-formed request (default 2000 ms). */
  timeoutMs?: number
  /** How long to listen after a message that may go unanswered (default 150 ms). */
  graceMs?: number
}

interface Channel {
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
  return {
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
  const res: SipResponse = { kind: 'response', version: 'SIP/2.0', status: 480, reason: 'Temporarily Unavailable (rtcspec fuzz)', headers: copy.map((h) => (/^(to|t)$/i.test(h.name) && !/;\s*tag=/i.test(h.value) ? { ...h, value: `${h.value};tag=fuzz` } : h)), body: '' }
  return serializeSipMessage(res)
}

/** The SIP harness as a campaign target. Call `close()` (the CLI and tests do) to release the socket. */
export function sipTarget(options: SipTargetOptions): FuzzTarget<SipInputSpec> {
  const url = checkFuzzTarget(options.url, { protocols: ['udp:', 'ws:', 'wss:'], allowRemote: options.allowRemote ?? false })
  const timeoutMs = options.timeoutMs ?? 2000
  const graceMs = options.graceMs ?? 150
  let channel: Promise<Channel> | undefined
  let inbox: SipMessage[] = []
  let wake: (() => void) | undefined
  let forwarded = 0
  const open = (): Promise<Channel> =>
    (channel ??= (async () => {
      const ch = url.protocol === 'udp:' ? await udpChannel(url.hostname, Number(url.port || 5060)) : await wsChannel(url.toString(), timeoutMs)
      ch.onMessage((text) => {
        const r = safeParseSipMessage(text)
        if (r.ok && r.value.kind === 'request') {
          forwarded++
          if (r.value.method !== 'ACK') ch.send(answerForwarded(r.value))
          return
        }
        inbox.push(r.ok ? r.value : ({ kind: 'response', status: 0, reason: `unparsable: ${text.slice(0, 80)}`, version: '', headers: [], body: '' } satisfies SipResponse))
        wake?.()
      })
      return ch
    })())

  /** Waits until `done(inbox)` or the deadline; returns what arrived. */
  const collect = async (deadlineMs: number, done: (m: SipMessage[]) => boolean): Promise<SipMessage[]> => {
    const until = performance.now() + deadlineMs
    while (!done(inbox) && performance.now() < until) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, until - performance.now()))
        wake = () => (clearTimeout(t), r())
      })
    }
    wake = undefined
    return inbox
  }

  const run = async (c: FuzzCase): Promise<FuzzOutcome> => {
    const text = c.fields.text ?? ''
    const ch = await open()
    inbox = []
    const parsed = safeParseSipMessage(decodedPayload(text))
    const req = parsed.ok && parsed.value.kind === 'request' ? parsed.value : undefined
    const answerable = req !== undefined && req.method !== 'ACK' && missingMandatoryHeaders(req).length === 0
    // the raw Call-ID header lines (a message may carry several, or an empty one)
    const callIds = req ? req.headers.filter((h) => canonicalHeaderName(h.name) === 'call-id').map((h) => h.value) : []
    const cseq = req ? getHeader(req, 'cseq') : undefined
    const mine = (m: SipMessage) => m.kind === 'response' && (callIds.length !== 1 || getHeader(m, 'call-id') === callIds[0])
    const before = forwarded
    if (url.protocol === 'udp:' && encodePayload(text).byteLength > MAX_UDP_PAYLOAD) {
      // cannot travel in one datagram (RFC 3261 §18.1.1 sends such messages over TCP): not a case for UDP
      return { response: 'too-big-for-udp', violations: [] }
    }
    ch.send(text)
    const got = await collect(answerable ? timeoutMs : graceMs, (ms) => ms.some((m) => mine(m) && m.kind === 'response' && m.status >= 200))
    const violations: string[] = []
    const final = got.find((m): m is SipResponse => m.kind === 'response' && mine(m) && m.status >= 200)
    for (const m of got) {
      if (m.kind === 'response' && m.status === 0) violations.push(`the endpoint sent a message that does not parse (${m.reason})`)
    }
    if (answerable && !final) violations.push(`no final response within ${timeoutMs} ms to a well-formed ${req.method}`)
    if (final && req && callIds.length === 1 && req.headers.filter((h) => canonicalHeaderName(h.name) === 'cseq').length === 1) {
      if (getHeader(final, 'call-id') !== callIds[0]) violations.push(`response Call-ID ${JSON.stringify(getHeader(final, 'call-id'))} differs from the request's`)
      if ((getHeader(final, 'cseq') ?? '').replace(/\s+/g, ' ') !== (cseq ?? '').replace(/\s+/g, ' ')) violations.push(`response CSeq ${JSON.stringify(getHeader(final, 'cseq'))} differs from the request's ${JSON.stringify(cseq)}`)
    }
    if (final && req?.method === 'INVITE') {
      // complete the INVITE transaction so the endpoint stops retransmitting
      const ack: SipRequest = {
        kind: 'request', method: 'ACK', uri: req.uri, version: 'SIP/2.0',
        headers: [
          ...getHeaders(req, 'via').slice(0, 1).map((v) => ({ name: 'Via', value: v })),
          { name: 'Max-Forwards', value: '70' },
          { name: 'From', value: getHeader(req, 'from') ?? '' },
          { name: 'To', value: getHeader(final, 'to') ?? '' },
          { name: 'Call-ID', value: callIds[0] ?? '' },
          { name: 'CSeq', value: `${(cseq ?? '1').split(/\s+/)[0]} ACK` },
        ],
        body: '',
      }
      ch.send(serializeSipMessage(ack))
    }
    const response = final ? String(final.status) : forwarded > before ? 'forwarded' : 'silence'
    return { response, violations, detail: { received: got.map((m) => (m.kind === 'response' ? `${m.status} ${m.reason}` : m.method)), answerable } }
  }

  const healthCheck = async (): Promise<string[]> => {
    const callId = `fuzz-health-${Date.now()}-${Math.floor(Math.random() * 1e9)}`
    const host = url.hostname.replace(/^\[|\]$/g, '')
    const options = [
      `OPTIONS sip:${host.includes(':') ? `[${host}]` : host} SIP/2.0`,
      'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKfuzzhealth' + Math.floor(Math.random() * 1e9),
      'Max-Forwards: 70',
      'From: <sip:fuzz@example.test>;tag=health',
      `To: <sip:${host.includes(':') ? `[${host}]` : host}>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n')
    const o = await run({ kind: 'sip', fields: { text: options } })
    return o.violations.length ? [`the endpoint stopped answering OPTIONS: ${o.violations.join('; ')}`] : []
  }

  return {
    name: 'sip',
    description: `SIP endpoint ${options.url}`,
    invariants: [
      `a well-formed request (parses, has Via/From/To/Call-ID/CSeq, not ACK) gets a final response within ${timeoutMs} ms; other messages get a response or silence`,
      'every response parses and carries the request\'s Call-ID and CSeq',
      'the endpoint keeps answering OPTIONS',
    ],
    arbitrary: sipInput,
    toCase: (s) => ({ kind: 'sip', fields: { text: buildSipInput(s) } }),
    run,
    reduce: (s) => ('request' in s ? s.request.mutations.map((_, i) => ({ request: { ...s.request, mutations: s.request.mutations.filter((__, j) => j !== i) } })) : s.mutations.map((_, i) => ({ ...s, mutations: s.mutations.filter((__, j) => j !== i) }))),
    healthCheck,
    close: async () => {
      const ch = channel
      channel = undefined
      if (ch) await (await ch).close()
    },
  }
}
