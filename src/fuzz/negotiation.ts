/**
 * Whether the fuzzer's own valid offer got usable audio out of the server's answer: a section that was not
 * rejected (port 0) or set inactive, with a codec that was offered. When it did not, the health and session
 * checks say exactly that ("no codec in common: offered opus,PCMU,PCMA; answer has G722") instead of
 * blaming the server's stability. Pure (SDP text in, verdict out).
 */
import { codecs } from '../sdp/codecs.ts'
import { direction, mediaLine } from '../sdp/media.ts'
import { safeParseSdp } from '../sdp/parse.ts'
import type { MediaSection, SessionDescription } from '../sdp/types.ts'

/** Codecs that are not media of their own (they ride along with a real codec). */
const HELPERS = new Set(['telephone-event', 'rtx', 'red', 'ulpfec', 'flexfec-03', 'cn'])

function audioSection(sdp: string): { desc: SessionDescription; section: MediaSection } | undefined {
  const r = safeParseSdp(sdp)
  if (!r.ok) return undefined
  for (const section of r.value.media) {
    try {
      if (mediaLine(section).media === 'audio') return { desc: r.value, section }
    } catch {
      // an unreadable m= line is not the audio section
    }
  }
  return undefined
}

function mediaCodecNames(section: MediaSection): string[] {
  return [
    ...new Set(
      codecs(section)
        .map((c) => c.encodingName)
        .filter((n) => !HELPERS.has(n.toLowerCase())),
    ),
  ]
}

/** The audio codec the answer took, or why there is none. */
export type AudioNegotiation = { ok: true; codec: string } | { ok: false; reason: string }

/**
 * How the audio of `offer` came out of `answer`: the first answered codec that was offered, or the reason there
 * is none (no codec in common, the section rejected with port 0 or answered `a=inactive`, no audio section).
 */
export function audioNegotiation(offer: string, answer: string): AudioNegotiation {
  const o = audioSection(offer)
  const offered = o ? mediaCodecNames(o.section) : []
  const list = offered.join(',') || 'no codec'
  const a = audioSection(answer)
  if (!a) return { ok: false, reason: `no codec in common: offered ${list}; the answer has no audio section` }
  const answered = mediaCodecNames(a.section)
  if (mediaLine(a.section).port === 0) return { ok: false, reason: `no codec in common: offered ${list}; the answer rejected the audio section (port 0)` }
  const lower = new Set(offered.map((n) => n.toLowerCase()))
  const codec = answered.find((n) => lower.has(n.toLowerCase()))
  if (!codec) return { ok: false, reason: `no codec in common: offered ${list}; answer has ${answered.join(',') || 'no codec'}` }
  if (direction(a.section, a.desc) === 'inactive') {
    return {
      ok: false,
      reason: `no media accepted: offered ${list}; the answer set the audio section inactive (answer lists ${answered.join(',')}) — typically no codec in common`,
    }
  }
  return { ok: true, codec }
}
