/**
 * Video rows of the `video` suite that run peers or the analysis: rtcspec's frame-accurate analysis per minute of
 * video, and werift vs Chromium in the same video call side by side.
 *
 * The call: back-to-back on loopback, PCMU audio both ways (a 440 Hz and an 880 Hz tone) and VP8 video one way
 * (a → b), rtcspec's moving pattern at 320×240, 15 fps. werift sends the pattern pre-encoded by FFmpeg (looped;
 * rtcspec packetizes it, no encoder runs during the call) and b assembles the frames from the packets; Chromium
 * draws the same pattern on a canvas, encodes it with the browser's VP8, and b decodes, renders and reads the frame
 * code of every rendered frame. So Chromium's cost includes a real encoder and decoder, werift's does not.
 *
 * A level of concurrent werift video calls is held when, over the hold window, every call's receiver got at least
 * 95 % of the nominal frame rate in complete frames, none was incomplete, no freeze by the WebRTC-stats definition
 * (on the arrival times of the complete frames), and every audio stream kept loss under 0.5 % and got at least 95 %
 * of its packets (the audio of a video call is not starved by the video).
 */
import { existsSync } from 'node:fs'
import { loadavg } from 'node:os'
import { cpuUsage } from 'node:process'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { analyzeVideo, type SentVideoFrame } from '../../src/media/video/analysis.ts'
import { detectFreezes } from '../../src/media/video/freezes.ts'
import type { EncodedVideo, VideoFrameArrival } from '../../src/media/video/types.ts'
import { tone } from '../../src/media/sources.ts'
import { connectBackToBack, type BackToBackCall } from '../../src/peers/back-to-back.ts'
import { chromiumExecutable } from '../../src/peers/chromium/browser.ts'
import type { ChromiumInboundTrack } from '../../src/peers/chromium/inbound-track.ts'
import { createChromiumPeer, type ChromiumPeer } from '../../src/peers/chromium/peer.ts'
import { treePssBytes } from '../../src/peers/chromium/process-tree.ts'
import { createWeriftPeer } from '../../src/peers/werift/peer.ts'
import type { InboundTrack, Peer } from '../../src/peers/types.ts'
import { findBinary } from '../../src/services/provider.ts'
import { encodeVideoPattern } from '../../src/services/video-encode.ts'
import { treeCpuMs } from '../proc-cpu.ts'
import { naRow, percentile, timeLeft, type BenchRow, type BenchRunOptions, type BenchTarget } from '../row.ts'

const SUITE = 'video'
const MiB = 2 ** 20
const WIDTH = 320
const HEIGHT = 240
const FPS = 15
const KBPS = 150
/** A level is held at ≥ 95 % of the nominal rate on every call. */
const FPS_SHARE = 0.95
const LOSS_LIMIT = 0.005
const CALL_DESC = `VP8 ${WIDTH}×${HEIGHT}@${FPS} one way + PCMU both ways`

type Kind = 'werift' | 'chromium'

/** One call of the kind, connected, audio both ways and video a → b started. */
interface VideoCall {
  call: BackToBackCall
  stopVideo(): void
}

async function openCall(kind: Kind, i: number, video: EncodedVideo | undefined): Promise<VideoCall> {
  let a: Peer | undefined
  let b: Peer | undefined
  try {
    if (kind === 'werift') {
      a = createWeriftPeer({ name: `vw-a${i}`, codecs: ['PCMU'], video: 'sendonly', videoCodecs: ['VP8'] })
      b = createWeriftPeer({ name: `vw-b${i}`, codecs: ['PCMU'], video: 'recvonly', videoCodecs: ['VP8'] })
    } else {
      a = await createChromiumPeer({ name: `vc-a${i}`, codecs: ['PCMU'] })
      b = await createChromiumPeer({ name: `vc-b${i}`, codecs: ['PCMU'] })
    }
    // Chromium's pattern sender is negotiated with the offer; werift's sendVideo starts once connected.
    const chromiumSend = kind === 'chromium' ? (a as ChromiumPeer).sendVideo({ codec: 'VP8', width: WIDTH, height: HEIGHT, fps: FPS }) : undefined
    const call = await connectBackToBack(a, b, { connectTimeoutMs: 20_000 })
    a.sendAudio(tone(440))
    b.sendAudio(tone(880))
    const send = chromiumSend ?? a.sendVideo!(video as EncodedVideo, { loop: true })
    return { call, stopVideo: () => send.stop() }
  } catch (e) {
    await Promise.allSettled([a?.close(), b?.close()])
    throw e
  }
}

