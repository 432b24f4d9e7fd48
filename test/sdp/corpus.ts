import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** Folder of the SDP corpus. */
export const corpusDir = fileURLToPath(new URL('../../fixtures/sdp/', import.meta.url))

/** Names of every corpus file. */
export const corpusFiles = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.sdp'))
  .sort()

/** The exact text of a corpus file. */
export function load(name: string): string {
  return readFileSync(corpusDir + name, 'utf8')
}
