/**
 * The SDP model. Every line of the input is kept, in order, either in a typed form or in a generic
 * form (`field` / `attribute`). The parser keeps the typed form only when formatting it gives back
 * the original text exactly, so `serializeSdp(parseSdp(x)) === x` always holds; the accessors in
 * `session.ts` / `media.ts` still read generic lines leniently, so typed views work for sloppy input.
 */

/** The line terminator of an SDP: CRLF as RFC 8866 requires, or bare LF as many tools write. */
export type LineEnding = '\r\n' | '\n'

/** Fields every line node may carry. */
export interface LineBase {
  /** This line's terminator when it differs from {@link SessionDescription.lineEnding} (mixed-ending input). */
  eol?: LineEnding
}

/** A whole session description: session-level lines, then the media sections. */
export interface SessionDescription {
  /** The terminator used after each line (taken from the first line of the input). */
  lineEnding: LineEnding
  /** Exact text after the last line, normally equal to `lineEnding`; `''` when the input had no final terminator. */
  trailer: string
  /** Session-level lines in input order, starting with `v=`, `o=`, `s=`. */
  lines: SdpLine[]
  /** Media sections in input order. */
  media: MediaSection[]
}

/** One media section: its `m=` line and the lines up to the next `m=`. */
export interface MediaSection {
  /** The `m=` line, typed when canonical, else generic (read it with `mediaLine(section)`). */
  mline: MediaLineNode | FieldLine
  /** Media-level lines in input order. */
  lines: SdpLine[]
}

/** The parts of an `m=` line: `m=<media> <port>[/<count>] <proto> <fmt> ...`. */
export interface MediaLine {
  /** `audio`, `video`, `application`, `text`, `message`, ... */
  media: string
  /** Transport port (0 = section rejected / bundle-only). */
  port: number
  /** Number of ports when `<port>/<count>` was given. */
  portCount?: number
  /** Transport protocol, e.g. `UDP/TLS/RTP/SAVPF`, `RTP/AVP`, `UDP/DTLS/SCTP`. */
  proto: string
  /** Media formats: RTP payload types as strings, or e.g. `webrtc-datachannel`. */
  formats: string[]
}

/** A typed `m=` line node. */
export interface MediaLineNode extends LineBase, MediaLine {
  kind: 'media'
}

/** Any line kept verbatim: `<letter>=<value>`. Used for v, s, i, u, e, p, r, z, k and non-canonical o/c/b/t/m. */
export interface FieldLine extends LineBase {
  kind: 'field'
  /** The type letter, e.g. `s`. */
  letter: string
  /** Everything after `=`, verbatim. */
  value: string
}

/** `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 §5.2). */
export interface Origin {
  username: string
  /** Kept as a string: real session ids exceed 2^53. */
  sessionId: string
  /** Kept as a string: real versions exceed 2^53. */
  sessionVersion: string
  netType: string
  addrType: string
  address: string
}

/** A typed `o=` line. */
export interface OriginLine extends LineBase, Origin {
  kind: 'origin'
}

/** `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7). */
export interface Connection {
  netType: string
  addrType: string
  /** The address as written, including any `/ttl` or `/count` suffix. */
  address: string
}

/** A typed `c=` line. */
export interface ConnectionLine extends LineBase, Connection {
  kind: 'connection'
}

/** `b=<bwtype>:<bandwidth>` (RFC 8866 §5.8). */
export interface Bandwidth {
  /** `AS`, `CT`, `TIAS`, ... */
  type: string
  /** Kilobits per second for AS/CT, bits per second for TIAS. */
  bandwidth: number
}

/** A typed `b=` line. */
export interface BandwidthLine extends LineBase, Bandwidth {
  kind: 'bandwidth'
}

/** `t=<start-time> <stop-time>` (RFC 8866 §5.9), NTP seconds; `0 0` is an unbounded session. */
export interface Timing {
  start: number
  stop: number
}

/** A typed `t=` line. */
export interface TimingLine extends LineBase, Timing {
  kind: 'timing'
}

/** Media direction attributes (RFC 8866 §6.7). */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'

