/**
 * Two network namespaces joined by a veth pair, for tests that need a server on a non-loopback address
 * without sending anything outside the machine: `<prefix>-srv` holds 10.199.X.1/30, `<prefix>-cli` holds
 * 10.199.X.2/30 (X from the process id), each with its own `lo` up. Processes started with
 * {@link NetnsPair.spawn} run inside a namespace and are killed on {@link NetnsPair.close}, which also deletes
 * both namespaces (the veth pair goes with them). Needs root and iproute2 (`ip`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { hasTool } from './requires.ts'

/** A namespace pair; dispose it (`await using`) or call close(). */
export interface NetnsPair extends AsyncDisposable {
  /** Name of the server namespace. */
  readonly server: string
  /** Name of the client namespace. */
  readonly client: string
  /** The server namespace's address on the veth link. */
  readonly serverAddress: string
  /** The client namespace's address on the veth link. */
  readonly clientAddress: string
  /** Starts `command args` inside namespace `ns` (`ip netns exec`); killed by close(). */
  spawn(ns: string, command: string, args: string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv }): ChildProcess
  /** Kills every process started here (SIGTERM, then SIGKILL after 3 s) and deletes both namespaces. Idempotent. */
  close(): Promise<void>
}

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 })
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.error?.message || '').trim()}`)
}

/**
 * Why namespaces cannot be made here (not root, no `ip`, `ip netns add` refused), or undefined when they can.
 * Tries it: adds and deletes a throw-away namespace.
 */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`
  if (!hasTool('ip')) return 'iproute2 (ip) is not installed: sudo apt-get install iproute2 (or sudo bash scripts/install-system-deps.sh)'
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root (run the tests as root, as CI does)'
  const probe = `rtcspec-${process.pid}-probe`
  try {
    ip(['netns', 'add', probe])
    ip(['netns', 'del', probe])
  } catch (e) {
    return `ip netns does not work here: ${(e as Error).message}`
  }
  return undefined
}

/**
 * Whether to skip a namespace test: false when namespaces work; true (with the reason on stderr) when they do
 * not, locally; throws in CI (`CI=true`), where the test must run.
 */
export function requireNetns(): boolean {
  const why = netnsUnavailable()
  if (!why) return false
  if (process.env.CI === 'true') throw new Error(`network namespace tests must run in CI (CI=true): ${why}`)
  process.stderr.write(`[rtcspec] skipping network namespace tests: ${why}\n`)
  return true
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

/** Creates the namespace pair (replacing leftovers of the same name from a crashed run of this process id). */
export function createNetnsPair(prefix = `rtcspec-${process.pid}`): NetnsPair {
  const server = `${prefix}-srv`
  const client = `${prefix}-cli`
  // 10.199.X.0/30, X from the process id (each pair is its own link, so equal X in two runs do not clash).
  const x = process.pid % 256
  const serverAddress = `10.199.${x}.1`
  const clientAddress = `10.199.${x}.2`
  // Interface names: at most 15 characters.
  const tag = (process.pid % 1_000_000).toString(36)
  const vethSrv = `rsv${tag}s`
  const vethCli = `rsv${tag}c`
  const children: ChildProcess[] = []
  for (const ns of [server, client]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 10_000 })
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    for (const c of children) if (!exited(c)) c.kill('SIGTERM')
    for (const c of children) {
      if (!(await waitExit(c, 3_000))) {
        c.kill('SIGKILL')
        await waitExit(c, 3_000)
      }
    }
    const problems: string[] = []
    for (const ns of [server, client]) {
      try {
        ip(['netns', 'del', ns])
      } catch (e) {
        problems.push((e as Error).message)
      }
    }
    if (problems.length) throw new Error(`could not delete the test namespaces: ${problems.join('; ')}`)
  }
  try {
    ip(['netns', 'add', server])
    ip(['netns', 'add', client])
    ip(['link', 'add', vethSrv, 'netns', server, 'type', 'veth', 'peer', 'name', vethCli, 'netns', client])
    ip(['-n', server, 'addr', 'add', `${serverAddress}/30`, 'dev', vethSrv])
    ip(['-n', client, 'addr', 'add', `${clientAddress}/30`, 'dev', vethCli])
    for (const [ns, dev] of [
      [server, vethSrv],
      [client, vethCli],
    ] as const) {
      ip(['-n', ns, 'link', 'set', 'lo', 'up'])
      ip(['-n', ns, 'link', 'set', dev, 'up'])
    }
  } catch (e) {
    for (const ns of [server, client]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 10_000 })
    throw e
  }
  return {
    server,
    client,
    serverAddress,
    clientAddress,
    spawn(ns, command, args, options = {}) {
      if (closed) throw new Error('the namespace pair is closed')
      const child = spawn('ip', ['netns', 'exec', ns, command, ...args], {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      children.push(child)
      return child
    },
    close,
    [Symbol.asyncDispose]: close,
  }
}