async function closeAll(calls: VideoCall[]): Promise<void> {
  await Promise.allSettled(calls.map((c) => c.call.close()))
}

/** Waits until every call's receiver shows video (werift: 10 complete frames; Chromium: 10 rendered) and audio. */
async function videoFlowing(calls: VideoCall[], timeoutMs: number): Promise<void> {
  await Promise.all(
    calls.map(async ({ call }) => {
      const [v, a] = await Promise.all([call.b.waitForTrack('video', timeoutMs), call.b.waitForTrack('audio', timeoutMs)])
      await a.waitForPackets(10, timeoutMs)
      if (v.waitForVideoFrames) await v.waitForVideoFrames(10, timeoutMs)
      else await (v as ChromiumInboundTrack).waitForRendered('10 rendered frames', (f) => f.length >= 10, timeoutMs)
    }),
  )
}

/** Complete frames of a werift track that finished within [t0, t1] (performance clock). */
function framesIn(track: InboundTrack, t0: number, t1: number): VideoFrameArrival[] {
  return (track.videoFrames?.() ?? []).filter((f) => f.lastArrivalMs >= t0 && f.lastArrivalMs < t1)
}

interface HoldWindow {
  /** Lowest achieved frame rate over the calls, fps. */
  minFps: number
  freezes: number
  incomplete: number
  audioLoss: number
  /** Longest event-loop delay of this process during the window, ms: a stall delays the werift senders' frames too. */
  loopStallMs: number
  /** Why the window does not count as held, if it does not. */
  failed: string | undefined
}

/** Video frame rate, freezes and audio loss over `ms` of every call (deltas over the window). */
async function holdWindow(kind: Kind, calls: VideoCall[], ms: number): Promise<HoldWindow> {
  const audioIn = async () => Promise.all(calls.map(async (c) => (await Promise.all([c.call.a.stats(), c.call.b.stats()])).flat()))
  const tracks = await Promise.all(calls.map((c) => c.call.b.waitForTrack('video', 5000)))
  const before = (await audioIn()).flat()
  const loop = monitorEventLoopDelay({ resolution: 10 })
  loop.enable()
  const t0 = performance.now()
  const wall0 = performance.timeOrigin + t0
  await new Promise((r) => setTimeout(r, ms))
  const t1 = performance.now()
  const wall1 = performance.timeOrigin + t1
  loop.disable()
  const loopStallMs = loop.max / 1e6
  const after = (await audioIn()).flat()
  let failed: string | undefined
  let minFps = Number.POSITIVE_INFINITY
  let freezes = 0
  let incomplete = 0
  tracks.forEach((t, i) => {
    let times: number[]
    if (kind === 'werift') {
      const frames = framesIn(t, t0, t1)
      const bad = frames.filter((f) => !f.complete).length
      incomplete += bad
      if (bad && !failed) failed = `call ${i}: ${bad} incomplete frames`
      times = frames.filter((f) => f.complete).map((f) => f.lastArrivalMs)
    } else {
      times = (t as ChromiumInboundTrack)
        .renderedFrames()
        .filter((f) => f.presentedAtMs >= wall0 && f.presentedAtMs < wall1)
        .map((f) => f.presentedAtMs)
    }
    const fps = times.length / ((t1 - t0) / 1000)
    minFps = Math.min(minFps, fps)
    const fz = detectFreezes(times)
    freezes += fz.count
    if (fps < FPS_SHARE * FPS && !failed) failed = `call ${i}: ${fps.toFixed(1)} fps`
    if (fz.count > 0 && !failed) failed = `call ${i}: ${fz.count} freezes, ${fz.totalMs.toFixed(0)} ms`
  })
  let lost = 0
  let expected = 0
  after.forEach((s, i) => {
    const inb = s.inbound.find((x) => x.kind === 'audio')
    const prev = before[i]?.inbound.find((x) => x.kind === 'audio')
    const received = (inb?.rtp.received ?? 0) - (prev?.rtp.received ?? 0)
    const l = Math.max(0, (inb?.rtp.lost ?? 0) - (prev?.rtp.lost ?? 0))
    lost += l
    expected += received + l
    if (received < 0.95 * (ms / 20) && !failed) failed = `${s.peer} received ${received} audio packets in ${ms} ms`
  })
  const audioLoss = expected > 0 ? lost / expected : 1
  if (audioLoss >= LOSS_LIMIT && !failed) failed = `audio loss ${(audioLoss * 100).toFixed(2)} %`
  return { minFps: Number.isFinite(minFps) ? minFps : 0, freezes, incomplete, audioLoss, loopStallMs, failed }
}