/** DTLS setup roles (RFC 4145 / RFC 8842). */
export type SetupRole = 'actpass' | 'active' | 'passive' | 'holdconn'

/** One simulcast stream in a `a=simulcast` alternative list (RFC 8853); `~` marks it paused. */
export interface SimulcastStream {
  rid: string
  paused: boolean
}

/** Any attribute we do not type (or that was not canonical): `a=<name>` or `a=<name>:<value>`. */
export interface GenericAttribute extends LineBase {
  kind: 'attribute'
  name: string
  /** `undefined` for a property attribute written without `:` (`a=x-flag`); `''` for `a=x-flag:`. */
  value?: string
}

/** Attributes that carry no value. */
export type FlagAttributeKind = 'rtcp-mux' | 'rtcp-mux-only' | 'rtcp-rsize' | 'ice-lite' | 'end-of-candidates' | 'extmap-allow-mixed' | 'bundle-only'

/** A value-less attribute such as `a=rtcp-mux`. */
export interface FlagAttribute extends LineBase {
  kind: FlagAttributeKind
}

/** `a=sendrecv` / `a=sendonly` / `a=recvonly` / `a=inactive`. */
export interface DirectionAttribute extends LineBase {
  kind: 'direction'
  direction: Direction
}

/** `a=group:<semantics> <mid> ...` (RFC 9143 BUNDLE, RFC 5888). */
export interface GroupAttribute extends LineBase {
  kind: 'group'
  semantics: string
  mids: string[]
}

/** `a=mid:<id>` (RFC 5888). */
export interface MidAttribute extends LineBase {
  kind: 'mid'
  mid: string
}

/** `a=msid:<stream-id> [<track-id>]` (RFC 8830). */
export interface MsidAttribute extends LineBase {
  kind: 'msid'
  streamId: string
  trackId?: string
}

/** `a=msid-semantic:<semantic> [<id> ...]` (legacy WMS). */
export interface MsidSemanticAttribute extends LineBase {
  kind: 'msid-semantic'
  semantic: string
  identifiers: string[]
}

/** `a=ice-ufrag:<ufrag>` (RFC 8839). */
export interface IceUfragAttribute extends LineBase {
  kind: 'ice-ufrag'
  ufrag: string
}

/** `a=ice-pwd:<pwd>` (RFC 8839). */
export interface IcePwdAttribute extends LineBase {
  kind: 'ice-pwd'
  pwd: string
}

/** `a=ice-options:<option> ...` (RFC 8839). */
export interface IceOptionsAttribute extends LineBase {
  kind: 'ice-options'
  options: string[]
}

/** `a=fingerprint:<hash-func> <fingerprint>` (RFC 8122). */
export interface FingerprintAttribute extends LineBase {
  kind: 'fingerprint'
  /** e.g. `sha-256`. */
  hashFunction: string
  /** Colon-separated upper-case hex, as written. */
  fingerprint: string
}

/** `a=setup:<role>` (RFC 4145). */
export interface SetupAttribute extends LineBase {
  kind: 'setup'
  role: SetupRole
}

/** `a=rtcp:<port> [<nettype> <addrtype> <address>]` (RFC 3605). */
export interface RtcpAttribute extends LineBase {
  kind: 'rtcp'
  port: number
  netType?: string
  addrType?: string
  address?: string
}

/** `a=rtpmap:<pt> <encoding>/<clock>[/<params>]` (RFC 8866 §6.6). */
export interface RtpmapAttribute extends LineBase {
  kind: 'rtpmap'
  payloadType: number
  encodingName: string
  clockRate: number
  /** For audio, the number of channels. */
  encodingParameters?: number
}

/** `a=fmtp:<format> <parameters>` (RFC 8866 §6.15). */
export interface FmtpAttribute extends LineBase {
  kind: 'fmtp'
  /** Payload type as written (`111`) or a non-RTP format (`webrtc-datachannel`). */
  format: string
  /** Format-specific parameters verbatim; split `k=v;k=v` ones with `fmtpParameters`. */
  parameters: string
}

