/**
 * A distributed load test with the generator image: N `rtcspec/load-generator` containers (host network, one
 * results volume) each place `--shard i/N` from one `--start-at` a few seconds ahead, every call relayed through
 * ONE system under test the test starts on loopback — a coturn TURN server (`--turn`, both peers relay-only) —
 * then a container runs `rtcspec load merge`. Checked against the plan (the calls attempted are the plan's, every
 * id placed once by its shard, the seeds one run's, nobody started before its scheduled time or long after it)
 * and against the system under test: coturn's own log counts an allocation with relayed media per connected peer.
 *
 * Needs a Docker engine and the image (`sudo bash scripts/docker-setup.sh` builds it); locally without them the
 * test skips with that hint, in CI (CI=true) it fails.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LoadSummarySchema } from '../../src/load/types.ts'
import { parseCoturnUsage, startCoturn } from '../../src/services/coturn.ts'
import { waitFor } from '../../src/wait.ts'
import { hasTool } from '../support/requires.ts'
import { checkShardedRun, runToEnd } from './distributed.ts'

const IMAGE = 'rtcspec/load-generator'

function dockerMissing(): boolean {
  const present = hasTool('docker') && spawnSync('docker', ['image', 'inspect', IMAGE, 'rtcspec/coturn'], { stdio: 'ignore', timeout: 10_000 }).status === 0
  if (present) return false
  const msg = `no Docker engine or no ${IMAGE} / rtcspec/coturn image: sudo bash scripts/docker-setup.sh`
  if (process.env.CI === 'true') throw new Error(`the load-generator container test is required in CI: ${msg}`)
  process.stderr.write(`[rtcspec] skipping the load-generator container test: ${msg}\n`)
  return true
}

const SHARDS = 2
const CALLS = 4
const RATE = 4
const SEED = 77

describe.skipIf(dockerMissing())('distributed load: generator containers and a merge', () => {
  const root = mkdtempSync(join(tmpdir(), 'rtcspec-loadgen-'))
  const names: string[] = []
  afterAll(() => {
    // containers run with --rm; remove any left by a failed or timed-out run
    if (names.length) spawnSync('docker', ['rm', '-f', ...names], { stdio: 'ignore', timeout: 30_000 })
    rmSync(root, { recursive: true, force: true })
  })
  const user = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`
  const docker = (name: string, args: string[], timeoutMs: number) => {
    names.push(name)
    return runToEnd(
      'docker',
      ['run', '--rm', '--name', name, '--label', `rtcspec.pid=${process.pid}`, '--network', 'host', '--user', user, '-v', `${root}:${root}`, IMAGE, ...args],
      timeoutMs,
    )
  }

  it('N containers with --shard i/N --start-at relay the plan through one TURN server, and load merge in a container adds them up', async () => {
    await using turn = await startCoturn({ provider: 'docker', users: [{ username: 'loadgen', password: 'loadgen-pw-1' }], tls: false })
    const [server] = turn.iceServers({ transports: ['tcp'] }) // TCP: coturn logs each allocation's relayed packets when it closes
    const scenario = join(root, 'scenario.json')
    writeFileSync(
      scenario,
      JSON.stringify({ peers: { alice: { send: { tone: 440 } }, bob: { send: { tone: 880 } } }, codec: 'PCMU', network: { toB: { loss: 0 } } }),
    )
    const startAt = Date.now() + 15_000 // container start and module loading happen before it
    const dirs = Array.from({ length: SHARDS }, (_, i) => join(root, `shard-${i}`))
    const tag = `${process.pid}-${Date.now()}`
    const runs = await Promise.all(
      dirs.map((dir, i) =>
        docker(
          `rtcspec-loadgen-${tag}-${i}`,
          [
            scenario,
            '--calls',
            `${CALLS}`,
            '--rate',
            `${RATE}`,
            '--duration',
            '1500ms',
            '--workers',
            '1',
            '--seed',
            `${SEED}`,
            '--max-missing',
            '1',
            '--connect-timeout',
            '20s',
            '--turn',
            `${server!.urls}`,
            '--turn-username',
            'loadgen',
            '--turn-credential',
            'loadgen-pw-1',
            '--shard',
            `${i}/${SHARDS}`,
            '--start-at',
            `${startAt}`,
            '--report-dir',
            dir,
            '--json',
          ],
          120_000,
        ),
      ),
    )
    for (const [i, r] of runs.entries()) expect([0, 1], `container ${i} exit ${r.code}: ${r.stderr.slice(-1500)}`).toContain(r.code)
    const m = await docker(`rtcspec-loadgen-${tag}-merge`, ['merge', ...dirs, '--report-dir', join(root, 'merged'), '--json'], 60_000)
    const merged = LoadSummarySchema.parse(JSON.parse(m.stdout))
    expect(m.code, m.stderr).toBe(merged.exit.code)
    checkShardedRun(dirs, merged, { calls: CALLS, rate: RATE, shards: SHARDS, startAtEpochMs: startAt, seed: SEED, maxStartLagMs: 3000 })
    expect(merged.calls.attempted).toBeGreaterThanOrEqual(CALLS)
    expect(merged.plan?.turn).toBe(server!.urls)
    // the system under test's ground truth: every connected call's two peers relayed media through coturn
    expect(merged.calls.connected, `failures: ${JSON.stringify(merged.failureReasons)}`).toBeGreaterThan(0)
    const relayed = () => parseCoturnUsage(turn.log.lines()).filter((u) => u.username === 'loadgen' && u.peer.rp > 0)
    await waitFor(() => relayed().length >= 2 * merged.calls.connected, {
      timeoutMs: 15_000,
      label: `coturn to log ${2 * merged.calls.connected} closed allocations with relayed media (2 per connected call)`,
    })
  }, 240_000)
})
