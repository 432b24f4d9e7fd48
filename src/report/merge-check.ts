/**
 * Whether a set of shard result directories belongs together (pure). A set is refused outright — nothing merged —
 * when merging it would give a wrong answer: shards of different counts (`--shard i/3` next to `i/4`), the same
 * shard twice, shards of different suites or settings (spec files, paths, name filter, seed, gates), or a test that
 * two shards both ran. A set with a shard missing (its job failed, its artifact was not downloaded) or unreadable is
 * merged — the results gathered are kept — but never passes: the missing shards are named.
 */
import type { ShardProblem, ShardResult } from './merge-read.ts'
import type { ShardRun } from './merge-shard.ts'

/** What is wrong with the set as a whole. */
export interface ShardSetCheck {
  /** Reasons to refuse the set (nothing is merged). */
  refused: string[]
  /** The shard count of the set (when the shards agree on one). */
  count: number | undefined
  /** Indices of the set with no readable shard, ascending. */
  missing: number[]
}

const SETTINGS: ReadonlyArray<{ key: keyof ShardRun; what: string }> = [
  { key: 'files', what: 'spec files of the suite' },
  { key: 'paths', what: 'paths given to rtcspec run' },
  { key: 'grep', what: 'test name filter (-t)' },
  { key: 'seed', what: 'seed (--seed)' },
  { key: 'gates', what: 'gates (the config)' },
]

function show(value: unknown): string {
  const s = JSON.stringify(value) ?? 'none'
  return s.length > 160 ? `${s.slice(0, 159)}…` : s
}

/** Checks the shards that were read (and the directories that could not be) as one set. */
export function checkShardSet(shards: readonly ShardResult[], problems: readonly ShardProblem[] = []): ShardSetCheck {
  const refused: string[] = []
  const ids = [
    ...shards.map((s) => ({ dir: s.dir, index: s.info.index, count: s.info.count })),
    ...problems.flatMap((p) => (p.shard ? [{ dir: p.dir, ...p.shard }] : [])),
  ]
  const dirs = new Map<string, number>()
  for (const s of [...shards.map((x) => x.dir), ...problems.map((p) => p.dir)]) dirs.set(s, (dirs.get(s) ?? 0) + 1)
  for (const [dir, n] of dirs) if (n > 1) refused.push(`${dir} is given ${n} times`)
  const counts = [...new Set(ids.map((i) => i.count))]
  if (counts.length > 1) {
    refused.push(
      `the shards are of different runs: ${counts
        .map(
          (c) =>
            `${ids
              .filter((i) => i.count === c)
              .map((i) => `${i.dir} is ${i.index}/${c}`)
              .join(', ')}`,
        )
        .join('; ')} — merge the shards of one run (one --shard count)`,
    )
  }
  const count = counts.length === 1 ? counts[0] : undefined
  const byIndex = new Map<number, string[]>()
  for (const i of ids) if (dirs.get(i.dir) === 1) byIndex.set(i.index, [...(byIndex.get(i.index) ?? []), i.dir])
  for (const [index, ds] of [...byIndex].sort((a, b) => a[0] - b[0]))
    if (ds.length > 1) refused.push(`shard ${index}/${count ?? '?'} is given twice: ${ds.join(' and ')} — pass each shard's directory once`)
  if (shards.length > 1) {
    const first = shards[0]!
    for (const s of shards.slice(1)) {
      if (s.info.fingerprint === first.info.fingerprint) continue
      const diffs = SETTINGS.filter(({ key }) => JSON.stringify(s.info.run[key]) !== JSON.stringify(first.info.run[key])).map(({ key, what }) => {
        const a = first.info.run[key]
        const b = s.info.run[key]
        if (key === 'files' && Array.isArray(a) && Array.isArray(b)) {
          const onlyA = (a as string[]).filter((f) => !(b as string[]).includes(f))
          const onlyB = (b as string[]).filter((f) => !(a as string[]).includes(f))
          return `${what}: ${onlyA.length ? `only in ${first.dir}: ${show(onlyA)}` : ''}${onlyA.length && onlyB.length ? ', ' : ''}${onlyB.length ? `only in ${s.dir}: ${show(onlyB)}` : ''}`
        }
        return `${what}: ${show(a)} in ${first.dir}, ${show(b)} in ${s.dir}`
      })
      refused.push(
        `${s.dir} is a shard of a different run than ${first.dir} (${diffs.join('; ') || 'settings differ'}) — merge shards that ran the same suite with the same settings and config`,
      )
    }
    const owner = new Map<string, string>()
    for (const s of shards) {
      for (const t of s.summary.tests) {
        const prev = owner.get(t.id)
        if (prev !== undefined && prev !== s.dir) refused.push(`test ${JSON.stringify(t.id)} is in two shards (${prev} and ${s.dir}): the shards overlap`)
        owner.set(t.id, s.dir)
      }
    }
  }
  const missing: number[] = []
  if (count !== undefined) for (let i = 1; i <= count; i++) if (!shards.some((s) => s.info.index === i)) missing.push(i)
  return { refused: [...new Set(refused)].slice(0, 20), count, missing }
}
