/**
 * Extracts the normative sentences of an RFC or Internet-Draft from its plain-text rendering: every sentence
 * holding an uppercase BCP 14 keyword (RFC 2119, RFC 8174), with the section it sits in. Pure: text in,
 * sentences out. The traceability maps (`whip.ts`, `whep.ts`) key on the ids it gives, and an id carries a
 * hash of the sentence's wording, so a changed sentence shows up as unmapped (and its old entry as stale).
 *
 * What it handles: page footers (`… [Page 7]`), form feeds and running headers (`RFC 9725  WHIP  March
 * 2025`, `Internet-Draft  whep  August 2025`), a paragraph broken across a page, lines wrapped inside a
 * word at a hyphen or slash (`trickle-` / `ice-sdpfrag`), numbered section headings, bullet lists (each item
 * stands alone), figures set flush left (skipped), and the BCP 14 boilerplate sentence (skipped).
 */
import { createHash } from 'node:crypto'

/** The BCP 14 keywords, longest first where one contains another. */
export const BCP14_KEYWORDS = [
  'MUST NOT',
  'MUST',
  'REQUIRED',
  'SHALL NOT',
  'SHALL',
  'SHOULD NOT',
  'SHOULD',
  'NOT RECOMMENDED',
  'RECOMMENDED',
  'MAY',
  'OPTIONAL',
] as const

/** One BCP 14 keyword. */
export type Bcp14Keyword = (typeof BCP14_KEYWORDS)[number]

/** One normative sentence. */
export interface NormativeSentence {
  /** `<doc>-<section>-s<n>-<hash>`: n counts the section's normative sentences from 1; hash is {@link sentenceHash}. */
  id: string
  /** Section number (`4.3.1`), or a lowercase name for an unnumbered section (`abstract`). */
  section: string
  sectionTitle: string
  /** Position among the section's normative sentences, from 1. */
  ordinal: number
  /** The keywords in order of appearance, each once. */
  levels: Bcp14Keyword[]
  /** The sentence, wrapped lines joined, whitespace collapsed. */
  text: string
}

const KEYWORD_RE = new RegExp(`\\b(${BCP14_KEYWORDS.join('|')})\\b`, 'g')
const FOOTER_RE = /\[Page \d+\]\s*$/
const HEADER_RE = /^(RFC \d+|Internet-Draft)\s{2,}\S.*\s{2,}\S.*\d{4}\s*$/
const HEADING_RE = /^(\d+(?:\.\d+)*)\.\s+(\S.*?)\s*$/
const APPENDIX_RE = /^Appendix ([A-Z](?:\.\d+)*)\.\s+(\S.*?)\s*$/
const UNNUMBERED = new Set([
  'Abstract',
  'Status of This Memo',
  'Copyright Notice',
  'Table of Contents',
  'Acknowledgements',
  'Acknowledgments',
  'Contributors',
  "Authors' Addresses",
  "Author's Address",
  'Index',
])
const BULLET_RE = /^\s+(?:[*o-]|\d+\.|[a-z]\))\s+\S/
/** Abbreviations after which a period does not end a sentence. */
const ABBREVIATIONS = /(?:\be\.g|\bi\.e|\bet al|\bvs|\bSec|\bFig|\bNo|\bcf|\bEd|\bapprox|\b[A-Z])\.$/

/** The keywords of a text, in order of appearance, each once. Lowercase words ("must") are not keywords. */
export function bcp14Keywords(text: string): Bcp14Keyword[] {
  const out: Bcp14Keyword[] = []
  for (const m of text.matchAll(KEYWORD_RE)) {
    const k = m[1] as Bcp14Keyword
    if (!out.includes(k)) out.push(k)
  }
  return out
}

