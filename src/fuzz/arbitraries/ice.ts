/**
 * fast-check arbitraries for the ICE wire formats: valid candidates (RFC 8839), sdpfrag bodies (RFC 8840),
 * ICE server URLs (RFC 7064/7065), and {@link mutated} for near-valid strings. Built from records, so
 * counterexamples shrink field by field.
 */
import fc from 'fast-check'
import type { IceCandidate, IceServerUrl, SdpFrag, SdpFragMedia } from '../../ice/index.ts'

const ICE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('')

/** Strings of RFC 8839 ice-chars (`A-Z a-z 0-9 + /`) of the given length range. */
export const iceChars = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...ICE), minLength, maxLength })

/** Dotted-quad IPv4 addresses. */
export const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'))
/** IPv6 addresses (fast-check's generator, every textual form). */
export const ipv6 = fc.ipV6()
/** mDNS candidate host names (`<uuid>.local`). */
export const mdns = fc.uuid().map((u) => `${u}.local`)
/** Fully qualified domain names. */
export const fqdn = fc.domain()
/** Any candidate address: IPv4, IPv6, mDNS name or FQDN. */
export const address = fc.oneof(ipv4, ipv6, mdns, fqdn)

const token = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,12}$/)
const vchars = fc.stringMatching(/^[\x21-\x7e]{1,16}$/)
const u32 = fc.nat({ max: 0xffffffff })
const port = fc.nat(65535)

const RESERVED = new Set(['raddr', 'rport', 'typ', 'tcptype', 'generation', 'ufrag', 'network-id', 'network-cost'])

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined })

/** Drops keys whose value is undefined, so objects compare like parsed ones. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}

/** Valid candidates (every field inside its RFC 8839 range, tcptype only on TCP). */
export const candidateArb: fc.Arbitrary<IceCandidate> = fc
  .record({
    foundation: iceChars(1, 32),
    component: fc.integer({ min: 1, max: 256 }),
    transport: fc.oneof(fc.constantFrom('udp', 'UDP', 'tcp', 'TCP'), token),
    priority: u32,
    address,
    port,
    type: fc.oneof(
      fc.constantFrom('host', 'srflx', 'prflx', 'relay'),
      token.filter((t) => !RESERVED.has(t)),
    ),
    relatedAddress: opt(address),
    relatedPort: opt(port),
    tcpType: opt(fc.constantFrom('active' as const, 'passive' as const, 'so' as const)),
    generation: opt(u32),
    ufrag: opt(vchars),
    networkId: opt(u32),
    networkCost: opt(u32),
    extensions: fc.array(fc.record({ name: token.filter((t) => !RESERVED.has(t)), value: vchars }), { maxLength: 3 }),
  })
  .map((c) => compact({ ...c, tcpType: c.transport.toLowerCase() === 'tcp' ? c.tcpType : undefined }))

const otherNonAttr = fc.constantFrom('c=IN IP4 0.0.0.0', 'b=AS:30', 'i=trickle')
const otherAttr = fc.constantFrom('a=rtcp-mux', 'a=setup:actpass', 'a=x-custom:one two', 'a=ice-pacing:50')
const otherLines = fc.tuple(fc.array(otherNonAttr, { maxLength: 2 }), fc.array(otherAttr, { maxLength: 2 })).map(([a, b]) => [...a, ...b])
const midArb = fc.stringMatching(/^[A-Za-z0-9]{1,8}$/)

const mediaArb: fc.Arbitrary<SdpFragMedia> = fc
  .record({
    mline: fc.record({
      media: fc.constantFrom('audio', 'video', 'application'),
      port: port,
      proto: fc.constantFrom('RTP/AVP', 'UDP/TLS/RTP/SAVPF', 'UDP/DTLS/SCTP'),
      formats: fc.array(fc.stringMatching(/^[0-9]{1,3}$/), { minLength: 1, maxLength: 3 }),
    }),
    mid: midArb,
    ufrag: opt(iceChars(4, 32)),
    pwd: opt(iceChars(22, 40)),
    iceOptions: opt(fc.array(iceChars(1, 8), { minLength: 1, maxLength: 3 })),
    candidates: fc.array(candidateArb, { maxLength: 4 }),
    endOfCandidates: fc.boolean(),
    otherLines,
  })
  .map((m) => compact(m))

/** Valid sdpfrag models (canonical: other non-`a=` lines before other `a=` lines). */
export const sdpFragArb: fc.Arbitrary<SdpFrag> = fc
  .record({
    ufrag: opt(iceChars(4, 32)),
    pwd: opt(iceChars(22, 40)),
    iceLite: fc.boolean(),
    iceOptions: opt(fc.array(iceChars(1, 8), { minLength: 1, maxLength: 3 })),
    groups: fc.array(fc.record({ semantics: fc.constantFrom('BUNDLE', 'LS'), mids: fc.array(midArb, { maxLength: 3 }) }), { maxLength: 2 }),
    endOfCandidates: fc.boolean(),
    otherLines,
    media: fc.array(mediaArb, { maxLength: 3 }),
    lineEnding: fc.constantFrom('\r\n' as const, '\n' as const),
  })
  .map((f) => compact(f))

/** Valid RFC 7064/7065 URL models. */
export const iceServerUrlArb: fc.Arbitrary<IceServerUrl> = fc
  .record({
    scheme: fc.constantFrom('stun' as const, 'stuns' as const, 'turn' as const, 'turns' as const),
    host: fc.oneof(ipv4, ipv6, fqdn),
    port: fc.integer({ min: 1, max: 65535 }),
    explicitPort: fc.boolean(),
    transport: opt(fc.oneof(fc.constantFrom('udp', 'tcp'), fc.stringMatching(/^[A-Za-z0-9\-._~]{1,8}$/))),
  })
  .map((u) => {
    const dflt = u.scheme.endsWith('s') ? 5349 : 3478
    return compact({
      ...u,
      port: u.explicitPort ? u.port : dflt,
      transport: u.scheme.startsWith('turn') ? u.transport : undefined,
    })
  })

/** Strings near the valid language: a valid text with random edits (insert, delete, replace). */
export function mutated(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const junk = fc.oneof(
    fc.constantFrom(' ', '\t', '\r', '\n', ':', '@', '[', ']', '?', '=', '&', '%', 'typ', 'raddr', 'a=', 'm=', '\u0000', '\u00e9'),
    fc.string({ maxLength: 4 }),
  )
  return fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.nat(3), junk), { minLength: 1, maxLength: 4 })).map(([s, edits]) => {
    let out = s
    for (const [pos, del, ins] of edits) {
      const p = out.length === 0 ? 0 : pos % (out.length + 1)
      out = out.slice(0, p) + ins + out.slice(p + del)
    }
    return out
  })
}
