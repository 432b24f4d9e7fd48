/**
 * rtcspec's Vitest fixtures: `test` is Vitest's `test` extended with peers, back-to-back calls and
 * audio sources. Everything a fixture creates is closed after the test, pass or fail, and every call
 * is written to `reports/call_records.jsonl`.
 */
import { test as vitestTest } from 'vitest'
import type { TestContext } from 'vitest'
import { createWeriftPeer, type WeriftPeer, type WeriftPeerOptions } from '../peers/werift/peer.ts'
import type { Peer } from '../peers/types.ts'
import type { ChromiumPeer, ChromiumPeerOptions } from '../peers/chromium/peer.ts'
import { openBackToBack, recordAndClose, sources, type B2BCall, type B2BOptions, type SourceFactories } from './calls.ts'

export { openBackToBack, recordAndClose, sources, pickSeed } from './calls.ts'
export type { B2BCall, B2BOptions, NetworkOptions, SourceFactories } from './calls.ts'

/** Creates peers that are closed after the test. */
export interface PeerFactory {
  werift(options?: WeriftPeerOptions): WeriftPeer
  /** A headless Chromium peer (one browser per worker, one page per peer), closed after the test. */
  chromium(options?: ChromiumPeerOptions): Promise<ChromiumPeer>
}

/** The fixtures rtcspec adds to Vitest's test context. */
export interface RtcspecFixtures extends SourceFactories {
  peers: PeerFactory
  b2b: (options?: B2BOptions) => Promise<B2BCall>
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

/** Annotates the test; an annotation that cannot be made (e.g. the test already ended) is reported on stderr, never thrown. */
async function safelyAnnotate(annotate: TestContext['annotate'], message: string, attachment: { path: string; contentType: string }): Promise<void> {
  try {
    await annotate(message, attachment)
  } catch (e) {
    process.stderr.write(`rtcspec: could not attach ${attachment.path} to the test: ${e instanceof Error ? e.message : String(e)}\n`)
  }
}

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
      chromium: async (options) => {
        const { createChromiumPeer } = await import('../peers/chromium/peer.ts')
        const p = await createChromiumPeer(options)
        made.push(p)
        return p
      },
    })
    await Promise.allSettled(made.map((p) => p.close()))
  },
  b2b: async ({ task, onTestFailed, annotate }, use) => {
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
    const saved = (await Promise.all(calls.map((c) => recordAndClose(c, 'webrtc-b2b', testInfo(ctx))))).flat()
    // Attach the recordings to the test result (reporters show them; the HTML report links them).
    for (const r of saved) {
      const name = r.path.split(/[\\/]/).pop() ?? r.path
      await safelyAnnotate(annotate, `recording ${name} (${(r.durationMs / 1000).toFixed(1)} s, ${r.sampleRate} Hz)`, { path: r.path, contentType: 'audio/wav' })
      if (r.pcap) await safelyAnnotate(annotate, `RTP capture ${r.pcap.split(/[\\/]/).pop()}`, { path: r.pcap, contentType: 'application/vnd.tcpdump.pcap' })
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
