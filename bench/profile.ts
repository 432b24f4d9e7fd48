/**
 * Summarises V8 CPU profiles (`node --cpu-prof --cpu-prof-dir <dir> …`): self time by function and by
 * package/module, so "where does the time go" has a short answer.
 *
 *   node bench/profile.ts <dir-or-.cpuprofile>… [--top 25]
 *
 * Packages: `werift`, `sip.js`, … for node_modules; `rtcspec:src/<layer>` for rtcspec's own code; `node:<module>`
 * for Node's internals; `(gc)`, `(idle)`, `(program)` for V8's pseudo-frames. Idle time is shown but left out of
 * the percentages (they are shares of busy time).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

/** The parts of a `.cpuprofile` file this reads. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>
  samples?: number[]
  timeDeltas?: number[]
  startTime: number
  endTime: number
}

/** Self time in ms, by function and by package, over one or more profiles. */
export interface ProfileSummary {
  totalMs: number
  idleMs: number
  functions: Array<{ name: string; where: string; pkg: string; selfMs: number }>
  packages: Array<{ pkg: string; selfMs: number }>
}

/** Which package or rtcspec module a script URL belongs to. */
export function packageOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return '(gc)'
    if (functionName === '(idle)' || functionName === '(program)' || functionName === '(root)') return functionName
    return '(native)'
  }
  if (url.startsWith('data:')) return '(data: URL module)'
  if (url.startsWith('wasm:')) return '(wasm)'
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`
  const nm = url.lastIndexOf('/node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/')
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  const src = url.indexOf('/src/')
  if (src >= 0) {
    const parts = url.slice(src + 1).split('/')
    return `rtcspec:${parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts.join('/')}`
  }
  const bench = url.indexOf('/bench/')
  if (bench >= 0) return 'rtcspec:bench'
  return url.replace(/^file:\/\//, '')
}

/** Adds up self time over the profiles. */
export function summariseProfiles(profiles: CpuProfile[]): ProfileSummary {
  const byFunction = new Map<string, { name: string; where: string; pkg: string; selfMs: number }>()
  const byPackage = new Map<string, number>()
  let totalMs = 0
  let idleMs = 0
  for (const p of profiles) {
    const nodes = new Map(p.nodes.map((n) => [n.id, n]))
    const samples = p.samples ?? []
    const deltas = p.timeDeltas ?? []
    for (let i = 0; i < samples.length; i++) {
      const node = nodes.get(samples[i]!)
      if (!node) continue
      // A sample's time is the delta to the next sample (V8 stores the delta before each sample).
      const ms = (deltas[i + 1] ?? 0) / 1000
      const { functionName, url, lineNumber } = node.callFrame
      const pkg = packageOf(url, functionName)
      if (pkg === '(idle)') {
        idleMs += ms
        continue
      }
      totalMs += ms
      const name = functionName || '(anonymous)'
      const where = url.startsWith('data:') ? '(data: URL)' : url ? `${url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '')}:${lineNumber + 1}` : ''
      const key = `${name}@${where}`
      const f = byFunction.get(key) ?? { name, where, pkg, selfMs: 0 }
      f.selfMs += ms
      byFunction.set(key, f)
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms)
    }
  }
  return {
    totalMs,
    idleMs,
    functions: [...byFunction.values()].sort((a, b) => b.selfMs - a.selfMs),
    packages: [...byPackage.entries()].map(([pkg, selfMs]) => ({ pkg, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
  }
}

/** The summary as two plain-text tables (top packages, top functions). */
export function formatProfileSummary(s: ProfileSummary, top = 25): string {
  const pct = (ms: number) => (s.totalMs > 0 ? ((ms / s.totalMs) * 100).toFixed(1).padStart(5) : '  n/a')
  const lines = [`busy ${s.totalMs.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms (percentages are of busy time)`, '', 'self time by package/module:']
  for (const p of s.packages.slice(0, top)) lines.push(`  ${pct(p.selfMs)} %  ${p.selfMs.toFixed(0).padStart(7)} ms  ${p.pkg}`)
  lines.push('', 'self time by function:')
  for (const f of s.functions.slice(0, top)) lines.push(`  ${pct(f.selfMs)} %  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}  ${f.where}`)
  return lines.join('\n')
}

function profileFiles(paths: string[]): string[] {
  return paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.endsWith('.cpuprofile'))
          .map((f) => join(p, f))
      : [p],
  )
}

function main(): void {
  const args = process.argv.slice(2)
  const topAt = args.indexOf('--top')
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 25
  const paths = args.filter((a, i) => a !== '--top' && i !== topAt + 1)
  if (!paths.length || !Number.isInteger(top) || top <= 0) {
    process.stderr.write(
      'usage: node bench/profile.ts <dir-or-.cpuprofile>… [--top N]\n  (make profiles with: node --cpu-prof --cpu-prof-dir "$(mktemp -d)" <script>)\n',
    )
    process.exit(2)
  }
  const files = profileFiles(paths)
  if (!files.length) {
    process.stderr.write(`no .cpuprofile files in ${paths.join(', ')}\n`)
    process.exit(2)
  }
  const profiles = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as CpuProfile)
  process.stdout.write(`${files.length} profile(s)\n${formatProfileSummary(summariseProfiles(profiles), top)}\n`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main()
