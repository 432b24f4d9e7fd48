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
/** SDP (RFC 8866 and the WebRTC attributes): parse and serialize with byte-exact round trips, codecs, lint. */
export * as sdp from '../sdp/index.ts'
/** ICE: candidates, STUN, trickle sdpfrag and JSON, ICE server URLs, TURN REST credentials. */
export * as ice from '../ice/index.ts'
/** RTP and RTCP packets, RFC 3550 statistics, RFC 4733 telephone-events, pcap. */
export * as rtp from '../rtp/index.ts'
/** SIP messages: parsing, headers, framing, routing, digest authentication. */
export * as sip from '../sip/index.ts'
