/**
 * Prints the folder-level import graph of src/ (each edge with its number of imports, type-only ones apart) and
 * what the layer rule finds wrong. Run: `node test/architecture/print-graph.ts` (Node ≥ 22.18 strips the types).
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkLayers, checkPeerKinds, checkRules } from './check-layers.ts'
import { importEdges, listSourceFiles, unitOf } from './import-graph.ts'

const src = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src')
const files = listSourceFiles(src)
const counts = new Map<string, { value: number; type: number }>()
for (const e of importEdges(files)) {
  const from = unitOf(e.from)
  const to = unitOf(e.to)
  if (from === to) continue
  const key = `${from} → ${to}`
  const c = counts.get(key) ?? { value: 0, type: 0 }
  if (e.typeOnly) c.type++
  else c.value++
  counts.set(key, c)
}
for (const [edge, c] of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
  process.stdout.write(`${edge}  ${c.value}${c.type ? ` (+${c.type} type-only)` : ''}\n`)
}
const problems = [...checkRules(), ...checkLayers(files), ...checkPeerKinds(files)]
process.stdout.write(problems.length ? `\n${problems.length} problem(s):\n${problems.join('\n')}\n` : '\nno layer problems\n')
process.exitCode = problems.length ? 1 : 0
