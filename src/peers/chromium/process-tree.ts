/**
 * Linux process-tree helpers over `/proc`: the descendants of a process, their command names and their
 * resident memory. Used to measure a browser's memory and to prove no Chromium process outlives a run.
 */
import { readdirSync, readFileSync } from 'node:fs'

/** One process as seen in `/proc/<pid>/stat`. */
export interface ProcessInfo {
  pid: number
  ppid: number
  /** The command name (`comm`), at most 15 characters, e.g. `chromium`. */
  comm: string
  /** Resident set size in bytes (`VmRSS`), 0 if unreadable. */
  rssBytes: number
}

function readStat(pid: number): { ppid: number; comm: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // comm is in parentheses and may itself contain spaces or parentheses: take the last ')'.
    const open = stat.indexOf('(')
    const close = stat.lastIndexOf(')')
    const comm = stat.slice(open + 1, close)
    const rest = stat.slice(close + 2).split(' ')
    const state = rest[0]
    if (state === 'Z' || state === 'X') return undefined
    return { ppid: Number(rest[1]), comm }
  } catch {
    return undefined
  }
}

function readRss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}

/** Every live (non-zombie) process on the machine. Empty where `/proc` does not exist. */
export function listProcesses(): ProcessInfo[] {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return []
  }
  const out: ProcessInfo[] = []
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue
    const pid = Number(e)
    const s = readStat(pid)
    if (s) out.push({ pid, ppid: s.ppid, comm: s.comm, rssBytes: 0 })
  }
  return out
}

/** The live descendants of `rootPid` (not the root itself), with their RSS. */
export function descendants(rootPid: number, all: ProcessInfo[] = listProcesses()): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>()
  for (const p of all) {
    const list = children.get(p.ppid) ?? []
    list.push(p)
    children.set(p.ppid, list)
  }
  const out: ProcessInfo[] = []
  const stack = [rootPid]
  for (let guard = 0; stack.length > 0 && guard < 100_000; guard++) {
    const pid = stack.pop() as number
    for (const c of children.get(pid) ?? []) {
      out.push({ ...c, rssBytes: readRss(c.pid) })
      stack.push(c.pid)
    }
  }
  return out
}

/** Sum of the RSS of `pid` and all its descendants, in bytes (shared pages are counted once per process). */
export function treeRssBytes(pid: number): number {
  return readRss(pid) + descendants(pid).reduce((sum, p) => sum + p.rssBytes, 0)
}

/** Whether a process is alive (and not a zombie). */
export function isAlive(pid: number): boolean {
  return readStat(pid) !== undefined
}

/** Descendants of this process whose command name looks like Chromium (`chromium`, `chrome`, `headless_shell`). */
export function chromiumDescendants(rootPid: number = process.pid): ProcessInfo[] {
  return descendants(rootPid).filter((p) => /chrom|headless_shell/i.test(p.comm))
}

/**
 * Live processes whose command line contains `needle` (e.g. a browser's unique user-data-dir): finds helpers
 * that left the browser's process tree, such as Chromium's double-forked crash handler.
 */
export function processesWithArg(needle: string): ProcessInfo[] {
  return listProcesses().filter((p) => {
    try {
      return readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').includes(needle)
    } catch {
      return false
    }
  })
}

function readPss(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
    const m = /^Pss:\s+(\d+)\s+kB/m.exec(rollup)
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}

/**
 * Sum of the proportional set size (PSS: shared pages divided among the processes sharing them) of `pid` and its
 * descendants, in bytes. Unlike summed RSS it does not count shared libraries once per process. 0 where
 * `smaps_rollup` is unreadable.
 */
export function treePssBytes(pid: number): number {
  return readPss(pid) + descendants(pid).reduce((sum, p) => sum + readPss(p.pid), 0)
}
