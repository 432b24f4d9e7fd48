/** The docs pages list every requirement and every traced sentence, generated from the catalog and the trace maps. */
import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { requirementsOf } from '../../src/conformance/catalog.ts'
import { withRequirementTable, withTraceTable } from '../../src/conformance/docs.ts'
import { traceCoverage, tracedSentences } from '../../src/conformance/trace/index.ts'

for (const suite of ['whip', 'whep'] as const) {
  const page = () => readFileSync(new URL(`../../docs/conformance-${suite}.md`, import.meta.url), 'utf8')

  test(`docs/conformance-${suite}.md lists every ${suite} requirement (regenerate: .tools/bin/node scripts/conformance-docs.ts)`, () => {
    const p = page()
    expect(p).toBe(withRequirementTable(p, suite))
    for (const r of requirementsOf(suite)) expect(p).toContain(`| \`${r.id}\` | ${r.level} | ${r.document} §${r.section}`)
  })

  test(`docs/conformance-${suite}.md traces every normative sentence and prints the coverage (regenerate: .tools/bin/node scripts/conformance-docs.ts)`, () => {
    const p = page()
    expect(p).toBe(withTraceTable(p, suite))
    for (const s of tracedSentences(suite)) expect(p).toContain(`| \`${s.id}\` | §${s.section} |`)
    const c = traceCoverage(suite)
    expect(p).toContain(`**Coverage: ${c.checked} of ${c.serverSentences} server-side sentences`)
  })
}
