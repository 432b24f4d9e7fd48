/**
 * Runs one load call inside a worker: opens a werift back-to-back call as the scenario describes (through the
 * impairment relay when it has a network), sends its audio, holds it, then measures both directions, checks the
 * scenario's expectations and closes it. Every step is bounded; the result says where a failure happened.
 * @module
 */
import { openBackToBack, recordAndClose, type B2BCall } from '../calls/open.ts'
import {
  checkExpectation,
  checkVideoExpectation,
  sourceOf,
  type ParsedScenarioSpec,
  type ScenarioExpectation,
  type ScenarioVideoExpectation,
} from '../calls/scenario-spec.ts'
import type { NetworkOptions } from '../calls/network.ts'
import { eModel } from '../media/emodel.ts'
import { withTimeout } from '../wait.ts'
import type { Peer } from '../peers/types.ts'
import type { CallDirection, CallResult, FailurePhase, LoadTurnServer } from './types.ts'

/** How long closing a call may take before it counts as a failure to close. */
export const CLOSE_TIMEOUT_MS = 5000
/** Calls with less media than this are not counted in the loss, jitter and MOS distributions. */
export const MIN_MEASURED_MEDIA_MS = 1000

/** One call to run. */
export interface LoadCallJob {
  id: number
  worker: number
  seed?: number
  startedAtMs: number
  /** ms after the run's origin, on this thread's clock (performance.now() based). */
  now: () => number
  holdMs?: number
  connectTimeoutMs: number
  /** Fail the call when a direction's share of missing media exceeds this. */
  maxMissing?: number
  records: boolean
  /** Aborted when the run stops: the call ends its hold early (a connect in progress still completes or times out). */
  stop: AbortSignal
  /** Called once ICE + DTLS connected. */
  onConnected?: (connectMs: number) => void
  /** Relay both peers through this TURN server only. */
  turn?: LoadTurnServer
}

function message(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e)
  return m.split('\n')[0]!.slice(0, 300)
}

/** Resolves after `ms` or when `signal` aborts, whichever comes first (the call's hold time, not a wait for a condition). */
/** Waits `ms` on the performance clock (a timer may fire a fraction of a millisecond early; it is re-armed for the rest), or until `signal` aborts. */
function hold(ms: number | undefined, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolveHold) => {
    let timer: NodeJS.Timeout | undefined
    const done = () => {
      if (timer) clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolveHold()
    }
    if (ms !== undefined) {
      const deadline = performance.now() + ms
      const tick = () => {
        const left = deadline - performance.now()
        if (left <= 0) done()
        else timer = setTimeout(tick, Math.ceil(left))
      }
      timer = setTimeout(tick, ms)
    }
    signal.addEventListener('abort', done, { once: true })
  })
}

function direction(receiver: Peer): CallDirection | undefined {
  const track = receiver.inbound.find((t) => t.kind === 'audio')
  if (!track) return undefined
  const s = track.rtp.snapshot()
  const codec = track.codec?.encoding
  // frames spanned by the RTP timestamps (20 ms packets): counts frames a starved sender skipped, which the
  // sequence numbers cannot show
  const packets = track.packets()
  const step = (track.codec?.clockRate ?? s.clockRate) / 50
  const first = packets[0]
  const last = packets[packets.length - 1]
  const framesSpanned = first && last && step > 0 ? Math.round(((last.timestamp - first.timestamp) >>> 0) / step) + 1 : 0
  const missingFraction = framesSpanned > 0 ? Math.min(1, Math.max(0, 1 - s.unique / framesSpanned)) : 0
  return {
    receiver: receiver.name,
    ...(codec ? { codec } : {}),
    received: s.unique,
    expected: s.expected,
    lost: s.lost,
    lossFraction: s.lossFraction,
    jitterMs: s.jitterMs,
    framesSpanned,
    missingFraction,
    // the listener hears a gap whether the packet was lost or never sent: MOS counts the larger of the two
    mos: eModel({ codec: codec ?? 'PCMU', lossFraction: Math.max(s.lossFraction, missingFraction), jitterMs: s.jitterMs }).mos,
  }
}

