/**
 * Trickle ICE inputs: mutated candidates, and `application/trickle-ice-sdpfrag` PATCH bodies (RFC 8840,
 * RFC 9725 §4.3) for a live session: candidates for its mids, end-of-candidates, ICE restarts (new
 * ufrag/pwd), and structure-aware mutations of those bodies.
 *
 * Network rule: every candidate these arbitraries put in a body for a live target has a loopback address
 * (127.0.0.0/8 or ::1) or an address that is not an IP at all, so a server that runs connectivity checks
 * towards them never sends a packet off the machine.
 */
import fc from 'fast-check'
import { serializeCandidate, type IceCandidate } from '../../ice/candidate.ts'
import { candidateArb, iceChars } from './ice.ts'
import { applySdpMutations, sdpMutation, type SdpMutation } from './sdp-mutation.ts'

/** A mutation of one candidate's space-separated fields. */
export type CandidateMutation = { op: 'dropField'; field: number } | { op: 'replaceField'; field: number; value: string } | { op: 'addField'; value: string }

const hostileField = fc.oneof(
  fc.constantFrom(
    '',
    '-1',
    '0',
    '65536',
    '4294967296',
    '99999999999999999999',
    'typ',
    'raddr',
    'rport',
    'host',
    'tcp',
    'udp',
    '::',
    '300.1.1.1',
    '127.0.0.1',
    'é',
    '\u0000',
    'x'.repeat(300),
  ),
  fc.string({ maxLength: 8 }).map((s) => s.replace(/[\r\n ]/g, '')),
)

/** One {@link CandidateMutation}. */
export const candidateMutation: fc.Arbitrary<CandidateMutation> = fc.oneof(
  fc.record({ op: fc.constant('dropField' as const), field: fc.nat(12) }),
  fc.record({ op: fc.constant('replaceField' as const), field: fc.nat(12), value: hostileField }),
  fc.record({ op: fc.constant('addField' as const), value: hostileField }),
)

/** Applies candidate mutations to candidate text (`candidate:...` or `a=candidate:...`). */
export function applyCandidateMutations(text: string, mutations: readonly CandidateMutation[]): string {
  const fields = text.split(' ')
  for (const m of mutations) {
    if (m.op === 'addField') fields.push(m.value)
    else if (fields.length > 0 && m.op === 'dropField') fields.splice(m.field % fields.length, 1)
    else if (fields.length > 0 && m.op === 'replaceField') fields[m.field % fields.length] = m.value
  }
  return fields.join(' ')
}

/** Valid candidates with 1..3 field mutations, as `candidate:` text (shrinks on the candidate and the mutation list). */
export const mutatedCandidateText: fc.Arbitrary<string> = fc
  .tuple(candidateArb, fc.array(candidateMutation, { minLength: 1, maxLength: 3 }))
  .map(([c, ms]) => applyCandidateMutations(serializeCandidate(c), ms))

/** Loopback-only host/srflx/relay UDP candidates (addresses in 127.0.0.0/8 or ::1). */
export const loopbackCandidate: fc.Arbitrary<IceCandidate> = fc
  .record({
    foundation: iceChars(1, 8),
    component: fc.constantFrom(1, 2),
    priority: fc.integer({ min: 1, max: 0xffffffff }),
    address: fc.oneof(
      fc.constant('127.0.0.1'),
      fc.nat(255).map((n) => `127.0.0.${n}`),
      fc.constant('::1'),
    ),
    port: fc.integer({ min: 1, max: 65535 }),
    type: fc.constantFrom('host', 'srflx', 'relay', 'prflx'),
  })
  .map((c) => {
    const out: IceCandidate = { ...c, transport: 'udp', extensions: [] }
    if (c.type !== 'host') {
      out.relatedAddress = '127.0.0.1'
      out.relatedPort = 9
    }
    return out
  })

/** The ICE identity of a live session a trickle body is aimed at. */
export interface TrickleSession {
  ufrag: string
  pwd: string
  /** The mids of the offer, in order (at least one). */
  mids: string[]
  /** The `m=` line values per mid (RFC 9725 copies kind/proto/formats from the offer), default `audio 9 RTP/AVP 0`. */
  mlines?: string[]
}

/** A trickle PATCH body, as data. */
export interface TrickleFragmentSpec {
  /** Which credentials the body carries: the session's, new ones (an ICE restart), or none. */
  credentials: 'session' | 'restart' | 'none'
  /** New ufrag/pwd used when `credentials` is `restart`. */
  restartUfrag: string
  restartPwd: string
  /** Candidates, each for the mid at `mid % mids.length`. */
  candidates: Array<{ mid: number; candidate: IceCandidate }>
  endOfCandidates: 'none' | 'session' | 'media'
}

/** Valid trickle fragment specs (the body text comes from {@link buildTrickleFragment}). */
export const trickleFragment: fc.Arbitrary<TrickleFragmentSpec> = fc.record({
  credentials: fc.constantFrom('session' as const, 'none' as const, 'restart' as const),
  restartUfrag: iceChars(4, 8),
  restartPwd: iceChars(22, 24),
  candidates: fc.array(fc.record({ mid: fc.nat(3), candidate: loopbackCandidate }), { maxLength: 4 }),
  endOfCandidates: fc.constantFrom('none' as const, 'session' as const, 'media' as const),
})

/**
 * The `application/trickle-ice-sdpfrag` body of a spec for a session, in the RFC 9725 §4.3.1 layout:
 * credentials and the m= line of the first mid, its `a=mid`, candidates, end-of-candidates.
 */
export function buildTrickleFragment(session: TrickleSession, spec: TrickleFragmentSpec): string {
  const lines: string[] = []
  if (spec.credentials !== 'none') {
    lines.push(`a=ice-ufrag:${spec.credentials === 'restart' ? spec.restartUfrag : session.ufrag}`)
    lines.push(`a=ice-pwd:${spec.credentials === 'restart' ? spec.restartPwd : session.pwd}`)
  }
  if (spec.endOfCandidates === 'session') lines.push('a=end-of-candidates')
  const mids = session.mids.length ? session.mids : ['0']
  const byMid = new Map<number, IceCandidate[]>()
  for (const c of spec.candidates) {
    const i = c.mid % mids.length
    byMid.set(i, [...(byMid.get(i) ?? []), c.candidate])
  }
  if (byMid.size === 0) byMid.set(0, [])
  for (const [i, cands] of [...byMid.entries()].sort((a, b) => a[0] - b[0])) {
    lines.push(`m=${session.mlines?.[i] ?? 'audio 9 RTP/AVP 0'}`, `a=mid:${mids[i]}`)
    for (const c of cands) lines.push(serializeCandidate(c, { prefix: 'a=candidate:' }))
    if (spec.endOfCandidates === 'media') lines.push('a=end-of-candidates')
  }
  return lines.map((l) => `${l}\r\n`).join('')
}

/** A trickle body spec plus structure-aware mutations of its text. */
export interface MutatedTrickleSpec {
  fragment: TrickleFragmentSpec
  mutations: SdpMutation[]
}

/** Trickle bodies with 0..3 mutations (0 = a valid body, so both the accepting and the rejecting paths run). */
export const mutatedTrickleFragment: fc.Arbitrary<MutatedTrickleSpec> = fc.record({
  fragment: trickleFragment,
  mutations: fc.array(sdpMutation, { maxLength: 3 }),
})

/** The body text of a {@link MutatedTrickleSpec} for a session. */
export function buildMutatedTrickleFragment(session: TrickleSession, spec: MutatedTrickleSpec): string {
  return applySdpMutations(buildTrickleFragment(session, spec.fragment), spec.mutations)
}
