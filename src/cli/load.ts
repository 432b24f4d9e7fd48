/**
 * `rtcspec load SPEC --calls N --rate R --duration D [...]`: many concurrent calls of one scenario, spread over
 * worker threads; live progress on stderr, a summary table on stdout (or the JSON with `--json`) and
 * `<reportDir>/load-summary.json`. SIGINT, SIGTERM or SIGHUP stops gracefully (a second one forces), and the
 * summary is still written and printed, with the exit class `interrupted` (130).
 */
import { parseCommandArgs } from './args.ts'
import { RtcspecError } from '../errors.ts'
import { toMs } from '../calls/duration.ts'
import { EXIT_CODES } from '../report/run-summary.ts'
import { BUILTIN_SCENARIOS } from '../load/spec.ts'
import { runLoad, type LoadProgress } from '../load/run.ts'
import { parseShard, parseStartAt } from '../load/shard.ts'
import { mergeShards, readShardDir } from '../load/merge.ts'
import { writeFileAtomic } from '../atomic-write.ts'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { formatSummary } from '../load/summary.ts'
import { INTERRUPT_SIGNALS } from './interrupt.ts'

export const LOAD_USAGE = `usage: rtcspec load SPEC --calls N --rate R --duration D [options]
       rtcspec load merge DIR... [--report-dir OUT] [--json]

SPEC is one scenario:
  ${Object.keys(BUILTIN_SCENARIOS).join(', ').padEnd(44)}built-in: a werift back-to-back audio call (tones both ways)
  FILE.ts|.mts|.js|.mjs|.json                 a file whose default export is a declarative scenario spec
                                              (the object scenario() takes), e.g. specs/examples/load-scenario.ts

options:
  --calls N            target concurrent calls (required)
  --rate R             new calls per second, during the ramp and for replacements (required)
  --duration D         how long the load holds after the ramp: 30s, 2m, 500ms (a unit is required) (required)
  --workers W          worker threads (default: os.availableParallelism())
  --call-duration D    each call's length; ended calls are replaced (default: the scenario file's own duration
                       when it states one, else every call holds until the run ends)
  --max-missing F      a call fails when more than this share (0..1) of a direction's media timeline had no
                       packet, lost or never sent (default 0.05 for built-ins; scenario files: not checked)
  --max-connecting N   at most N calls connecting at once; starts wait while at the cap, so the set-up rate
                       adapts to the machine instead of piling up connect timeouts (default 10 per worker)
  --connect-timeout D  ICE + DTLS timeout of each call (default: the scenario's connectTimeout, 10s)
  --seed S             base impairment seed for scenarios with a network (call i uses a seed derived from S and i)
  --max-failures N     failed calls tolerated before the exit code is 1 (default 0)
  --report-dir DIR     where load-summary.json goes (default $RTCSPEC_REPORT_DIR or reports/)
  --records            also append one call record per call to DIR/call_records.jsonl (heavy at scale)
  --json               print the summary as JSON on stdout instead of the table
  --shard i/N          place shard i (0..N-1) of a test spread over N generators: the calls with global ids
                       i, i+N, … and their seeds; --calls and --rate stay the whole test's (each shard keeps
                       its share active at R/N); DIR/load-calls.jsonl lists the calls placed (docs/scale.md)
  --start-at T         the agreed start, ISO time with zone or epoch ms: the same for every shard, a little
                       after every generator is up (at most 5 s past, 24 h ahead)
  --turn URL           relay every call through this TURN server, both peers relay-only (the TURN server is
                       the system under test): turn:HOST:PORT?transport=udp|tcp or turns:HOST:PORT?transport=tcp
  --turn-username U, --turn-credential P   its long-term credentials
  -h, --help           this text

rtcspec load merge DIR...: the shards' report directories (each once, all N) into the summary of one run:
percentiles from the merged HdrHistograms, counts summed, failure reasons merged, the same exit codes;
written to --report-dir (default $RTCSPEC_REPORT_DIR or reports/) as load-summary.json. Refuses an
incomplete set, a shard given twice, or shards of different tests (exit 2).

Exit code: 0 ok; 1 more failed calls than --max-failures; 2 bad usage (bad SPEC or numbers);
4 infrastructure (the worker threads could not start); 130 interrupted (SIGINT, SIGTERM or SIGHUP; the
summary is still written; a second signal forces).
`

