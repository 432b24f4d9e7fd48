/**
 * The declarative form: a scenario is data, validated by zod, and run by the same engine as the fixtures.
 *
 * ```ts
 * scenario('PCMU call with 2 % loss towards bob', {
 *   peers: { alice: { send: { tone: 440 } }, bob: { send: { tone: 880 } } },
 *   codec: 'PCMU',
 *   network: { toB: { loss: 0.02 }, seed: 7 },
 *   duration: '3s',
 *   expect: { 'bob.audio.in': { packetsAtLeast: 100, lossBelow: 0.05 }, 'alice.audio.in': { lossBelow: 0.005, jitterMsBelow: 20 } },
 * })
 * ```
 *
 * A failure names the step that failed, shows the signaling ladder up to it and the stats at that moment.
 */
import { z } from 'zod'
import { test as vitestTest } from 'vitest'
import { DurationSchema } from './duration.ts'
import { openBackToBack, recordAndClose, sources, type B2BCall } from './calls.ts'
import { SPEECH_FIXTURES } from '../media/wav-source.ts'
import { NetworkSpecSchema, type NetworkOptions } from './network.ts'
import { TricklePolicySchema } from '../peers/ice-behaviours.ts'
import { restartIce } from '../peers/ice-restart.ts'
import { audioCodecNames } from '../peers/codecs.ts'
import type { AudioSourceSpec, InboundTrack, Peer } from '../peers/types.ts'
import type { RtpStatsSnapshot } from '../rtp/stats-types.ts'
import { isSipScenarioSpec, runSipScenario, type SipScenarioSpec } from './sip-scenario.ts'

