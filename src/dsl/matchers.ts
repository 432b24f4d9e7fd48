/**
 * rtcspec's `expect` matchers on RTP: arrival, loss and jitter.
 *
 * Each matcher takes an inbound track, a peer (its first inbound audio track), a stats snapshot, or a
 * `PeerStats` inbound entry, and its failure message shows the measured values. The loss and missing-media
 * matchers also take a B2BUA media bridge (a `B2buaCall`, its `MediaBridge`, or one direction's counters):
 * the frames the bridge sent as silence because its playout buffer had no audio are missing media, which the
 * far end's packet statistics cannot see (the silence arrives in regular packets).
 */
import type { MatcherState } from 'vitest'
import { z } from 'zod'
import { durationArg, DurationSchema, type Duration } from '../calls/duration.ts'
import { toRatio, type Ratio } from '../calls/ratio.ts'
import { fitInTest } from './test-deadline.ts'
import { describePeer } from './call-diagnosis.ts'
import { parseOptions } from '../options.ts'
import type { InboundTrack, Peer } from '../peers/types.ts'
import type { RtpStatsSnapshot } from '../rtp/stats-types.ts'

/** What the RTP matchers accept. */
export type RtpSubject = InboundTrack | Peer | RtpStatsSnapshot | { rtp: RtpStatsSnapshot }

/** Options of `toReceiveRtp`: how many packets, and how long to wait for them. */
export interface ReceiveRtpOptions {
  /** How many packets must arrive. Default 1. */
  packets?: number
  /**
   * How long to wait: `'5s'`, `'500ms'`, or a number of milliseconds. Default `'5s'`. When it does not fit in what
   * is left of the test's timeout, rtcspec waits only as long as fits and says so, instead of Vitest's bare timeout.
   */
  within?: Duration
}

const ReceiveRtpOptionsSchema = z.strictObject({
  packets: z.number().int('packets is a whole number of packets').positive('packets is at least 1').optional(),
  within: DurationSchema.optional(),
})

interface MatcherResult {
  pass: boolean
  message: () => string
  actual?: unknown
  expected?: unknown
}

function isPeer(x: unknown): x is Peer {
  return typeof x === 'object' && x !== null && 'waitForTrack' in x && 'inbound' in x
}
function isTrack(x: unknown): x is InboundTrack {
  return typeof x === 'object' && x !== null && 'waitForPackets' in x && 'rtp' in x
}

/** Says so in messages when a track's figures are a browser's own getStats counters (Chromium peers). */
function browserNote(track: InboundTrack): string {
  return (track as { statsOrigin?: string }).statsOrigin === 'browser' ? ' (browser getStats counters)' : ''
}

