/**
 * One headless Chromium per process (per Vitest worker), shared by every Chromium peer in it, with the page
 * server its pages come from. Peers take a lease; the last lease released closes the browser, kills its
 * process group, and removes its fresh user-data-dir. Every browser is in the run registry (src/run-registry.ts)
 * from before its launch: the process's `exit` and signal hooks kill it (its group, and every process naming its
 * profile directory, such as the crash handler that leaves the group) and remove the profile, and the
 * `rtcspec run` parent does the same when this process died without a chance to. No Chromium and no profile
 * directory survives a run, even when a test failed, a lease was never released or the run was interrupted.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'puppeteer-core'
import { RtcspecError } from '../../errors.ts'
import { registerRunResource, type RunRegistration } from '../../run-registry.ts'
import { PageServer } from './page-server.ts'
import { isAlive, processesWithArg } from './process-tree.ts'
import { chromiumExecutable } from './executable.ts'

export { chromiumExecutable } from './executable.ts'

/**
 * The command-line switches rtcspec launches Chromium with: headless, no sandbox/GPU/QUIC/background traffic,
 * fake media UI, autoplay allowed (WebAudio starts without a gesture), loopback candidates allowed and real IPs
 * instead of mDNS `.local` names (`WebRtcHideLocalIpsWithMdns` disabled), so peers connect on 127.0.0.1.
 * Certificate errors are ignored (so TURN over TLS works with the self-signed certificate a test's coturn
 * generates) unless `strictCertificates`.
 */
export function chromiumArgs(userDataDir: string, options: { strictCertificates?: boolean } = {}): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-default-apps',
    '--disable-extensions',
    '--mute-audio',
    '--disable-breakpad',
    '--disable-crash-reporter',
    `--user-data-dir=${userDataDir}`,
    '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
    '--allow-loopback-in-peer-connection',
    '--disable-features=WebRtcHideLocalIpsWithMdns',
    ...(options.strictCertificates ? [] : ['--ignore-certificate-errors']),
  ]
}

/** Options of {@link acquireBrowser}. */
export interface BrowserOptions {
  /** Chromium binary; default {@link chromiumExecutable}. */
  executablePath?: string
  /** How long launching may take, default 60 s. */
  launchTimeoutMs?: number
  /**
   * Verify TLS certificates (e.g. of a `turns:` server). Default false: certificate errors are ignored so the
   * self-signed certificates of test servers work. Browsers with and without it are separate.
   */
  strictCertificates?: boolean
}

interface Shared {
  browser: Browser
  server: PageServer
  pid: number | undefined
  userDataDir: string
  startMs: number
  registration: RunRegistration
}

interface Entry {
  refs: number
  ready: Promise<Shared>
}

/** A lease on the process's shared browser. `release()` is idempotent; the last one closes the browser. */
export interface BrowserLease {
  readonly browser: Browser
  readonly server: PageServer
  /** PID of the browser process (the leader of its process group). */
  readonly pid: number | undefined
  /** How long the launch took when this lease started the browser, else 0. */
  readonly launchMs: number
  /** The browser's fresh profile directory (removed when the browser closes). */
  readonly userDataDir: string
  release(): Promise<void>
}

const entries = new Map<string, Entry>()
/** Every browser PID this process launched (for leak checks). */
const launched: number[] = []
/** The user-data-dir of every browser this process launched (for leak checks). */
const launchedDirs: string[] = []

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

