/**
 * The conformance video checks: a werift publisher sends the probe video (`video-probe.ts`: VP8 first, H.264 when
 * the answer takes only that; exact ground truth, each frame's index in its bitstream) to a WHIP endpoint and a
 * werift viewer plays it over WHEP. The viewer's frames are assembled from RTP (`VideoFrameAssembler`) and judged
 * with the frame-accurate analysis (`analyzeVideo`): first decodable frame, achieved frame rate, freezes by the
 * WebRTC-stats definition, and which of the publisher's frames arrived (by the index each carries, so a server that
 * rewrites SSRCs, sequence numbers or timestamps is judged the same).
 *
 * A setup that does not get a publisher and a viewer connected is `blocked` (the media checks judge that), and a
 * server whose answers take no video is `not-applicable`: these checks judge only the video.
 */
import { analyzeVideo, type SentVideoFrame, type VideoAnalysis } from '../media/video/analysis.ts'
import { type Stall, watchProcessStalls } from '../media/process-stalls.ts'
import { longestStallWithin, type VideoFreeze } from '../media/video/freezes.ts'
import { VideoFrameAssembler } from '../media/video/frame-assembler.ts'
import type { VideoCodecName, VideoFrameArrival } from '../media/video/types.ts'
import type { InboundTrack } from '../peers/types.ts'
import type { WeriftPeer } from '../peers/werift/peer.ts'
import { waitFor } from '../wait.ts'
import { publish } from '../whip/client.ts'
import type { ClientSession, SessionClientOptions } from '../whip/session-client.ts'
import { SessionRecorder } from '../whip/session-record.ts'
import { play } from '../whep/client.ts'
import { FIRST_FRAME_WITHIN_MS, MIN_FPS_FRACTION } from './catalog.ts'
import { bad, blocked, na, ok } from './check-kit.ts'
import type { CheckContext, CheckOutcome, CheckTarget } from './context.ts'
import { createMediaPeer } from './media-checks.ts'
import { negotiation } from './media-diagnosis.ts'
import { probeFrameIndex, startProbeVideo, type ProbeVideo } from './video-probe.ts'

/** Frame rate of the probe video. */
export const PROBE_FPS = 30
/** How long the video media check waits for the first video packet at the viewer, ms. */
export const FIRST_PACKET_WAIT_MS = 8_000
/** How long the video media check measures, ms. */
export const VIDEO_WINDOW_MS = 4_000
/** The probe's periodic key frame interval in the first-frame check: far beyond the 3 s a late viewer may wait. */
export const SPARSE_KEYFRAME_SECONDS = 20
/**
 * Freezes the video media check tolerates: none of {@link MAX_FREEZE_MS} or longer, less than {@link MAX_FROZEN_MS} in
 * all over the window. Shorter ones are reported, not failed: with the publisher, the viewer (and a reference
 * server) in one process on a loaded machine, delivery stutters by a few hundred ms that no server caused; a
 * viewer notices video that stops for a second.
 */
export const MAX_FREEZE_MS = 1_000
/** See {@link MAX_FREEZE_MS}. */
export const MAX_FROZEN_MS = 1_500
/** The first-frame check's viewer joins this long after the publisher's last key frame. */
export const JOIN_AFTER_KEYFRAME_MS = 1_500

type Measured = Record<string, number | string | boolean>

/** One side (publisher or viewer) of a video check, once connected. */
interface Side {
  peer: WeriftPeer
  session: ClientSession
  codec: VideoCodecName
}

/** A check's sessions and their exchanges; `close()` ends them all. */
class VideoRun {
  readonly recorders: SessionRecorder[] = []
  readonly #sides: Array<{ peer: WeriftPeer; session?: ClientSession }> = []
  probe: ProbeVideo | undefined
  readonly #onClose: Array<() => void> = []

  /** Runs `f` when the run closes. */
  onClose(f: () => void): void {
    this.#onClose.push(f)
  }

  exchanges() {
    return this.recorders.flatMap((r) => r.exchanges.map((x) => x.exchange))
  }

