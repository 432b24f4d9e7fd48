/**
 * The endpoint probe: one plain valid offer POSTed (Opus, PCMU, PCMA; no candidates, trickle), the created
 * resource DELETEd at once. No peer, no media: it only tells "the endpoint still takes a valid offer" from
 * "the endpoint is left unusable" (a 5xx, a 403 "already in use", a hang), with the status and the first 200
 * bytes of the body as evidence. Cheap enough to run after every fuzz case.
 */
import { randomBytes } from 'node:crypto'
import type { Direction } from '../sdp/types.ts'
import { buildWebrtcOffer, type WebrtcOfferSpec } from './arbitraries/webrtc-offer.ts'
import { PROBE_BODY_BYTES, type ProbeResult } from './findings.ts'
import { fuzzHttp, resolveLocation } from './http.ts'
import type { SessionLedger } from './ledger.ts'
import { encodePayload } from './payload.ts'

/** Options of {@link probeEndpoint}. */
export interface ProbeOptions {
  /** `sendonly` for a WHIP endpoint, `recvonly` for WHEP, `sendrecv` for any offer/answer URL. */
  direction: Direction
  /** Where the probe's resource is recorded until its DELETE succeeded. */
  ledger: SessionLedger
  /** Per request (default 5000 ms). */
  timeoutMs?: number
}

const ICE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

function iceString(n: number): string {
  return [...randomBytes(n)].map((b) => ICE[b % ICE.length]).join('')
}

/** A valid one-audio-section offer (Opus, PCMU, PCMA), fresh ICE credentials, no candidates (trickle). */
export function probeOffer(direction: Direction): string {
  const spec: WebrtcOfferSpec = {
    sessionId: String(1 + (randomBytes(4).readUInt32BE(0) % 2 ** 31)),
    sections: [
      {
        kind: 'audio',
        codecs: [0, 1, 2],
        direction,
        simulcast: [],
        ssrc: direction === 'recvonly' ? undefined : 1 + (randomBytes(4).readUInt32BE(0) % 0xfffffffe),
        extraExtmaps: false,
      },
    ],
    bundle: true,
    trickle: true,
    ufrag: iceString(8),
    pwd: iceString(24),
    fingerprint: [...randomBytes(32)],
    candidatePorts: [],
    streamId: iceString(8),
  }
  return buildWebrtcOffer(spec)
}

/**
 * POSTs a valid offer to `url` and DELETEs what it created. Usable: a 2xx (a 201 with a Location) whose
 * resource, if named, was deleted with a 2xx. Never rejects.
 */
export async function probeEndpoint(url: string, options: ProbeOptions): Promise<ProbeResult> {
  const timeoutMs = options.timeoutMs ?? 5000
  const r = await fuzzHttp({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/sdp' },
    body: encodePayload(probeOffer(options.direction)),
    timeoutMs,
  })
  const status = r.error ?? String(r.status)
  const body = (r.body ?? '').slice(0, PROBE_BODY_BYTES)
  const seen = `a valid offer POSTed to ${url} was answered ${status}${body ? `: ${JSON.stringify(body)}` : ''}`
  const s = r.status ?? 0
  if (r.error || s < 200 || s >= 300) return { usable: false, status, body, message: seen }
  const resource = resolveLocation(url, r.headers?.location)
  if (!resource) {
    // A 201 names the session it created (RFC 9725 §4.2); without it the session can never be deleted.
    if (s === 201) return { usable: false, status, body, message: `${seen} — a 201 without a Location, so the session cannot be deleted` }
    return { usable: true, status, body, message: `a valid offer was answered ${status}` }
  }
  options.ledger.add(resource)
  const d = await options.ledger.delete(resource, timeoutMs)
  const ds = d.status ?? 0
  if (d.error || ds < 200 || ds >= 300)
    return { usable: false, status, body, message: `a valid offer was answered ${status}, but DELETE ${resource} answered ${d.error ?? ds}` }
  return { usable: true, status, body, message: `a valid offer was answered ${status} and its session deleted` }
}
