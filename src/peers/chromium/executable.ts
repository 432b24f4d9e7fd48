/**
 * Which Chromium rtcspec launches, decided in one place: the Chromium peers launch it and `rtcspec doctor`
 * reports it, so doctor's verdict is about the very binary a test will run.
 *
 * Order: an explicit path (a peer's `executablePath` option), then `$RTCSPEC_CHROMIUM`, then the fixed
 * locations ({@link DEFAULT_CHROMIUM_PATHS}, where Debian's package puts it), then {@link CHROMIUM_COMMANDS}
 * on PATH.
 */
import { isExecutableFile, which } from '../../which.ts'

/** Where Chromium is looked for before PATH (Debian's package puts it here). */
export const DEFAULT_CHROMIUM_PATHS: readonly string[] = ['/usr/bin/chromium']

/** The command names looked up on PATH, in order. */
export const CHROMIUM_COMMANDS: readonly string[] = ['chromium', 'chromium-browser', 'google-chrome']

/** Where the Chromium came from. */
export type ChromiumSource = 'option' | 'RTCSPEC_CHROMIUM' | 'default location' | 'PATH'

/** The outcome of {@link resolveChromium}. */
export interface ChromiumResolution {
  /** The executable to launch, or undefined when none is usable. */
  path: string | undefined
  /** What decided it; for a failed lookup, `default location` (nothing was configured). */
  source: ChromiumSource
  /** The name or path that was looked for, e.g. `chromium` or the value of `$RTCSPEC_CHROMIUM`. */
  command: string
  /** Why there is no usable executable, when `path` is undefined. */
  problem: string | undefined
}

/** Inputs of {@link resolveChromium}; the defaults are the running process's. */
export interface ChromiumLookup {
  /** An explicit path (a peer's `executablePath`), used as is when given. */
  explicit?: string
  /** Environment with `RTCSPEC_CHROMIUM` and `PATH`. Default `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Fixed locations tried before PATH. Default {@link DEFAULT_CHROMIUM_PATHS}. */
  fixedPaths?: readonly string[]
}

/** Finds the Chromium to launch (see the module comment for the order). Never throws. */
export function resolveChromium(lookup: ChromiumLookup = {}): ChromiumResolution {
  const env = lookup.env ?? process.env
  const configured: Array<[ChromiumSource, string | undefined]> = [
    ['option', lookup.explicit],
    ['RTCSPEC_CHROMIUM', env.RTCSPEC_CHROMIUM],
  ]
  for (const [source, value] of configured) {
    if (value === undefined || value === '') continue
    if (isExecutableFile(value)) return { path: value, source, command: value, problem: undefined }
    const what = source === 'option' ? `executablePath ${value}` : `RTCSPEC_CHROMIUM=${value}`
    return { path: undefined, source, command: value, problem: `${what} is not an executable file` }
  }
  for (const p of lookup.fixedPaths ?? DEFAULT_CHROMIUM_PATHS) {
    if (isExecutableFile(p)) return { path: p, source: 'default location', command: 'chromium', problem: undefined }
  }
  for (const command of CHROMIUM_COMMANDS) {
    const path = which(command, env.PATH)
    if (path !== undefined) return { path, source: 'PATH', command, problem: undefined }
  }
  const fixed = (lookup.fixedPaths ?? DEFAULT_CHROMIUM_PATHS).join(', ')
  return {
    path: undefined,
    source: 'default location',
    command: CHROMIUM_COMMANDS[0] ?? 'chromium',
    problem: `${CHROMIUM_COMMANDS.join(', ')} not found on PATH${fixed ? ` nor at ${fixed}` : ''}`,
  }
}

/**
 * The Chromium executable a peer launches ({@link resolveChromium}). When none is usable it returns what was
 * asked for (the explicit path, `$RTCSPEC_CHROMIUM`, or the first default location), so the launch error names it.
 */
export function chromiumExecutable(explicit?: string, lookup: Omit<ChromiumLookup, 'explicit'> = {}): string {
  const r = resolveChromium({ ...lookup, explicit })
  if (r.path !== undefined) return r.path
  if (r.source !== 'default location') return r.command
  return (lookup.fixedPaths ?? DEFAULT_CHROMIUM_PATHS)[0] ?? r.command
}
