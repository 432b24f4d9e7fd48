/**
 * rtcspec's Vitest fixtures: `test` is Vitest's `test` extended with peers, back-to-back calls and
 * audio sources. Everything a fixture creates is closed after the test, pass or fail, and every call
 * is written to `reports/call_records.jsonl`.
 */
import { test as vitestTest } from 'vitest'
import type { TestContext } from 'vitest'
import { createWeriftPeer, type WeriftPeer, type WeriftPeerOptions } from '../peers/werift/peer.ts'
import { connectBackToBack, type BackToBackCall } from '../peers/back-to-back.ts'
import { relayPath } from '../peers/relay-path.ts'
import { appendCallRecord, buildCallRecord } from '../peers/call-record.ts'
import type { AudioSourceSpec, Peer } from '../peers/types.ts'
import { UdpRelay } from '../net/relay.ts'
import type { ImpairmentProfile } from '../net/impairment.ts'
import { noise as noiseSource, silence as silenceSource, tone as toneSource, tones as tonesSource } from '../media/sources.ts'

/** Impairment on a back-to-back path, applied by rtcspec's seeded UDP relay. */
export interface NetworkOptions {
  /** Seed of the impairment PRNG. Default: `$RTCSPEC_SEED`, else random (printed on failure). */
  seed?: number
  /** Impairment of packets delivered to peer a (the offerer). */
  toA?: ImpairmentProfile
  /** Impairment of packets delivered to peer b (the answerer). */
  toB?: ImpairmentProfile
}

/** Options of the `b2b` fixture. */
export interface B2BOptions {
  /** Options of peer a (offerer). Default name `alice`. */
  a?: WeriftPeerOptions
  /** Options of peer b (answerer). Default name `bob`. */
  b?: WeriftPeerOptions
  /** Offer and accept only this audio codec on both sides (e.g. `'PCMA'`). */
  codec?: string
  /** Trickle ICE on both sides (default true) or full gathering. */
  trickle?: boolean
  /** Route media through the impairment relay with these profiles. */
  network?: NetworkOptions
  /** Start sending audio right after connecting. */
  send?: { a?: AudioSourceSpec; b?: AudioSourceSpec }
  /** ICE + DTLS timeout, default 10 s. */
  connectTimeoutMs?: number
}

/** A connected back-to-back call made by the `b2b` fixture. */
export interface B2BCall extends BackToBackCall {
  /** The impairment relay, when `network` was given: its ground truth is `relay.truth('toB')`. */
  readonly relay: UdpRelay | undefined
  /** The impairment seed in use (also printed when the test fails). */
  readonly seed: number | undefined
}

/** Creates peers that are closed after the test. */
export interface PeerFactory {
  werift(options?: WeriftPeerOptions): WeriftPeer
}

/** Audio source factories: each builds its source at the sample rate the negotiated codec needs. */
export interface SourceFactories {
  tone: (hz: number, options?: { dbfs?: number; durationMs?: number }) => AudioSourceSpec
  tones: (hz: number[], options?: { dbfs?: number; durationMs?: number }) => AudioSourceSpec
  silence: (options?: { durationMs?: number }) => AudioSourceSpec
  noise: (options?: { seed?: number; dbfs?: number; durationMs?: number }) => AudioSourceSpec
}

/** The fixtures rtcspec adds to Vitest's test context. */
export interface RtcspecFixtures extends SourceFactories {
  peers: PeerFactory
  b2b: (options?: B2BOptions) => Promise<B2BCall>
}

/** Picks the impairment seed: explicit, else `$RTCSPEC_SEED`, else random. */
export function pickSeed(explicit?: number): number {
  if (explicit !== undefined) return explicit >>> 0
  const env = process.env.RTCSPEC_SEED
  if (env !== undefined && env !== '' && Number.isFinite(Number(env))) return Number(env) >>> 0
  return Math.floor(Math.random() * 0x100000000)
}

function testInfo(context: TestContext): { file?: string; name: string; result: 'passed' | 'failed' | 'unknown' } {
  const task = context.task
  const state = task.result?.state
  return {
    file: task.file?.name,
    name: task.fullName ?? task.name,
    result: state === 'fail' ? 'failed' : state === 'pass' ? 'passed' : 'unknown',
  }
}

