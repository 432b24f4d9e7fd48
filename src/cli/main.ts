/**
 * The `rtcspec` command line: dispatches `rtcspec <command> [args]` to a subcommand.
 * `bin/rtcspec.mjs` imports this module and exits with the code `main` returns.
 */
import { conformanceCommand } from './conformance.ts'
import { doctorCommand } from './doctor.ts'
import { fuzzCommand } from './fuzz.ts'
import { initCommand } from './init.ts'
import { loadCommand } from './load.ts'
import { mergeCommand } from './merge.ts'
import { reportCommand } from './report.ts'
import { runCommand } from './run.ts'
import { serveCommand } from './serve.ts'

/** One subcommand: a one-line summary for the usage text, and the function that runs it. */
export interface Command {
  summary: string
  /** Runs the subcommand with the arguments after its name; resolves to the process exit code. */
  run: (argv: string[]) => Promise<number>
}

/** The subcommands, by name. Add new ones here. */
export const commands: Record<string, Command> = {
  init: {
    summary: 'set rtcspec up in this project: npm scripts, rtcspec.config.ts, an example spec, tsconfig, a CI workflow, .nvmrc (init [--pin-node] [--force])',
    run: (argv) => initCommand(argv),
  },
  run: {
    summary:
      'run spec files with Vitest and write reports (call records, JUnit, summary.json, index.html), evaluate the gates; exit 0 ok, 1 test failed, 2 usage, 3 gate failed, 4 infrastructure, 130 interrupted (docs/ci.md)',
    run: runCommand,
  },
  merge: {
    summary: 'combine the result directories of `run --shard i/N` into one report, gates over the union (merge DIR… [--report-dir OUT] [--config FILE])',
    run: (argv) => mergeCommand(argv),
  },
  doctor: { summary: 'check the external tools rtcspec can use (Chromium, FFmpeg, coturn, SIPp, ...)', run: doctorCommand },
  serve: {
    summary: 'start the reference WHIP/WHEP server (serve whip|whep|media [--port P] [--token T]) or the SIP registrar/proxy (serve sip)',
    run: (argv) => serveCommand(argv),
  },
  conformance: { summary: 'run the WHIP or WHEP conformance suite against a URL (conformance whip|whep --url URL)', run: (argv) => conformanceCommand(argv) },
  report: {
    summary: 'write the HTML report from a report directory (report [--report-dir DIR] [--out FILE] [--open-check] [--screenshot])',
    run: (argv) => reportCommand(argv),
  },
  load: {
    summary:
      'many concurrent calls of one scenario over worker threads (load SPEC --calls N --rate R --duration D [--workers W] [--shard i/N --start-at T] [--json]); load merge DIR... merges the shards of a distributed test',
    run: (argv) => loadCommand(argv),
  },
  fuzz: {
    summary: 'property-based fuzzing with shrinking (fuzz sdp|whip|whep|trickle|sip [--url URL] [--runs N] [--seconds S] [--seed S] [--replay FILE])',
    run: (argv) => fuzzCommand(argv),
  },
}

/** The top-level usage text, listing every command in {@link commands}. */
export function usage(): string {
  const names = Object.keys(commands)
  const width = Math.max(...names.map((n) => n.length))
  const lines = names.map((n) => `  ${n.padEnd(width)}  ${commands[n]?.summary ?? ''}`)
  return `usage: rtcspec ${names.join('|')} [options]\n\ncommands:\n${lines.join('\n')}\n\nRun \`rtcspec <command> --help\` for a command's options.\n`
}

/** Runs `rtcspec` with `argv` (the arguments after the program name); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage())
    return 0
  }
  const command = name !== undefined && Object.hasOwn(commands, name) ? commands[name] : undefined
  if (command === undefined) {
    process.stderr.write(`${name === undefined ? 'rtcspec: missing command' : `rtcspec: unknown command "${name}"`}\n\n${usage()}`)
    return 2
  }
  return command.run(rest)
}
