/**
 * Counterexample files (`reports/fuzz/*.json`) and the campaign summary. A counterexample file holds the
 * minimal input, the exact case sent (replayable byte for byte), the response seen, the seed and the
 * fast-check path, and the command that replays it. The same JSON, copied into `fixtures/fuzz/<target>/`,
 * is a regression case (`test/fuzz/corpus.test.ts` replays every file there).
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from '../atomic-write.ts'
import { RtcspecError } from '../errors.ts'
import type { CampaignResult, Counterexample, Finding } from './campaign.ts'

/** The schema of a saved counterexample / corpus file. */
export const FuzzCaseFileSchema = z.object({
  target: z.string().min(1),
  description: z.string().optional(),
  url: z.string().optional(),
  seed: z.number().int().optional(),
  path: z.string().optional(),
  invariants: z.array(z.string()).optional(),
  input: z.unknown().optional(),
  case: z.object({ kind: z.string().min(1), fields: z.record(z.string(), z.string()) }),
  outcome: z
    .object({
      response: z.string(),
      violations: z.array(z.string()),
      detail: z.record(z.string(), z.unknown()).optional(),
      endpoint: z.object({ usable: z.boolean(), status: z.string(), body: z.string(), message: z.string() }).optional(),
    })
    .optional(),
  replay: z.string().optional(),
  note: z.string().optional(),
  finding: z
    .object({
      kind: z.enum(['invariant', 'endpoint-unusable', 'harness-timeout']),
      signature: z.string(),
      count: z.number().int(),
      firstCase: z.number().int(),
      verdict: z.enum(['reproduced', 'not reproduced', 'not replayable']),
      note: z.string().optional(),
    })
    .optional(),
})

/** A parsed counterexample / corpus file. */
export type FuzzCaseFile = z.infer<typeof FuzzCaseFileSchema>

/** Reads and validates a counterexample or corpus file. @throws RtcspecError `FUZZ_CASE_FILE` naming the problems. */
export function loadFuzzCaseFile(file: string): FuzzCaseFile {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new RtcspecError('FUZZ_CASE_FILE', `cannot read fuzz case ${file}: ${(e as Error).message}`, {
      hint: 'pass a JSON file written by `rtcspec fuzz` under reports/fuzz/',
    })
  }
  const r = FuzzCaseFileSchema.safeParse(raw)
  if (!r.success) throw new RtcspecError('FUZZ_CASE_FILE', `${file} is not a fuzz case file:\n${z.prettifyError(r.error)}`)
  return r.data
}

/** Options of {@link saveCounterexample}. */
export interface SaveOptions {
  /** Default `reports/fuzz` (or `$RTCSPEC_REPORT_DIR/fuzz`). */
  dir?: string
  /** The target URL, saved and put into the replay command. */
  url?: string
  invariants?: string[]
  /** The finding this counterexample belongs to: kind, signature, count, first case, replay verdict. */
  finding?: Finding
  /** Extra words for the replay command (e.g. `--reset-url URL`). */
  replayArgs?: string
}

/** The default counterexample directory. */
export function fuzzReportDir(): string {
  return resolve(process.env.RTCSPEC_REPORT_DIR ?? 'reports', 'fuzz')
}

/** Writes a counterexample as JSON (plus the main payload as a sibling text file) and returns the JSON path. */
export function saveCounterexample(cx: Counterexample, options: SaveOptions = {}): string {
  const dir = options.dir ?? fuzzReportDir()
  mkdirSync(dir, { recursive: true })
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const base = `${cx.target}-seed${cx.seed}-${stamp}${options.finding ? `-${options.finding.kind}-case${options.finding.firstCase}` : ''}`
  const file = join(dir, `${base}.json`)
  const replay = `npx rtcspec fuzz ${cx.target}${options.url ? ` --url ${options.url}` : ''}${options.replayArgs ? ` ${options.replayArgs}` : ''} --replay ${file}`
  const f = options.finding
  const doc: FuzzCaseFile = {
    target: cx.target,
    description: cx.description,
    ...(options.url ? { url: options.url } : {}),
    seed: cx.seed,
    path: cx.path,
    ...(options.invariants ? { invariants: options.invariants } : {}),
    input: cx.input,
    case: cx.case,
    outcome: cx.outcome,
    replay,
    ...(f
      ? {
          finding: {
            kind: f.kind,
            signature: f.signature,
            count: f.count,
            firstCase: f.firstCase,
            verdict: f.verdict,
            ...(f.note !== undefined ? { note: f.note } : {}),
          },
        }
      : {}),
  }
  writeFileAtomic(file, `${JSON.stringify(doc, null, 2)}\n`)
  const main = cx.case.fields.sdp ?? cx.case.fields.body ?? cx.case.fields.text
  if (main !== undefined) writeFileAtomic(join(dir, `${base}.txt`), main)
  return file
}