/** Whitespace collapsed and trimmed: the form the hash is taken of. */
export function normaliseSentence(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** First 6 hex digits of the SHA-256 of the normalised sentence. */
export function sentenceHash(text: string): string {
  return createHash('sha256').update(normaliseSentence(text)).digest('hex').slice(0, 6)
}

/** Whether a sentence is the BCP 14 boilerplate ("The key words "MUST", "MUST NOT", … are to be interpreted …"). */
export function isBoilerplate(text: string): boolean {
  return /"MUST",\s*"MUST NOT",\s*"REQUIRED"/.test(text) && /BCP\s*14/.test(text)
}

/** Lines without page footers, form feeds and running headers; a paragraph broken by a page is rejoined. */
export function dropPageBreaks(lines: readonly string[]): string[] {
  const out: string[] = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i] as string
    const isBreak = FOOTER_RE.test(line) || line.includes('\f') || HEADER_RE.test(line.replace(/\f/g, ''))
    if (!isBreak) {
      out.push(line)
      i++
      continue
    }
    // Skip the whole break: footer, form feed, header and the blank lines around them.
    while (out.length && (out[out.length - 1] as string).trim() === '') out.pop()
    let j = i
    while (j < lines.length) {
      const l = (lines[j] as string).replace(/\f/g, '')
      if (l.trim() === '' || FOOTER_RE.test(l) || HEADER_RE.test(l) || (lines[j] as string).includes('\f')) j++
      else break
    }
    const prev = (out[out.length - 1] ?? '').trimEnd()
    const next = (lines[j] ?? '').trim()
    // The paragraph continues across the page when the last line does not end a sentence or the next starts lowercase.
    const continues = prev.trim() !== '' && next !== '' && (!/[.:;!?)"]$/.test(prev) || /^[a-z]/.test(next)) && !HEADING_RE.test(lines[j] ?? '')
    if (!continues && out.length) out.push('')
    i = j
  }
  return out
}

function joinLines(lines: readonly string[]): string {
  let s = ''
  for (const raw of lines) {
    const l = raw.trim()
    if (!s) s = l
    else if (/[A-Za-z0-9]-$/.test(s) || /\/$/.test(s)) s += l
    else s += ` ${l}`
  }
  return s
}

/** Splits a paragraph into sentences: at `.`, `!` or `?` (optionally closed by a quote or bracket) followed by space and a capital. */
export function splitSentences(paragraph: string): string[] {
  const out: string[] = []
  const re = /[.!?]["')\]]?(?=\s+["'([]?[A-Z])/g
  let start = 0
  for (const m of paragraph.matchAll(re)) {
    const end = (m.index ?? 0) + m[0].length
    const candidate = paragraph.slice(start, end)
    if (m[0] === '.' && ABBREVIATIONS.test(candidate)) continue
    out.push(candidate.trim())
    start = end
  }
  const rest = paragraph.slice(start).trim()
  if (rest) out.push(rest)
  return out.filter(Boolean)
}

interface Paragraph {
  section: string
  title: string
  text: string
}

/** The text's paragraphs (bullet items count as paragraphs), each with its section. */
export function paragraphs(text: string): Paragraph[] {
  const lines = dropPageBreaks(text.replace(/\r\n?/g, '\n').split('\n'))
  const out: Paragraph[] = []
  let section = 'front'
  let title = ''
  let current: string[] = []
  const flush = () => {
    if (current.length) out.push({ section, title, text: joinLines(current) })
    current = []
  }
  for (const line of lines) {
    if (line.trim() === '') {
      flush()
      continue
    }
    const h = HEADING_RE.exec(line) ?? APPENDIX_RE.exec(line)
    if (h && !/^\s/.test(line)) {
      flush()
      section = h[1] as string
      title = h[2] as string
      continue
    }
    if (!/^\s/.test(line)) {
      flush()
      if (UNNUMBERED.has(line.trim())) {
        title = line.trim()
        section = title
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/-+$/, '')
      }
      // Anything else flush left is a figure line (SDP, HTTP messages): not prose.
      continue
    }
    if (BULLET_RE.test(line)) flush()
    current.push(line.replace(/^\s+(?:[*o-])\s+/, ''))
  }
  flush()
  return out
}

/**
 * Every normative sentence of a document, in order.
 *
 * @param doc short document name used in ids (`whip`, `whep`).
 */
export function extractNormativeSentences(text: string, doc: string): NormativeSentence[] {
  const out: NormativeSentence[] = []
  const counts = new Map<string, number>()
  for (const p of paragraphs(text)) {
    for (const sentence of splitSentences(p.text)) {
      const levels = bcp14Keywords(sentence)
      if (!levels.length || isBoilerplate(sentence)) continue
      const n = (counts.get(p.section) ?? 0) + 1
      counts.set(p.section, n)
      const t = normaliseSentence(sentence)
      out.push({ id: `${doc}-${p.section}-s${n}-${sentenceHash(t)}`, section: p.section, sectionTitle: p.title, ordinal: n, levels, text: t })
    }
  }
  return out
}
