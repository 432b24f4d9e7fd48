/**
 * Escaping for the HTML report. Every string that comes from a record, a test or a network peer (SDPs, SIP
 * bodies, fuzz inputs, error messages) goes through {@link esc} (text and attribute values) before it is
 * placed in the page, so no input can open a tag, close an attribute or start a script.
 *
 * @module
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' }

/**
 * Escapes `value` for HTML text and quoted attribute values: `& < > " ' \``, and drops C0 control characters
 * (except tab, newline, carriage return) and lone surrogates, which are not valid in HTML.
 */
export function esc(value: unknown): string {
  const s = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value)
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/[&<>"'`]/g, (c) => ENTITIES[c] ?? c)
}

/**
 * An id usable in `id=` and `#fragment`: letters, digits, `-` and `_` only (anything else becomes `-`). Values
 * that do not fit in 80 characters are cut and end with a hash of the whole value, so distinct values stay distinct.
 */
export function anchorId(prefix: string, value: string): string {
  const clean = value.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '')
  const tail = clean.length <= 80 && clean === value ? clean : `${clean.slice(0, 70)}-${fnv1a(value)}`
  return `${prefix}-${tail || 'x'}`
}

/** FNV-1a 32-bit hash of `s`, as 8 hex digits. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(16).padStart(8, '0')
}

/** A number for display: at most `digits` decimals, no trailing zeros; `–` when not finite. */
export function num(value: number | undefined, digits = 2): string {
  if (value === undefined || !Number.isFinite(value)) return '–'
  return String(Number(value.toFixed(digits)))
}

/** Milliseconds for display (`850 ms`, `12.3 s`). */
export function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–'
  return Math.abs(value) < 10_000 ? `${Math.round(value)} ms` : `${num(value / 1000, 1)} s`
}
