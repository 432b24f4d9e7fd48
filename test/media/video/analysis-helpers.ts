/** Synthetic arrivals for the video analysis tests: a stream at a frame rate, each frame one or more packets. */
import type { SentVideoFrame } from '../../../src/media/video/analysis.ts'
import type { VideoFrameArrival } from '../../../src/media/video/types.ts'

export interface SyntheticStream {
  sent: SentVideoFrame[]
  arrivals: VideoFrameArrival[]
}

/**
 * `frames` frames at `fps`, a keyframe every `gop` frames, sent from `t0` ms with RTP timestamps from `ts0`;
 * each arrives `delayMs` (or `delayOf(i)`) after it was sent, except those in `drop`; those in `partial` arrive incomplete.
 */
export function stream(o: {
  frames: number
  fps: number
  gop?: number
  ts0?: number
  t0?: number
  delayMs?: number
  delayOf?: (i: number) => number
  drop?: ReadonlySet<number>
  partial?: ReadonlySet<number>
  codes?: boolean
  size?: (i: number) => { width: number; height: number } | undefined
}): SyntheticStream {
  const gop = o.gop ?? 30
  const ts0 = o.ts0 ?? 1000
  const t0 = o.t0 ?? 10_000
  const sent: SentVideoFrame[] = []
  const arrivals: VideoFrameArrival[] = []
  let seq = 100
  for (let i = 0; i < o.frames; i++) {
    const keyframe = i % gop === 0
    const rtpTimestamp = (ts0 + Math.round((i * 90_000) / o.fps)) >>> 0
    const sentAtMs = t0 + (i * 1000) / o.fps
    sent.push({ index: i, rtpTimestamp, sentAtMs, keyframe })
    const packets = keyframe ? 5 : 2
    const firstSeq = seq
    seq += packets
    if (o.drop?.has(i)) continue
    const at = sentAtMs + (o.delayOf ? o.delayOf(i) : (o.delayMs ?? 20))
    const complete = !o.partial?.has(i)
    const size = keyframe ? (o.size?.(i) ?? { width: 640, height: 480 }) : undefined
    arrivals.push({
      rtpTimestamp,
      firstSeq,
      lastSeq: firstSeq + packets - 1 - (complete ? 0 : 1),
      packets: complete ? packets : packets - 1,
      duplicatePackets: 0,
      bytes: packets * 1000,
      complete,
      keyframe,
      ...(size ?? {}),
      firstArrivalMs: at - 1,
      lastArrivalMs: at,
      ...(o.codes ? { code: { index: i, captureMs: sentAtMs } } : {}),
    })
  }
  return { sent, arrivals }
}
