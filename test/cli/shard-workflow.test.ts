/**
 * docs/examples/github-actions-shards.yml: a matrix of shard jobs and a merge job. Parsed as YAML and checked for
 * what makes it work: the matrix index is the `--shard` index and the shard count the matrix size, every shard
 * uploads its result directory always, the merge job needs the shards, runs even when one failed, downloads every
 * shard's artifact and fails with the merged exit class; and every `npx rtcspec …` line is a real command whose
 * flags parse with that command's own option table.
 */
import { describe, it, expect } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { parse } from 'yaml'
import { commands } from '../../src/cli/main.ts'
import { MERGE_OPTIONS } from '../../src/cli/merge.ts'
import { RUN_OPTIONS } from '../../src/cli/run.ts'
import { parseShardArg } from '../../src/report/merge-shard.ts'
import { EXIT_CODES } from '../../src/exit-codes.ts'

const root = join(import.meta.dirname, '..', '..')
const file = join(root, 'docs', 'examples', 'github-actions-shards.yml')

interface Step {
  name?: string
  id?: string
  uses?: string
  run?: string
  if?: string
  with?: Record<string, unknown>
  'continue-on-error'?: boolean
}
interface Job {
  needs?: string | string[]
  if?: string
  strategy?: { 'fail-fast'?: boolean; matrix?: Record<string, unknown> }
  steps: Step[]
}
interface Workflow {
  on: unknown
  jobs: Record<string, Job>
}

/** The `npx rtcspec <command> …` invocations of a run script, split into words (quotes removed). */
function rtcspecCalls(script: string): Array<{ command: string; args: string[] }> {
  const out: Array<{ command: string; args: string[] }> = []
  for (const line of script.split('\n')) {
    const m = /npx rtcspec (\S+)(.*)$/.exec(line.trim())
    if (!m) continue
    const words = [...m[2]!.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((w) => w[1] ?? w[2] ?? w[3]!)
    out.push({ command: m[1]!, args: words })
  }
  return out
}

/** Substitutes the GitHub expressions a job would see, for matrix index `shard`. */
function expand(text: string, shard: number): string {
  return text.replace(/\$\{\{\s*matrix\.shard\s*\}\}/g, String(shard)).replace(/\$\{\{\s*github\.run_id\s*\}\}/g, '987654321')
}

describe('docs/examples/github-actions-shards.yml', () => {
  const wf = parse(readFileSync(file, 'utf8')) as Workflow
  const shardJob = Object.values(wf.jobs).find((j) => j.strategy?.matrix !== undefined)!
  const shardJobName = Object.keys(wf.jobs).find((k) => wf.jobs[k] === shardJob)!
  const mergeJob = Object.values(wf.jobs).find((j) => j.steps.some((s) => /npx rtcspec merge/.test(s.run ?? '')))!

  it('has a matrix of shard jobs running rtcspec run --shard <matrix index>/<matrix size>, uploading each result directory', () => {
    expect(wf.on).toBeTruthy()
    const indices = shardJob.strategy!.matrix!.shard as number[]
    expect(indices.length).toBeGreaterThan(1)
    expect(indices).toEqual(indices.map((_, i) => i + 1))
    expect(shardJob.strategy!['fail-fast']).toBe(false)
    const runStep = shardJob.steps.find((s) => /npx rtcspec run /.test(s.run ?? ''))!
    expect(runStep.run).toMatch(/--shard \$\{\{ matrix\.shard \}\}\//)
    const upload = shardJob.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!
    expect(upload.if).toBe('always()')
    for (const i of indices) {
      const [call] = rtcspecCalls(expand(runStep.run!, i))
      expect(call!.command).toBe('run')
      const { values } = parseArgs({ args: call!.args, options: RUN_OPTIONS, allowPositionals: true, strict: true })
      expect(parseShardArg(values.shard!)).toEqual({ index: i, count: indices.length })
      expect(values.seed).toMatch(/^\d+$/)
      // The uploaded path is the report directory the shard wrote, and each shard's artifact has its own name.
      expect(expand(String(upload.with!.path), i).replace(/\/$/, '')).toBe(values['report-dir'])
      expect(expand(String(upload.with!.name), i)).toContain(String(i))
    }
  })

  it('merges in a job that needs the shards, runs even when one failed, and fails with the merged exit class', () => {
    const needs = [mergeJob.needs ?? []].flat()
    expect(needs).toContain(shardJobName)
    expect(mergeJob.if).toBe('always()')
    const download = mergeJob.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!
    const uploadName = String(shardJob.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!.with!.name)
    const pattern = String(download.with!.pattern)
    expect(new RegExp(`^${pattern.replace(/\*/g, '.*')}$`).test(expand(uploadName, 2))).toBe(true)
    const mergeStep = mergeJob.steps.find((s) => /npx rtcspec merge/.test(s.run ?? ''))!
    const [call] = rtcspecCalls(mergeStep.run!)
    expect(call!.command).toBe('merge')
    const { values, positionals } = parseArgs({ args: call!.args, options: MERGE_OPTIONS, allowPositionals: true, strict: true })
    expect(positionals).toEqual([`${String(download.with!.path).replace(/\/$/, '')}/*`])
    expect(values['report-dir']).toBeTruthy()
    const reportUpload = mergeJob.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!
    expect(reportUpload.if).toBe('always()')
    expect(String(reportUpload.with!.path).replace(/\/$/, '')).toBe(values['report-dir'])
    // The verdict step exits with the merge's code for each failing class.
    const verdict = mergeJob.steps.find((s) => s.run?.includes(`steps.${mergeStep.id}.outputs.exit`))!
    for (const cls of ['test-failure', 'gate-failure', 'infrastructure'] as const) expect(verdict.run).toContain(`${EXIT_CODES[cls]}) echo`)
    expect(verdict.run).toMatch(/exit 1 ;;[\s\S]*exit 3 ;;[\s\S]*exit 4 ;;/)
  })

  it('names only real rtcspec commands', () => {
    const calls = Object.values(wf.jobs).flatMap((j) => j.steps.flatMap((s) => rtcspecCalls(expand(s.run ?? '', 1))))
    expect(calls.map((c) => c.command).sort()).toEqual(['merge', 'run'])
    for (const c of calls) expect(Object.hasOwn(commands, c.command), c.command).toBe(true)
  })
})
