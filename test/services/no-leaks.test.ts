/**
 * A process that started services and exits without closing them (a crashed spec run) leaves nothing:
 * its exit hook kills the local process groups and removes its containers.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, test } from 'vitest'
import { providerCases } from './providers.ts'
import { waitFor } from '../../src/wait.ts'

const ROOT = resolve(import.meta.dirname, '../..')

/** Running (a zombie waiting for a reaper that never comes, as under some container inits, is dead). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^\d+ \(.*\) [ZX] /.test(stat)
  } catch {
    return false
  }
}

describe.each(providerCases('coturn', 'turnserver', 'coturn'))('services left open at process exit, $provider provider', ({ provider, skip }) => {
  test.skipIf(skip)(
    'are killed / removed by the exit hook',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'rtcspec-leak-'))
      try {
        const script = join(dir, 'child.ts')
        writeFileSync(
          script,
          `import { startCoturn } from ${JSON.stringify(join(ROOT, 'src/services/coturn.ts'))}
import { startFfmpegSource } from ${JSON.stringify(join(ROOT, 'src/services/ffmpeg.ts'))}
import { liveLocalServiceGroups } from ${JSON.stringify(join(ROOT, 'src/services/process.ts'))}
import { liveServiceContainers } from ${JSON.stringify(join(ROOT, 'src/services/docker.ts'))}
const turn = await startCoturn({ provider: ${JSON.stringify(provider)} })
const ff = await startFfmpegSource({ provider: ${JSON.stringify(provider)}, durationMs: 60000, audio: { to: { host: '127.0.0.1', port: turn.ports.relay.min } } })
console.log(JSON.stringify({ groups: liveLocalServiceGroups(), containers: liveServiceContainers() }))
process.exit(3) // no close(): the exit hook must clean up
`,
        )
        const node = process.execPath
        const r = spawnSync(node, [script], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 })
        expect(r.status, r.stderr).toBe(3)
        const started = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { groups: number[]; containers: string[] }
        if (provider === 'local') {
          expect(started.groups.length).toBe(2)
          // The hook sends SIGKILL as the child exits; the kernel finishes each kill when the target next runs, which
          // on a loaded machine can be a moment after the child is gone: allow that moment (bounded), never more.
          await waitFor(() => !started.groups.some(alive), {
            timeoutMs: 5000,
            intervalMs: 50,
            label: `the killed process groups ${started.groups.join(', ')} to be gone`,
          }).catch(() => undefined)
          for (const pid of started.groups) expect(alive(pid), `process group ${pid} still running 5 s after the exit hook`).toBe(false)
        } else {
          expect(started.containers.length).toBe(2)
          const left = spawnSync('docker', ['ps', '-a', '-q', '--no-trunc', ...started.containers.flatMap((id) => ['--filter', `id=${id}`])], {
            encoding: 'utf8',
            timeout: 10_000,
          })
          expect(left.stdout.trim()).toBe('')
        }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
    120_000,
  )
})

describe.each(providerCases('coturn', 'turnserver', 'coturn').filter((c) => c.provider === 'docker'))('orphan sweep', ({ skip }) => {
  test.skipIf(skip)(
    'a missing image is built from containers/<service> through testcontainers',
    async () => {
      const { ensureServiceImage, dockerImageExists } = await import('../../src/services/docker.ts')
      const image = `rtcspec-build-check/coturn:${process.pid}`
      process.env.RTCSPEC_COTURN_IMAGE = image
      try {
        expect(await dockerImageExists(image)).toBe(false)
        await ensureServiceImage('coturn') // the layer cache of rtcspec/coturn makes this quick here
        expect(await dockerImageExists(image)).toBe(true)
      } finally {
        delete process.env.RTCSPEC_COTURN_IMAGE
        spawnSync('docker', ['rmi', '-f', image], { stdio: 'ignore', timeout: 30_000 })
      }
    },
    300_000,
  )

  test.skipIf(skip)(
    'removes this host’s rtcspec containers whose owner process is gone, and no others',
    async () => {
      const { sweepOrphanContainers } = await import('../../src/services/docker.ts')
      const { hostname } = await import('node:os')
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout.trim()
      expect(alive(Number(dead))).toBe(false)
      const create = (labels: Record<string, string>) => {
        const r = spawnSync('docker', ['create', ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]), 'rtcspec/coturn'], {
          encoding: 'utf8',
          timeout: 20_000,
        })
        expect(r.status, r.stderr).toBe(0)
        return r.stdout.trim()
      }
      const orphan = create({ rtcspec: '1', 'rtcspec.pid': dead, 'rtcspec.host': hostname(), 'rtcspec.service': 'coturn' })
      const mine = create({ rtcspec: '1', 'rtcspec.pid': String(process.pid), 'rtcspec.host': hostname(), 'rtcspec.service': 'coturn' })
      const elsewhere = create({ rtcspec: '1', 'rtcspec.pid': dead, 'rtcspec.host': 'some-other-host', 'rtcspec.service': 'coturn' })
      try {
        expect(sweepOrphanContainers()).toBeGreaterThanOrEqual(1)
        const exists = (id: string) => spawnSync('docker', ['container', 'inspect', id], { stdio: 'ignore', timeout: 10_000 }).status === 0
        expect(exists(orphan)).toBe(false)
        expect(exists(mine)).toBe(true)
        expect(exists(elsewhere)).toBe(true)
      } finally {
        spawnSync('docker', ['rm', '-f', orphan, mine, elsewhere], { stdio: 'ignore', timeout: 20_000 })
      }
    },
    60_000,
  )
})
