/**
 * rtcspec's Vitest fixtures: `test` is Vitest's `test` extended with peers, back-to-back calls and
 * audio sources. Everything a fixture creates is closed after the test, pass or fail, and every call
 * is written to `reports/call_records.jsonl`.
 */
import { test as vitestTest } from 'vitest'
import type { TestContext } from 'vitest'
import { createWeriftPeer, type WeriftPeer, type WeriftPeerOptions } from '../peers/werift/peer.ts'
import type { Peer } from '../peers/types.ts'
import { openBackToBack, recordAndClose, sources, type B2BCall, type B2BOptions, type SourceFactories } from './calls.ts'

export { openBackToBack, recordAndClose, sources, pickSeed } from './calls.ts'
export type { B2BCall, B2BOptions, NetworkOptions, SourceFactories } from './calls.ts'

/** Creates peers that are closed after the test. */
export interface PeerFactory {
  werift(options?: WeriftPeerOptions): WeriftPeer
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
  tone: async ({}, use) => use(sources.tone),
  tones: async ({}, use) => use(sources.tones),
  silence: async ({}, use) => use(sources.silence),
  noise: async ({}, use) => use(sources.noise),
})
