/**
 * A minimal RFC 9725 client session for the fuzz harnesses: a werift peer publishes (WHIP, sendonly audio)
 * or plays (WHEP, recvonly audio) with one POST, keeps the resource URL and ETag, and deletes it on close.
 * It offers Opus first, then PCMU and PCMA (what ingest servers take), and an answer with no codec in common
 * fails as exactly that ({@link NoCommonCodecError}). A resource the server created is written to the
 * target's {@link SessionLedger} at once and DELETEd on every failure after the 201, so a failed session
 * never holds the endpoint. Built on plain HTTP so it works against any WHIP/WHEP endpoint; the full clients
 * live in src/whip and src/whep.
 */
import { tone } from '../media/sources.ts'
import { WeriftPeer } from '../peers/werift/peer.ts'
import { parseSdp } from '../sdp/parse.ts'
import { icePwd, iceUfrag, mid } from '../sdp/media.ts'
import { PROBE_BODY_BYTES } from './findings.ts'
import { fuzzHttp, resolveLocation, type FuzzHttpResult } from './http.ts'
import { SessionLedger } from './ledger.ts'
import { audioNegotiation } from './negotiation.ts'
import { encodePayload } from './payload.ts'

/** Audio codecs the fuzzer's sessions offer, in preference order: Opus (what most servers require), then G.711. */
export const SESSION_CODECS = ['opus', 'PCMU', 'PCMA']

/** The endpoint did not create a session: its status (or failure) and the first 200 bytes of its body. */
export class SessionRefusedError extends Error {
  readonly status: string
  readonly body: string
  constructor(message: string, status: string, body: string) {
    super(message)
    this.name = 'SessionRefusedError'
    this.status = status
    this.body = body
  }
}

/** The server answered (201) but with no codec in common with the offer (or the audio section inactive/rejected). */
export class NoCommonCodecError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'NoCommonCodecError'
  }
}

/** WHIP publishes, WHEP plays. */
export type SessionMode = 'whip' | 'whep'

/** A live session on an endpoint. */
export interface FuzzSession extends AsyncDisposable {
  mode: SessionMode
  peer: WeriftPeer
  /** The POST response. */
  response: FuzzHttpResult
  /** Absolute resource URL from `Location`. */
  resource: string
  etag: string | undefined
  /** ICE ufrag/pwd and mids of our offer (what a trickle PATCH must carry). */
  ufrag: string
  pwd: string
  mids: string[]
  /** m= line values of our offer (without `m=`), by mid order. */
  mlines: string[]
  /** Resolves when ICE+DTLS are connected; for WHEP also when `packets` RTP packets arrived. */
  waitForMedia(packets: number, timeoutMs: number): Promise<void>
  /** RTP packets received so far (WHEP) or sent so far (WHIP). */
  mediaPackets(): number
  /** DELETEs the resource (once) and closes the peer. Idempotent. */
  close(): Promise<FuzzHttpResult | undefined>
}

/** Options of {@link openSession}. */
export interface OpenSessionOptions {
  mode: SessionMode
  /** Put gathered candidates in the offer (false, default) or trickle them later (true: the offer has none). */
  trickle?: boolean
  timeoutMs?: number
  /** Where the created resource is recorded until deleted (default: a ledger of this session's own). */
  ledger?: SessionLedger
}

/**
 * POSTs a werift offer to `url`. Resolves with the session, or rejects with an Error naming the status and
 * body when the endpoint does not answer 201 with an SDP answer (the peer is closed then).
 */
export async function openSession(url: string, options: OpenSessionOptions): Promise<FuzzSession> {
  const ledger = options.ledger ?? new SessionLedger()
  const timeoutMs = options.timeoutMs ?? 10_000
  const peer = new WeriftPeer({
    name: `fuzz-${options.mode}`,
    codecs: SESSION_CODECS,
    trickle: options.trickle ?? false,
    audio: options.mode === 'whip' ? 'sendonly' : 'recvonly',
    dtmf: false,
  })
  let created: string | undefined
  try {
    const handle = options.mode === 'whip' ? peer.sendAudio((rate) => tone(440, { sampleRate: rate })) : undefined
    const offer = await peer.createOffer()
    const desc = parseSdp(offer.sdp)
    const first = desc.media[0]
    const response = await fuzzHttp({ method: 'POST', url, headers: { 'content-type': 'application/sdp' }, body: encodePayload(offer.sdp), timeoutMs })
    const resource = resolveLocation(url, response.headers?.location)
    if (response.status === 201 && resource) {
      ledger.add(resource)
      created = resource
    }
    if (response.status !== 201 || !response.body || !resource) {
      const status = response.error ?? String(response.status)
      const body = (response.body ?? '').slice(0, PROBE_BODY_BYTES)
      throw new SessionRefusedError(
        `POST ${url} answered ${status}${resource ? '' : ' without a Location'}${response.status === 201 && !response.body ? ' and no SDP answer' : ''}: ${body}`,
        status,
        body,
      )
    }
    const negotiated = audioNegotiation(offer.sdp, response.body)
    if (!negotiated.ok) throw new NoCommonCodecError(negotiated.reason)
    await peer.acceptAnswer({ type: 'answer', sdp: response.body })
    let closed: Promise<FuzzHttpResult | undefined> | undefined
    const session: FuzzSession = {
      mode: options.mode,
      peer,
      response,
      resource,
      etag: response.headers?.etag,
      ufrag: (first && iceUfrag(first, desc)) ?? '',
      pwd: (first && icePwd(first, desc)) ?? '',
      mids: desc.media.map((m, i) => mid(m) ?? String(i)),
      mlines: desc.media.map((m) => {
        const line = m.mline
        return line.kind === 'media' ? `${line.media} 9 ${line.proto} ${line.formats.join(' ')}` : line.value
      }),
      async waitForMedia(packets, timeoutMs) {
        const until = performance.now() + timeoutMs
        await peer.waitForConnected(timeoutMs)
        if (options.mode === 'whep') {
          const track = await peer.waitForTrack('audio', Math.max(1, until - performance.now()))
          await track.waitForPackets(track.rtp.snapshot().received + packets, Math.max(1, until - performance.now()))
        }
      },
      mediaPackets() {
        if (options.mode === 'whep') return peer.inbound[0]?.rtp.snapshot().received ?? 0
        return handle?.stats.packetsSent ?? 0
      },
      close() {
        closed ??= (async () => {
          const r = await ledger.delete(resource, 5000)
          await closeWithin(peer, 10_000)
          return r
        })()
        return closed
      },
      async [Symbol.asyncDispose]() {
        await session.close()
      },
    }
    return session
  } catch (e) {
    // Whatever failed after the 201, the resource is deleted: a half-open session must not hold the endpoint.
    if (created) await ledger.delete(created, 5000)
    await closeWithin(peer, 10_000)
    throw e
  }
}

/** Closes the peer, giving up waiting after `ms` so a stuck close never hangs a campaign. */
async function closeWithin(peer: WeriftPeer, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  await Promise.race([peer.close().catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, ms)))])
  clearTimeout(timer)
}