/** Opens a back-to-back call; shared by the `b2b` fixture and `scenario()`. */
export async function openBackToBack(options: B2BOptions = {}): Promise<B2BCall> {
  const codecs = options.codec ? [options.codec] : undefined
  const trickle = options.trickle
  const a = createWeriftPeer({ name: 'alice', ...(codecs ? { codecs } : {}), ...(trickle !== undefined ? { trickle } : {}), ...options.a })
  const b = createWeriftPeer({ name: 'bob', ...(codecs ? { codecs } : {}), ...(trickle !== undefined ? { trickle } : {}), ...options.b })
  let relay: UdpRelay | undefined
  let seed: number | undefined
  try {
    if (options.network) {
      seed = pickSeed(options.network.seed)
      relay = await UdpRelay.create({ seed, ...(options.network.toA ? { toA: options.network.toA } : {}), ...(options.network.toB ? { toB: options.network.toB } : {}) })
    }
    const call = await connectBackToBack(a, b, {
      ...(relay ? { path: relayPath(relay) } : {}),
      ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    })
    if (options.send?.a) a.sendAudio(options.send.a)
    if (options.send?.b) b.sendAudio(options.send.b)
    const close = call.close
    const r = relay
    return Object.assign(call, {
      relay,
      seed,
      async close() {
        await close()
        await r?.close()
      },
    })
  } catch (e) {
    await Promise.allSettled([a.close(), b.close(), relay?.close()])
    if (seed !== undefined && e instanceof Error) e.message += ` (impairment seed ${seed})`
    throw e
  }
}

/** Records and closes a call; never throws (a failure to record is reported on stderr). */
export async function recordAndClose(call: B2BCall, kind: string, test?: ReturnType<typeof testInfo>): Promise<void> {
  try {
    const record = await buildCallRecord({
      kind,
      peers: [call.a, call.b] as Peer[],
      startedAt: new Date(Date.now() - (performance.now() - call.timings.startedAt)),
      setup: { connectMs: call.timings.connectedMs, ...firstRtp(call) },
      signaling: call.signaling,
      ...(test ? { test } : {}),
      ...(call.relay
        ? { extra: { seed: call.seed, impairment: { toA: call.relay.summary('toA'), toB: call.relay.summary('toB') } } }
        : {}),
    })
    appendCallRecord(record)
  } catch (e) {
    process.stderr.write(`rtcspec: could not write the call record: ${e instanceof Error ? e.message : String(e)}\n`)
  } finally {
    await call.close()
  }
}

function firstRtp(call: BackToBackCall): { firstRtpMs?: number } {
  const firsts = [call.a, call.b].flatMap((p) => p.inbound.map((t) => t.rtp.snapshot().firstArrivalMs)).filter((x): x is number => x !== undefined)
  return firsts.length ? { firstRtpMs: Math.min(...firsts) - call.timings.startedAt } : {}
}

const sourceFactories: SourceFactories = {
  tone: (hz, o = {}) => (sampleRate) => toneSource(hz, { ...o, sampleRate }),
  tones: (hz, o = {}) => (sampleRate) => tonesSource(hz, { ...o, sampleRate }),
  silence: (o = {}) => (sampleRate) => silenceSource({ ...o, sampleRate }),
  noise: (o = {}) => (sampleRate) => noiseSource({ ...o, sampleRate }),
}

/** Audio source factories, usable outside fixtures too. */
export const sources: SourceFactories = sourceFactories

/** Vitest's `test`, extended with rtcspec's fixtures. */
export const test = vitestTest.extend<RtcspecFixtures>({
  peers: async ({}, use) => {
    const made: Peer[] = []
    await use({
      werift: (options) => {
        const p = createWeriftPeer(options)
        made.push(p)
        return p
      },
    })
    await Promise.allSettled(made.map((p) => p.close()))
  },
  b2b: async ({ task, onTestFailed }, use) => {
    const calls: B2BCall[] = []
    onTestFailed(() => {
      for (const c of calls) if (c.seed !== undefined) process.stderr.write(`rtcspec: impairment seed of ${c.a.name}↔${c.b.name} was ${c.seed} (re-run with RTCSPEC_SEED=${c.seed})\n`)
    })
    await use(async (options) => {
      const call = await openBackToBack(options)
      calls.push(call)
      return call
    })
    const ctx = { task } as TestContext
    await Promise.all(calls.map((c) => recordAndClose(c, 'webrtc-b2b', testInfo(ctx))))
  },
  tone: async ({}, use) => use(sourceFactories.tone),
  tones: async ({}, use) => use(sourceFactories.tones),
  silence: async ({}, use) => use(sourceFactories.silence),
  noise: async ({}, use) => use(sourceFactories.noise),
})
