import { describe, expect, it } from 'vitest'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { loadFuzzCaseFile } from '../../src/fuzz/report.ts'
import { corpusTarget } from './corpus-targets.ts'

const root = join(import.meta.dirname, '../../fixtures/fuzz')
const groups = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)

describe('fuzz corpus (fixtures/fuzz) replays with the saved outcome', () => {
  it('has cases for every target', () => {
    expect(groups.sort()).toEqual(['fragile', 'parsers', 'sip', 'trickle', 'whep', 'whip'])
  })
  for (const group of groups) {
    it(group, async () => {
      const files = readdirSync(join(root, group)).filter((f) => f.endsWith('.json'))
      expect(files.length).toBeGreaterThan(0)
      const t = await corpusTarget(group)
      try {
        for (const f of files) {
          const c = loadFuzzCaseFile(join(root, group, f))
          const o = await t.target.run(c.case)
          expect({ file: f, response: o.response, violations: o.violations }).toEqual({
            file: f,
            response: c.outcome?.response,
            violations: c.outcome?.violations,
          })
        }
      } finally {
        await t.close()
      }
    }, 120_000)
  }
})
