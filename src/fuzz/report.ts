/**
 * Counterexample files (`reports/fuzz/*.json`) and the campaign summary. A counterexample file holds the
 * minimal input, the exact case sent (replayable byte for byte), the response seen, the seed and the
 * fast-check path, and the command that replays it. The same JSON, copied into `fixtures/fuzz/<target>/`,
 * is a regression case (`test/fuzz/corpus.test.ts` replays every file there).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'
import type { CampaignResult, Counterexample } from './campaign.ts'

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
  outcome: z.object({ response: z.string(), violations: z.array(z.string()), detail: z.record(z.string(), z.unknown()).optional() }).optional(),
  replay: z.string().optional(),
  note: z.string().optional(),
})

/** A parsed counterexample / corpus file. */
export type FuzzCaseFile = z.infer<typeof FuzzCaseFileSchema>

/** Reads and validates a counterexample or corpus file. @throws RtcspecError `FUZZ_CASE_FILE` naming the problems. */
export function loadFuzzCaseFile(file: string): FuzzCaseFile {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new RtcspecError('FUZZ_CASE_FILE', `cannot read fuzz case ${file}: ${(e as Error).message}`, { hint: 'pass a JSON file written by `rtcspec fuzz` under reports/fuzz/' })
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
  const base = `${cx.target}-seed${cx.seed}-${stamp}`
  const file = join(dir, `${base}.json`)
  const replay = `npx rtcspec fuzz ${cx.target}${options.url ? ` --url ${options.url}` : ''} --replay ${file}`
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
  }
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`)
  const main = cx.case.fields.sdp ?? cx.case.fields.body ?? cx.case.fields.text
  if (main !== undefined) writeFileSync(join(dir, `${base}.txt`), main)
  return file
}

/** A plain-text summary of a campaign: cases, time, response distribution, violations. */
export function formatCampaignSummary(r: CampaignResult, extra: { counterexampleFile?: string } = {}): string {
  const lines: string[] = []
  lines.push(`fuzz ${r.target}: ${r.description}`)
  lines.push(`  seed ${r.seed} · ${r.cases} cases in ${(r.durationMs / 1000).toFixed(1)} s${r.timedOut ? ' (time limit reached)' : ''}`)
  lines.push('  invariants:')
  for (const i of r.invariants) lines.push(`    - ${i}`)
  const dist = Object.entries(r.distribution).sort((a, b) => b[1] - a[1])
  lines.push(`  responses: ${dist.map(([k, v]) => `${k} ×${v}`).join(', ') || 'none'}`)
  if (r.counterexample) {
    const cx = r.counterexample
    lines.push(`  VIOLATION (shrunk in ${cx.shrinks} steps): ${cx.outcome.violations.join('; ') || '(did not reproduce on re-run)'}`)
    lines.push(`    response seen: ${cx.outcome.response}`)
    lines.push(`    minimal input: ${JSON.stringify(cx.input).slice(0, 600)}`)
    if (extra.counterexampleFile) lines.push(`    saved: ${extra.counterexampleFile}`)
    lines.push(`    replay: seed ${cx.seed}, path "${cx.path}"`)
  }
  for (const v of r.healthViolations) lines.push(`  HEALTH VIOLATION: ${v}`)
  lines.push(r.counterexample || r.healthViolations.length ? '  result: invariants VIOLATED' : '  result: no invariant violated')
  return lines.join('\n')
}