const SendSchema = z.union([
  z.object({ tone: z.union([z.number().positive().max(20_000), z.array(z.number().positive().max(20_000)).min(1).max(8)]), dbfs: z.number().max(0).optional() }).strict(),
  z.object({ silence: z.literal(true) }).strict(),
  z.object({ noise: z.object({ seed: z.number().int().optional(), dbfs: z.number().max(0).optional() }).strict() }).strict(),
  /** A shipped speech fixture (fixtures/audio/), resampled to the codec rate. */
  z.object({ speech: z.enum(SPEECH_FIXTURES), loop: z.boolean().optional() }).strict(),
  /** A WAV file (path relative to the working directory), resampled to the codec rate. */
  z.object({ wav: z.string().min(1), loop: z.boolean().optional() }).strict(),
  /** In-band DTMF tone pairs (Q.23), e.g. `'123#'`. */
  z.object({ dtmf: z.string().regex(/^[0-9*#A-Da-d]+$/, 'DTMF digits are 0-9, *, #, A-D'), durationMs: z.number().positive().optional(), gapMs: z.number().nonnegative().optional() }).strict(),
])

const PeerSpecSchema = z
  .object({
    /** `werift` (in-process) or `chromium` (a headless Chromium page, see src/peers/chromium). */
    kind: z.enum(['werift', 'chromium']).default('werift'),
    /** Audio codecs this peer offers/accepts, in order. */
    codecs: z.array(z.string()).min(1).optional(),
    trickle: z.boolean().optional(),
    send: SendSchema.optional(),
    /** How this peer's trickled candidates reach the other peer (src/peers/ice-behaviours.ts). */
    ice: TricklePolicySchema.optional(),
  })
  .strict()

const ExpectationSchema = z
  .object({
    packetsAtLeast: z.number().int().nonnegative().optional(),
    lossBelow: z.number().min(0).max(1).optional(),
    jitterMsBelow: z.number().positive().optional(),
    codec: z.string().optional(),
  })
  .strict()


/** The schema of a scenario spec. */
export const ScenarioSpecSchema = z
  .object({
    /** Exactly two peers: the first one named calls the second. */
    peers: z.record(z.string().regex(/^[A-Za-z][\w-]*$/, 'peer names are identifiers like alice, bob-2'), PeerSpecSchema),
    /** Force one codec on both sides. */
    codec: z.string().optional(),
    /** Impairment between the peers: profiles, presets, schedule (see src/dsl/network.ts). */
    network: NetworkSpecSchema.optional(),
    /** Restart ICE this long after media started; fail when the media gap exceeds `maxGap`. */
    iceRestart: z.object({ at: DurationSchema, maxGap: DurationSchema.optional() }).strict().optional(),
    /** How long media flows after connecting. */
    duration: DurationSchema.default(2000),
    /** Connect timeout. */
    connectTimeout: DurationSchema.default(10_000),
    /** Keys are `<peer>.audio.in`. */
    expect: z.record(z.string(), ExpectationSchema).default({}),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const names = Object.keys(spec.peers)
    if (names.length !== 2) {
      ctx.addIssue({ code: 'custom', path: ['peers'], message: `a scenario needs exactly 2 peers (caller first), got ${names.length}: ${names.join(', ') || 'none'}` })
    }
    const known = audioCodecNames()
    const codecs = [spec.codec, ...Object.values(spec.peers).flatMap((p) => p.codecs ?? [])].filter((c): c is string => !!c)
    for (const c of codecs) {
      if (!known.includes(c.toUpperCase())) ctx.addIssue({ code: 'custom', path: ['codec'], message: `unknown codec "${c}"; known: ${known.join(', ')}` })
    }
    for (const key of Object.keys(spec.expect)) {
      const m = /^([A-Za-z][\w-]*)\.audio\.in$/.exec(key)
      if (!m) ctx.addIssue({ code: 'custom', path: ['expect', key], message: `expectation keys look like "<peer>.audio.in", got "${key}"` })
      else if (!names.includes(m[1] ?? '')) ctx.addIssue({ code: 'custom', path: ['expect', key], message: `no peer named "${m[1]}" (peers: ${names.join(', ')})` })
    }
  })

/** A scenario as written by users (durations as strings allowed). */
export type ScenarioSpec = z.input<typeof ScenarioSpecSchema>
type ParsedSpec = z.output<typeof ScenarioSpecSchema>

/** Thrown when a scenario fails: says which step, with the ladder and stats at that moment. */
export class ScenarioError extends Error {
  readonly step: string
  constructor(name: string, step: string, cause: unknown, context: string) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super(`scenario "${name}" failed at step "${step}": ${reason}${context ? `\n\n${context}` : ''}`, { cause })
    this.name = 'ScenarioError'
    this.step = step
  }
}

/** Validates a spec; the error lists every problem with its path (`z.prettifyError`). */
export function parseScenario(spec: unknown): ParsedSpec {
  const r = ScenarioSpecSchema.safeParse(spec)
  if (!r.success) throw new Error(`invalid scenario spec:\n${z.prettifyError(r.error)}`)
  return r.data
}

function sourceOf(send: z.output<typeof SendSchema>): AudioSourceSpec {
  if ('tone' in send) return Array.isArray(send.tone) ? sources.tones(send.tone, { ...(send.dbfs !== undefined ? { dbfs: send.dbfs } : {}) }) : sources.tone(send.tone, { ...(send.dbfs !== undefined ? { dbfs: send.dbfs } : {}) })
  if ('silence' in send) return sources.silence()
  if ('speech' in send) return sources.speech(send.speech, send.loop ? { loop: true } : {})
  if ('wav' in send) return sources.wavFile(send.wav, send.loop ? { loop: true } : {})
  if ('dtmf' in send) return sources.dtmf(send.dtmf, { ...(send.durationMs !== undefined ? { durationMs: send.durationMs } : {}), ...(send.gapMs !== undefined ? { gapMs: send.gapMs } : {}) })
  return sources.noise({ ...(send.noise.seed !== undefined ? { seed: send.noise.seed } : {}), ...(send.noise.dbfs !== undefined ? { dbfs: send.noise.dbfs } : {}) })
}

function ladder(call: B2BCall | undefined): string {
  if (!call) return 'Signaling ladder: (no signaling happened)'
  const lines = call.signaling.map((m) => {
    const what = m.type === 'candidate' ? `candidate ${m.candidate}` : m.sdp ? `${m.type} (SDP, ${m.sdp.split(/\r?\n/).filter(Boolean).length} lines)` : m.type
    return `  ${m.atMs.toFixed(0).padStart(6)} ms  ${m.from} → ${m.to}  ${what}`
  })
  const sdps = call.signaling.filter((m) => m.sdp).map((m) => `--- ${m.type} ${m.from} → ${m.to} ---\n${m.sdp!.replace(/\r\n/g, "\n").trimEnd()}`)
  return `Signaling ladder:\n${lines.join('\n')}\n\n${sdps.join('\n\n')}`
}

function statsLine(label: string, s: RtpStatsSnapshot): string {
  return `  ${label}: received ${s.received}, expected ${s.expected}, lost ${s.lost} (${(s.lossFraction * 100).toFixed(2)} %), jitter ${s.jitterMs.toFixed(2)} ms, duplicates ${s.duplicates}, reordered ${s.reordered}`
}

function statsAt(call: B2BCall | undefined, restartGapMs?: number): string {
  if (!call) return ''
  const lines = [call.a, call.b].flatMap((p) => {
    const states = `  ${p.name}: ice=${p.timeline.ice.at(-1)?.state ?? 'new'} dtls=${p.timeline.dtls.at(-1)?.state ?? 'new'} connection=${p.timeline.connection.at(-1)?.state ?? 'new'}`
    return [states, ...p.inbound.map((t) => statsLine(`${p.name}.${t.kind}.in`, t.rtp.snapshot())), ...p.timeline.errors.map((e) => `  ${p.name} error at ${e.atMs} ms: ${e.message}`)]
  })
  const restart = restartGapMs !== undefined ? `\n  ICE restart media gap: ${restartGapMs.toFixed(0)} ms` : ''
  return `Stats at failure:\n${lines.join('\n')}${restart}${call.seed !== undefined ? `\n  impairment seed: ${call.seed} (re-run with RTCSPEC_SEED=${call.seed})` : ''}`
}

/** Checks one expectation; returns the failures as sentences. */
function check(key: string, track: InboundTrack | undefined, e: z.output<typeof ExpectationSchema>): string[] {
  if (!track) return [`${key}: no inbound audio track arrived`]
  const s = track.rtp.snapshot()
  const out: string[] = []
  if (e.packetsAtLeast !== undefined && s.unique < e.packetsAtLeast) out.push(`${key}: expected at least ${e.packetsAtLeast} packets, got ${s.unique}`)
  if (e.lossBelow !== undefined && !(s.expected > 0 && s.lossFraction < e.lossBelow)) out.push(`${key}: expected loss below ${(e.lossBelow * 100).toFixed(2)} %, measured ${(s.lossFraction * 100).toFixed(2)} % (lost ${s.lost} of ${s.expected})`)
  if (e.jitterMsBelow !== undefined && !(s.received > 1 && s.jitterMs < e.jitterMsBelow)) out.push(`${key}: expected jitter below ${e.jitterMsBelow} ms, measured ${s.jitterMs.toFixed(2)} ms`)
  if (e.codec !== undefined && track.codec?.encoding.toUpperCase() !== e.codec.toUpperCase()) out.push(`${key}: expected codec ${e.codec}, got ${track.codec?.encoding ?? 'none'}`)
  return out
}

/** Runs a scenario spec once (what the registered test does). Exported for the CLI and for tests. */
export async function runScenario(name: string, spec: unknown, test?: { file?: string; name: string }): Promise<void> {
  if (isSipScenarioSpec(spec)) {
    await runSipScenario(name, spec, test)
    return
  }
  let step = 'validate the spec'
  let call: B2BCall | undefined
  let failed = false
  let restartGapMs: number | undefined
  try {
    const s = parseScenario(spec)
    const [callerName, calleeName] = Object.keys(s.peers) as [string, string]
    const caller = s.peers[callerName]!
    const callee = s.peers[calleeName]!
    step = `connect ${callerName} → ${calleeName}`
    const peerOpts = (n: string, p: typeof caller) => ({
      name: n,
      ...(p.kind === 'chromium' ? { kind: 'chromium' as const } : {}),
      ...(p.codecs ? { codecs: p.codecs } : {}),
      ...(p.trickle !== undefined ? { trickle: p.trickle } : {}),
    })
    call = await openBackToBack({
      a: peerOpts(callerName, caller),
      b: peerOpts(calleeName, callee),
      ...(s.codec ? { codec: s.codec } : {}),
      ...(s.network ? { network: s.network as NetworkOptions } : {}),
      ...(caller.ice || callee.ice ? { ice: { ...(caller.ice ? { a: caller.ice } : {}), ...(callee.ice ? { b: callee.ice } : {}) } } : {}),
      connectTimeoutMs: s.connectTimeout,
    })
    step = `send media for ${s.duration} ms`
    if (caller.send) call.a.sendAudio(sourceOf(caller.send))
    if (callee.send) call.b.sendAudio(sourceOf(callee.send))
    const byName: Record<string, Peer> = { [callerName]: call.a, [calleeName]: call.b }
    // Media flows for the stated duration: wait on the far side's packet count, bounded by the duration.
    const mediaFor = (ms: number) =>
      Promise.all(
        Object.values(byName).map(async (p) => {
          const sender = p === call!.a ? caller.send : callee.send
          if (!sender) return
          const other = p === call!.a ? call!.b : call!.a
          const t = await other.waitForTrack('audio', ms + 2000).catch(() => undefined)
          await t?.waitForPackets(Math.floor(ms / 20), ms + 1000).catch(() => undefined)
        }),
      )
    if (s.iceRestart) {
      await mediaFor(s.iceRestart.at)
      step = `restart ICE at ${s.iceRestart.at} ms`
      const r = await restartIce(call)
      restartGapMs = r.gapMs
      if (s.iceRestart.maxGap !== undefined && r.gapMs > s.iceRestart.maxGap) {
        throw new Error(`the ICE restart interrupted media for ${r.gapMs.toFixed(0)} ms, more than the allowed ${s.iceRestart.maxGap} ms`)
      }
      step = `send media for ${s.duration} ms`
    }
    await mediaFor(s.duration)
    step = 'check expectations'
    const failures = Object.entries(s.expect).flatMap(([key, e]) => {
      const peer = byName[key.split('.')[0] ?? '']
      return check(key, peer?.inbound.find((t) => t.kind === 'audio'), e)
    })
    if (failures.length) throw new Error(`${failures.length} expectation(s) failed:\n  ${failures.join('\n  ')}`)
  } catch (e) {
    failed = true
    throw new ScenarioError(name, step, e, step === 'validate the spec' ? '' : `${ladder(call)}\n\n${statsAt(call, restartGapMs)}`)
  } finally {
    if (call) await recordAndClose(call, 'scenario', test ? { ...test, result: failed ? 'failed' : 'passed' } : undefined)
  }
}

/**
 * Registers a Vitest test that runs the scenario. An invalid spec makes the test fail with every
 * problem listed by path; it never breaks the rest of the file.
 */
export function scenario(name: string, spec: ScenarioSpec | SipScenarioSpec, options: { timeout?: number } = {}): void {
  let timeout = options.timeout
  if (timeout === undefined && isSipScenarioSpec(spec)) timeout = 60_000
  if (timeout === undefined) {
    const r = ScenarioSpecSchema.safeParse(spec)
    timeout = r.success ? r.data.duration + r.data.connectTimeout + 10_000 : 30_000
  }
  vitestTest(name, async ({ task }) => {
    await runScenario(name, spec, { ...(task.file?.name ? { file: task.file.name } : {}), name: task.fullName ?? task.name })
  }, timeout)
}
