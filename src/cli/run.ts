/**
 * `rtcspec run [paths…]`: runs spec files through the Vitest node API with rtcspec's reporters and writes
 * the reports: call records, JUnit (`junit.xml`, with skip reasons), and the run summary (`summary.json`,
 * with the gates and the exit class). Gates come from `rtcspec.config.*` (or `--config`); on GitHub Actions the
 * failures are annotated and a summary goes to `$GITHUB_STEP_SUMMARY`. Exit codes: `EXIT_CODES`
 * (0 ok, 1 test failure, 2 usage, 3 gate failure, 4 infrastructure, 130 interrupted), classified as
 * `src/report/exit-class.ts` says.
 *
 * Interrupts (SIGINT, SIGTERM, SIGHUP; see `interrupt.ts`): the run is cancelled (running tests are aborted and
 * their fixtures torn down), then the workers are stopped, and every service process group, browser, container
 * and temp directory the workers registered in the run's state directory (src/run-registry.ts) is swept; the
 * summary, JUnit and HTML report of what ran are written, and the exit is 130. Each step is bounded in time.
 */
import { appendFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { basename, join, relative, resolve, sep } from 'node:path'
import type { Vitest } from 'vitest/node'
import { parseCommandArgs, type CommandOptions } from './args.ts'
import { listenForInterrupts } from './interrupt.ts'
import { gatesOf, loadConfig } from '../config/config.ts'
import { RtcspecError } from '../errors.ts'
import { evaluateGate, formatGateTable, type GateSpec } from '../report/gates.ts'
import { githubAnnotations, githubStepSummary } from '../report/github-annotations.ts'
import { JUNIT_PARTIAL_FILE } from '../report/junit.ts'
import { CALL_RECORDS_FILE, finishRun, type FinishedRun } from '../report/run-finish.ts'
import { gateToJson, parseShardArg, SHARD_FILE, shardInfo, writeShardInfo, type ShardId } from '../report/merge-shard.ts'
import { descendants } from '../peers/chromium/process-tree.ts'
import { createRunStateDir, RUN_PARENT_ENV, RUN_STATE_DIR_ENV, sweepRunState, sweepRunStateSync } from '../run-registry.ts'
import { removeRunContainers } from '../services/docker.ts'
import { withTimeout } from '../wait.ts'
import { EXIT_CODES, type RunSummary } from '../report/run-summary.ts'
import SummaryJsonReporter from '../report/summary-json-reporter.ts'
import SummaryReporter, { countResults } from '../report/summary-reporter.ts'
import { checkReportInBrowser, writeRunHtmlReport } from './report.ts'

export const RUN_USAGE = `usage: rtcspec run [paths…] [options]

Runs spec files (default: every *.spec.ts / *.test.ts Vitest finds) and writes reports:
call_records.jsonl, junit.xml and summary.json in the report directory.

options:
  --report-dir DIR        where reports go (default: reports/)
  --seed N                the run's impairment seed: each test's calls get seeds derived from it and the
                          test's name, whatever shard or order ran it (default: random, printed on failure)
  --shard I/N             run shard I of N (Vitest's --shard: the spec files split N ways) and write a shard
                          result directory (shard.json next to the reports) for \`rtcspec merge\`; give every
                          shard the same --seed and config (docs/scale.md, "Sharded spec runs")
  --keep-records          append to an existing call_records.jsonl instead of starting a new one
  -t, --grep TEXT         only run tests whose name contains TEXT
  --config FILE           the config with the gates (default: rtcspec.config.ts|mjs|js|json here)
  --no-gates              do not evaluate the gates of the config
  --annotations MODE      github: print GitHub Actions annotations and write $GITHUB_STEP_SUMMARY;
                          none: do not (default: github when GITHUB_ACTIONS=true)
  --screenshot            open the HTML report in headless Chromium at the end, check that it renders
                          with no console errors and save <report dir>/report-screenshot.png (a problem
                          there is a warning; it never changes the exit code)
  -h, --help              this text

exit codes: 0 ok, 1 a test failed, 2 usage (bad arguments or config, no spec files),
            3 a gate failed (all tests passed), 4 infrastructure (a spec file failed to load, a tool
            missing, a port in use, Vitest could not run, invalid call records), 130 interrupted
            (SIGINT/SIGTERM/SIGHUP: the tests are cancelled, their services and browsers stopped, and the
            summary, JUnit and HTML report of what ran written; a second signal forces). docs/ci.md has the details.
`

/** What a finished run produced. */
export interface RunOutcome {
  passed: number
  failed: number
  skipped: number
  callRecords: number
  invalidRecords: string[]
  reportDir: string
  /** The run summary, as written to `<reportDir>/summary.json`. */
  summary: RunSummary
  /** Where the summary was written. */
  summaryFile: string
}

/** Options of {@link runSpecs}. */
export interface RunSpecsOptions {
  reportDir?: string
  seed?: string
  keepRecords?: boolean
  grep?: string
  /** Gates to evaluate over the call records (none by default). */
  gates?: GateSpec[]
  /** Where the gates were declared (shown in the summary and annotations). */
  gatesSource?: string
  /** Run only this shard of the spec files and write `shard.json` for `rtcspec merge`. */
  shard?: ShardId
}

/** Vitest's default test-file pattern, used under a folder passed to `rtcspec run`. */
const TEST_FILE_GLOB = '**/*.{test,spec}.?(c|m)[jt]s?(x)'

/** Escapes glob syntax in a literal path. */
function globLiteral(path: string): string {
  return path.replace(/[*?[\]{}()!+@]/g, (c) => `\\${c}`)
}

/**
 * The Vitest `include` globs that select exactly `paths` (relative to `cwd`): a file as itself, a folder with
 * Vitest's default test-file pattern. `rtcspec run FILE` runs FILE even when the project's own Vitest config has an
 * `include` that does not match it. `undefined` (keep the config's include) when no path is given.
 */
export function includeForPaths(paths: string[], cwd = process.cwd()): string[] | undefined {
  if (paths.length === 0) return undefined
  return paths.map((p) => {
    const rel = relative(cwd, resolve(cwd, p)).split(sep).join('/')
    const isDir = existsSync(p) && statSync(p).isDirectory()
    if (!isDir) return globLiteral(rel)
    return rel === '' ? TEST_FILE_GLOB : `${globLiteral(rel)}/${TEST_FILE_GLOB}`
  })
}

/** What Vitest resolved, for saying which setting kept the given paths out. */
interface ResolvedSelection {
  configFile: string | undefined
  exclude: string[]
  projects: boolean
}

/** The Vitest (or Vite) config file Vitest picks up in the working directory, if any. */
function vitestConfigFile(cwd = process.cwd()): string | undefined {
  for (const base of ['vitest.config', 'vite.config']) {
    for (const ext of ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs']) {
      const file = join(cwd, `${base}.${ext}`)
      if (existsSync(file)) return file
    }
  }
  return undefined
}

/** The infrastructure error for a run that found no spec file; names the setting that hid the given paths. */
export function noSpecsError(paths: string[], selection: ResolvedSelection | undefined): { message: string; hint: string } {
  if (paths.length === 0) return { message: 'no spec files found', hint: 'pass spec files or folders, e.g. rtcspec run specs/examples' }
  const where = selection?.configFile !== undefined ? relative(process.cwd(), selection.configFile) || selection.configFile : 'Vitest defaults'
  const list = paths.join(', ')
  if (selection?.projects) {
    return {
      message: `no spec files found in ${list}: ${where} defines test.projects, and no project's include/exclude selects them`,
      hint: `add the files to a project's include in ${where} (docs/vitest-config.md), or run them from a folder without that config`,
    }
  }
  return {
    message: `no spec files found in ${list}: no *.spec.ts / *.test.ts file there${selection?.exclude.length ? `, or test.exclude (${where}: ${JSON.stringify(selection.exclude)}) leaves it out` : ''}`,
    hint: 'a spec file name ends in .spec.ts or .test.ts (any file passed by name runs); see docs/vitest-config.md',
  }
}

export { validateCallRecords } from '../report/run-finish.ts'

/**
 * Runs specs with Vitest, evaluates the gates, writes `<reportDir>/summary.json` (validated by
 * `RunSummarySchema`) and returns the outcome. Does not exit the process and never throws for a failing
 * spec, a file that fails to load or Vitest failing to start: those are in the summary's exit class.
 * @throws {RtcspecError} `CONFIG_INVALID` when a gate names an unknown metric or a malformed threshold.
 */
export async function runSpecs(paths: string[], options: RunSpecsOptions = {}): Promise<RunOutcome> {
  const gates = options.gates ?? []
  for (const g of gates) {
    try {
      evaluateGate([], g)
    } catch (e) {
      throw new RtcspecError('CONFIG_INVALID', `gate ${g.metric}: ${(e as Error).message}`, { hint: 'see docs/ci.md for the metrics and the threshold syntax' })
    }
  }
  const started = new Date()
  const reportDir = resolve(options.reportDir ?? process.env.RTCSPEC_REPORT_DIR ?? 'reports')
  mkdirSync(reportDir, { recursive: true })
  // Vitest's JUnit reporter opens its file when the run starts and fills it at the end: it writes to a temporary
  // file, moved into place (or replaced by one written from the summary) when the run is over.
  const junitPartial = join(reportDir, JUNIT_PARTIAL_FILE)
  if (!options.keepRecords) rmSync(join(reportDir, CALL_RECORDS_FILE), { force: true })
  for (const f of ['summary.json', 'junit.xml', JUNIT_PARTIAL_FILE, SHARD_FILE]) rmSync(join(reportDir, f), { force: true })
  process.env.RTCSPEC_REPORT_DIR = reportDir
  if (options.seed !== undefined) process.env.RTCSPEC_SEED = options.seed
  // What the workers start outside their own process (services, browsers, containers) is recorded here, so an
  // interrupted run, or a worker that died, leaves nothing behind.
  const stateDir = createRunStateDir()
  const previousEnv = { state: process.env[RUN_STATE_DIR_ENV], parent: process.env[RUN_PARENT_ENV] }
  process.env[RUN_STATE_DIR_ENV] = stateDir
  process.env[RUN_PARENT_ENV] = String(process.pid)

  const counter = new SummaryReporter()
  const collector = new SummaryJsonReporter(reportDir)
  let runnerError: string | undefined
  let selection: ResolvedSelection | undefined
  let vitest: Vitest | undefined
  let finished: FinishedRun | undefined
  const include = includeForPaths(paths)
  const seed = options.seed ?? process.env.RTCSPEC_SEED
  // A shard records the whole suite (every spec file before sharding) and the files it ran, for `rtcspec merge`.
  const cwd = process.cwd()
  let suiteFiles: string[] | undefined
  let shardFiles: string[] = []
  const shardFilesReporter = {
    onTestRunStart: (specs: ReadonlyArray<{ moduleId: string }>) => {
      shardFiles = specs.map((x) => relative(cwd, x.moduleId).split(sep).join('/'))
    },
  }
  const escalation = new InterruptEscalation()

  /** Builds and writes the summary, JUnit and index.html from what was gathered (synchronous). */
  const finish = (interrupted: { signal: string; at: Date } | undefined): FinishedRun => {
    if (!collector.finished && vitest) {
      // The run did not reach its end (interrupted): take what Vitest's state holds.
      const modules = vitest.state.getTestModules()
      collector.onTestRunEnd(modules, vitest.state.getUnhandledErrors(), 'interrupted')
      counter.counts ??= countResults(modules, 0)
    }
    // A shard with no file of its own (more shards than files) is not a run without specs.
    const emptyShard = options.shard !== undefined && (suiteFiles?.length ?? 0) > 0
    const noSpecs = !interrupted && !emptyShard && runnerError === undefined && collector.tests.length === 0 && collector.problems.length === 0
    const done = finishRun({
      reportDir,
      started,
      paths,
      ...(seed !== undefined ? { seed } : {}),
      counts: counter.counts ?? { passed: 0, failed: 0, skipped: 0 },
      tests: collector.tests,
      problems: collector.problems,
      ...(runnerError !== undefined ? { runnerError } : {}),
      gates,
      ...(options.gatesSource !== undefined ? { gatesSource: options.gatesSource } : {}),
      ...(noSpecs ? { noSpecs: noSpecsError(paths, selection) } : {}),
      ...(interrupted ? { interrupted } : {}),
      junitPartial,
    })
    if (options.shard) writeShard(options.shard)
    writeRunHtmlReport(reportDir) // index.html, after summary.json; a failure only warns
    return done
  }
  /** Writes `<reportDir>/shard.json`; a failure is a warning (the shard's reports are written already). */
  const writeShard = (shard: ShardId) => {
    try {
      const info = shardInfo({
        shard,
        run: {
          paths: paths.map((p) => relative(cwd, resolve(cwd, p)).split(sep).join('/') || '.'),
          ...(options.grep ? { grep: options.grep } : {}),
          ...(seed !== undefined ? { seed } : {}),
          files: suiteFiles ?? [],
          gates: gates.map(gateToJson),
          ...(options.gatesSource !== undefined ? { gatesSource: options.gatesSource } : {}),
        },
        files: shardFiles,
        reportDir,
        cwd,
      })
      writeShardInfo(join(reportDir, SHARD_FILE), info)
    } catch (e) {
      process.stderr.write(`rtcspec: could not write ${join(reportDir, SHARD_FILE)}: ${e instanceof Error ? e.message : String(e)}\n`)
    }
  }
  /** A forced stop (second signal, or a signal before Vitest took over): clean up and write the reports now. */
  const finishNow = () => {
    escalation.clear()
    sweepRunStateSync(stateDir)
    removeRunContainers(basename(stateDir))
    killDescendants('SIGKILL')
    finished ??= finish({ signal: interrupts.signal ?? 'SIGINT', at: interrupts.at ?? new Date() })
    rmSync(stateDir, { recursive: true, force: true })
    process.stdout.write(`rtcspec: exit ${finished.summary.exit.code} (interrupted); reports in ${reportDir}\n`)
  }
  const interrupts = listenForInterrupts({
    command: 'run',
    stopping: 'cancelling the tests, stopping their services and browsers, writing the reports of what ran',
    onInterrupt: () => {
      if (!vitest) {
        // Vitest is still starting (its own handler would end the process): nothing ran yet.
        finishNow()
        process.exit(EXIT_CODES.interrupted)
      }
      void vitest.cancelCurrentRun('keyboard-input').catch(() => undefined)
      escalation.start()
    },
    onForce: finishNow,
  })
  try {
    const { createVitest } = await import('vitest/node')
    // Vitest's own SIGINT/SIGTERM handlers end the process at once, before any report is written: rtcspec handles
    // the signals itself (above), so they are taken off again.
    const own = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') }
    process.env.TEST ??= 'true'
    process.env.VITEST = 'true'
    process.env.NODE_ENV ??= 'test'
    vitest = await createVitest(
      'test',
      {
        run: true,
        watch: false,
        includeTaskLocation: true,
        // The paths given select the files, whatever the project's Vitest config says its tests are.
        ...(include ? { include } : {}),
        // Files tests attach (ctx.annotate with a path) are copied here, so the summary points inside the reports.
        attachmentsDir: join(reportDir, 'attachments'),
        ...(options.grep ? { testNamePattern: options.grep } : {}),
        // Vitest splits the files; a shard with none of them (more shards than files) passes with no tests.
        ...(options.shard ? { shard: `${options.shard.index}/${options.shard.count}`, passWithNoTests: true } : {}),
        reporters: ['default', counter, collector, ['junit', { outputFile: junitPartial }], ...(options.shard ? [shardFilesReporter] : [])],
      },
      {},
      // What startVitest passes too (the config resolution sees the filters); not in Vitest's public type.
      { cliFilters: paths } as Parameters<typeof createVitest>[3],
    )
    for (const sig of ['SIGINT', 'SIGTERM'] as const) for (const l of process.listeners(sig)) if (!own[sig].includes(l)) process.off(sig, l)
    const v = vitest
    selection = { configFile: vitestConfigFile(), exclude: v.config.exclude ?? [], projects: v.projects.some((p) => p.name !== '') }
    if (options.shard && !interrupts.signal) {
      suiteFiles = (await v.getRelevantTestSpecifications(paths)).map((x) => relative(cwd, x.moduleId).split(sep).join('/'))
    }
    if (!interrupts.signal) {
      const running = v.start(paths).catch((e: unknown) => {
        // No test file: reported as `usage` below, like Vitest's own CLI does.
        if ((e as { code?: unknown })?.code !== 'VITEST_FILES_NOT_FOUND') runnerError = e instanceof Error ? e.message : String(e)
      })
      // An interrupted run that does not end (a test stuck outside Vitest's reach) is given up on, bounded.
      await Promise.race([running, escalation.gaveUp])
    }
    await withTimeout(v.close(), interrupts.signal ? 10_000 : 60_000, 'Vitest to close').catch((e: unknown) => {
      if (!interrupts.signal) runnerError ??= e instanceof Error ? e.message : String(e)
    })
    if (!interrupts.signal && !collector.finished && v.state.getFiles().length > 0) runnerError ??= 'Vitest stopped before the run ended'
  } catch (e) {
    runnerError = e instanceof Error ? e.message : String(e)
  } finally {
    escalation.clear()
  }
  // Whatever a worker registered and did not release: killed, removed (for a run that ended normally, leftovers of
  // a worker that died).
  await sweepRunState(stateDir)
  if (interrupts.signal) {
    removeRunContainers(basename(stateDir))
    killDescendants('SIGKILL')
  }
  rmSync(stateDir, { recursive: true, force: true })
  restoreEnv(RUN_STATE_DIR_ENV, previousEnv.state)
  restoreEnv(RUN_PARENT_ENV, previousEnv.parent)
  finished ??= finish(interrupts.signal ? { signal: interrupts.signal, at: interrupts.at ?? new Date() } : undefined)
  interrupts.dispose()
  const { summary, summaryFile } = finished
  return { ...summary.totals, callRecords: finished.callRecords, invalidRecords: finished.invalidRecords, reportDir, summary, summaryFile }
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name]
  else process.env[name] = value
}