  /**
   * Opens a publisher (WHIP) or viewer (WHEP) with video and waits for its connection. Returns the side, or the
   * outcome that ends the check: `blocked` when the session or connection fails, `not-applicable` when the
   * answer takes no video.
   */
  async open(protocol: 'whip' | 'whep', url: string, ctx: CheckContext): Promise<Side | CheckOutcome> {
    const t = ctx.target
    const role = protocol === 'whip' ? 'publisher' : 'viewer'
    const made = await createMediaPeer({ ...t, peer: 'werift' }, role, url, true)
    const peer = made.peer as WeriftPeer
    const side: { peer: WeriftPeer; session?: ClientSession } = { peer }
    this.#sides.push(side)
    const recorder = new SessionRecorder(protocol)
    this.recorders.push(recorder)
    const base: SessionClientOptions = { ...(t.token !== undefined ? { token: t.token } : {}), requestTimeoutMs: t.timeoutMs, recorder }
    const options = made.sessionOptions ? made.sessionOptions(base) : base
    const what = protocol === 'whip' ? `publishing video to ${url}` : `playing ${url}`
    try {
      side.session = protocol === 'whip' ? await publish(url, { ...options, peer }) : await play(url, { ...options, peer })
    } catch (e) {
      // An endpoint already left unusable by an earlier check is reported there; otherwise whip.media/whep.media judge the setup.
      const state = ctx.unusable
      const unusable = state ? `the endpoint is unusable ${state.since === undefined ? 'from the first POST' : `since ${state.since}`}: ` : ''
      return blocked(`the ${role} with video gets a session`, `${unusable}${what} failed: ${firstLine(e)}`, this.exchanges())
    }
    const video = negotiation(side.session.offer, side.session.answer, 'video')
    const codec = video.codec?.toUpperCase()
    if (video.status !== 'accepted' || (codec !== 'VP8' && codec !== 'H264')) {
      const why = video.status === 'accepted' ? `it took ${video.codec}, not VP8 or H.264` : `video ${video.status}`
      return na(`the ${protocol.toUpperCase()} answer takes no video rtcspec can send (${why}; offered ${video.offered.join(', ')})`, this.exchanges())
    }
    if (!videoBundled(side.session.answer))
      return blocked(
        'the answer bundles the video section with the audio',
        `the ${protocol.toUpperCase()} answer has no a=group:BUNDLE holding its video section, so rtcspec's peer (max-bundle) has no transport for the video; ${protocol}.answer.bundle judges that`,
        this.exchanges(),
      )
    try {
      await peer.waitForConnected(8_000)
    } catch (e) {
      return blocked(`the ${role} connects`, `${what}: no ICE+DTLS connection within 8 s (${firstLine(e)}); the media check says why`, this.exchanges())
    }
    return { peer, session: side.session, codec }
  }

