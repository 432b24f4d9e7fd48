/**
 * The call engine behind the fixtures and `scenario()`: opens back-to-back calls (optionally through the
 * impairment relay), records them and closes them. Has no Vitest dependency, so benchmarks and the CLI use it too.
 */
import { createSidePeers } from './b2b-peers.ts'
import { RtcspecError } from '../errors.ts'
import { connectBackToBack, type BackToBackCall } from '../peers/back-to-back.ts'
import { relayPath } from '../peers/relay-path.ts'
import { appendCallRecord, buildCallRecord, type CallRecord } from '../peers/call-record.ts'
import type { Peer } from '../peers/types.ts'
import { UdpRelay, type ScheduleEntry } from '../net/relay.ts'
import { resolveNetwork } from './network.ts'
import { saveCallRecordings, testRecordingPath, type SavedRecording } from '../peers/recording-files.ts'
import { checkB2BOptions, type B2BOptions } from './b2b-options.ts'
import { toMs } from './duration.ts'
import { pickCallSeed } from './seed.ts'

export type { NetworkOptions, NetworkScheduleStep } from './network.ts'
export type { B2BOptions } from './b2b-options.ts'
export { sources, type SourceFactories } from './sources.ts'

/** A connected back-to-back call made by the `b2b` fixture. */
export interface B2BCall extends BackToBackCall {
  /** The impairment relay, when `network` was given: its ground truth is `relay.truth('toB')`. */
  readonly relay: UdpRelay | undefined
  /** The impairment seed in use (also printed when the test fails). */
  readonly seed: number | undefined
  /** The run's base seed `seed` was derived from (with the test's id), when a test made the call without an explicit seed. */
  readonly baseSeed?: number | undefined
}

/** Picks the impairment seed of a call made outside a test: explicit, else `$RTCSPEC_SEED`, else random. */
export function pickSeed(explicit?: number): number {
  return pickCallSeed(explicit).seed
}

/** Where a call is made from: the test, for the call record (written for failed connects too). */
export interface OpenContext {
  test?: CallRecord['test']
  /** Call record `kind`. Default `webrtc-b2b`. */
  kind?: string
}

/**
 * Opens a back-to-back call; shared by the `b2b` fixture and `scenario()`. When it cannot connect, the call record
 * is written anyway (states, candidates, signalling, the reason) before the error propagates.
 */
export async function openBackToBack(options: B2BOptions = {}, context: OpenContext = {}): Promise<B2BCall> {
  checkB2BOptions(options)
  const connectTimeoutMs = options.connectTimeout !== undefined ? toMs(options.connectTimeout) : options.connectTimeoutMs
  const codecs = options.codec ? [options.codec] : undefined
  const trickle = options.trickle
  const record = options.record ? { record: true } : {}
  const [a, b] = await createSidePeers(
    { name: 'alice', ...(codecs ? { codecs } : {}), ...(trickle !== undefined ? { trickle } : {}), ...record, ...options.a },
    { name: 'bob', ...(codecs ? { codecs } : {}), ...(trickle !== undefined ? { trickle } : {}), ...record, ...options.b },
  )
  // Some implementations (werift) swallow TURN allocation errors: their watch names them (e.g. 401) instead of a timeout.
  const turnWatches = [a, b].map((peer) => peer.watchTurnSetup?.() ?? { diagnosis: Promise.resolve(undefined), stop: () => {} })
  let relay: UdpRelay | undefined
  let seed: number | undefined
  let baseSeed: number | undefined
  let schedule: ScheduleEntry[] = []
  const signaling: BackToBackCall['signaling'] = []
  const startedAt = new Date()
  try {
    if (options.network) {
      const net = resolveNetwork(options.network)
      // A test's calls get seeds derived from the run's seed and the test's id: the same whatever shard or order ran it.
      const picked = pickCallSeed(options.network.seed, context.test)
      seed = picked.seed
      baseSeed = picked.base
      const ipv6 = [options.a?.hostAddresses, options.b?.hostAddresses].some((h) => h?.some((x) => x.includes(':')))
      relay = await UdpRelay.create({ seed, toA: net.toA, toB: net.toB, impair: net.impair, host: net.host ?? (ipv6 ? '::1' : '127.0.0.1') })
      schedule = net.schedule
    }
    const call = await connectBackToBack(a, b, {
      ...(relay ? { path: relayPath(relay) } : {}),
      ...(connectTimeoutMs ? { connectTimeoutMs } : {}),
      ...(options.ice ? { ice: options.ice } : {}),
      signaling,
    })
    // Schedule times count from the moment the call connected.
    if (relay && schedule.length) relay.scheduleFromNow(schedule)
    if (options.send?.a) a.sendAudio(options.send.a)
    if (options.send?.b) b.sendAudio(options.send.b)
    const close = call.close
    const r = relay
    return Object.assign(call, {
      relay,
      seed,
      baseSeed,
      async close() {
        await close()
        await r?.close()
      },
    })
  } catch (e) {
    // Every call is recorded, failed ones too: the reason, the states, candidates and signalling so far.
    await recordFailedCall({
      kind: context.kind ?? 'webrtc-b2b',
      peers: [a, b],
      startedAt,
      signaling,
      error: e,
      seed,
      ...(context.test ? { test: context.test } : {}),
    })
    await Promise.allSettled([a.close(), b.close(), relay?.close()])
    // A refused TURN allocation explains the failure better than the ICE/signaling error it caused.
    const turn = (await Promise.all(turnWatches.map((w) => w.diagnosis))).flatMap((d, i) => (d ? [`${[a, b][i]?.name}: ${d.message}`] : []))
    if (turn.length) {
      throw new RtcspecError('TURN_FAILED', `back-to-back call failed: ${turn.join('; ')}`, {
        cause: e,
        hint: 'check the TURN credentials (static user/password, or the REST secret and clock for use-auth-secret) and the TURN URL',
      })
    }
    if (seed !== undefined && e instanceof Error) e.message += ` (impairment seed ${seed}${baseSeed !== undefined ? `, from the run's seed ${baseSeed}` : ''})`
    throw e
  } finally {
    for (const w of turnWatches) w.stop()
  }
}

