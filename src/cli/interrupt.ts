/**
 * Interrupts of a running command, the same for every rtcspec command: SIGINT (Ctrl-C), SIGTERM (a cancelled CI
 * job, `kill`) and SIGHUP (the terminal closed). The first signal asks the command to stop: it stops what it
 * started (services, browsers, workers), writes the reports of what ran, and exits 130 (`interrupted`). A second
 * signal forces it: the command's `onForce` cleans up synchronously and the process exits 130 at once.
 */
import { EXIT_CODES } from '../report/run-summary.ts'

/** The signals that interrupt a command. */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/** What {@link listenForInterrupts} returns: the first signal, if any, and an abort signal for it. */
export interface InterruptListener {
  /** The first signal received, once one was. */
  readonly signal: NodeJS.Signals | undefined
  /** When it came. */
  readonly at: Date | undefined
  /** Aborted on the first signal (its reason is the signal name). */
  readonly aborted: AbortSignal
  /** Stops listening. Idempotent. */
  dispose(): void
}

/** Options of {@link listenForInterrupts}. */
export interface InterruptOptions {
  /** The command, for the messages (`run`, `fuzz`…). */
  command: string
  /** What stopping does, for the message on the first signal (e.g. `stopping the services, writing the reports`). */
  stopping: string
  /** Called on the first signal. */
  onInterrupt?: (signal: NodeJS.Signals) => void
  /** Called on a second signal, synchronously, right before the process exits 130. */
  onForce?: (signal: NodeJS.Signals) => void
  /** Where the messages go (default stderr). */
  err?: (s: string) => void
}

/** Listens for SIGINT/SIGTERM/SIGHUP while a command runs. */
export function listenForInterrupts(options: InterruptOptions): InterruptListener {
  const err = options.err ?? ((s: string) => process.stderr.write(s))
  const controller = new AbortController()
  let first: NodeJS.Signals | undefined
  let at: Date | undefined
  const handler = (signal: NodeJS.Signals) => {
    if (first === undefined) {
      first = signal
      at = new Date()
      err(`\nrtcspec ${options.command}: ${signal}: ${options.stopping} (exit ${EXIT_CODES.interrupted}); again to force\n`)
      controller.abort(signal)
      options.onInterrupt?.(signal)
      return
    }
    err(`rtcspec ${options.command}: ${signal} again: forcing the stop\n`)
    try {
      options.onForce?.(signal)
    } finally {
      process.exit(EXIT_CODES.interrupted)
    }
  }
  for (const s of INTERRUPT_SIGNALS) process.on(s, handler)
  let disposed = false
  return {
    get signal() {
      return first
    },
    get at() {
      return at
    },
    aborted: controller.signal,
    dispose() {
      if (disposed) return
      disposed = true
      for (const s of INTERRUPT_SIGNALS) process.off(s, handler)
    },
  }
}

/**
 * Resolves when a server command is asked to stop: SIGINT, SIGTERM, or `signal` aborting. The listeners are
 * removed once it resolves. (`rtcspec serve` stops this way and exits 0: stopping is what it is for.)
 */
export function untilStopped(signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      signal?.removeEventListener('abort', stop)
      resolve()
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    if (signal?.aborted) stop()
    else signal?.addEventListener('abort', stop, { once: true })
  })
}
