/**
 * A hand-driven SIP peer on a loopback UDP socket for the RFC 3261 tests: it sends exactly the text a test
 * writes and records every datagram it receives, so a test sees where rtcspec really sent each message.
 */
import { createSocket, type Socket } from 'node:dgram'
import { getHeader, parseNameAddr, parseSipUri, safeParseSipMessage, type SipMessage } from '../../src/sip/index.ts'
import { waitFor } from '../../src/wait.ts'

/** One received datagram. */
export interface RawReceived {
  text: string
  from: { host: string; port: number }
  message: SipMessage | undefined
}

/** A UDP socket on 127.0.0.1 that records what it receives. */
export class RawSipPeer implements AsyncDisposable {
  readonly received: RawReceived[] = []
  readonly #socket: Socket
  constructor(socket: Socket) {
    this.#socket = socket
    socket.on('message', (buf, rinfo) => {
      const text = buf.toString('utf8')
      const r = safeParseSipMessage(text)
      this.received.push({ text, from: { host: rinfo.address, port: rinfo.port }, message: r.ok ? r.value : undefined })
    })
  }

  get port(): number {
    return this.#socket.address().port
  }

  send(text: string, port: number, host = '127.0.0.1'): Promise<void> {
    return new Promise((resolve, reject) => this.#socket.send(text, port, host, (e) => (e ? reject(e) : resolve())))
  }

  /** Waits for a received message whose summary line (first line) matches `re`; returns it. */
  async next(re: RegExp, timeoutMs = 5000, after = 0): Promise<RawReceived> {
    let found: RawReceived | undefined
    await waitFor(() => (found = this.received.slice(after).find((r) => re.test(r.text.split('\r\n')[0]!))) !== undefined, {
      timeoutMs,
      label: `a datagram matching ${re} at 127.0.0.1:${this.port}`,
    })
    return found!
  }

  count(re: RegExp): number {
    return this.received.filter((r) => re.test(r.text.split('\r\n')[0]!)).length
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await new Promise<void>((r) => this.#socket.close(() => r()))
  }
}

export async function rawPeer(): Promise<RawSipPeer> {
  const s = createSocket('udp4')
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()))
  return new RawSipPeer(s)
}

/** The host and port of a message's Contact URI. */
export function contactOf(m: SipMessage): { host: string; port: number | undefined; transport: string | undefined } {
  const uri = parseSipUri(parseNameAddr(getHeader(m, 'contact') ?? '', 'Contact').uri)
  return { host: uri.host, port: uri.port, transport: uri.params.transport }
}

/** A plain-RTP PCMU offer on a port nobody sends from (enough for an rtcspec UAS to answer). */
export const PCMU_OFFER =
  'v=0\r\no=raw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n'

/** An INVITE from `peer` (Via sent-by `viaPort`, default the peer's port) to `uasPort`. */
export function rawInvite(o: {
  peer: RawSipPeer
  uasPort: number
  callId: string
  viaPort?: number
  rport?: boolean
  body?: string
  extra?: string[]
  branch?: string
}): string {
  const body = o.body ?? PCMU_OFFER
  return [
    `INVITE sip:bob@127.0.0.1:${o.uasPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${o.viaPort ?? o.peer.port};branch=${o.branch ?? `z9hG4bK-${o.callId}`}${o.rport ? ';rport' : ''}`,
    'Max-Forwards: 70',
    `From: <sip:raw@127.0.0.1>;tag=raw-${o.callId}`,
    `To: <sip:bob@127.0.0.1:${o.uasPort}>`,
    `Call-ID: ${o.callId}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:raw@127.0.0.1:${o.peer.port}>`,
    ...(o.extra ?? []),
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n')
}

/** An in-dialog request (ACK, BYE) from the raw peer for a dialog the UAS answered with `ok`. */
export function rawInDialog(method: 'ACK' | 'BYE', ok: SipMessage, o: { peer: RawSipPeer; callId: string; cseq: number }): string {
  const to = getHeader(ok, 'to')!
  const contact = contactOf(ok)
  return [
    `${method} sip:bob@${contact.host}${contact.port ? `:${contact.port}` : ''} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${o.peer.port};branch=z9hG4bK-${method.toLowerCase()}-${o.callId};rport`,
    'Max-Forwards: 70',
    `From: <sip:raw@127.0.0.1>;tag=raw-${o.callId}`,
    `To: ${to}`,
    `Call-ID: ${o.callId}`,
    `CSeq: ${o.cseq} ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
}
