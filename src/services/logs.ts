/**
 * Captured service output: every line a service prints (stdout and stderr), kept in memory up to a cap,
 * returned for reports and written to `<report dir>/services/<name>.log` when the service stops.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** Default cap of the in-memory log, in characters (oldest lines are dropped beyond it). */
export const DEFAULT_LOG_CAP_CHARS = 1_000_000

/** The lines a service printed, capped, with listeners for readiness checks that watch the output. */
export class ServiceLog {
  readonly #lines: string[] = []
  #chars = 0
  #dropped = 0
  #partial: Record<string, string> = {}
  readonly #listeners = new Set<(line: string) => void>()
  readonly #cap: number

  constructor(cap = DEFAULT_LOG_CAP_CHARS) {
    this.#cap = cap
  }

  /** Appends a chunk of output from `stream` (split into lines; a trailing partial line waits for the rest). */
  push(stream: string, chunk: string): void {
    const text = (this.#partial[stream] ?? '') + chunk
    const parts = text.split(/\r?\n/)
    this.#partial[stream] = parts.pop() ?? ''
    for (const p of parts) this.line(p)
  }

  /** Appends one complete line. */
  line(text: string): void {
    this.#lines.push(text)
    this.#chars += text.length + 1
    while (this.#chars > this.#cap && this.#lines.length > 1) {
      this.#chars -= (this.#lines.shift() ?? '').length + 1
      this.#dropped++
    }
    for (const l of this.#listeners) l(text)
  }

  /** Flushes partial lines (at exit). */
  flush(): void {
    for (const [_k, v] of Object.entries(this.#partial)) if (v !== '') this.line(v)
    this.#partial = {}
  }

  /** Calls `listener` for every new line. Returns unsubscribe. */
  onLine(listener: (line: string) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Lines captured so far (the oldest may have been dropped, see `dropped`). */
  lines(): string[] {
    return [...this.#lines]
  }

  /** Number of old lines dropped to stay under the cap. */
  get dropped(): number {
    return this.#dropped
  }

  /** Everything captured, one string. */
  text(): string {
    return (this.#dropped ? `[… ${this.#dropped} earlier lines dropped]\n` : '') + this.#lines.join('\n') + (this.#lines.length ? '\n' : '')
  }

  /** The last `n` lines, for error messages. */
  tail(n = 20): string {
    return this.#lines.slice(-n).join('\n')
  }
}

/** The directory service logs go to: `$RTCSPEC_REPORT_DIR/services`, else `reports/services`. */
export function serviceLogDir(): string {
  return join(resolve(process.env.RTCSPEC_REPORT_DIR ?? 'reports'), 'services')
}

let logCounter = 0

/** Writes a service's log to `<report dir>/services/<name>-<pid>-<n>.log`; returns the path, or undefined if it could not be written. */
export function writeServiceLog(name: string, log: ServiceLog): string | undefined {
  try {
    const dir = serviceLogDir()
    mkdirSync(dir, { recursive: true })
    const file = join(dir, `${name.replace(/[^\w.-]+/g, '_')}-${process.pid}-${++logCounter}.log`)
    writeFileSync(file, log.text())
    return file
  } catch {
    return undefined
  }
}
