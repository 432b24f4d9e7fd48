/**
 * `rtcspec/wire`: the wire formats, pure functions with no I/O, one namespace each — `sdp` (parse, serialize,
 * codecs, lint), `ice` (candidates, STUN, trickle sdpfrag and JSON, ICE server URLs, TURN REST credentials),
 * `rtp` (RTP/RTCP packets, RFC 3550 statistics, RFC 4733 events, pcap) and `sip` (SIP messages, headers,
 * framing, routing, digest authentication).
 *
 * ```ts
 * import { sdp } from 'rtcspec/wire'
 * const offer = sdp.parseSdp(text)
 * ```
 * @module
 */
export * as sdp from '../sdp/index.ts'
export * as ice from '../ice/index.ts'
export * as rtp from '../rtp/index.ts'
export * as sip from '../sip/index.ts'
