/**
 * Fuzz counterexamples: target, seed, the invariants broken, the minimal case sent (every field verbatim,
 * escaped), the input as JSON and the command that replays it. Pure: case files in, HTML out.
 *
 * @module
 */
import type { FuzzCaseFile } from '../../fuzz/report.ts'
import { anchorId, esc } from './escape.ts'

/** Longest text shown per field; longer fields are cut (the file holds all of it). */
const MAX_FIELD = 20_000

function cut(s: string): string {
  return s.length > MAX_FIELD ? `${s.slice(0, MAX_FIELD)}\n… (${s.length - MAX_FIELD} more characters in the file)` : s
}

/** One counterexample as an `<article>`. */
export function fuzzSection(entry: { source: string; file: FuzzCaseFile }, index: number): string {
  const f = entry.file
  const violations = f.outcome?.violations ?? []
  const fields = Object.entries(f.case.fields)
    .map(([k, v]) => `<details class="payload" open><summary>${esc(k)} (${v.length} chars)</summary><pre>${esc(cut(v))}</pre></details>`)
    .join('')
  let input = ''
  if (f.input !== undefined) {
    let text: string
    try {
      text = JSON.stringify(f.input, null, 2) ?? String(f.input)
    } catch {
      text = String(f.input)
    }
    input = `<details class="payload"><summary>generated input</summary><pre>${esc(cut(text))}</pre></details>`
  }
  return `<article class="fuzz failed" id="${anchorId('fuzz', `${index}-${f.target}`)}">
<header><span class="badge fail">counterexample</span> <b>${esc(f.target)}</b>${f.description ? ` ${esc(f.description)}` : ''}<span class="when">${f.seed !== undefined ? `seed ${esc(String(f.seed))} · ` : ''}${f.path ? `path ${esc(f.path)} · ` : ''}${esc(entry.source)}</span></header>
${violations.length ? `<ul class="errors">${violations.map((v) => `<li>${esc(v)}</li>`).join('')}</ul>` : ''}
${f.outcome ? `<p>response: <span class="mono">${esc(f.outcome.response)}</span></p>` : ''}
${f.invariants?.length ? `<p class="muted">invariants: ${f.invariants.map((i) => esc(i)).join(' · ')}</p>` : ''}
<p>case <b>${esc(f.case.kind)}</b>${f.url ? ` sent to <span class="mono">${esc(f.url)}</span>` : ''}</p>
${fields}${input}
${f.note ? `<p class="muted">${esc(f.note)}</p>` : ''}
${f.replay ? `<p>replay: <code>${esc(f.replay)}</code></p>` : ''}
</article>`
}