interface CostResult {
  cpuPerCallPct: number
  memPerCallMiB: number
  minFps: number
  calls: number
  holdMs: number
}

/** CPU and memory per call with `count` calls held `holdMs` (werift: this Node process; Chromium: browser tree + Node). */
async function cost(kind: Kind, count: number, holdMs: number, video: EncodedVideo | undefined, holder: ChromiumPeer | undefined): Promise<CostResult> {
  const calls: VideoCall[] = []
  try {
    globalThis.gc?.()
    const pid = holder?.browserPid
    const mem = () => (kind === 'werift' ? process.memoryUsage().rss : pid ? treePssBytes(pid) : 0)
    const memBefore = mem()
    for (let i = 0; i < count; i++) calls.push(await openCall(kind, 100 + i, video))
    await videoFlowing(calls, 20_000)
    globalThis.gc?.()
    const memAfter = mem()
    const cpu0 = cpuUsage()
    const tree0 = pid ? treeCpuMs(pid) : 0
    const t0 = performance.now()
    const w = await holdWindow(kind, calls, holdMs)
    const wall = performance.now() - t0
    const node = cpuUsage(cpu0)
    const cpuMs = (node.user + node.system) / 1000 + (pid ? treeCpuMs(pid) - tree0 : 0)
    return { cpuPerCallPct: (cpuMs / wall / count) * 100, memPerCallMiB: (memAfter - memBefore) / MiB / count, minFps: w.minFps, calls: count, holdMs }
  } finally {
    for (const c of calls) c.stopVideo()
    await closeAll(calls)
  }
}

interface RampResult {
  maxCalls: number
  note: string
  minFpsAtMax?: number
}

/** Ramps werift video calls through `levels`, holding each `holdMs`, until one is not held or time runs out. */
async function ramp(levels: number[], holdMs: number, video: EncodedVideo, until: number, log: (l: string) => void): Promise<RampResult> {
  const calls: VideoCall[] = []
  let failed: string | undefined
  let best: { calls: number; minFps: number } | undefined
  const retried: string[] = []
  try {
    for (const level of levels) {
      // set-up (about 10 calls a second on a loaded machine) and the hold must fit
      if (performance.now() + holdMs + (level - calls.length) * 100 > until) {
        failed = `the suite's time budget ran out before ${level} calls`
        break
      }
      try {
        while (calls.length < level) {
          const batch = Math.min(10, level - calls.length)
          calls.push(...(await Promise.all(Array.from({ length: batch }, (_, j) => openCall('werift', 1000 + calls.length + j, video)))))
          if (performance.now() > until) throw new Error(`set-up of ${level} calls ran out of the suite's time budget (${calls.length} up)`)
        }
        await videoFlowing(calls, 15_000)
      } catch (e) {
        failed = `${level} calls: set-up failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`
        break
      }
      // A level that is not held is held once more before the ramp stops: a shared machine stalls the process now
      // and then, and one stall of 220 ms is a freeze at 15 fps.
      let w = await holdWindow('werift', calls, holdMs)
      let firstFailure: string | undefined
      for (let attempt = 1; ; attempt++) {
        log(
          `werift video: ${level} calls: lowest ${w.minFps.toFixed(1)} fps, ${w.freezes} freezes, ${w.incomplete} incomplete, audio loss ${(w.audioLoss * 100).toFixed(3)} %, longest event-loop stall ${w.loopStallMs.toFixed(0)} ms${w.failed ? ` (${w.failed})` : ''}`,
        )
        if (!w.failed || attempt === 2 || performance.now() + holdMs > until) break
        firstFailure = w.failed
        w = await holdWindow('werift', calls, holdMs)
      }
      if (!w.failed && firstFailure) retried.push(`${level} (first window: ${firstFailure})`)
      if (w.failed) {
        failed = `${level} calls: ${w.failed} (longest event-loop stall ${w.loopStallMs.toFixed(0)} ms)`
        break
      }
      best = { calls: level, minFps: w.minFps }
    }
  } finally {
    for (const c of calls) c.stopVideo()
    await closeAll(calls)
  }
  return {
    maxCalls: best?.calls ?? 0,
    ...(best ? { minFpsAtMax: best.minFps } : {}),
    note: `one Node process, one thread; ${CALL_DESC} each; levels ${levels.join('/')}, ${holdMs / 1000} s each; held = every call ≥ ${FPS_SHARE * 100} % of ${FPS} fps in complete frames, no freeze, audio loss < ${LOSS_LIMIT * 100} % and ≥ 95 % of its packets (a level not held is held once more); ${failed ? `stopped at ${failed}` : 'every level held'}${retried.length ? `; held on the second window: ${retried.join(', ')}` : ''}; load avg ${loadavg()[0]!.toFixed(1)}`,
  }
}