/** Signals every process below this one (Vitest workers and whatever they left in this process tree). */
function killDescendants(signal: NodeJS.Signals, onlyChildren = false): number[] {
  const hit: number[] = []
  for (const p of descendants(process.pid)) {
    if (onlyChildren && p.ppid !== process.pid) continue
    try {
      process.kill(p.pid, signal)
      hit.push(p.pid)
    } catch {
      // gone already
    }
  }
  return hit
}

/** How long an interrupted run may take to end by itself after the cancel, before its workers are stopped. */
const CANCEL_GRACE_MS = 8_000
/** How long the workers get after SIGTERM before the run is given up on (and everything below is SIGKILLed). */
const TERM_GRACE_MS = 5_000

/**
 * The stages after an interrupt: the cancel has {@link CANCEL_GRACE_MS} to end the run (tests aborted, fixtures
 * torn down); then the workers get SIGTERM (their run-registry hooks kill what they started); after
 * {@link TERM_GRACE_MS} more the run is given up on (`gaveUp` resolves).
 */
class InterruptEscalation {
  #timers: NodeJS.Timeout[] = []
  #resolve: () => void = () => {}
  /** Resolves when the interrupted run is given up on. Never resolves without an interrupt. */
  readonly gaveUp = new Promise<void>((resolve) => {
    this.#resolve = resolve
  })

