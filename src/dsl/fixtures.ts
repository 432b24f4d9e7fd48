/**
 * rtcspec's Vitest fixtures: `test` is Vitest's `test` extended with peers, back-to-back calls and
 * audio sources. Everything a fixture creates is closed after the test, pass or fail, and every call
 * is written to `reports/call_records.jsonl`. A fixture loads its stack (werift, sip.js, the WHIP clients) when a
 * test first uses it, so a spec that makes no call loads none of them.
 */
import { recordArtifact, test as vitestTest } from 'vitest'
import type { TestArtifactBase, TestContext } from 'vitest'
import { saveCallRecordings, testRecordingPath, type SavedRecording } from '../peers/recording-files.ts'
import type { WeriftPeer, WeriftPeerOptions } from '../peers/werift/peer.ts'
import type { Peer } from '../peers/types.ts'
import type { ChromiumPeer, ChromiumPeerOptions } from '../peers/chromium/peer.ts'
import type { RtpPeer, RtpPeerOptions } from '../peers/rtp/peer.ts'
import type { B2BCall, B2BOptions } from '../calls/open.ts'
import { sources, type SourceFactories } from '../calls/sources.ts'
import type { WhepFixture, WhipFixture, WhipResources } from './whip-fixtures.ts'
import { startCoturn, type CoturnOptions, type CoturnService } from '../services/coturn.ts'
import { startFfmpegSink, startFfmpegSource, type FfmpegSink, type FfmpegSinkOptions, type FfmpegSource, type FfmpegSourceOptions } from '../services/ffmpeg.ts'
import type { Service } from '../services/types.ts'
import type { SipFixture } from './sip-fixture.ts'
import { checkB2BOptions } from '../calls/b2b-options.ts'
import { toMs } from '../calls/duration.ts'
import { seedNote } from '../calls/seed.ts'
import { fitInTest } from './test-deadline.ts'
import { describeOnAbort } from './call-diagnosis.ts'
import { RtcspecError } from '../errors.ts'
import { collectVideoFilmstrips, queuedVideoFilmstrips, takeVideoFilmstrips } from './video-filmstrip-queue.ts'

export { sources } from '../calls/sources.ts'
export type { SourceFactories } from '../calls/sources.ts'
export type { B2BCall, B2BOptions, NetworkOptions } from '../calls/open.ts'

/** Creates peers that are closed after the test. */
export interface PeerFactory {
  werift(options?: WeriftPeerOptions): WeriftPeer
  /** A headless Chromium peer (one browser per worker, one page per peer), closed after the test. */
  chromium(options?: ChromiumPeerOptions): Promise<ChromiumPeer>
  /** A plain RTP/AVP peer (no ICE/DTLS: FFmpeg, SIP endpoints), closed after the test. */
  rtp(options?: RtpPeerOptions): RtpPeer
}

/** The fixtures rtcspec adds to Vitest's test context. */
export interface RtcspecFixtures extends SourceFactories {
  peers: PeerFactory
  b2b: (options?: B2BOptions) => Promise<B2BCall>
  /** WHIP publishing sessions and embedded reference servers, closed after the test (src/dsl/whip-fixtures.ts). */
  whip: WhipFixture
  /** WHEP playing sessions, closed after the test. */
  whep: WhepFixture
  /** Starts coturn (src/services/coturn.ts); stopped after the test, its log path printed when the test fails. */
  coturn: (options?: CoturnOptions) => Promise<CoturnService>
  /** FFmpeg as an RTP source or sink (src/services/ffmpeg.ts); stopped after the test. */
  ffmpeg: { source(options: FfmpegSourceOptions): Promise<FfmpegSource>; sink(options: FfmpegSinkOptions): Promise<FfmpegSink> }
  /** SIP user agents on the embedded registrar (started on demand), bridges and B2BUAs; all closed after the test, call records written (src/dsl/sip-fixture.ts). */
  sip: SipFixture
}