/** 1 minute of 30 fps arrivals with the sender's truth and frame codes: what analyzeVideo reads for a minute of video. */
function minuteOfArrivals(): { arrivals: VideoFrameArrival[]; sent: SentVideoFrame[] } {
  const arrivals: VideoFrameArrival[] = []
  const sent: SentVideoFrame[] = []
  let seq = 1000
  const base = 123_456
  for (let i = 0; i < 1800; i++) {
    const sentAtMs = 1000 + (i * 1000) / 30
    const rtpTimestamp = (base + i * 3000) >>> 0
    const keyframe = i % 60 === 0
    const packets = keyframe ? 6 : 2
    sent.push({ index: i, rtpTimestamp, sentAtMs, keyframe })
    // every 100th frame lost (its packets never arrive), so the loss and decodability paths run too
    if (i % 100 === 50) {
      seq += packets
      continue
    }
    const arrive = sentAtMs + 20 + (i % 7)
    arrivals.push({
      rtpTimestamp,
      firstSeq: seq,
      lastSeq: seq + packets - 1,
      packets,
      duplicatePackets: 0,
      bytes: packets * 1100,
      complete: true,
      keyframe,
      ...(keyframe ? { width: 640, height: 480 } : {}),
      firstArrivalMs: arrive,
      lastArrivalMs: arrive + 1,
      code: { index: i, captureMs: Math.round(sentAtMs) },
    })
    seq += packets
  }
  return { arrivals, sent }
}

function analysisRow(): BenchRow {
  const { arrivals, sent } = minuteOfArrivals()
  const run = () => analyzeVideo(arrivals, { fps: 30, sent, joinedAtMs: 900 })
  run()
  const times: number[] = []
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now()
    run()
    times.push(performance.now() - t0)
  }
  return {
    suite: SUITE,
    metric: 'video analysis (analyzeVideo) per minute of video',
    value: percentile(times, 50),
    unit: 'ms',
    note: '1800 arrivals at 30 fps with the sender truth and frame codes, 1 % lost; median of 5 runs after a warm-up',
  }
}

interface Plan {
  costCalls: Record<Kind, number>
  holdMs: number
  levels: number[]
}

function plan(o: BenchRunOptions): Plan {
  return o.quick
    ? { costCalls: { werift: 5, chromium: 1 }, holdMs: 5000, levels: [2, 5, 10, 20, 40] }
    : { costCalls: { werift: 10, chromium: 2 }, holdMs: 8000, levels: [5, 10, 20, 40, 60, 80, 100, 150] }
}

/** Time kept for the Chromium cost rows after werift's ramp (a browser start, the calls, the hold). */
const CHROMIUM_RESERVE_MS = 40_000

