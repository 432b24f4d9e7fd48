/** The docs pages list every requirement with its id and section, generated from the catalog. */
import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { requirementsOf } from '../../src/conformance/catalog.ts'
import { withRequirementTable } from '../../src/conformance/docs.ts'

for (const suite of ['whip', 'whep'] as const) {
  test(`docs/conformance-${suite}.md lists every ${suite} requirement (regenerate: .tools/bin/node scripts/conformance-docs.ts)`, () => {
    const page = readFileSync(new URL(`../../docs/conformance-${suite}.md`, import.meta.url), 'utf8')
    expect(page).toBe(withRequirementTable(page, suite))
    for (const r of requirementsOf(suite)) expect(page).toContain(`| \`${r.id}\` | ${r.level} | ${r.document} §${r.section}`)
  })
}
