/** Session-level accessors: origin, name, groups (BUNDLE), msid-semantic, ICE lite/options. */
import { parseConnection, parseOrigin, parseTiming } from './fields.ts'
import { findAttribute, findAttributes } from './scope.ts'
import type { Connection, Origin, SessionDescription, Timing } from './types.ts'

function fieldValues(desc: SessionDescription, letter: string): string[] {
  return desc.lines.filter((l) => l.kind === 'field' && l.letter === letter).map((l) => (l.kind === 'field' ? l.value : ''))
}

/** The `o=` line, read leniently when it was not canonical. */
export function origin(desc: SessionDescription): Origin | undefined {
  for (const l of desc.lines) {
    if (l.kind === 'origin') {
      const { username, sessionId, sessionVersion, netType, addrType, address } = l
      return { username, sessionId, sessionVersion, netType, addrType, address }
    }
    if (l.kind === 'field' && l.letter === 'o') {
      const r = parseOrigin(l.value)
      return r.ok ? r.value : undefined
    }
  }
  return undefined
}

/** The `s=` session name as written (`-` by convention when there is none; may be empty in sloppy SDPs). */
export function sessionName(desc: SessionDescription): string {
  return fieldValues(desc, 's')[0] ?? ''
}

/** The session-level `c=` line, if any. */
export function sessionConnection(desc: SessionDescription): Connection | undefined {
  for (const l of desc.lines) {
    if (l.kind === 'connection') return { netType: l.netType, addrType: l.addrType, address: l.address }
    if (l.kind === 'field' && l.letter === 'c') {
      const r = parseConnection(l.value)
      if (r.ok) return r.value
    }
  }
  return undefined
}

/** Every `t=` line (usually one, `0 0`). */
export function timings(desc: SessionDescription): Timing[] {
  const out: Timing[] = []
  for (const l of desc.lines) {
    if (l.kind === 'timing') out.push({ start: l.start, stop: l.stop })
    else if (l.kind === 'field' && l.letter === 't') {
      const r = parseTiming(l.value)
      if (r.ok) out.push(r.value)
    }
  }
  return out
}

/** Every `a=group` (semantics + mids), e.g. `[{ semantics: 'BUNDLE', mids: ['0', '1'] }]`. */
export function groups(desc: SessionDescription): { semantics: string; mids: string[] }[] {
  return findAttributes(desc, 'group').map((g) => ({ semantics: g.semantics, mids: [...g.mids] }))
}

/** The mids of each `a=group:BUNDLE` line (RFC 9143), in order, e.g. `[['0', '1']]`. */
export function bundleGroups(desc: SessionDescription): string[][] {
  return groups(desc)
    .filter((g) => g.semantics === 'BUNDLE')
    .map((g) => g.mids)
}

/** The legacy `a=msid-semantic` (e.g. `{ semantic: 'WMS', identifiers: ['*'] }`), if present. */
export function msidSemantic(desc: SessionDescription): { semantic: string; identifiers: string[] } | undefined {
  const a = findAttribute(desc, 'msid-semantic')
  return a ? { semantic: a.semantic, identifiers: [...a.identifiers] } : undefined
}

/** True when the session declares `a=ice-lite` (RFC 8839 §5.3; session level only). */
export function isIceLite(desc: SessionDescription): boolean {
  return findAttribute(desc, 'ice-lite') !== undefined
}

/** Session-level `a=ice-options` tokens, e.g. `['trickle']`; `[]` when absent. */
export function sessionIceOptions(desc: SessionDescription): string[] {
  return findAttributes(desc, 'ice-options').flatMap((a) => a.options)
}

/** True when the session declares `a=extmap-allow-mixed` (RFC 8285 §6). */
export function extmapAllowMixed(desc: SessionDescription): boolean {
  return findAttribute(desc, 'extmap-allow-mixed') !== undefined
}
