/**
 * `rtcspec merge DIR…`: combines the result directories of a sharded run (`rtcspec run --shard i/N`, one per CI
 * matrix job) into one report directory — call records, summary.json, junit.xml, recordings and one index.html —
 * evaluates the gates over the union of the shards, and exits with the classes of `rtcspec run` (docs/ci.md).
 * A set that does not belong together (different shard counts, a shard twice, different suites or configs,
 * overlapping tests) is refused with exit 2 and nothing written; a shard missing or unreadable is reported as an
 * infrastructure error (exit 4) after merging the others, so no result gathered is lost.
 */
import { relative } from 'node:path'
import { parseCommandArgs, type CommandOptions } from './args.ts'
import { emitGithubOutput, annotationMode } from './run.ts'
import { writeRunHtmlReport } from './report.ts'
import { gatesOf, loadConfig } from '../config/config.ts'
import { formatGateTable, type GateSpec } from '../report/gates.ts'
import { mergeShards } from '../report/merge.ts'
import { gateToJson } from '../report/merge-shard.ts'
import { EXIT_CODES } from '../report/run-summary.ts'

export const MERGE_USAGE = `usage: rtcspec merge DIR… [options]

Combines the result directories of a sharded run (rtcspec run --shard i/N) into one report directory:
call_records.jsonl, summary.json, junit.xml, the recordings and index.html. The gates are evaluated over the
union of the shards (a gate each shard meets alone can fail on the whole run).

options:
  --report-dir DIR        where the merged report goes (default: reports/; not one of the shard directories)
  --config FILE           evaluate the gates of this config instead of the ones the shards ran with
  --annotations MODE      github: print GitHub Actions annotations and write $GITHUB_STEP_SUMMARY;
                          none: do not (default: github when GITHUB_ACTIONS=true)
  -h, --help              this text

Refused (exit 2, nothing written): shards of different counts, the same shard twice, shards of different
suites or settings (spec files, paths, -t, --seed, gates), tests run by two shards. A shard missing or
unreadable: the others are merged and the exit is 4 (infrastructure), naming the shard and the file.

exit codes: as rtcspec run — 0 ok, 1 a test failed, 2 usage, 3 a gate failed (all tests passed),
            4 infrastructure (including a missing or unreadable shard), 130 a shard was interrupted.
`

/** The options of `rtcspec merge` (parseArgs' table). */
export const MERGE_OPTIONS = {
  'report-dir': { type: 'string' },
  config: { type: 'string' },
  annotations: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies CommandOptions

/** The `merge` subcommand. */
export async function mergeCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('merge', MERGE_USAGE, argv, MERGE_OPTIONS)
  if (typeof parsed === 'number') return parsed
  const v = parsed.values
  const err = (s: string) => process.stderr.write(s)
  const out = (s: string) => process.stdout.write(s)
  if (v.annotations !== undefined && v.annotations !== 'github' && v.annotations !== 'none') {
    err(`rtcspec merge: --annotations must be github or none, got "${v.annotations}"\n`)
    return EXIT_CODES.usage
  }
  if (parsed.positionals.length === 0) {
    err(`rtcspec merge: no shard directory given\n  hint: pass the result directory of every shard, e.g. rtcspec merge shards/*\n\n${MERGE_USAGE}`)
    return EXIT_CODES.usage
  }
  let gates: GateSpec[] | undefined
  let gatesSource: string | undefined
  if (v.config !== undefined) {
    try {
      const loaded = await loadConfig({ file: v.config })
      gates = gatesOf(loaded.config)
      if (loaded.source !== undefined) gatesSource = relative(process.cwd(), loaded.source) || loaded.source
    } catch (e) {
      err(`rtcspec merge: ${e instanceof Error ? e.message : String(e)}\n`)
      return EXIT_CODES.usage
    }
  }
  let outcome: ReturnType<typeof mergeShards>
  try {
    outcome = mergeShards(parsed.positionals, {
      outDir: v['report-dir'] ?? process.env.RTCSPEC_REPORT_DIR ?? 'reports',
      ...(gates ? { gates } : {}),
      ...(gatesSource !== undefined ? { gatesSource } : {}),
    })
  } catch (e) {
    err(`rtcspec merge: could not write the merged report: ${e instanceof Error ? e.message : String(e)}\n`)
    return EXIT_CODES.infrastructure
  }
  if (outcome.refused) {
    err(`rtcspec merge: refused, nothing written:\n${outcome.refused.map((r) => `  ${r}`).join('\n')}\n`)
    for (const p of outcome.problems) err(`  also: ${p.message}\n`)
    return EXIT_CODES.usage
  }
  const { summary } = outcome
  if (gates && outcome.shards[0]) {
    const ran = JSON.stringify(outcome.shards[0].info.run.gates)
    if (JSON.stringify(gates.map(gateToJson)) !== ran)
      err(
        `rtcspec merge: note: the gates of ${gatesSource ?? v.config} differ from the ones the shards ran with; the merge evaluates ${gatesSource ?? v.config}'s\n`,
      )
  }
  const shardList = outcome.shards.map((s) => `${s.info.index}/${s.info.count}`).join(', ')
  out(
    `rtcspec merge: ${outcome.shards.length} shard(s) (${shardList}), ${summary.tests.length} test(s), ${outcome.callRecords} call record(s) in ${outcome.outDir}; summary in ${outcome.summaryFile}\n`,
  )
  for (const w of outcome.warnings) err(`rtcspec merge: warning: ${w}\n`)
  writeRunHtmlReport(outcome.outDir)
  if (summary.gates) {
    const failed = summary.gates.results.filter((g) => !g.pass).length
    const title = failed
      ? `rtcspec gates over all shards: ${failed} of ${summary.gates.results.length} FAILED`
      : `rtcspec gates over all shards: all ${summary.gates.results.length} passed`
    ;(failed ? process.stderr : process.stdout).write(
      `\n${title}${summary.gates.source ? ` (${summary.gates.source})` : ''}\n${formatGateTable(summary.gates.results)}`,
    )
  }
  if (summary.infrastructureErrors.length) {
    err(
      `\nrtcspec merge: infrastructure error(s):\n${summary.infrastructureErrors.map((e) => `  ${e.message}${e.hint && !e.message.includes(e.hint) ? `\n    hint: ${e.hint}` : ''}`).join('\n')}\n`,
    )
  }
  if (annotationMode(v.annotations) === 'github') emitGithubOutput(summary)
  const describe = {
    ok: 'ok',
    'test-failure': 'a test failed',
    usage: 'usage error',
    'gate-failure': 'a gate failed over the union of the shards; all tests passed',
    infrastructure: 'infrastructure error',
    interrupted: 'a shard was interrupted',
  }[summary.exit.class]
  out(`rtcspec merge: exit ${summary.exit.code} (${describe})\n`)
  return summary.exit.code
}
