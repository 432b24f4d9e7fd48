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
import { test as vitestTest } from 'vitest'
import { ScenarioError } from '../errors.ts'
import type { B2BCall } from '../calls/open.ts'
import type { NetworkOptions } from '../calls/network.ts'
import { seedNote } from '../calls/seed.ts'
import { restartIce } from '../peers/ice-restart.ts'
import type { Peer } from '../peers/types.ts'
import { waitFor } from '../wait.ts'
import type { RtpStatsSnapshot } from '../rtp/stats-types.ts'
import {
  checkExpectation,
  checkVideoExpectation,
  parseScenario,
  ScenarioSpecSchema,
  sourceOf,
  type ScenarioExpectation,
  type ScenarioSpec,
  type ScenarioVideoExpectation,
  type ScenarioVideoSend,
} from '../calls/scenario-spec.ts'
import type { SipScenarioSpec } from './sip-scenario.ts'
import { isSipScenarioSpec } from './scenario-kind.ts'

export { parseScenario, ScenarioSpecSchema, type ScenarioSpec } from '../calls/scenario-spec.ts'

export { ScenarioError } from '../errors.ts'

function ladder(call: B2BCall | undefined): string {
  if (!call) return 'Signaling ladder: (no signaling happened)'
  const lines = call.signaling.map((m) => {
    const what = m.type === 'candidate' ? `candidate ${m.candidate}` : m.sdp ? `${m.type} (SDP, ${m.sdp.split(/\r?\n/).filter(Boolean).length} lines)` : m.type
    return `  ${m.atMs.toFixed(0).padStart(6)} ms  ${m.from} → ${m.to}  ${what}`
  })
  const sdps = call.signaling.filter((m) => m.sdp).map((m) => `--- ${m.type} ${m.from} → ${m.to} ---\n${m.sdp!.replace(/\r\n/g, '\n').trimEnd()}`)
  return `Signaling ladder:\n${lines.join('\n')}\n\n${sdps.join('\n\n')}`
}

function statsLine(label: string, s: RtpStatsSnapshot): string {
  return `  ${label}: received ${s.received}, expected ${s.expected}, lost ${s.lost} (${(s.lossFraction * 100).toFixed(2)} %), jitter ${s.jitterMs.toFixed(2)} ms, duplicates ${s.duplicates}, reordered ${s.reordered}`
}

function statsAt(call: B2BCall | undefined, restartGapMs?: number): string {
  if (!call) return ''
  const lines = [call.a, call.b].flatMap((p) => {
    const states = `  ${p.name}: ice=${p.timeline.ice.at(-1)?.state ?? 'new'} dtls=${p.timeline.dtls.at(-1)?.state ?? 'new'} connection=${p.timeline.connection.at(-1)?.state ?? 'new'}`
    return [
      states,
      ...p.inbound.map((t) => statsLine(`${p.name}.${t.kind}.in`, t.rtp.snapshot())),
      ...p.timeline.errors.map((e) => `  ${p.name} error at ${e.atMs} ms: ${e.message}`),
    ]
  })
  const restart = restartGapMs !== undefined ? `\n  ICE restart media gap: ${restartGapMs.toFixed(0)} ms` : ''
  return `Stats at failure:\n${lines.join('\n')}${restart}${call.seed !== undefined ? `\n  impairment seed: ${seedNote(call)}` : ''}`
}

/**
 * Starts `peer` sending the test pattern a scenario's `video` describes: a werift peer sends it encoded by FFmpeg
 * (looped, so it lasts the call), a Chromium peer draws and encodes it in its page.
 */
async function sendPattern(peer: Peer, video: ScenarioVideoSend, durationMs: number): Promise<void> {
  if (!peer.sendVideo) throw new Error(`${peer.name} cannot send video (its implementation has no sendVideo)`)
  if (peer.kind === 'chromium') {
    ;(peer.sendVideo as unknown as (o: object) => unknown)({
      codec: video.codec,
      width: video.width,
      height: video.height,
      fps: video.fps,
      maxBitrateKbps: video.bitrateKbps,
    })
    return
  }
  const { encodeVideoPattern } = await import('../services/video-encode.ts')
  const seconds = Math.min(60, Math.max(2, Math.ceil(durationMs / 1000) + 2))
  const encoded = await encodeVideoPattern({
    codec: video.codec,
    width: video.width,
    height: video.height,
    fps: video.fps,
    bitrateKbps: video.bitrateKbps,
    seconds,
  })
  peer.sendVideo(encoded, { loop: true })
}