/**
 * Exit code of a campaign, in the classes every rtcspec command uses: 130 interrupted (SIGINT), 4 nothing tested
 * (endpoint blocked), 1 a reproduced finding, a health violation, or a finding seen but not replayable (labelled
 * so: the endpoint could not be reset to known-good), else 0.
 */
export function campaignExitCode(r: CampaignResult): number {
  if (r.interrupted) return 130
  if (r.blocked) return 4
  if (r.findings.some((f) => f.verdict === 'reproduced' || f.verdict === 'not replayable') || r.healthViolations.length) return 1
  return 0
}

function verdictWords(f: Finding): string {
  switch (f.verdict) {
    case 'reproduced':
      return 'reproduced on a known-good endpoint'
    case 'not reproduced':
      return 'NOT REPRODUCED on a known-good endpoint (not counted)'
    case 'not replayable':
      return 'found, NOT REPLAYABLE (the endpoint could not be brought back to known-good)'
  }
}

/** A plain-text summary of a campaign: cases, time, cases per second, response distribution, findings. */
export function formatCampaignSummary(r: CampaignResult, extra: { counterexampleFile?: string; files?: ReadonlyMap<Finding, string> } = {}): string {
  const lines: string[] = []
  lines.push(`fuzz ${r.target}: ${r.description}`)
  lines.push(
    `  seed ${r.seed} · ${r.cases} cases in ${(r.durationMs / 1000).toFixed(1)} s · ${r.casesPerSecond} cases/s${r.timedOut ? ' (time limit reached)' : ''}`,
  )
  lines.push('  invariants:')
  for (const i of r.invariants) lines.push(`    - ${i}`)
  if (r.blocked) lines.push(`  BLOCKED: nothing was tested — ${r.blocked}`)
  const dist = Object.entries(r.distribution).sort((a, b) => b[1] - a[1])
  lines.push(`  responses: ${dist.map(([k, v]) => `${k} ×${v}`).join(', ') || 'none'}`)
  const counted = r.findings.filter((f) => f.verdict !== 'not reproduced').length
  if (r.findings.length) lines.push(`  findings: ${r.findings.length} distinct (${counted} counted)`)
  for (const f of r.findings) {
    const cx = f.counterexample
    const head = f.verdict === 'not reproduced' ? 'not reproduced' : f.kind === 'endpoint-unusable' ? 'ENDPOINT UNUSABLE' : 'VIOLATION'
    lines.push(`  ${head} [${f.kind}, ${f.status}] ×${f.count}, first at case ${f.firstCase}: ${f.message}`)
    lines.push(`    ${verdictWords(f)}${f.verdict === 'not replayable' ? '' : ` (shrunk in ${cx.shrinks} steps)`}`)
    if (f.note) lines.push(`    note: ${f.note}`)
    lines.push(`    response seen: ${cx.outcome.response}${cx.outcome.violations.length ? ` — ${cx.outcome.violations.join('; ')}` : ''}`)
    if (cx.outcome.endpoint && !cx.outcome.endpoint.usable)
      lines.push(`    probe after it: ${cx.outcome.endpoint.status}${cx.outcome.endpoint.body ? ` ${JSON.stringify(cx.outcome.endpoint.body)}` : ''}`)
    lines.push(`    ${f.verdict === 'not replayable' ? 'input (not shrunk)' : 'minimal input'}: ${JSON.stringify(cx.input).slice(0, 600)}`)
    const file = extra.files?.get(f) ?? (cx === r.counterexample ? extra.counterexampleFile : undefined)
    if (file) lines.push(`    saved: ${file}`)
    lines.push(`    replay: seed ${cx.seed}, path "${cx.path}"`)
  }
  for (const n of r.notes) lines.push(`  NOTE: ${n}`)
  for (const v of r.healthViolations) lines.push(`  HEALTH VIOLATION: ${v}`)
  for (const v of r.healthInconclusive) lines.push(`  HEALTH CHECK INCONCLUSIVE: ${v}`)
  const code = campaignExitCode(r)
  const confirmed = r.findings.some((f) => f.verdict === 'reproduced') || r.healthViolations.length > 0
  lines.push(
    code === 130
      ? '  result: INTERRUPTED (the findings so far are above; nothing is a verdict)'
      : code === 4
        ? '  result: nothing tested (the endpoint did not take a valid offer)'
        : code === 1 && confirmed
          ? '  result: invariants VIOLATED'
          : code === 1
            ? '  result: findings NOT CONFIRMED (could not replay them on a known-good endpoint; give --reset-url or --reset-cmd)'
            : '  result: no invariant violated',
  )
  return lines.join('\n')
}

/** The campaign as JSON for `--json`: everything in the result, findings with their saved files. */
export function campaignJson(r: CampaignResult, files: ReadonlyMap<Finding, string> = new Map()): Record<string, unknown> {
  return {
    ...r,
    exitCode: campaignExitCode(r),
    findings: r.findings.map((f) => ({ ...f, ...(files.get(f) ? { file: files.get(f) } : {}) })),
  }
}
