/**
 * Address checks shared by the ICE wire formats: IPv4, IPv6 and host names.
 * Pure string checks (no DNS, no `node:net`), linear in the input length.
 */

/** What kind of address a string is, or `undefined` when it is none of them. */
export type AddressKind = 'ipv4' | 'ipv6' | 'fqdn'

const IPV4_OCTET = /^(?:0|[1-9]\d{0,2})$/
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/
const HOST_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/

/** True for a dotted-quad IPv4 address (`192.0.2.1`), no leading zeros, each octet 0..255. */
export function isIPv4(text: string): boolean {
  const parts = text.split('.')
  if (parts.length !== 4) return false
  return parts.every((p) => IPV4_OCTET.test(p) && Number(p) <= 255)
}

/** True for an IPv6 address in RFC 4291 text form (`::1`, `2001:db8::1`, `::ffff:192.0.2.1`). No brackets, no zone. */
export function isIPv6(text: string): boolean {
  if (text.length < 2 || text.length > 45 || !text.includes(':')) return false
  const halves = text.split('::')
  if (halves.length > 2) return false
  const groupsOf = (s: string): string[] | undefined => (s === '' ? [] : s.split(':'))
  const head = groupsOf(halves[0] ?? '')
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : []
  if (!head || !tail) return false
  const all = [...head, ...tail]
  let count = 0
  for (let i = 0; i < all.length; i++) {
    const g = all[i] ?? ''
    if (i === all.length - 1 && g.includes('.')) {
      if (!isIPv4(g)) return false
      count += 2
    } else if (HEX_GROUP.test(g)) {
      count += 1
    } else {
      return false
    }
  }
  return halves.length === 2 ? count <= 7 : count === 8
}

/**
 * True for a DNS host name: dot-separated labels of letters, digits, `-` and `_` (1..63 characters,
 * not starting or ending with `-`), at most 253 characters, optional trailing dot. Accepts mDNS names
 * such as `1f4712db-ea17-4bcf-a596-105139dfd8bf.local`. A name made only of digits and dots is not a
 * host name (it is a malformed IPv4 address).
 */
export function isHostName(text: string): boolean {
  if (text.length === 0 || text.length > 254) return false
  const body = text.endsWith('.') ? text.slice(0, -1) : text
  if (body.length === 0 || body.length > 253) return false
  if (/^[\d.]+$/.test(body)) return false
  return body.split('.').every((label) => HOST_LABEL.test(label))
}

/** Classifies an address as written in a candidate or URL (IPv6 without brackets). */
export function addressKind(text: string): AddressKind | undefined {
  if (isIPv4(text)) return 'ipv4'
  if (isIPv6(text)) return 'ipv6'
  if (isHostName(text)) return 'fqdn'
  return undefined
}