/** Runs one call of `spec`; never throws (a failure is in the result). */
export async function runLoadCall(spec: ParsedScenarioSpec, job: LoadCallJob): Promise<CallResult> {
  const [callerName, calleeName] = Object.keys(spec.peers) as [string, string]
  const caller = spec.peers[callerName]!
  const callee = spec.peers[calleeName]!
  let call: B2BCall | undefined
  let phase: FailurePhase = 'connect'
  let failure: { phase: FailurePhase; reason: string } | undefined
  let connectMs: number | undefined
  let firstRtpMs: number | undefined
  let mediaMs: number | undefined
  let directions: CallDirection[] = []
  try {
    const side = (name: string, p: typeof caller) => ({
      name,
      ...(p.codecs ? { codecs: p.codecs } : {}),
      ...(p.trickle !== undefined ? { trickle: p.trickle } : {}),
      ...(job.turn ? { iceServers: [job.turn], relayOnly: true } : {}),
    })
    const network = spec.network ? ({ ...spec.network, ...(job.seed !== undefined ? { seed: job.seed } : {}) } as NetworkOptions) : undefined
    call = await openBackToBack({
      a: side(callerName, caller),
      b: side(calleeName, callee),
      ...(spec.codec ? { codec: spec.codec } : {}),
      ...(network ? { network } : {}),
      ...(caller.ice || callee.ice ? { ice: { ...(caller.ice ? { a: caller.ice } : {}), ...(callee.ice ? { b: callee.ice } : {}) } } : {}),
      connectTimeoutMs: job.connectTimeoutMs,
    })
    connectMs = call.timings.connectedMs
    job.onConnected?.(connectMs)
    phase = 'media'
    const mediaStart = performance.now()
    const senders = [caller.send ? call.a.sendAudio(sourceOf(caller.send)) : undefined, callee.send ? call.b.sendAudio(sourceOf(callee.send)) : undefined]
    await hold(job.holdMs, job.stop)
    for (const s of senders) s?.stop()
    mediaMs = performance.now() - mediaStart
    const byName: Record<string, Peer> = { [callerName]: call.a, [calleeName]: call.b }
    directions = [call.b, call.a].flatMap((p) => direction(p) ?? [])
    const firsts = [call.a, call.b].flatMap((p) => p.inbound.map((t) => t.rtp.snapshot().firstArrivalMs)).filter((x): x is number => x !== undefined)
    if (firsts.length) firstRtpMs = Math.max(0, Math.min(...firsts) - call.timings.startedAt)
    // A receiving side whose peer sent audio must have heard it (once media had a second to flow).
    if (mediaMs >= MIN_MEASURED_MEDIA_MS) {
      const deaf = (
        [
          [call.b, caller.send],
          [call.a, callee.send],
        ] as const
      ).filter(([rx, sent]) => sent && !directions.some((d) => d.receiver === rx.name && d.received > 0))
      if (deaf.length) throw new Error(`no audio arrived at ${deaf.map(([rx]) => rx.name).join(' and ')} after ${mediaMs.toFixed(0)} ms of media`)
      if (job.maxMissing !== undefined) {
        const gappy = directions.filter((d) => d.missingFraction > job.maxMissing!)
        if (gappy.length) {
          throw new Error(
            `${gappy.map((d) => `${d.receiver} got no packet for ${(d.missingFraction * 100).toFixed(1)} % of the media timeline`).join(', ')} (allowed ${(job.maxMissing * 100).toFixed(1)} %; frames lost, or never sent because a sender fell behind)`,
          )
        }
      }
      phase = 'expect'
      const failed = Object.entries(spec.expect).flatMap(([key, e]) =>
        key.endsWith('.video.in')
          ? checkVideoExpectation(
              key,
              byName[key.split('.')[0] ?? '']?.inbound.find((t) => t.kind === 'video'),
              e as ScenarioVideoExpectation,
            )
          : checkExpectation(
              key,
              byName[key.split('.')[0] ?? '']?.inbound.find((t) => t.kind === 'audio'),
              e as ScenarioExpectation,
            ),
      )
      if (failed.length) throw new Error(failed.join('; '))
    }
  } catch (e) {
    failure = { phase, reason: message(e) }
  }
  if (call) {
    const c = call
    try {
      await withTimeout<unknown>(job.records ? recordAndClose(c, 'load') : c.close(), CLOSE_TIMEOUT_MS, `call ${job.id} to close`)
    } catch (e) {
      failure ??= { phase: 'close', reason: message(e) }
    }
  }
  return {
    id: job.id,
    worker: job.worker,
    ...(job.seed !== undefined && spec.network ? { seed: job.seed } : {}),
    startedAtMs: job.startedAtMs,
    endedAtMs: job.now(),
    outcome: failure ? 'failed' : 'completed',
    ...(failure ? { failure } : {}),
    ...(connectMs !== undefined ? { connectMs } : {}),
    ...(firstRtpMs !== undefined ? { firstRtpMs } : {}),
    ...(mediaMs !== undefined ? { mediaMs } : {}),
    directions,
    measured: mediaMs !== undefined && mediaMs >= MIN_MEASURED_MEDIA_MS && directions.length > 0,
  }
}