/** Writes the call record of a call that failed to open; never throws (a failure to record goes to stderr). */
async function recordFailedCall(input: {
  kind: string
  peers: Peer[]
  startedAt: Date
  signaling: BackToBackCall['signaling']
  error: unknown
  seed: number | undefined
  test?: CallRecord['test']
}): Promise<void> {
  try {
    const e = input.error
    const reason = e instanceof Error ? e.message : String(e)
    const code = e instanceof RtcspecError ? e.code : undefined
    const record = await buildCallRecord({
      kind: input.kind,
      peers: input.peers,
      startedAt: input.startedAt,
      signaling: input.signaling,
      ...(input.test ? { test: input.test } : {}),
      errors: [{ message: reason }],
      extra: { failure: { phase: 'connect', ...(code ? { code } : {}), reason }, ...(input.seed !== undefined ? { seed: input.seed } : {}) },
    })
    appendCallRecord(record)
  } catch (err) {
    process.stderr.write(`rtcspec: could not write the call record of a failed call: ${err instanceof Error ? err.message : String(err)}\n`)
  }
}

/**
 * Saves the requested recordings, writes the call record and closes the call; never throws (a failure to
 * record is reported on stderr). Returns the recordings saved (WAV + pcap per track).
 */
export async function recordAndClose(call: B2BCall, kind: string, test?: CallRecord['test']): Promise<SavedRecording[]> {
  let saved: SavedRecording[] = []
  try {
    const recordings = await saveCallRecordings([call.a, call.b], test ? testRecordingPath(test) : kind)
    saved = recordings.saved
    const record = await buildCallRecord({
      ...(saved.length ? { recordings: recordings.byPeer } : {}),
      ...(recordings.errors.length ? { errors: recordings.errors } : {}),
      kind,
      peers: [call.a, call.b] as Peer[],
      startedAt: new Date(Date.now() - (performance.now() - call.timings.startedAt)),
      setup: { connectMs: call.timings.connectedMs, ...firstRtp(call) },
      signaling: call.signaling,
      ...(test ? { test } : {}),
      ...(call.relay || call.iceRestarts.length
        ? {
            extra: {
              ...(call.relay
                ? {
                    seed: call.seed,
                    ...(call.baseSeed !== undefined ? { baseSeed: call.baseSeed } : {}),
                    impairment: { toA: call.relay.summary('toA'), toB: call.relay.summary('toB') },
                    // Every profile in force per direction, with when it applied (ms after the relay started) and why.
                    profiles: { toA: call.relay.profileHistory('toA'), toB: call.relay.profileHistory('toB') },
                  }
                : {}),
              // Every ICE restart (restartIce): when, who, signalling and reconnect times, the media gap per track.
              ...(call.iceRestarts.length ? { iceRestarts: call.iceRestarts } : {}),
            },
          }
        : {}),
    })
    appendCallRecord(record)
  } catch (e) {
    process.stderr.write(`rtcspec: could not write the call record: ${e instanceof Error ? e.message : String(e)}\n`)
  } finally {
    await call.close()
  }
  return saved
}

function firstRtp(call: BackToBackCall): { firstRtpMs?: number } {
  const firsts = [call.a, call.b].flatMap((p) => p.inbound.map((t) => t.rtp.snapshot().firstArrivalMs)).filter((x): x is number => x !== undefined)
  return firsts.length ? { firstRtpMs: Math.min(...firsts) - call.timings.startedAt } : {}
}