async function launch(executablePath: string, timeoutMs: number, strictCertificates: boolean): Promise<Shared> {
  if (!existsSync(executablePath)) {
    throw new RtcspecError('TOOL_MISSING', `Chromium not found at ${executablePath}`, {
      hint: 'install it with `sudo apt-get install chromium` (or `sudo bash scripts/install-system-deps.sh`), or set RTCSPEC_CHROMIUM to a Chromium/Chrome binary',
    })
  }
  const { default: puppeteer } = await import('puppeteer-core')
  const userDataDir = mkdtempSync(join(tmpdir(), 'rtcspec-chromium-'))
  // Registered before the launch: a worker that exits or is signalled while the browser starts must not leave it
  // behind. Until its pid is known, its processes are found by the profile directory on their command lines.
  const registration = registerRunResource({ kind: 'chromium', marker: userDataDir, dirs: [userDataDir] })
  const server = await PageServer.start()
  const started = performance.now()
  let browser: Browser
  try {
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      args: chromiumArgs(userDataDir, { strictCertificates }),
      userDataDir,
      // Chromium's crash handler (which double-forks out of the process group) keeps its database under
      // XDG_CONFIG_HOME: point it into the fresh profile so nothing is written elsewhere and the handler's
      // command line names the profile (see shutdown()).
      env: { ...process.env, XDG_CONFIG_HOME: userDataDir, XDG_CACHE_HOME: userDataDir },
      timeout: timeoutMs,
      protocolTimeout: Math.max(timeoutMs, 60_000),
      defaultViewport: null,
    })
  } catch (e) {
    await server.close()
    for (const p of processesWithArg(userDataDir)) {
      try {
        process.kill(p.pid, 'SIGKILL')
      } catch {
        // gone already
      }
    }
    rmSync(userDataDir, { recursive: true, force: true })
    registration.release()
    throw new RtcspecError('CHROMIUM_LAUNCH', `could not launch Chromium (${executablePath}): ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
      hint: 'run `npx rtcspec doctor` to check the installation; RTCSPEC_CHROMIUM selects another binary',
    })
  }
  const pid = browser.process()?.pid
  if (pid !== undefined) {
    registration.update({ pgid: pid })
    launched.push(pid)
  }
  launchedDirs.push(userDataDir)
  return { browser, server, pid, userDataDir, startMs: performance.now() - started, registration }
}

async function shutdown(s: Shared): Promise<void> {
  // Helpers outside the browser's process group (Chromium's crash handler double-forks) carry the profile path.
  const strays = processesWithArg(s.userDataDir).map((p) => p.pid)
  const exited = new Promise<void>((resolve) => {
    const proc = s.browser.process()
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) resolve()
    else proc.once('exit', () => resolve())
  })
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    s.browser.close().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 5000)
    }),
  ])
  clearTimeout(timer)
  // Whatever is left of the browser's process group (renderers, zygotes, utility processes) goes now.
  if (s.pid !== undefined) killGroup(s.pid)
  for (const pid of strays) {
    try {
      if (isAlive(pid)) process.kill(pid, 'SIGKILL')
    } catch {
      // gone already
    }
  }
  await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 5000).unref())])
  await s.server.close()
  rmSync(s.userDataDir, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 })
  s.registration.release()
}

/** Leases this process's browser for `executablePath` (and certificate mode), launching it on first use. */
export async function acquireBrowser(options: BrowserOptions = {}): Promise<BrowserLease> {
  const executablePath = chromiumExecutable(options.executablePath)
  const strict = options.strictCertificates ?? false
  const key = `${executablePath}${strict ? ' (strict certificates)' : ''}`
  let entry = entries.get(key)
  let launchedHere = false
  if (!entry) {
    const ready = launch(executablePath, options.launchTimeoutMs ?? 60_000, strict)
    entry = { refs: 0, ready }
    entries.set(key, entry)
    launchedHere = true
    ready.catch(() => {
      if (entries.get(key) === entry) entries.delete(key)
    })
  }
  const e = entry
  e.refs++
  let shared: Shared
  try {
    shared = await e.ready
  } catch (err) {
    e.refs--
    throw err
  }
  if (!shared.browser.connected) {
    // The browser died (crash, killed): forget it and start a fresh one.
    e.refs--
    if (entries.get(key) === e) entries.delete(key)
    if (e.refs === 0) await shutdown(shared).catch(() => undefined)
    return acquireBrowser(options)
  }
  let released = false
  return {
    browser: shared.browser,
    server: shared.server,
    pid: shared.pid,
    launchMs: launchedHere ? shared.startMs : 0,
    userDataDir: shared.userDataDir,
    async release() {
      if (released) return
      released = true
      e.refs--
      if (e.refs > 0) return
      if (entries.get(key) === e) entries.delete(key)
      await shutdown(shared)
    },
  }
}

/** PIDs of every browser this process launched so far (alive or not), for leak checks. */
export function launchedBrowserPids(): number[] {
  return [...launched]
}

/**
 * Live processes that belong to a browser this process launched: the browsers themselves and every helper
 * (renderers, zygotes, crash handlers), found by their unique user-data-dir on the command line.
 */
export function liveBrowserProcesses(): number[] {
  const pids = new Set(launched.filter((pid) => isAlive(pid)))
  for (const dir of launchedDirs) for (const p of processesWithArg(dir)) pids.add(p.pid)
  return [...pids]
}

/** PIDs of browsers this process launched that are still alive. */
export function liveBrowserPids(): number[] {
  return launched.filter((pid) => isAlive(pid))
}
