// Rewrites the generated blocks of docs/conformance-whip.md and docs/conformance-whep.md: the requirement
// table (from the catalog) and the traceability table (from src/conformance/trace and fixtures/rfc).
// Run: .tools/bin/node scripts/conformance-docs.ts
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { withRequirementTable, withTraceTable } from '../src/conformance/docs.ts'

for (const suite of ['whip', 'whep'] as const) {
  const file = fileURLToPath(new URL(`../docs/conformance-${suite}.md`, import.meta.url))
  writeFileSync(file, withTraceTable(withRequirementTable(readFileSync(file, 'utf8'), suite), suite))
  process.stdout.write(`updated ${file}\n`)
}
