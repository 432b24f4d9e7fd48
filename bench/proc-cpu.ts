/** CPU time of a process tree from /proc (Linux), for CPU per call of a browser's processes. */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { descendants } from '../src/peers/chromium/process-tree.ts'

let ticksPerSecond: number | undefined

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim()) || 100
    } catch {
      ticksPerSecond = 100
    }
  }
  return ticksPerSecond
}

/** User + system CPU of one process so far, ms (0 if it is gone). */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // After "(comm) ": state is field 3 of stat(5), so utime (14) and stime (15) are at 11 and 12 here.
    return ((Number(fields[11]) + Number(fields[12])) / clockTicks()) * 1000
  } catch {
    return 0
  }
}

/** User + system CPU of `pid` and its live descendants so far, ms. */
export function treeCpuMs(pid: number): number {
  return processCpuMs(pid) + descendants(pid).reduce((sum, p) => sum + processCpuMs(p.pid), 0)
}