  start(): void {
    if (this.#timers.length) return
    this.#timers.push(
      setTimeout(() => {
        killDescendants('SIGTERM', true)
        this.#timers.push(setTimeout(() => this.#resolve(), TERM_GRACE_MS))
      }, CANCEL_GRACE_MS),
    )
  }

  clear(): void {
    for (const t of this.#timers) clearTimeout(t)
    this.#timers = []
  }
}

/** Where `--annotations` / `GITHUB_ACTIONS` say CI output should go. */
export function annotationMode(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): 'github' | 'none' {
  if (flag === 'github' || flag === 'none') return flag
  return env.GITHUB_ACTIONS === 'true' ? 'github' : 'none'
}

/** Prints GitHub annotations to stdout and appends the markdown summary to `$GITHUB_STEP_SUMMARY` when set. */
export function emitGithubOutput(summary: RunSummary, env: NodeJS.ProcessEnv = process.env): void {
  const lines = githubAnnotations(summary)
  if (lines.length) process.stdout.write(`${lines.join('\n')}\n`)
  const file = env.GITHUB_STEP_SUMMARY
  if (file) {
    try {
      appendFileSync(file, githubStepSummary(summary))
    } catch (e) {
      process.stderr.write(`rtcspec: could not write $GITHUB_STEP_SUMMARY (${file}): ${(e as Error).message}\n`)
    }
  }
}

/** The options of `rtcspec run` (parseArgs' table). */
export const RUN_OPTIONS = {
  'report-dir': { type: 'string' },
  seed: { type: 'string' },
  'keep-records': { type: 'boolean' },
  grep: { type: 'string', short: 't' },
  config: { type: 'string' },
  'no-gates': { type: 'boolean' },
  annotations: { type: 'string' },
  screenshot: { type: 'boolean' },
  shard: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies CommandOptions

/** The `run` subcommand. */
export async function runCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('run', RUN_USAGE, argv, RUN_OPTIONS)
  if (typeof parsed === 'number') return parsed
  const v = parsed.values
  let shard: ShardId | undefined
  if (v.shard !== undefined) {
    try {
      shard = parseShardArg(v.shard)
    } catch (e) {
      process.stderr.write(`rtcspec run: ${e instanceof Error ? e.message : String(e)}\n`)
      return EXIT_CODES.usage
    }
  }
  if (v.seed !== undefined && !/^\d+$/.test(v.seed)) {
    process.stderr.write(`rtcspec run: --seed must be a non-negative integer, got "${v.seed}"\n`)
    return EXIT_CODES.usage
  }
  if (v.annotations !== undefined && v.annotations !== 'github' && v.annotations !== 'none') {
    process.stderr.write(`rtcspec run: --annotations must be github or none, got "${v.annotations}"\n`)
    return EXIT_CODES.usage
  }
  for (const p of parsed.positionals) {
    if (!existsSync(p)) {
      process.stderr.write(`rtcspec run: no such file or directory: ${p}\n  hint: pass spec files or folders, e.g. rtcspec run specs/examples\n`)
      return EXIT_CODES.usage
    }
  }
  let gates: GateSpec[] = []
  let gatesSource: string | undefined
  if (!v['no-gates']) {
    try {
      const loaded = await loadConfig(v.config !== undefined ? { file: v.config } : {})
      gates = gatesOf(loaded.config)
      if (loaded.source !== undefined) gatesSource = relative(process.cwd(), loaded.source) || loaded.source
    } catch (e) {
      process.stderr.write(`rtcspec run: ${e instanceof Error ? e.message : String(e)}\n`)
      return EXIT_CODES.usage
    }
  }
  const outcome = await runSpecs(parsed.positionals, {
    ...(v['report-dir'] ? { reportDir: v['report-dir'] } : {}),
    ...(v.seed !== undefined ? { seed: v.seed } : {}),
    ...(v['keep-records'] ? { keepRecords: true } : {}),
    ...(v.grep ? { grep: v.grep } : {}),
    ...(gates.length ? { gates } : {}),
    ...(gatesSource !== undefined ? { gatesSource } : {}),
    ...(shard ? { shard } : {}),
  })
  const { summary } = outcome
  const out = process.stdout
  if (shard)
    out.write(`rtcspec: shard ${shard.index}/${shard.count}: ${join(outcome.reportDir, SHARD_FILE)} written; combine the shards with \`rtcspec merge DIR…\`\n`)
  out.write(
    `rtcspec: ${outcome.callRecords} call record(s) in ${join(outcome.reportDir, 'call_records.jsonl')}, JUnit in ${join(outcome.reportDir, 'junit.xml')}, summary in ${outcome.summaryFile}\n`,
  )
  if (summary.gates) {
    const failed = summary.gates.results.filter((g) => !g.pass).length
    const title = failed ? `rtcspec gates: ${failed} of ${summary.gates.results.length} FAILED` : `rtcspec gates: all ${summary.gates.results.length} passed`
    ;(failed ? process.stderr : out).write(`\n${title}${gatesSource ? ` (${gatesSource})` : ''}\n${formatGateTable(summary.gates.results)}`)
  }
  if (summary.infrastructureErrors.length) {
    process.stderr.write(
      `\nrtcspec: infrastructure error(s):\n${summary.infrastructureErrors.map((e) => `  ${e.message}${e.hint && !e.message.includes(e.hint) ? `\n    hint: ${e.hint}` : ''}`).join('\n')}\n`,
    )
  }
  if (annotationMode(v.annotations) === 'github') emitGithubOutput(summary)
  if (v.screenshot) await screenshotReport(outcome.reportDir)
  const describe = {
    ok: 'ok',
    'test-failure': 'a test failed',
    usage: 'usage error',
    'gate-failure': 'a gate failed; all tests passed',
    infrastructure: 'infrastructure error',
    interrupted: `interrupted by ${summary.interrupted?.signal ?? 'a signal'}; reports of what ran written`,
  }[summary.exit.class]
  out.write(`rtcspec: exit ${summary.exit.code} (${describe})\n`)
  return summary.exit.code
}

/** `--screenshot`: opens the run's index.html in headless Chromium and saves a full-page screenshot; only warns on a problem. */
async function screenshotReport(reportDir: string): Promise<void> {
  const html = join(reportDir, 'index.html')
  if (!existsSync(html)) return
  try {
    const check = await checkReportInBrowser(html, { screenshot: join(reportDir, 'report-screenshot.png') })
    const errors = check.consoleErrors.length
    ;(errors ? process.stderr : process.stdout).write(
      `rtcspec: report checked in headless Chromium: ${errors ? `${errors} console error(s): ${check.consoleErrors.join('; ')}` : 'no console errors'}; screenshot ${check.screenshot ?? '(none)'}\n`,
    )
  } catch (e) {
    process.stderr.write(
      `rtcspec: warning: could not check the report in Chromium: ${e instanceof Error ? e.message : String(e)} (the run's result is unaffected; \`rtcspec doctor\` says how to install Chromium)\n`,
    )
  }
}
