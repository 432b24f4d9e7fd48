/** Helpers for the SIP tests: decode received G.711 and detect tones. */
import { decodeAlaw, decodeMulaw } from '../../src/media/g711.ts'
import { detectTone } from '../../src/media/analysis.ts'
import type { InboundTrack } from '../../src/peers/types.ts'

/** The decoded G.711 audio of a track's packets (telephone-events skipped), concatenated in arrival order. */
export function g711Audio(track: InboundTrack, skipPackets = 0): Int16Array {
  const chunks = track
    .packets()
    .slice(skipPackets)
    .filter((p) => p.payloadType === 0 || p.payloadType === 8)
    .map((p) => (p.payloadType === 0 ? decodeMulaw(p.payload) : decodeAlaw(p.payload)))
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0))
  let o = 0
  for (const c of chunks) {
    out.set(c, o)
    o += c.length
  }
  return out
}

/** Whether `hz` is present in the track's G.711 audio. */
export function hasTone(track: InboundTrack, hz: number, skipPackets = 0): boolean {
  return detectTone(g711Audio(track, skipPackets), 8000, hz).present
}