/** `a=rtcp-fb:<pt|*> <type> [<parameters>]` (RFC 4585). */
export interface RtcpFbAttribute extends LineBase {
  kind: 'rtcp-fb'
  payloadType: number | '*'
  /** `nack`, `ccm`, `goog-remb`, `transport-cc`, `trr-int`, ... */
  type: string
  /** e.g. `pli` for `nack pli`, `fir` for `ccm fir`. */
  parameters?: string
}

/** `a=extmap:<id>[/<direction>] <uri> [<attributes>]` (RFC 8285). */
export interface ExtmapAttribute extends LineBase {
  kind: 'extmap'
  id: number
  direction?: Direction
  uri: string
  attributes?: string
}

/** `a=ssrc:<ssrc> <attribute>[:<value>]` (RFC 5576). */
export interface SsrcAttribute extends LineBase {
  kind: 'ssrc'
  ssrc: number
  /** The source attribute name: `cname`, `msid`, ... */
  attribute: string
  value?: string
}

/** `a=ssrc-group:<semantics> <ssrc> ...` (RFC 5576). */
export interface SsrcGroupAttribute extends LineBase {
  kind: 'ssrc-group'
  /** `FID`, `SIM`, `FEC-FR`, ... */
  semantics: string
  ssrcs: number[]
}

/** `a=simulcast:[send <alts>] [recv <alts>]` (RFC 8853). Each alternative list is `;`-separated, alternatives `,`-separated. */
export interface SimulcastAttribute extends LineBase {
  kind: 'simulcast'
  send?: SimulcastStream[][]
  recv?: SimulcastStream[][]
  /** True when `recv` was written before `send`. */
  recvFirst?: boolean
}

/** `a=rid:<id> <send|recv> [<restrictions>]` (RFC 8851). */
export interface RidAttribute extends LineBase {
  kind: 'rid'
  id: string
  direction: 'send' | 'recv'
  /** Restrictions verbatim, e.g. `pt=97;max-width=1280`; split with `fmtpParameters`. */
  restrictions?: string
}

/** `a=sctp-port:<port>` (RFC 8841). */
export interface SctpPortAttribute extends LineBase {
  kind: 'sctp-port'
  port: number
}

/** `a=max-message-size:<bytes>` (RFC 8841). */
export interface MaxMessageSizeAttribute extends LineBase {
  kind: 'max-message-size'
  size: number
}

/** `a=ptime:<ms>` / `a=maxptime:<ms>` (RFC 8866 §6.4, §6.5). */
export interface PtimeAttribute extends LineBase {
  kind: 'ptime' | 'maxptime'
  ms: number
}

/** `a=candidate:<value>`; the value is kept as a string (the grammar lives in `src/ice`). */
export interface CandidateAttribute extends LineBase {
  kind: 'candidate'
  /** Everything after `candidate:`. */
  value: string
}

/** Every typed attribute. */
export type TypedAttribute =
  | FlagAttribute
  | DirectionAttribute
  | GroupAttribute
  | MidAttribute
  | MsidAttribute
  | MsidSemanticAttribute
  | IceUfragAttribute
  | IcePwdAttribute
  | IceOptionsAttribute
  | FingerprintAttribute
  | SetupAttribute
  | RtcpAttribute
  | RtpmapAttribute
  | FmtpAttribute
  | RtcpFbAttribute
  | ExtmapAttribute
  | SsrcAttribute
  | SsrcGroupAttribute
  | SimulcastAttribute
  | RidAttribute
  | SctpPortAttribute
  | MaxMessageSizeAttribute
  | PtimeAttribute
  | CandidateAttribute

/** Any `a=` line: typed, or generic. */
export type Attribute = TypedAttribute | GenericAttribute

/** Any non-`m=` line. */
export type SdpLine = FieldLine | OriginLine | ConnectionLine | BandwidthLine | TimingLine | Attribute

/** Narrow `Attribute` by its `kind`. */
export type AttributeOfKind<K extends TypedAttribute['kind']> = TypedAttribute extends infer T
  ? T extends { kind: infer TK }
    ? K extends TK
      ? T
      : never
    : never
  : never