/** Closes services after a test; on failure, names each service's log file (reports/services/). */
async function closeServices(started: Service[], failed: boolean): Promise<void> {
  await Promise.allSettled(started.map((s) => s.close()))
  if (failed) for (const s of started) if (s.logFile) process.stderr.write(`rtcspec: ${s.name} (${s.provider}) log: ${s.logFile}\n`)
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

/**
 * A recording attached to a test result: the WAV and the pcap of one inbound track. Recordings are saved when
 * the call ends, after the test body, when Vitest no longer accepts `context.annotate`; so they are recorded as
 * test artifacts (`recordArtifact`, which Vitest copies to its attachments directory and hands to reporters
 * through `onTestCaseArtifactRecord`; `testCase.artifacts()` lists them).
 */
export interface RecordingArtifact extends TestArtifactBase {
  type: 'rtcspec:recording'
  /** e.g. `recording bob-audio-in-0-1a2b3c4d.wav (3.0 s, 8000 Hz)`. */
  message: string
  recording: SavedRecording
}

declare module 'vitest' {
  interface TestArtifactRegistry {
    'rtcspec:recording': RecordingArtifact
  }
}

/** Attaches a saved recording to the test result; a failure is reported on stderr, never thrown. */
async function attachRecording(task: TestContext['task'], r: SavedRecording): Promise<void> {
  const name = r.path.split(/[\\/]/).pop() ?? r.path
  try {
    await recordArtifact(task, {
      type: 'rtcspec:recording',
      message:
        r.kind === 'video'
          ? `recording ${name} (${(r.durationMs / 1000).toFixed(1)} s${r.frames !== undefined ? `, ${r.frames} frames` : ''})`
          : `recording ${name} (${(r.durationMs / 1000).toFixed(1)} s, ${r.sampleRate} Hz)`,
      recording: r,
      attachments: [
        {
          path: r.path,
          contentType: r.format === 'ivf' ? 'video/x-ivf' : r.format === 'h264' ? 'video/h264' : r.format === 'webm' ? 'video/webm' : 'audio/wav',
        },
        ...(r.pcap ? [{ path: r.pcap, contentType: 'application/vnd.tcpdump.pcap' }] : []),
      ],
    })
  } catch (e) {
    process.stderr.write(`rtcspec: could not attach ${r.path} to the test: ${e instanceof Error ? e.message : String(e)}\n`)
  }
}

/** When Vitest times the test out (its `signal` aborts), prints what each open peer was doing at that moment. */
function printOnTimeout(task: TestContext['task'], signal: AbortSignal, groups: () => ReadonlyArray<{ label: string; peers: ReadonlyArray<Peer> }>): void {
  describeOnAbort(task.name, signal, groups)
}

/**
 * Every test: a failed video assertion on a receiver that does not decode (werift, plain RTP) queues decoded
 * pictures for its filmstrip (src/dsl/video-filmstrip-queue.ts); they are decoded with FFmpeg and attached here when
 * the test ends, within 10 s, never failing the test.
 */
const withVideoFilmstrips = vitestTest.extend<{ rtcspecVideoFilmstrips: undefined }>({
  rtcspecVideoFilmstrips: [
    async ({ task }, use) => {
      collectVideoFilmstrips(task)
      await use(undefined)
      if (!queuedVideoFilmstrips(task)) return void takeVideoFilmstrips(task)
      const { settleVideoFilmstrips } = await import('./video-failure-filmstrip.ts')
      await settleVideoFilmstrips(task, 10_000)
    },
    { auto: true },
  ],
})

/** Vitest's `test`, extended with rtcspec's fixtures. */
export const test = withVideoFilmstrips.extend<RtcspecFixtures>({
  peers: async ({ task, signal }, use) => {
    const made: Peer[] = []
    const starting: Array<Promise<Peer>> = []
    printOnTimeout(task, signal, () => [{ label: 'peers', peers: made }])
    const { createWeriftPeer } = await import('../peers/werift/peer.ts')
    const { createRtpPeer } = await import('../peers/rtp/peer.ts')
    await use({
      werift: (options) => {
        const p = createWeriftPeer(options)
        made.push(p)
        return p
      },
      rtp: (options) => {
        const p = createRtpPeer(options)
        made.push(p)
        return p
      },
      chromium: async (options) => {
        const creating = import('../peers/chromium/peer.ts').then(({ createChromiumPeer }) => createChromiumPeer(options))
        starting.push(creating)
        const p = await creating
        made.push(p)
        return p
      },
    })
    // A peer still starting when the test ended (it timed out) is closed too, once it exists.
    for (const r of await Promise.allSettled(starting)) if (r.status === 'fulfilled' && !made.includes(r.value)) made.push(r.value)
    // Tracks that asked to be recorded (peer option `record: true` or `track.record()`) are saved before closing.
    const info = testInfo({ task } as TestContext)
    const recorded = made.filter((p) => p.inbound.some((t) => t.recordRequested))
    let byPeer: Awaited<ReturnType<typeof saveCallRecordings>>['byPeer'] = {}
    if (recorded.length) {
      const r = await saveCallRecordings(recorded, testRecordingPath(info))
      byPeer = r.byPeer
      for (const e of r.errors) process.stderr.write(`rtcspec: ${e.message}\n`)
      for (const saved of r.saved) await attachRecording(task, saved)
    }
    // Peers the test connected itself made a call: it is recorded like a b2b call (src/dsl/peers-fixture-record.ts).
    const { recordFixturePeers } = await import('./peers-fixture-record.ts')
    await recordFixturePeers(made, testInfo({ task } as TestContext), byPeer)
    await Promise.allSettled(made.map((p) => p.close()))
  },
  b2b: async ({ task, onTestFailed, signal }, use) => {
    const calls: B2BCall[] = []
    onTestFailed(() => {
      for (const c of calls) if (c.seed !== undefined) process.stderr.write(`rtcspec: impairment seed of ${c.a.name}↔${c.b.name} was ${seedNote(c)}\n`)
    })
    printOnTimeout(task, signal, () => calls.map((c) => ({ label: `call ${c.a.name} → ${c.b.name}`, peers: [c.a, c.b] })))
    const { openBackToBack, recordAndClose } = await import('../calls/open.ts')
    await use(async (options = {}) => {
      checkB2BOptions(options)
      // Connecting may take no longer than the test has left, so a failure is rtcspec's diagnosis, not a bare timeout.
      const { connectTimeout, connectTimeoutMs, ...rest } = options
      const wanted = connectTimeout !== undefined ? toMs(connectTimeout) : (connectTimeoutMs ?? 10_000)
      // margin: after a failed connect the peers are closed and the call record is written before the error is seen
      const fit = fitInTest(wanted, 'connectTimeout', { task }, 1500)
      try {
        const call = await openBackToBack({ ...rest, connectTimeoutMs: fit.waitMs }, { test: testInfo({ task } as TestContext) })
        calls.push(call)
        return call
      } catch (e) {
        if (fit.note && e instanceof Error)
          throw new RtcspecError(e instanceof RtcspecError ? e.code : 'B2B_FAILED', `${e.message}\n  note: ${fit.note}`, { cause: e })
        throw e
      }
    })
    const ctx = { task } as TestContext
    const saved = (await Promise.all(calls.map((c) => recordAndClose(c, 'webrtc-b2b', testInfo(ctx))))).flat()
    for (const r of saved) await attachRecording(task, r)
    // video recordings get a filmstrip of their decoded pictures (FFmpeg), which the HTML report shows
    const { writeRecordingFilmstrip } = await import('./video-recording-filmstrip.ts')
    for (const r of saved) await writeRecordingFilmstrip(r)
  },
  whip: async ({ task }, use) => {
    const res: WhipResources = { sessions: [], peers: [], servers: [] }
    const { closeWhipResources, whipFixtures } = await import('./whip-fixtures.ts')
    await use(whipFixtures(res).whip)
    await closeWhipResources(res, testInfo({ task } as TestContext))
  },
  whep: async ({ task }, use) => {
    const res: WhipResources = { sessions: [], peers: [], servers: [] }
    const { closeWhipResources, whipFixtures } = await import('./whip-fixtures.ts')
    await use(whipFixtures(res).whep)
    await closeWhipResources(res, testInfo({ task } as TestContext))
  },
  coturn: async ({ task }, use) => {
    const started: Service[] = []
    await use(async (options) => {
      const s = await startCoturn(options)
      started.push(s)
      return s
    })
    await closeServices(started, task.result?.state === 'fail')
  },
  ffmpeg: async ({ task }, use) => {
    const started: Service[] = []
    const keep = <T extends Service>(s: T): T => (started.push(s), s)
    await use({ source: async (o) => keep(await startFfmpegSource(o)), sink: async (o) => keep(await startFfmpegSink(o)) })
    await closeServices(started, task.result?.state === 'fail')
  },
  sip: async ({ task }, use) => {
    const { createSipFixture } = await import('./sip-fixture.ts')
    const state = createSipFixture()
    try {
      await use(state.fixture)
    } finally {
      await state.close(testInfo({ task } as TestContext))
    }
  },
  tone: async ({}, use) => use(sources.tone),
  tones: async ({}, use) => use(sources.tones),
  silence: async ({}, use) => use(sources.silence),
  noise: async ({}, use) => use(sources.noise),
  wavFile: async ({}, use) => use(sources.wavFile),
  speech: async ({}, use) => use(sources.speech),
  dtmf: async ({}, use) => use(sources.dtmf),
})
