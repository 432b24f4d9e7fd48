/**
 * Rewrites the transport address of an ICE candidate line so the remote peer sends to the relay.
 * Deliberately small: the full candidate grammar (RFC 8839 §5.1) lives in src/ice.
 */
import { RtcspecError } from '../errors.ts'
import type { TransportAddress } from './loopback.ts'

/**
 * Replaces connection-address and port of an ICE candidate string with `proxy`'s.
 * Accepts `candidate:F C udp PRIO ADDR PORT typ T ...`, with or without a leading `a=`,
 * and keeps every other token (including raddr/rport and extensions) unchanged.
 * Only UDP candidates can be rewritten: the relay is UDP-only.
 * @throws RtcspecError `CANDIDATE_REWRITE` when the line does not have the shape above.
 */
export function rewriteCandidate(candidateLine: string, proxy: TransportAddress): string {
  const trailing = /\s*$/.exec(candidateLine)?.[0] ?? ''
  const body = candidateLine.slice(0, candidateLine.length - trailing.length)
  const m = /^(a=)?(candidate:\S+)( +)(\S+)( +)(\S+)( +)(\S+)( +)(\S+)( +)(\S+)( +typ\b.*)$/i.exec(body)
  if (m === null) {
    throw new RtcspecError('CANDIDATE_REWRITE', `not an ICE candidate line: ${JSON.stringify(candidateLine.slice(0, 200))}`, {
      hint: 'expected "candidate:<foundation> <component> udp <priority> <address> <port> typ <type> ..."',
    })
  }
  const [, prefix = '', foundation, s1, component, s2, transport, s3, priority, s4, , s5, , rest] = m
  if ((transport ?? '').toLowerCase() !== 'udp') {
    throw new RtcspecError('CANDIDATE_REWRITE', `candidate transport is ${JSON.stringify(transport)}, only udp can be relayed`, {
      hint: 'filter out TCP candidates before handing them through the UDP impairment relay',
    })
  }
  return `${prefix}${foundation}${s1}${component}${s2}${transport}${s3}${priority}${s4}${proxy.address}${s5}${proxy.port}${rest}${trailing}`
}