/**
 * Parses a CLI duration: `30s`, `500ms`, `2m`. A bare number is refused: everywhere else in rtcspec a bare number
 * is milliseconds, and on a command line `--duration 30` reads as seconds, so it must say which.
 */
export function parseCliDuration(text: string, flag: string): number {
  const bare = text.trim()
  if (/^\d+(\.\d+)?$/.test(bare)) {
    throw new RtcspecError('LOAD_USAGE', `${flag} ${bare}: ${bare} what? write ${bare}s or ${Number(bare) * 1000}ms`, {
      hint: 'durations take a unit: ms, s or m (docs/durations-and-ratios.md)',
    })
  }
  try {
    return toMs(text)
  } catch {
    throw new RtcspecError('LOAD_USAGE', `${flag} must be a duration like 30s, 500ms or 2m, got ${JSON.stringify(text)}`)
  }
}

function parseNumber(text: string, flag: string, { integer }: { integer: boolean }): number {
  const ok = integer ? /^\d+$/.test(text) : /^\d+(\.\d+)?$/.test(text)
  if (!ok) throw new RtcspecError('LOAD_USAGE', `${flag} must be a ${integer ? 'whole' : 'positive'} number, got ${JSON.stringify(text)}`)
  return Number(text)
}

/** Progress on stderr: an updating line on a TTY, otherwise one line per second. */
function progressPrinter(): ((p: LoadProgress) => void) & { end(): void } {
  const tty = process.stderr.isTTY === true
  let printed = false
  const print = (p: LoadProgress) => {
    const line = `load ${(p.elapsedMs / 1000).toFixed(0).padStart(4)}s ${p.phase.padEnd(8)} active ${String(p.active).padStart(4)}/${p.target} (connected ${p.connected}, connecting ${p.connecting})  started ${p.started}  completed ${p.completed}  failed ${p.failed}  set-up ${p.setupRate.toFixed(1)}/s  cpu ${p.cpuPercent.toFixed(0)} %`
    printed = true
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`)
  }
  return Object.assign(print, {
    end() {
      if (tty && printed) process.stderr.write('\n')
    },
  })
}

/** Runs `rtcspec load`; resolves to the exit code. */
export async function loadCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'merge') return loadMergeCommand(argv.slice(1))
  const parsed = parseCommandArgs('load', LOAD_USAGE, argv, {
    calls: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    workers: { type: 'string' },
    'call-duration': { type: 'string' },
    'connect-timeout': { type: 'string' },
    'max-connecting': { type: 'string' },
    'max-missing': { type: 'string' },
    seed: { type: 'string' },
    'max-failures': { type: 'string' },
    'report-dir': { type: 'string' },
    records: { type: 'boolean' },
    json: { type: 'boolean' },
    shard: { type: 'string' },
    'start-at': { type: 'string' },
    turn: { type: 'string' },
    'turn-username': { type: 'string' },
    'turn-credential': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  })
  if (typeof parsed === 'number') return parsed
  const { values: v, positionals } = parsed
  const spec = positionals[0]
  if (!spec || positionals.length > 1) {
    process.stderr.write(`rtcspec load: ${spec ? `unexpected argument ${JSON.stringify(positionals[1])}` : 'missing SPEC'}\n\n${LOAD_USAGE}`)
    return EXIT_CODES.usage
  }
  let numbers
  try {
    const missing = (['calls', 'rate', 'duration'] as const).filter((k) => v[k] === undefined)
    if (missing.length) throw new RtcspecError('LOAD_USAGE', `missing ${missing.map((k) => `--${k}`).join(', ')}`)
    numbers = {
      calls: parseNumber(v.calls!, '--calls', { integer: true }),
      rate: parseNumber(v.rate!, '--rate', { integer: false }),
      holdMs: parseCliDuration(v.duration!, '--duration'),
      ...(v.workers !== undefined ? { workers: parseNumber(v.workers, '--workers', { integer: true }) } : {}),
      ...(v['call-duration'] !== undefined ? { callDurationMs: parseCliDuration(v['call-duration'], '--call-duration') } : {}),
      ...(v['connect-timeout'] !== undefined ? { connectTimeoutMs: parseCliDuration(v['connect-timeout'], '--connect-timeout') } : {}),
      ...(v['max-missing'] !== undefined ? { maxMissing: parseNumber(v['max-missing'], '--max-missing', { integer: false }) } : {}),
      ...(v['max-connecting'] !== undefined ? { maxConnecting: parseNumber(v['max-connecting'], '--max-connecting', { integer: true }) } : {}),
      ...(v.seed !== undefined ? { seed: parseNumber(v.seed, '--seed', { integer: true }) } : {}),
      ...(v['max-failures'] !== undefined ? { maxFailures: parseNumber(v['max-failures'], '--max-failures', { integer: true }) } : {}),
      ...(v.shard !== undefined ? { shard: parseShard(v.shard) } : {}),
      ...(v['start-at'] !== undefined ? { startAtEpochMs: parseStartAt(v['start-at']) } : {}),
      ...(v.turn !== undefined
        ? {
            turn: {
              urls: v.turn,
              ...(v['turn-username'] !== undefined ? { username: v['turn-username'] } : {}),
              ...(v['turn-credential'] !== undefined ? { credential: v['turn-credential'] } : {}),
            },
          }
        : {}),
    }
  } catch (e) {
    process.stderr.write(`rtcspec load: ${(e as Error).message}\n\n${LOAD_USAGE}`)
    return EXIT_CODES.usage
  }
  const graceful = new AbortController()
  const force = new AbortController()
  const onSignal = (signal: NodeJS.Signals) => {
    if (!graceful.signal.aborted) {
      process.stderr.write(`\nrtcspec load: ${signal}: stopping (measuring and closing every call; again to force)\n`)
      graceful.abort()
    } else force.abort()
  }
  for (const s of INTERRUPT_SIGNALS) process.on(s, onSignal)
  const progress = progressPrinter()
  try {
    const summary = await runLoad({
      spec,
      ...numbers,
      ...(v['report-dir'] !== undefined ? { reportDir: v['report-dir'] } : {}),
      records: v.records === true,
      signal: graceful.signal,
      forceSignal: force.signal,
      onProgress: progress,
    })
    progress.end()
    process.stdout.write(v.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary))
    return summary.exit.code
  } catch (e) {
    progress.end()
    const code = e instanceof RtcspecError ? e.code : ''
    process.stderr.write(`rtcspec load: ${e instanceof Error ? e.message : String(e)}\n`)
    if (code === 'LOAD_SPEC' || code === 'LOAD_USAGE') return EXIT_CODES.usage
    return EXIT_CODES.infrastructure
  } finally {
    for (const s of INTERRUPT_SIGNALS) process.off(s, onSignal)
  }
}

/** `rtcspec load merge DIR...`: merges the shards' summaries; resolves to the merged run's exit code (2 when refused). */
async function loadMergeCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('load merge', LOAD_USAGE, argv, {
    'report-dir': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  if (typeof parsed === 'number') return parsed
  const { values: v, positionals: dirs } = parsed
  if (dirs.length === 0) {
    process.stderr.write(`rtcspec load merge: give the report directory of every shard\n\n${LOAD_USAGE}`)
    return EXIT_CODES.usage
  }
  try {
    const merged = mergeShards(dirs.map((d) => readShardDir(resolve(d))))
    const out = resolve(v['report-dir'] ?? process.env.RTCSPEC_REPORT_DIR ?? 'reports')
    mkdirSync(out, { recursive: true })
    writeFileAtomic(join(out, 'load-summary.json'), `${JSON.stringify(merged, null, 2)}\n`)
    process.stdout.write(v.json ? `${JSON.stringify(merged, null, 2)}\n` : formatSummary(merged))
    return merged.exit.code
  } catch (e) {
    process.stderr.write(`rtcspec load merge: ${e instanceof Error ? e.message : String(e)}\n`)
    return e instanceof RtcspecError && e.code === 'LOAD_MERGE' ? EXIT_CODES.usage : EXIT_CODES.infrastructure
  }
}
