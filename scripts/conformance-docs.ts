// Rewrites the generated requirement tables of docs/conformance-whip.md and docs/conformance-whep.md
// from the catalog. Run: .tools/bin/node scripts/conformance-docs.ts
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { withRequirementTable } from '../src/conformance/docs.ts'

for (const suite of ['whip', 'whep'] as const) {
  const file = fileURLToPath(new URL(`../docs/conformance-${suite}.md`, import.meta.url))
  writeFileSync(file, withRequirementTable(readFileSync(file, 'utf8'), suite))
  process.stdout.write(`updated ${file}\n`)
}