/** The analysis row and the werift vs Chromium video-call rows. */
export async function videoPeerRows(log: (line: string) => void, options: BenchRunOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [analysisRow()]
  const p = plan(options)
  const results: Partial<Record<Kind, CostResult>> = {}
  let ramped: RampResult | undefined
  const ffmpeg = await findBinary('ffmpeg')
  const video = ffmpeg
    ? await encodeVideoPattern({
        codec: 'VP8',
        width: WIDTH,
        height: HEIGHT,
        fps: FPS,
        seconds: 4,
        bitrateKbps: KBPS,
        keyframeIntervalFrames: 60,
        provider: 'local',
      })
    : undefined
  if (!video) log('ffmpeg not found: the werift video rows need it to encode the pattern (sudo apt-get install -y ffmpeg)')
  else {
    try {
      results.werift = await cost('werift', p.costCalls.werift, p.holdMs, video, undefined)
      log(
        `werift video: ${p.costCalls.werift} calls: CPU ${results.werift.cpuPerCallPct.toFixed(2)} % per call, ${results.werift.memPerCallMiB.toFixed(2)} MiB per call`,
      )
    } catch (e) {
      log(`werift video cost failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`)
    }
    try {
      ramped = await ramp(p.levels, p.holdMs, video, options.deadline - CHROMIUM_RESERVE_MS, log)
    } catch (e) {
      log(`werift video ramp failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`)
    }
  }
  const chromium = existsSync(chromiumExecutable())
  if (!chromium) log(`${chromiumExecutable()} not found (sudo apt-get install chromium, or set RTCSPEC_CHROMIUM): Chromium video rows are n/a`)
  else if (timeLeft(options) < p.holdMs + 15_000) log('Chromium video cost skipped: the suite’s deadline is near')
  else {
    const holder = await createChromiumPeer({ name: 'video-holder' })
    try {
      results.chromium = await cost('chromium', p.costCalls.chromium, p.holdMs, undefined, holder)
      log(
        `chromium video: ${p.costCalls.chromium} calls: CPU ${results.chromium.cpuPerCallPct.toFixed(2)} % per call, ${results.chromium.memPerCallMiB.toFixed(2)} MiB per call`,
      )
    } catch (e) {
      log(`chromium video cost failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`)
    } finally {
      await holder.close()
    }
  }

  const how: Record<Kind, string> = {
    werift: 'pre-encoded pattern packetized by rtcspec, frames assembled (no codec runs)',
    chromium: 'canvas pattern encoded by the browser, decoded, rendered, code read per frame',
  }
  const pair = (metric: string, unit: string, value: (r: CostResult) => number, note: (k: Kind, r: CostResult) => string, target?: BenchTarget) => {
    for (const kind of ['werift', 'chromium'] as const) {
      const r = results[kind]
      if (r) rows.push({ suite: SUITE, metric, subject: kind, value: value(r), unit, note: note(kind, r), ...(target ? { target } : {}) })
      else if (kind === 'chromium' && !chromium) rows.push(naRow(SUITE, metric, unit, 'chromium', { subject: kind }))
      else if (kind === 'werift' && !video) rows.push(naRow(SUITE, metric, unit, 'ffmpeg', { subject: kind }))
      else rows.push({ suite: SUITE, metric, subject: kind, value: Number.NaN, unit, note: 'not measured (see the log)' })
    }
  }
  pair(
    'video call CPU (both ends)',
    '% of a core',
    (r) => r.cpuPerCallPct,
    (k, r) =>
      `${r.calls} ${CALL_DESC} calls held ${r.holdMs / 1000} s; ${k === 'werift' ? 'Node process' : 'browser process tree + Node'} CPU / calls; ${how[k]}`,
  )
  pair(
    'video call memory (both ends)',
    'MiB',
    (r) => r.memPerCallMiB,
    (k, r) => `${k === 'werift' ? 'Node RSS' : 'browser tree PSS'} growth / ${r.calls} calls (2 peers each)`,
  )
  pair(
    'video fps received during the cost hold (lowest call)',
    'fps',
    (r) => r.minFps,
    (k) => `${k === 'werift' ? 'complete frames assembled' : 'frames rendered (requestVideoFrameCallback)'}, nominal ${FPS}`,
    { op: '>=', value: FPS_SHARE * FPS },
  )
  if (!video) rows.push(naRow(SUITE, 'max concurrent video calls with fps met, no freeze', 'calls', 'ffmpeg', { subject: 'werift' }))
  else
    rows.push({
      suite: SUITE,
      metric: 'max concurrent video calls with fps met, no freeze',
      subject: 'werift',
      value: ramped?.maxCalls ?? Number.NaN,
      unit: 'calls',
      note: ramped?.note ?? 'not measured (see the log)',
    })
  return rows
}