  async close(): Promise<void> {
    this.probe?.stop()
    for (const f of this.#onClose.splice(0)) f()
    for (const s of this.#sides.reverse()) {
      await s.session?.close().catch(() => undefined)
      await s.peer.close().catch(() => undefined)
    }
  }
}

/** Whether an SDP answer's video section is in an a=group:BUNDLE (what rtcspec's max-bundle peer needs). */
export function videoBundled(answer: string): boolean {
  const video = answer.split(/^(?=m=)/m).find((sec) => /^m=video [1-9]/.test(sec))
  const mid = video?.match(/^a=mid:(\S+)/m)?.[1]
  if (mid === undefined) return false
  return [...answer.matchAll(/^a=group:BUNDLE(.*)$/gm)].some((g) => (g[1] ?? '').trim().split(/\s+/).includes(mid))
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? ''
}

function isOutcome(x: Side | CheckOutcome): x is CheckOutcome {
  return 'status' in x
}

/** The URLs a video check publishes to and plays from, or why it cannot run. */
function urlsOf(t: CheckTarget): { publishUrl: string; viewUrl: string } | CheckOutcome {
  if (t.suite === 'whip') return t.whepUrl ? { publishUrl: t.url, viewUrl: t.whepUrl } : na('needs --whep-url to play the published video back')
  return t.publishUrl ? { publishUrl: t.publishUrl, viewUrl: t.url } : na('needs --publish-url: judging video needs a publisher of known video')
}

/** The viewer's video frames so far, assembled from its packets, and the probe index each complete frame carries. */
function framesOf(track: InboundTrack, codec: VideoCodecName): { arrivals: VideoFrameArrival[]; indices: Map<number, number> } {
  const assembler = new VideoFrameAssembler()
  const indices = new Map<number, number>()
  for (const p of track.packets()) {
    assembler.push(p, codec)
    const index = probeFrameIndex(codec, p.payload)
    if (index !== undefined && !indices.has(p.timestamp >>> 0)) indices.set(p.timestamp >>> 0, index)
  }
  return { arrivals: assembler.frames(), indices }
}

/**
 * The freezes not explained by rtcspec itself. When its own process stalls (a busy machine, a GC pause) its probe
 * sends nothing and its viewer reads nothing for a while, then both catch up: the viewer sees a gap that says
 * nothing about the server. A freeze during which the probe sent no frame, or the process did not run, for at least
 * half its duration is rtcspec's (`publisher`), not the server's.
 */
export function serverFreezes(
  freezes: readonly VideoFreeze[],
  sent: readonly SentVideoFrame[],
  stalls: readonly Stall[] = [],
): { server: VideoFreeze[]; publisher: VideoFreeze[] } {
  const server: VideoFreeze[] = []
  const publisher: VideoFreeze[] = []
  for (const f of freezes) {
    let longest = 0
    for (let i = 1; i < sent.length; i++) {
      const a = (sent[i - 1] as SentVideoFrame).sentAtMs
      const b = (sent[i] as SentVideoFrame).sentAtMs
      if (b >= f.startMs && a <= f.endMs) longest = Math.max(longest, b - a)
    }
    longest = Math.max(longest, longestStallWithin(f, stalls))
    ;(longest >= f.durationMs / 2 ? publisher : server).push(f)
  }
  return { server, publisher }
}

function figures(a: VideoAnalysis): Measured {
  return {
    framesReceived: a.received,
    framesDecodable: a.decodable,
    framesLost: a.lost,
    keyframes: a.keyframes,
    achievedFps: Number(a.achievedFps.toFixed(1)),
    freezes: a.freezes.count,
    freezesTotalMs: Math.round(a.freezes.totalMs),
    ...(a.firstFrameMs !== undefined ? { firstFrameMs: Math.round(a.firstFrameMs) } : {}),
  }
}

/** `whip.video.media` and `whep.video.media`: the published probe video reaches a viewer whole and smooth. */
export async function videoMediaCheck(ctx: CheckContext): Promise<CheckOutcome> {
  const t = ctx.target
  const urls = urlsOf(t)
  if ('status' in urls) return urls
  const run = new VideoRun()
  try {
    const pub = await run.open('whip', urls.publishUrl, ctx)
    if (isOutcome(pub)) return pub
    const view = await run.open('whep', urls.viewUrl, ctx)
    if (isOutcome(view)) return view
    const track = await view.peer.waitForTrack('video', 5_000)
    // The viewer is there before the first frame: this check judges delivery, not joining late (video.first-frame).
    const startedAt = performance.now()
    const probe = startProbeVideo(pub.peer, { codec: pub.codec, fps: PROBE_FPS, keyframeIntervalFrames: PROBE_FPS * SPARSE_KEYFRAME_SECONDS })
    run.probe = probe
    const stalls = watchProcessStalls()
    run.onClose(() => stalls.stop())
    // A loaded machine or a slow server may take a few seconds to forward the first packet (not judged here:
    // whep.video.first-frame times a viewer's first frame); the window starts with the first packet.
    const reached = await waitFor(() => track.packets().length > 0, {
      timeoutMs: FIRST_PACKET_WAIT_MS,
      intervalMs: 20,
      label: 'a video packet at the viewer',
    }).then(
      () => true,
      () => false,
    )
    if (!reached) {
      const measured: Measured = { codec: pub.codec, fps: PROBE_FPS, framesSent: probe.sent.length, videoPackets: 0 }
      return {
        ...bad(
          `no video reached the viewer: ${probe.sent.length} ${pub.codec} frames published in ${FIRST_PACKET_WAIT_MS / 1000} s, no video packet received`,
          run.exchanges(),
        ),
        measured,
      }
    }
    const frames = probe.sent.length + Math.round((VIDEO_WINDOW_MS / 1000) * PROBE_FPS)
    await waitFor(() => probe.sent.length >= frames, { timeoutMs: VIDEO_WINDOW_MS * 2, intervalMs: 20, label: `${frames} probe frames sent` })
    probe.stop()
    const lastTs = probe.sent[probe.sent.length - 1]?.rtpTimestamp
    // In flight: wait (briefly) for the last frame, so the end of the window is not counted lost.
    await waitFor(() => track.packets().some((p) => p.timestamp === lastTs && p.marker), { timeoutMs: 1_000, intervalMs: 20, label: 'the last frame' }).catch(
      () => undefined,
    )
    const { arrivals, indices } = framesOf(track, view.codec)
    const sent = probe.sent
    const measured: Measured = { codec: view.codec, fps: PROBE_FPS, framesSent: sent.length, videoPackets: track.packets().length }
    const xs = run.exchanges()
    if (arrivals.length === 0)
      return { ...bad(`no video reached the viewer: ${sent.length} ${pub.codec} frames published, no video packet received`, xs), measured }
    const a = analyzeVideo(arrivals, { fps: PROBE_FPS, joinedAtMs: startedAt })
    Object.assign(measured, figures(a))
    const sentIndices = new Set(sent.map((s) => s.index))
    const got = [...indices.values()]
    const foreign = got.filter((i) => !sentIndices.has(i))
    const missing = sent.filter((s) => !got.includes(s.index)).length
    Object.assign(measured, { publisherFramesSeen: got.length - foreign.length, publisherFramesMissing: missing, foreignFrames: foreign.length })
    const problems: string[] = []
    if (a.firstFrameMs === undefined) problems.push(`no decodable frame (no complete key frame among ${a.received} complete frames)`)
    const minFps = PROBE_FPS * MIN_FPS_FRACTION
    if (a.achievedFps < minFps) problems.push(`${a.achievedFps.toFixed(1)} decodable frames/s of ${PROBE_FPS} sent (at least ${minFps})`)
    stalls.stop()
    const frozen = serverFreezes(a.freezes.freezes, sent, stalls.stalls())
    measured.processStalls = stalls.stalls().length
    measured.freezesDuringPublisherStalls = frozen.publisher.length
    const longest = Math.max(0, ...frozen.server.map((f) => f.durationMs))
    const frozenMs = frozen.server.reduce((n, f) => n + f.durationMs, 0)
    Object.assign(measured, { serverFreezes: frozen.server.length, longestFreezeMs: Math.round(longest) })
    if (longest >= MAX_FREEZE_MS || frozenMs >= MAX_FROZEN_MS)
      problems.push(
        `${frozen.server.length} freeze(s) (WebRTC-stats definition) while the publisher sent on time and rtcspec's process ran, the longest ${Math.round(longest)} ms, ${Math.round(frozenMs)} ms in all (at most ${MAX_FREEZE_MS} ms each and ${MAX_FROZEN_MS} ms in all; frames lost ${a.lost}, incomplete ${a.incomplete}, undecodable ${a.undecodable})`,
      )
    if (foreign.length) problems.push(`${foreign.length} frame(s) the publisher did not send`)
    if (got.length === 0 && a.received > 0) problems.push('none of the frames carries the publisher’s frame index: they are not the published video')
    if (problems.length) return { ...bad(`the viewer's video: ${problems.join('; ')}`, xs), measured }
    return {
      ...ok(
        `${a.decodable} of ${sent.length} published ${view.codec} frames decodable at the viewer, ${a.achievedFps.toFixed(1)} fps, ${frozen.server.length ? `${frozen.server.length} short freeze(s), the longest ${Math.round(longest)} ms` : 'no freeze'}${frozen.publisher.length ? ` (${frozen.publisher.length} gap(s) while rtcspec's own process stalled not counted)` : ''}, first frame after ${Math.round(a.firstFrameMs ?? 0)} ms`,
        xs,
      ),
      measured,
    }
  } catch (e) {
    return bad(`video check failed: ${firstLine(e)}`, run.exchanges())
  } finally {
    await run.close()
  }
}

/**
 * `whep.video.first-frame`: a viewer joining a running stream, whose publisher sends a key frame only every
 * {@link SPARSE_KEYFRAME_SECONDS} s (and on PLI/FIR), gets a decodable frame within 3 s of its POST.
 */
export async function videoFirstFrameCheck(ctx: CheckContext): Promise<CheckOutcome> {
  const t = ctx.target
  const urls = urlsOf(t)
  if ('status' in urls) return urls
  const run = new VideoRun()
  try {
    const pub = await run.open('whip', urls.publishUrl, ctx)
    if (isOutcome(pub)) return pub
    const probe = startProbeVideo(pub.peer, { codec: pub.codec, fps: PROBE_FPS, keyframeIntervalFrames: PROBE_FPS * SPARSE_KEYFRAME_SECONDS })
    run.probe = probe
    // Join well after the last key frame (index 0, or one the server asked for), with the next periodic one ≥ 15 s away.
    await waitFor(() => probe.lastKeyframeAtMs !== undefined && performance.now() - probe.lastKeyframeAtMs >= JOIN_AFTER_KEYFRAME_MS, {
      timeoutMs: 10_000,
      intervalMs: 20,
      label: `${JOIN_AFTER_KEYFRAME_MS} ms since the publisher's last key frame`,
    })
    const requestsBefore = probe.requests.pli + probe.requests.fir
    const postedAt = performance.now()
    const view = await run.open('whep', urls.viewUrl, ctx)
    if (isOutcome(view)) return view
    const track = await view.peer.waitForTrack('video', 5_000)
    const firstKey = () => framesOf(track, view.codec).arrivals.find((f) => f.complete && f.keyframe)
    const deadline = postedAt + FIRST_FRAME_WITHIN_MS
    await waitFor(() => firstKey() !== undefined, {
      timeoutMs: Math.max(0, deadline - performance.now()),
      intervalMs: 50,
      label: 'a complete key frame at the viewer',
    }).catch(() => undefined)
    const key = firstKey()
    const { arrivals } = framesOf(track, view.codec)
    const asked = probe.requests.pli + probe.requests.fir - requestsBefore
    const measured: Measured = {
      codec: view.codec,
      keyframeIntervalS: SPARSE_KEYFRAME_SECONDS,
      joinedAfterKeyframeMs: JOIN_AFTER_KEYFRAME_MS,
      framesAtViewer: arrivals.length,
      keyframeRequestsAtPublisher: asked,
      ...(key ? { firstFrameAfterPostMs: Math.round(key.lastArrivalMs - postedAt) } : {}),
    }
    const xs = run.exchanges()
    if (arrivals.length === 0)
      return { ...blocked('video reaches the viewer', `no video packet reached the viewer within ${FIRST_FRAME_WITHIN_MS} ms of its POST`, xs), measured }
    if (key && key.lastArrivalMs - postedAt <= FIRST_FRAME_WITHIN_MS) {
      return {
        ...ok(
          `the late viewer's first decodable frame (a key frame) arrived ${Math.round(key.lastArrivalMs - postedAt)} ms after its POST (${asked} key frame request(s) reached the publisher)`,
          xs,
        ),
        measured,
      }
    }
    return {
      ...bad(
        `a viewer joining ${JOIN_AFTER_KEYFRAME_MS} ms after the publisher's last key frame got ${arrivals.length} frame(s) but no decodable one within ${FIRST_FRAME_WITHIN_MS} ms of its POST: ${asked === 0 ? 'the server did not ask the publisher for a key frame (no PLI or FIR reached it)' : `${asked} key frame request(s) reached the publisher, but no complete key frame reached the viewer`}; the next periodic key frame is ${SPARSE_KEYFRAME_SECONDS} s after the last`,
        xs,
      ),
      measured,
    }
  } catch (e) {
    return bad(`video check failed: ${firstLine(e)}`, run.exchanges())
  } finally {
    await run.close()
  }
}
