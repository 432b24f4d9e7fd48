/**
 * Turns received RTP audio packets back into one PCM16 timeline: each packet is decoded with the decoder
 * of its payload type and written at the position its RTP timestamp gives. Pure (no I/O, no clock).
 *
 * Timeline rules:
 * - sample 0 is the RTP timestamp of the first packet (any payload type, so RFC 4733 event times line up);
 * - a gap in timestamps (loss, DTX, a DTMF event, a sender stall) stays **silence** (zeros): rtcspec does
 *   not conceal loss, so a recording shows exactly what arrived (no PLC);
 * - reordered packets land where they belong; packets are decoded in timestamp order, which is what a
 *   stateful decoder (Opus) needs; duplicates are decoded once;
 * - a new SSRC starts where the audio so far ends;
 * - 32-bit timestamp wrap-around is handled; the timeline is capped at `maxDurationMs`.
 *
 * @module
 */
import { resample } from './resample.ts'
import type { AudioDecoder } from './types.ts'

/** The fields of a received RTP packet the recorder needs. */
export interface RecordedRtpPacket {
  ssrc: number
  sequenceNumber: number
  timestamp: number
  payloadType: number
  payload: Uint8Array
}

/** Options of `renderRtpAudio`. */
export interface RenderRtpAudioOptions {
  /** A new decoder for a payload type, or undefined if that payload type is not audio to decode (telephone-event, CN, unknown). */
  decoderFor: (payloadType: number) => AudioDecoder | undefined
  /** Sample rate of the result when no packet can be decoded. Default 8000. */
  defaultSampleRate?: number
  /** Longest timeline produced; later audio is dropped (and counted). Default 30 minutes. */
  maxDurationMs?: number
}

/** What `renderRtpAudio` did, for reports. */
export interface RenderRtpAudioStats {
  /** Packets given. */
  packets: number
  /** Packets decoded into the timeline. */
  decoded: number
  /** Packets of payload types without a decoder (telephone-event, comfort noise, unknown). */
  skipped: number
  /** Exact duplicates (same SSRC, timestamp and sequence number). */
  duplicates: number
  /** Packets the decoder rejected. */
  decodeErrors: number
  /** Packets beyond `maxDurationMs`. */
  truncated: number
}

/** A rendered timeline. */
export interface RenderedRtpAudio {
  sampleRate: number
  samples: Int16Array
  stats: RenderRtpAudioStats
}

interface Item {
  order: number
  ext: number
  seq: number
  start: number
  pt: number
  payload: Uint8Array
}

interface SsrcState {
  order: number
  baseExt: number
  lastTs: number
  lastExt: number
  clockRate: number
  /** Start of this SSRC on the output timeline, in output samples. */
  offset: number
}

const DEFAULT_MAX_MS = 30 * 60 * 1000

/** Decodes `packets` (in arrival order) into one mono PCM16 timeline; see the module notes for the rules. */
export function renderRtpAudio(packets: Iterable<RecordedRtpPacket>, options: RenderRtpAudioOptions): RenderedRtpAudio {
  const stats: RenderRtpAudioStats = { packets: 0, decoded: 0, skipped: 0, duplicates: 0, decodeErrors: 0, truncated: 0 }
  const decoders = new Map<number, AudioDecoder | undefined>()
  const decoderOf = (pt: number): AudioDecoder | undefined => {
    if (!decoders.has(pt)) decoders.set(pt, options.decoderFor(pt))
    return decoders.get(pt)
  }
  try {
    // Pass 1: pick the output rate and place every packet on the timeline (in output samples).
    let rate: number | undefined
    const all: Array<{ p: RecordedRtpPacket; ssrc: SsrcState; ext: number }> = []
    const ssrcs = new Map<number, SsrcState>()
    let endSoFar = 0
    for (const p of packets) {
      stats.packets++
      const dec = decoderOf(p.payloadType)
      if (dec && rate === undefined) rate = dec.sampleRate
      let s = ssrcs.get(p.ssrc)
      if (!s) {
        s = { order: ssrcs.size, baseExt: p.timestamp, lastTs: p.timestamp, lastExt: p.timestamp, clockRate: dec?.clockRate ?? 0, offset: endSoFar }
        ssrcs.set(p.ssrc, s)
      }
      const ext = s.lastExt + ((p.timestamp - s.lastTs) | 0)
      s.lastTs = p.timestamp
      s.lastExt = ext
      if (dec && s.clockRate === 0) s.clockRate = dec.clockRate
      all.push({ p, ssrc: s, ext })
      // Where this SSRC's audio ends so far (a following new SSRC starts there): estimated at 20 ms/packet past its last timestamp.
      if (dec && rate !== undefined) {
        const end = s.offset + Math.round(((ext - s.baseExt) * rate) / dec.clockRate) + Math.round(rate / 50)
        if (end > endSoFar) endSoFar = end
      }
    }
    const outRate = rate ?? options.defaultSampleRate ?? 8000
    const maxSamples = Math.round(((options.maxDurationMs ?? DEFAULT_MAX_MS) * outRate) / 1000)
    const items: Item[] = []
    const seen = new Set<string>()
    let minStart = 0
    for (const { p, ssrc, ext } of all) {
      const dec = decoderOf(p.payloadType)
      if (!dec) {
        stats.skipped++
        continue
      }
      const key = `${ssrc.order}:${ext}:${p.sequenceNumber}`
      if (seen.has(key)) {
        stats.duplicates++
        continue
      }
      seen.add(key)
      const start = ssrc.offset + Math.round(((ext - ssrc.baseExt) * outRate) / dec.clockRate)
      if (start < minStart) minStart = start
      items.push({ order: ssrc.order, ext, seq: p.sequenceNumber, start, pt: p.payloadType, payload: p.payload })
    }
    // Pass 2: decode in timestamp order (stateful decoders need it) and lay the audio out.
    items.sort((a, b) => a.order - b.order || a.ext - b.ext || a.seq - b.seq)
    const chunks: Array<{ start: number; pcm: Int16Array }> = []
    let length = 0
    for (const it of items) {
      const start = it.start - minStart
      if (start >= maxSamples) {
        stats.truncated++
        continue
      }
      const dec = decoderOf(it.pt) as AudioDecoder
      let pcm: Int16Array
      try {
        pcm = dec.decode(it.payload)
      } catch {
        stats.decodeErrors++
        continue
      }
      if (dec.sampleRate !== outRate && pcm.length > 0) pcm = resample(pcm, dec.sampleRate, outRate)
      if (start + pcm.length > maxSamples) pcm = pcm.subarray(0, maxSamples - start)
      chunks.push({ start, pcm })
      stats.decoded++
      if (start + pcm.length > length) length = start + pcm.length
    }
    const samples = new Int16Array(length)
    for (const c of chunks) samples.set(c.pcm, c.start)
    return { sampleRate: outRate, samples, stats }
  } finally {
    for (const d of decoders.values()) d?.close?.()
  }
}
