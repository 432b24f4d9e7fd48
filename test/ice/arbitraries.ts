/** The ICE arbitraries now live in src/fuzz (public, for users' own properties); re-exported for the ICE tests. */
export { address, candidateArb, compact, fqdn, iceChars, iceServerUrlArb, ipv4, ipv6, mdns, mutated, sdpFragArb } from '../../src/fuzz/arbitraries/ice.ts'
