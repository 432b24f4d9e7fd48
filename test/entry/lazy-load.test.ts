/**
 * Importing `rtcspec` loads no WebRTC or SIP stack: a spec that makes no call never loads werift or sip.js; the
 * fixtures load them when a test first asks for a peer or a user agent. Each case runs a real Vitest in a child
 * process whose workers register a module hook (`module.registerHooks`, through `--import`) that logs every
 * module Node loads from node_modules/werift, node_modules/sip.js or node_modules/puppeteer-core. The control
 * cases, which do ask for a werift peer and a user agent, show that the log sees those stacks when they load.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const repo = resolve(import.meta.dirname, '../..')
// Inside the repository (under node_modules/.cache), so `vitest` resolves as it does here.
const cache = join(repo, 'node_modules', '.cache')
mkdirSync(cache, { recursive: true })
const work = mkdtempSync(join(cache, 'lazy-load-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const STACKS = /\/node_modules\/(werift|sip\.js|puppeteer-core)\//

writeFileSync(
  join(work, 'log-loads.mjs'),
  `import { registerHooks } from 'node:module'
import { appendFileSync } from 'node:fs'
const log = process.env.RTCSPEC_LOAD_LOG
registerHooks({
  load(url, context, nextLoad) {
    if (log && ${STACKS}.test(url)) appendFileSync(log, url + '\\n')
    return nextLoad(url, context)
  },
})
`,
)
writeFileSync(
  join(work, 'vitest.config.mjs'),
  `import { readFileSync } from 'node:fs'
const pkg = JSON.parse(readFileSync(${JSON.stringify(join(repo, 'package.json'))}, 'utf8'))
const alias = Object.entries(pkg.exports).filter(([, t]) => typeof t === 'object').map(([key, t]) => ({ find: new RegExp('^rtcspec' + key.slice(1).replace('/', '\\\\/') + '$'), replacement: ${JSON.stringify(repo)} + t['rtcspec-source'].slice(1) }))
export default { resolve: { alias }, test: { pool: 'forks', execArgv: ['--import', ${JSON.stringify(pathToFileURL(join(work, 'log-loads.mjs')).href)}], testTimeout: 60000, hookTimeout: 60000 } }
`,
)

/** Runs one spec file with Vitest in a child process; resolves with the exit code, output and the modules of the stacks that were loaded. */
function runSpec(name: string, code: string): Promise<{ code: number; out: string; loaded: string[] }> {
  const spec = join(work, `${name}.spec.ts`)
  const log = join(work, `${name}.log`)
  writeFileSync(spec, code)
  return new Promise((done) => {
    const env: NodeJS.ProcessEnv = { ...process.env, RTCSPEC_LOAD_LOG: log, RTCSPEC_REPORT_DIR: join(work, 'reports') }
    for (const k of ['VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID', 'TEST', 'NODE_ENV']) delete env[k]
    execFile(
      process.execPath,
      [join(repo, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', work, '--config', join(work, 'vitest.config.mjs'), spec],
      { cwd: work, env, timeout: 120_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const loaded = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []
        done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: `${stdout}\n${stderr}`, loaded })
      },
    )
  })
}

/** The packages among the loaded module URLs. */
const packages = (urls: string[]) => [...new Set(urls.map((u) => STACKS.exec(u)?.[1]))].sort()

describe('importing rtcspec', () => {
  it('a spec that uses test, expect, audio sources and a scenario definition loads no werift, sip.js or Chromium driver', async () => {
    const r = await runSpec(
      'light',
      `import { test, expect, scenario, PRESETS, toMs } from 'rtcspec'
test('no call', ({ tone }) => {
  expect(typeof tone(440)).toBe('function')
  expect(toMs('2s')).toBe(2000)
  expect(PRESETS['3g']).toBeDefined()
  expect({ received: 1 }).toEqual({ received: 1 })
  expect(typeof scenario).toBe('function')
})
`,
    )
    expect(r.code, r.out).toBe(0)
    expect(r.loaded).toEqual([])
  }, 150_000)

  it('control: the peers fixture loads werift when a test asks for a werift peer', async () => {
    const r = await runSpec(
      'werift',
      `import { test, expect } from 'rtcspec'
test('a werift peer', async ({ peers }) => {
  const p = peers.werift()
  expect(p.kind).toBe('werift')
})
`,
    )
    expect(r.code, r.out).toBe(0)
    expect(packages(r.loaded)).toContain('werift')
    expect(packages(r.loaded)).not.toContain('sip.js')
  }, 150_000)

  it('control: the SIP entry loads sip.js', async () => {
    const r = await runSpec(
      'sip',
      `import { test, expect } from 'rtcspec'
import { createSipUserAgent } from 'rtcspec/sip'
test('sip entry', () => {
  expect(typeof createSipUserAgent).toBe('function')
})
`,
    )
    expect(r.code, r.out).toBe(0)
    expect(packages(r.loaded)).toContain('sip.js')
  }, 150_000)
})
