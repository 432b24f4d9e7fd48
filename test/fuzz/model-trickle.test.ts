import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { startMediaServer } from '../../src/whip/media-server.ts'
import { checkMediaFlows, closeTrickleReal, trickleCommands, type TrickleModel, type TrickleReal } from '../../src/fuzz/trickle-model.ts'

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31)
console.log(`trickle model tests: fast-check seed ${seed} (set FC_SEED to replay)`)

async function runModel(url: string, publishUrl: string, numRuns: number, commands = trickleCommands()): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 7 }), async (cmds) => {
      const model: TrickleModel = { state: 'none', restarted: false }
      const real: TrickleReal = { url, mode: 'whep', publishUrl, log: [] }
      try {
        await fc.asyncModelRun(() => ({ model, real }), cmds)
        await checkMediaFlows(model, real)
      } finally {
        await closeTrickleReal(real)
      }
    }),
    { seed, numRuns, endOnFailure: true },
  )
}

describe('model-based trickle ICE against the reference WHEP server', () => {
  it('random interleavings of offer, candidates, end-of-candidates, stale/wrong PATCHes, restart and DELETE get the RFC 9725 codes, and media flows while a valid path exists', async () => {
    await using server = await startMediaServer()
    await runModel(server.whepUrl(), server.whipUrl(), 8)
  }, 240_000)

  it('the model catches a server that forgets to check If-Match (fault etag.stale)', async () => {
    await using server = await startMediaServer({ fault: 'whep.etag.stale' })
    // only POST and the stale-ETag PATCH, so the first failure can only be the fault under test
    const all = trickleCommands()
    const error = await runModel(server.whepUrl(), server.whipUrl(), 30, [all[0]!, all[3]!]).then(
      () => undefined,
      (e: unknown) => e as Error & { cause?: unknown },
    )
    expect(error, 'the faulty server passed').toBeDefined()
    expect(`${error?.message}\n${String(error?.cause)}`).toMatch(/PATCH with a stale If-Match: expected 412 \(RFC 9725\), got 204/)
  }, 240_000)
})
