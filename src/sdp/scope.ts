/**
 * Attribute lookup shared by the session and media accessors. A scope is either the session
 * (session-level lines) or one media section. Lookups resolve generic attributes leniently, so a
 * sloppy `a=rtpmap:8 PCMA/8000 ` (trailing space) is still found as an rtpmap.
 */
import { resolveAttribute } from './attributes.ts'
import type { Attribute, AttributeOfKind, MediaSection, SdpLine, SessionDescription, TypedAttribute } from './types.ts'

/** The session, or one of its media sections. */
export type SdpScope = SessionDescription | MediaSection

/** True when the scope is a whole session description. */
export function isSession(scope: SdpScope): scope is SessionDescription {
  return 'media' in scope && Array.isArray((scope as SessionDescription).media)
}

/** The lines that belong to a scope (for a session: only the session-level lines). */
export function linesOf(scope: SdpScope): SdpLine[] {
  return scope.lines
}

function isAttributeLine(line: SdpLine): line is Attribute {
  return line.kind !== 'field' && line.kind !== 'origin' && line.kind !== 'connection' && line.kind !== 'bandwidth' && line.kind !== 'timing'
}

/** Every attribute of a scope in order, each in its typed form where it can be read as one. */
export function attributesOf(scope: SdpScope): Attribute[] {
  return linesOf(scope).filter(isAttributeLine).map(resolveAttribute)
}

/** Every attribute of a given typed kind in a scope, in order, e.g. `findAttributes(section, 'rtpmap')`. */
export function findAttributes<K extends TypedAttribute['kind']>(scope: SdpScope, kind: K): AttributeOfKind<K>[] {
  return attributesOf(scope).filter((a) => a.kind === kind) as AttributeOfKind<K>[]
}

/** The first attribute of a given typed kind in a scope, or undefined. */
export function findAttribute<K extends TypedAttribute['kind']>(scope: SdpScope, kind: K): AttributeOfKind<K> | undefined {
  return findAttributes(scope, kind)[0]
}

/** Every attribute named `name` (typed or not) in a scope, e.g. `attributesNamed(section, 'x-google-flag')`. */
export function attributesNamed(scope: SdpScope, name: string): Attribute[] {
  return attributesOf(scope).filter((a) => attributeNameOf(a) === name)
}

function attributeNameOf(a: Attribute): string {
  if (a.kind === 'attribute') return a.name.trim()
  if (a.kind === 'direction') return a.direction
  return a.kind
}

/** True when the scope has an attribute named `name` (e.g. `rtcp-mux`). */
export function hasAttribute(scope: SdpScope, name: string): boolean {
  return attributesNamed(scope, name).length > 0
}
