/**
 * Argument parsing shared by the subcommands: `node:util` parseArgs in strict mode, a bad option answered with
 * `rtcspec <command>: <what is wrong>` and the usage text (exit 2), and `-h`/`--help` printing the usage (exit 0).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'

/** The option table of a subcommand (parseArgs' `options`); include `help: { type: 'boolean', short: 'h' }`. */
export type CommandOptions = NonNullable<ParseArgsConfig['options']>

/** What parseArgs returns for these options. */
export type ParsedCommand<O extends CommandOptions, P extends boolean> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: P; strict: true }>
>

/** Where a subcommand writes (injectable for tests). */
export interface CommandIo {
  out: (s: string) => void
  err: (s: string) => void
}

/** The process's stdout and stderr. */
export const processIo: CommandIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
}

/**
 * Parses `argv` for `rtcspec <command>`. Returns the parsed values and positionals, or the exit code to return
 * at once: 2 after printing what was wrong and the usage, 0 after printing the usage for `--help`.
 */
export function parseCommandArgs<const O extends CommandOptions, const P extends boolean = true>(
  command: string,
  usage: string,
  argv: string[],
  options: O,
  config: { allowPositionals?: P; io?: Partial<CommandIo> } = {},
): ParsedCommand<O, P> | number {
  const out = config.io?.out ?? processIo.out
  const err = config.io?.err ?? processIo.err
  let parsed: ParsedCommand<O, P>
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: (config.allowPositionals ?? true) as P, strict: true })
  } catch (e) {
    err(`rtcspec ${command}: ${e instanceof Error ? e.message : String(e)}\n\n${usage}`)
    return 2
  }
  if ((parsed.values as { help?: unknown }).help === true) {
    out(usage)
    return 0
  }
  return parsed
}
