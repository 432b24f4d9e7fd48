/**
 * How long this process's worker threads ran on a CPU and how long they were ready to run but waited for one
 * (Linux `/proc/self/task/<tid>/schedstat`). A long wait means the machine was busy with other work: the calls
 * were starved of CPU, not slow by themselves. Returns undefined where schedstat is not available.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'

/** Summed over the threads named `WorkerThread` (Node's worker_threads), nanoseconds. */
export interface ThreadSchedTotals {
  threads: number
  runNs: number
  waitNs: number
}

/** Reads the run and run-queue wait times of this process's worker threads; undefined when unsupported. */
export function workerThreadSched(): ThreadSchedTotals | undefined {
  let tasks: string[]
  try {
    tasks = readdirSync('/proc/self/task')
  } catch {
    return undefined
  }
  const out: ThreadSchedTotals = { threads: 0, runNs: 0, waitNs: 0 }
  for (const tid of tasks) {
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'WorkerThread') continue
      const [run, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number)
      if (!Number.isFinite(run) || !Number.isFinite(wait)) continue
      out.threads++
      out.runNs += run!
      out.waitNs += wait!
    } catch {
      // the thread ended meanwhile, or schedstat is not there
    }
  }
  return out.threads > 0 ? out : undefined
}
