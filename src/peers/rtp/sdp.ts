/**
 * SDP for plain RTP/AVP endpoints (RFC 3264 offer/answer, RFC 3551 audio profile): what rtcspec's
 * plain-RTP peer offers and answers, and what it reads from the far end's description.
 */
import { RtcspecError } from '../../errors.ts'
import { codecs as sdpCodecs, connection, direction, mediaLine, parseSdp, rtcpAttribute, rtcpMux, type Codec } from '../../sdp/index.ts'
import type { Direction } from '../types.ts'

/** One payload format to put on the m= line. */
export interface RtpFormat {
  payloadType: number
  encoding: string
  clockRate: number
  channels?: number
  fmtp?: string
}

/** Input of {@link buildRtpSdp}. */
export interface BuildRtpSdpInput {
  sessionId: number
  version: number
  address: string
  port: number
  formats: RtpFormat[]
  direction: Direction
  ptimeMs: number
  /** Write `a=rtcp:<port>` (RFC 3605) when RTCP is not on port+1. */
  rtcpPort?: number
}

/** Builds an audio-only RTP/AVP session description. */
export function buildRtpSdp(input: BuildRtpSdpInput): string {
  const ip = input.address.includes(':') ? 'IP6' : 'IP4'
  const lines = [
    'v=0',
    `o=rtcspec ${input.sessionId} ${input.version} IN ${ip} ${input.address}`,
    's=rtcspec',
    `c=IN ${ip} ${input.address}`,
    't=0 0',
    `m=audio ${input.port} RTP/AVP ${input.formats.map((f) => f.payloadType).join(' ')}`,
  ]
  for (const f of input.formats) {
    lines.push(`a=rtpmap:${f.payloadType} ${f.encoding}/${f.clockRate}${f.channels && f.channels > 1 ? `/${f.channels}` : ''}`)
    if (f.fmtp) lines.push(`a=fmtp:${f.payloadType} ${f.fmtp}`)
  }
  if (input.rtcpPort !== undefined && input.rtcpPort !== input.port + 1) lines.push(`a=rtcp:${input.rtcpPort}`)
  lines.push(`a=ptime:${input.ptimeMs}`, `a=${input.direction}`)
  return `${lines.join('\r\n')}\r\n`
}

/** What the plain-RTP peer needs from a remote description. */
export interface RemoteRtpMedia {
  address: string
  port: number
  rtcpPort: number
  rtcpMux: boolean
  proto: string
  codecs: Codec[]
  direction: Direction
}

/** Reads the first audio section of a remote SDP. Throws an RtcspecError saying what is missing. */
export function readRemoteRtpMedia(sdp: string): RemoteRtpMedia {
  const desc = parseSdp(sdp)
  const section = desc.media.find((m) => mediaLine(m).media === 'audio')
  if (!section) throw new RtcspecError('SDP_NO_AUDIO', 'the remote SDP has no audio m= line', { hint: 'a plain-RTP peer carries audio only' })
  const m = mediaLine(section)
  const c = connection(section, desc)
  if (!c) throw new RtcspecError('SDP_NO_CONNECTION', 'the remote audio section has no c= line (neither media nor session level)')
  if (!/^RTP\/S?AVPF?$/.test(m.proto)) {
    throw new RtcspecError('SDP_PROTO', `the remote offers ${m.proto}, a plain-RTP peer speaks RTP/AVP`, {
      hint: 'for DTLS-SRTP (UDP/TLS/RTP/SAVPF) use a werift peer (media: "webrtc")',
    })
  }
  const rtcp = rtcpAttribute(section)
  return {
    address: c.address,
    port: m.port,
    rtcpPort: rtcp?.port ?? m.port + 1,
    rtcpMux: rtcpMux(section),
    proto: m.proto,
    codecs: sdpCodecs(section),
    direction: direction(section, desc) as Direction,
  }
}

/** The direction an answerer uses given the offer's direction and its own wish (RFC 3264 §6.1). */
export function answerDirection(offered: Direction, wanted: Direction): Direction {
  const canSend = (wanted === 'sendrecv' || wanted === 'sendonly') && (offered === 'sendrecv' || offered === 'recvonly')
  const canRecv = (wanted === 'sendrecv' || wanted === 'recvonly') && (offered === 'sendrecv' || offered === 'sendonly')
  return canSend && canRecv ? 'sendrecv' : canSend ? 'sendonly' : canRecv ? 'recvonly' : 'inactive'
}
