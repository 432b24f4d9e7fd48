/**
 * Every normative sentence of RFC 9725 and draft-ietf-wish-whep-03 (fixtures/rfc) is traced: to the
 * requirements that check it, or to a reason none does. Fails on a sentence without an entry (new or
 * reworded text), an entry that matches no sentence (stale), or a requirement id that does not exist.
 */
import { describe, expect, test } from 'vitest'
import { requirementsOf } from '../../../src/conformance/catalog.ts'
import { documentText, TRACE_MAPS, traceCoverage, traceProblems, tracedSentences } from '../../../src/conformance/trace/index.ts'

for (const suite of ['whip', 'whep'] as const) {
  describe(`${suite} traceability`, () => {
    test('every sentence has an entry, every entry a sentence, every requirement id exists in the suite', () => {
      expect(traceProblems(suite)).toEqual({ unmapped: [], stale: [], unknownRequirements: [], unexplained: [] })
    })

    test('the document has the normative sentences expected of it (the extractor sees the whole text)', () => {
      const s = tracedSentences(suite)
      expect(s.length).toBeGreaterThan(80)
      expect(new Set(s.map((x) => x.id)).size).toBe(s.length)
      // Sections 4 to 6 all contribute; the BCP 14 boilerplate of section 2 does not.
      expect(new Set(s.map((x) => x.section.split('.')[0]))).toEqual(new Set(['4', '5', '6']))
    })

    test('every requirement that rests on a WHIP/WHEP sentence is traced from one', () => {
      const traced = new Set(Object.values(TRACE_MAPS[suite]).flatMap((e) => e.requirements ?? []))
      expect(
        requirementsOf(suite)
          .filter((r) => !r.source && !traced.has(r.id))
          .map((r) => r.id),
      ).toEqual([])
    })

    test('every requirement is verified against the text', () => {
      expect(
        requirementsOf(suite)
          .filter((r) => !r.verified)
          .map((r) => r.id),
      ).toEqual([])
    })

    test('coverage: server-side sentences with a requirement over all server-side sentences; each unchecked one says why', () => {
      const c = traceCoverage(suite)
      expect(c.checked + c.unchecked.length).toBe(c.serverSentences)
      expect(c.ratio).toBeCloseTo(c.checked / c.serverSentences, 10)
      for (const u of c.unchecked) {
        expect(['server-untestable', 'server-not-checked', 'permission']).toContain(u.class)
        expect(u.reason.length).toBeGreaterThan(20)
      }
      // A floor, so a change that drops checks shows up here (raise it when coverage grows).
      expect(c.ratio).toBeGreaterThanOrEqual(suite === 'whip' ? 0.75 : 0.67)
    })

    test('a reworded sentence is reported as unmapped, and its old entry as stale', () => {
      const text = documentText(suite).replace('MUST return a 2', 'MUST answer with a 2')
      const p = traceProblems(suite, text)
      expect(p.unmapped).toHaveLength(1)
      expect(p.stale).toHaveLength(1)
      expect(p.unmapped[0]?.replace(/-[0-9a-f]{6}$/, '')).toBe(p.stale[0]?.replace(/-[0-9a-f]{6}$/, ''))
    })
  })
}