/** Resolves a subject to a label and a stats snapshot, or explains why it cannot. */
function snapshotOf(subject: unknown): { label: string; snap: RtpStatsSnapshot } | { error: string } {
  if (isTrack(subject)) return { label: `${subject.peerName}'s inbound ${subject.kind}${browserNote(subject)}`, snap: subject.rtp.snapshot() }
  if (isPeer(subject)) {
    const t = subject.inbound.find((x) => x.kind === 'audio') ?? subject.inbound[0]
    if (!t) return { error: `${subject.name} has no inbound track yet` }
    return { label: `${subject.name}'s inbound ${t.kind}${browserNote(t)}`, snap: t.rtp.snapshot() }
  }
  if (typeof subject === 'object' && subject !== null) {
    if ('lossFraction' in subject && 'jitterMs' in subject) return { label: 'RTP stream', snap: subject as RtpStatsSnapshot }
    if ('rtp' in subject) {
      const rtp = (subject as { rtp: unknown }).rtp
      if (typeof rtp === 'object' && rtp !== null && 'lossFraction' in rtp) return { label: 'RTP stream', snap: rtp as RtpStatsSnapshot }
    }
  }
  return {
    error: `expected an InboundTrack, a Peer, or RTP stats, got ${typeof subject === 'object' ? JSON.stringify(subject)?.slice(0, 120) : String(subject)}`,
  }
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`

function describeSnap(s: RtpStatsSnapshot): string {
  return `received ${s.received} (unique ${s.unique}, duplicates ${s.duplicates}), expected ${s.expected}, lost ${s.lost} (${pct(s.lossFraction)}), jitter ${s.jitterMs.toFixed(2)} ms, reordered ${s.reordered}`
}

async function toReceiveRtp(this: MatcherState, received: unknown, options: ReceiveRtpOptions = {}): Promise<MatcherResult> {
  const o = parseOptions(ReceiveRtpOptionsSchema, options, {
    code: 'MATCHER_OPTIONS',
    what: 'toReceiveRtp options',
    hint: "toReceiveRtp({ packets: 50, within: '3s' })",
  })
  const packets = o.packets ?? 1
  const withinMs = o.within ?? 5000
  // Wait no longer than the test has left, so this message (with the call's state) comes before Vitest's timeout.
  const fit = fitInTest(withinMs, 'within', this)
  const deadline = performance.now() + fit.waitMs
  let track: InboundTrack | undefined
  try {
    if (isTrack(received)) track = received
    else if (isPeer(received)) track = await received.waitForTrack('audio', fit.waitMs)
    else return { pass: false, message: () => `toReceiveRtp: expected an InboundTrack or a Peer, got ${typeof received}` }
    await track.waitForPackets(packets, Math.max(1, deadline - performance.now()))
    const snap = track.rtp.snapshot()
    return {
      pass: true,
      message: () =>
        `expected ${track!.peerName}'s inbound ${track!.kind} NOT to receive ${packets} RTP packets within ${withinMs} ms, but it did: ${describeSnap(snap)}`,
    }
  } catch (e) {
    const detail = track ? `${track.codec ? `${track.codec.encoding}, ` : ''}${describeSnap(track.rtp.snapshot())}` : 'no inbound track appeared'
    const state = isPeer(received) ? `\n  call state: ${await describePeer(received)}` : ''
    const note = fit.note ? `\n  note: ${fit.note}` : ''
    return {
      pass: false,
      message: () => `expected ${packets} RTP packets within ${withinMs} ms: ${(e as Error).message}\n  measured: ${detail}${state}${note}`,
    }
  }
}

/** One direction of a media bridge, as the matchers read it (structurally: the DSL does not depend on the bridge module). */
interface BridgeDirection {
  framesOut: number
  underflowFrames: number
  gaps?: ReadonlyArray<{ atMs: number; frames: number }>
}

function isBridgeDirection(x: unknown): x is BridgeDirection {
  return (
    typeof x === 'object' && x !== null && typeof (x as BridgeDirection).framesOut === 'number' && typeof (x as BridgeDirection).underflowFrames === 'number'
  )
}

/** The directions of a bridge subject (`B2buaCall`, `MediaBridge`, or one direction's counters), or undefined for anything else. */
function bridgeDirections(subject: unknown): Array<{ label: string; c: BridgeDirection }> | undefined {
  if (isBridgeDirection(subject)) return [{ label: 'bridge direction', c: subject }]
  if (typeof subject !== 'object' || subject === null) return undefined
  const media = 'media' in subject && typeof subject.media === 'object' && subject.media !== null ? subject.media : subject
  const { aToB, bToA } = media as { aToB?: unknown; bToA?: unknown }
  if (isBridgeDirection(aToB) && isBridgeDirection(bToA))
    return [
      { label: 'bridge A → B', c: aToB },
      { label: 'bridge B → A', c: bToA },
    ]
  return undefined
}

/** Judges a bridge's missing media against `ratio` (every direction must be below it). */
function bridgeMissingResult(state: MatcherState, name: string, dirs: Array<{ label: string; c: BridgeDirection }>, ratio: number): MatcherResult {
  const figures = dirs.map(({ label, c }) => {
    const frames = c.framesOut + c.underflowFrames
    return { label, frames, missing: c.underflowFrames, fraction: frames > 0 ? c.underflowFrames / frames : 0, gaps: c.gaps ?? [] }
  })
  // a direction that sent no frame (no audio source on that side) is shown, not judged
  const judged = figures.filter((f) => f.frames > 0)
  const pass = judged.length > 0 && judged.every((f) => f.fraction < ratio)
  const worst = Math.max(0, ...judged.map((f) => f.fraction))
  const lines = figures.map(
    (f) =>
      `${f.label}: ${f.missing} of ${f.frames} frames sent as silence (${pct(f.fraction)})${f.frames === 0 ? ' — no frame sent, not judged' : ''}${
        f.gaps.length
          ? `; gaps: ${f.gaps
              .slice(0, 8)
              .map((g) => `${g.frames} frame(s) at ${new Date(g.atMs).toISOString().slice(11, 23)}`)
              .join(', ')}${f.gaps.length > 8 ? ` and ${f.gaps.length - 8} more` : ''}`
          : ''
      }`,
  )
  return {
    pass,
    actual: worst,
    expected: ratio,
    message: () =>
      `expected the missing media of the bridge ${state.isNot ? 'NOT ' : ''}to be below ${pct(ratio)} (${name}: frames the bridge had no audio for count as lost), measured ${pct(worst)}\n  ${lines.join('\n  ')}`,
  }
}

