/**
 * The requirement a conformance test checks, parsed from its name (pure). Conformance tests are named
 * `<id> [<level> <document> §<section>]` (see `src/dsl/conformance.ts`), e.g.
 * `whip.post.content-type [MUST RFC 9725 §4.2]`; describe blocks before it (`… > `) are ignored.
 */
import type { z } from 'zod'
import type { TestRequirementSchema } from './run-summary.ts'

const NAME = /(?:^|> )([A-Za-z0-9][\w.-]*) \[(MUST NOT|MUST|SHOULD NOT|SHOULD|MAY|REQUIRED|RECOMMENDED|OPTIONAL) (.+?) §([^\]\s]+)\]\s*$/

/** `{ id, level, document, section }` when the (full) test name is a conformance test's, else undefined. */
export function parseRequirement(name: string): z.infer<typeof TestRequirementSchema> | undefined {
  const m = NAME.exec(name)
  if (!m) return undefined
  return { id: m[1]!, level: m[2]!, document: m[3]!, section: m[4]! }
}
