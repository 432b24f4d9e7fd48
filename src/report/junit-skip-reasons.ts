/**
 * Vitest's JUnit reporter writes a skipped test as a bare `<skipped/>`: the reason (`ctx.skip(note)`) is lost,
 * and with it why a conformance requirement was not applicable or a SHOULD failed. This adds it back (pure):
 * `<skipped message="not applicable: …"/>`, matching test cases by file (classname) and full name.
 */
import type { TestSummary } from './run-summary.ts'

const ENTITIES: Record<string, string> = { '&amp;': '&', '&quot;': '"', '&apos;': "'", '&lt;': '<', '&gt;': '>' }

function unescapeXml(s: string): string {
  return s.replace(/&(?:amp|quot|apos|lt|gt);/g, (m) => ENTITIES[m] ?? m)
}

/** Escapes an XML attribute value (and drops characters XML 1.0 cannot carry). */
export function escapeXmlAttribute(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/\n/g, '&#10;')
  )
}

/**
 * Returns `xml` with a `message` on every `<skipped/>` whose test has a skip reason in `tests`.
 * Test cases are matched by `classname` (the file) and `name` (the full name); unmatched ones stay as they are.
 */
export function addSkipReasons(xml: string, tests: readonly TestSummary[]): { xml: string; added: number } {
  const reasons = new Map<string, string>()
  for (const t of tests) if (t.state === 'skipped' && t.skipReason) reasons.set(`${t.file}\u0000${t.name}`, t.skipReason)
  let added = 0
  const out = xml.replace(/(<testcase\b[^>]*>)(\s*)<skipped\/>/g, (whole, open: string, space: string) => {
    const classname = /\bclassname="([^"]*)"/.exec(open)?.[1]
    const name = /\bname="([^"]*)"/.exec(open.replace(/\bclassname="[^"]*"/, ''))?.[1]
    if (classname === undefined || name === undefined) return whole
    const reason = reasons.get(`${unescapeXml(classname)}\u0000${unescapeXml(name)}`)
    if (reason === undefined) return whole
    added++
    return `${open}${space}<skipped message="${escapeXmlAttribute(reason)}"/>`
  })
  return { xml: out, added }
}