/** Missing media below `ratio`: for a bridge, frames sent as silence for lack of audio; for RTP, the loss fraction. */
function toHaveMissingMediaBelow(this: MatcherState, received: unknown, given: Ratio): MatcherResult {
  const ratio = toRatio(given, `toHaveMissingMediaBelow(${typeof given === 'string' ? JSON.stringify(given) : String(given)})`)
  const dirs = bridgeDirections(received)
  if (dirs) return bridgeMissingResult(this, 'toHaveMissingMediaBelow', dirs, ratio)
  return toHaveLossBelow.call(this, received, given)
}

function toHaveLossBelow(this: MatcherState, received: unknown, given: Ratio): MatcherResult {
  const ratio = toRatio(given, `toHaveLossBelow(${typeof given === 'string' ? JSON.stringify(given) : String(given)})`)
  const dirs = bridgeDirections(received)
  if (dirs) return bridgeMissingResult(this, 'toHaveLossBelow', dirs, ratio)
  const r = snapshotOf(received)
  if ('error' in r) return { pass: false, message: () => `toHaveLossBelow: ${r.error}` }
  const { label, snap } = r
  const pass = snap.expected > 0 && snap.lossFraction < ratio
  const why = snap.expected === 0 ? ' (no packets arrived, so loss cannot be judged)' : ''
  return {
    pass,
    actual: snap.lossFraction,
    expected: ratio,
    message: () =>
      `expected loss on ${label} ${this.isNot ? 'NOT ' : ''}to be below ${pct(ratio)}, measured ${pct(snap.lossFraction)}${why}\n  ${describeSnap(snap)}`,
  }
}

function toHaveJitterBelow(this: MatcherState, received: unknown, limit: Duration): MatcherResult {
  const ms = durationArg(limit, `toHaveJitterBelow(${typeof limit === 'string' ? JSON.stringify(limit) : String(limit)})`)
  const r = snapshotOf(received)
  if ('error' in r) return { pass: false, message: () => `toHaveJitterBelow: ${r.error}` }
  const { label, snap } = r
  const pass = snap.received > 1 && snap.jitterMs < ms
  const why = snap.received <= 1 ? ' (fewer than 2 packets arrived, so jitter cannot be judged)' : ''
  return {
    pass,
    actual: snap.jitterMs,
    expected: ms,
    message: () =>
      `expected RFC 3550 jitter on ${label} ${this.isNot ? 'NOT ' : ''}to be below ${ms} ms, measured ${snap.jitterMs.toFixed(2)} ms${why}\n  ${describeSnap(snap)}`,
  }
}

/** The matcher implementations, for `expect.extend`. */
export const rtpMatchers = { toReceiveRtp, toHaveLossBelow, toHaveMissingMediaBelow, toHaveJitterBelow }

declare module 'vitest' {
  interface Matchers<R, T> {
    /** Waits until the track (or the peer's first inbound audio track) received `packets` RTP packets `within` the time. */
    toReceiveRtp(options?: ReceiveRtpOptions): Promise<void>
    /** Loss fraction (lost / expected, RFC 3550) is below `ratio`: a fraction (`0.05`) or a percentage (`'5%'`). */
    toHaveLossBelow(ratio: Ratio): R
    /**
     * Missing media is below `ratio`. For a B2BUA bridge (`B2buaCall`, `MediaBridge` or one direction): the share
     * of frames it sent as silence because it had no audio, every direction. For an RTP subject: its loss fraction.
     */
    toHaveMissingMediaBelow(ratio: Ratio): R
    /** RFC 3550 interarrival jitter is below `limit`: milliseconds, or a string such as `'30ms'`. */
    toHaveJitterBelow(limit: Duration): R
  }
}