/** Runs a scenario spec once (what the registered test does). Exported for the CLI and for tests. */
export async function runScenario(name: string, spec: unknown, test?: { file?: string; name: string }): Promise<void> {
  // The call engine (werift) and the SIP stack (sip.js) load when a scenario runs, not when rtcspec is imported.
  if (isSipScenarioSpec(spec)) {
    const { runSipScenario } = await import('./sip-scenario.ts')
    await runSipScenario(name, spec, test)
    return
  }
  const { openBackToBack, recordAndClose } = await import('../calls/open.ts')
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
    // A peer sends video when its spec says so, and receives it when the other one sends.
    const videoDirection = (own: typeof caller, other: typeof caller): 'sendrecv' | 'sendonly' | 'recvonly' | undefined =>
      own.video ? (other.video ? 'sendrecv' : 'sendonly') : other.video ? 'recvonly' : undefined
    const peerOpts = (n: string, p: typeof caller, other: typeof caller) => {
      const video = videoDirection(p, other)
      return {
        name: n,
        ...(p.kind === 'chromium' ? { kind: 'chromium' as const } : {}),
        ...(p.codecs ? { codecs: p.codecs } : {}),
        ...(p.trickle !== undefined ? { trickle: p.trickle } : {}),
        ...(video ? { video } : {}),
        ...(p.video ? { videoCodecs: [p.video.codec] } : other.video ? { videoCodecs: [other.video.codec] } : {}),
      }
    }
    call = await openBackToBack(
      {
        a: peerOpts(callerName, caller, callee),
        b: peerOpts(calleeName, callee, caller),
        ...(s.codec ? { codec: s.codec } : {}),
        ...(s.network ? { network: s.network as NetworkOptions } : {}),
        ...(caller.ice || callee.ice ? { ice: { ...(caller.ice ? { a: caller.ice } : {}), ...(callee.ice ? { b: callee.ice } : {}) } } : {}),
        connectTimeoutMs: s.connectTimeout,
      },
      { kind: 'scenario', ...(test ? { test: { ...test, result: 'failed' as const } } : {}) },
    )
    step = `send media for ${s.duration} ms`
    if (caller.send) call.a.sendAudio(sourceOf(caller.send))
    if (callee.send) call.b.sendAudio(sourceOf(callee.send))
    if (caller.video) await sendPattern(call.a, caller.video, s.duration)
    if (callee.video) await sendPattern(call.b, callee.video, s.duration)
    const byName: Record<string, Peer> = { [callerName]: call.a, [calleeName]: call.b }
    // Media flows for the stated duration: wait on the far side's packet count, bounded by the duration.
    const mediaFor = (ms: number) =>
      Promise.all([
        ...Object.values(byName).map(async (p) => {
          const sender = p === call!.a ? caller.send : callee.send
          if (!sender) return
          const other = p === call!.a ? call!.b : call!.a
          const t = await other.waitForTrack('audio', ms + 2000).catch(() => undefined)
          await t?.waitForPackets(Math.floor(ms / 20), ms + 1000).catch(() => undefined)
        }),
        ...Object.values(byName).map(async (p) => {
          const video = p === call!.a ? caller.video : callee.video
          if (!video) return
          const other = p === call!.a ? call!.b : call!.a
          const t = await other.waitForTrack('video', ms + 3000).catch(() => undefined)
          await waitFor(() => (t?.videoFrames?.() ?? t?.renderedFrames?.() ?? []).length >= Math.floor((ms * video.fps) / 1000), {
            timeoutMs: ms + 2000,
            label: `${Math.floor((ms * video.fps) / 1000)} video frames at ${other.name}`,
          }).catch(() => undefined)
        }),
      ])
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
      const [peerName, kind] = key.split('.')
      const peer = byName[peerName ?? '']
      if (kind === 'video') {
        const sender = peer === call?.a ? callee.video : caller.video
        return checkVideoExpectation(
          key,
          peer?.inbound.find((t) => t.kind === 'video'),
          e as ScenarioVideoExpectation,
          sender?.fps,
        )
      }
      return checkExpectation(
        key,
        peer?.inbound.find((t) => t.kind === 'audio'),
        e as ScenarioExpectation,
      )
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
  vitestTest(
    name,
    async ({ task }) => {
      await runScenario(name, spec, { ...(task.file?.name ? { file: task.file.name } : {}), name: task.fullName ?? task.name })
    },
    timeout,
  )
}
