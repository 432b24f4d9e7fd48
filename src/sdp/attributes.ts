/**
 * Parse and format the value of each typed attribute. Parsing is lenient about whitespace (it splits
 * on runs of spaces/tabs after trimming); the SDP parser keeps a typed attribute only when formatting
 * it reproduces the input exactly, and otherwise keeps it generic.
 */
import type { Attribute, Direction, FlagAttributeKind, GenericAttribute, SetupRole, SimulcastStream, TypedAttribute } from './types.ts'

/** Split on runs of spaces/tabs after trimming; `''` gives `[]`. */
export function tokens(value: string): string[] {
  const t = value.trim()
  return t === '' ? [] : t.split(/[ \t]+/)
}

/** A non-negative integer written in decimal, at most 15 digits (so it is exact as a JS number). */
export function parseUint(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9]{1,15}$/.test(text)) return undefined
  return Number(text)
}

/** True when `name` is an RFC 8866 `token` (the grammar of attribute names, media types, bwtypes). */
export function isToken(name: string): boolean {
  return /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/.test(name)
}

const FLAGS: ReadonlySet<string> = new Set<FlagAttributeKind>([
  'rtcp-mux',
  'rtcp-mux-only',
  'rtcp-rsize',
  'ice-lite',
  'end-of-candidates',
  'extmap-allow-mixed',
  'bundle-only',
])
const DIRECTIONS: ReadonlySet<string> = new Set<Direction>(['sendrecv', 'sendonly', 'recvonly', 'inactive'])
const SETUP_ROLES: ReadonlySet<string> = new Set<SetupRole>(['actpass', 'active', 'passive', 'holdconn'])

/** True for `sendrecv`, `sendonly`, `recvonly`, `inactive`. */
export function isDirection(text: string): text is Direction {
  return DIRECTIONS.has(text)
}

type Parsed = TypedAttribute | undefined

/** Split `value` at the first run of whitespace: `[head, rest]` (rest trimmed; `''` when absent). */
function head(value: string): [string, string] {
  const t = value.trim()
  const m = /[ \t]/.exec(t)
  if (!m) return [t, '']
  return [t.slice(0, m.index), t.slice(m.index).trim()]
}

function parseSimulcastList(text: string): SimulcastStream[][] | undefined {
  const list: SimulcastStream[][] = []
  for (const alt of text.split(';')) {
    const streams: SimulcastStream[] = []
    for (const item of alt.split(',')) {
      const paused = item.startsWith('~')
      const rid = paused ? item.slice(1) : item
      if (rid === '' || !isToken(rid)) return undefined
      streams.push({ rid, paused })
    }
    list.push(streams)
  }
  return list
}

function formatSimulcastList(list: SimulcastStream[][]): string {
  return list.map((alt) => alt.map((s) => (s.paused ? '~' : '') + s.rid).join(',')).join(';')
}

/** Parsers by attribute name. Each takes the text after `a=<name>:` (or undefined for `a=<name>`). */
const PARSERS: Record<string, (value: string) => Parsed> = {
  group(v) {
    const [semantics, ...mids] = tokens(v)
    return semantics ? { kind: 'group', semantics, mids } : undefined
  },
  mid(v) {
    const t = v.trim()
    return t === '' || /[ \t]/.test(t) ? undefined : { kind: 'mid', mid: t }
  },
  msid(v) {
    const parts = tokens(v)
    if (parts.length < 1 || parts.length > 2 || parts[0] === undefined) return undefined
    return parts[1] === undefined ? { kind: 'msid', streamId: parts[0] } : { kind: 'msid', streamId: parts[0], trackId: parts[1] }
  },
  'msid-semantic'(v) {
    const [semantic, ...identifiers] = tokens(v)
    return semantic ? { kind: 'msid-semantic', semantic, identifiers } : undefined
  },
  'ice-ufrag'(v) {
    const t = v.trim()
    return t === '' || /[ \t]/.test(t) ? undefined : { kind: 'ice-ufrag', ufrag: t }
  },
  'ice-pwd'(v) {
    const t = v.trim()
    return t === '' || /[ \t]/.test(t) ? undefined : { kind: 'ice-pwd', pwd: t }
  },
  'ice-options'(v) {
    const options = tokens(v)
    return options.length ? { kind: 'ice-options', options } : undefined
  },
  fingerprint(v) {
    const parts = tokens(v)
    if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined
    return { kind: 'fingerprint', hashFunction: parts[0], fingerprint: parts[1] }
  },
  setup(v) {
    const t = v.trim()
    return SETUP_ROLES.has(t) ? { kind: 'setup', role: t as SetupRole } : undefined
  },
  rtcp(v) {
    const parts = tokens(v)
    const port = parseUint(parts[0])
    if (port === undefined || port > 65535) return undefined
    if (parts.length === 1) return { kind: 'rtcp', port }
    if (parts.length !== 4) return undefined
    return { kind: 'rtcp', port, netType: parts[1], addrType: parts[2], address: parts[3] }
  },
  rtpmap(v) {
    const [pt, rest] = head(v)
    const payloadType = parseUint(pt)
    if (payloadType === undefined || payloadType > 127 || rest === '' || /[ \t]/.test(rest)) return undefined
    const [encodingName, clock, params, ...extra] = rest.split('/')
    const clockRate = parseUint(clock)
    if (!encodingName || clockRate === undefined || extra.length) return undefined
    if (params === undefined) return { kind: 'rtpmap', payloadType, encodingName, clockRate }
    const encodingParameters = parseUint(params)
    return encodingParameters === undefined ? undefined : { kind: 'rtpmap', payloadType, encodingName, clockRate, encodingParameters }
  },
  fmtp(v) {
    const [format, parameters] = head(v)
    return format === '' ? undefined : { kind: 'fmtp', format, parameters }
  },
  'rtcp-fb'(v) {
    const [pt, rest] = head(v)
    const payloadType = pt === '*' ? '*' : parseUint(pt)
    if (payloadType === undefined || (payloadType !== '*' && payloadType > 127)) return undefined
    const [type, parameters] = head(rest)
    if (type === '') return undefined
    return parameters === '' ? { kind: 'rtcp-fb', payloadType, type } : { kind: 'rtcp-fb', payloadType, type, parameters }
  },
  extmap(v) {
    const [idPart, rest] = head(v)
    const slash = idPart.indexOf('/')
    const id = parseUint(slash < 0 ? idPart : idPart.slice(0, slash))
    const dir = slash < 0 ? undefined : idPart.slice(slash + 1)
    if (id === undefined || (dir !== undefined && !isDirection(dir))) return undefined
    const [uri, attributes] = head(rest)
    if (uri === '') return undefined
    const a: TypedAttribute = { kind: 'extmap', id, uri }
    if (dir !== undefined) a.direction = dir
    if (attributes !== '') a.attributes = attributes
    return a
  },
  ssrc(v) {
    const [id, rest] = head(v)
    const ssrc = parseUint(id)
    if (ssrc === undefined || ssrc > 0xffffffff || rest === '') return undefined
    const colon = rest.indexOf(':')
    if (colon < 0) return { kind: 'ssrc', ssrc, attribute: rest }
    return { kind: 'ssrc', ssrc, attribute: rest.slice(0, colon), value: rest.slice(colon + 1) }
  },
  'ssrc-group'(v) {
    const [semantics, ...ids] = tokens(v)
    if (!semantics) return undefined
    const ssrcs: number[] = []
    for (const id of ids) {
      const n = parseUint(id)
      if (n === undefined || n > 0xffffffff) return undefined
      ssrcs.push(n)
    }
    return { kind: 'ssrc-group', semantics, ssrcs }
  },
  simulcast(v) {
    const parts = tokens(v)
    if (parts.length !== 2 && parts.length !== 4) return undefined
    const a: TypedAttribute = { kind: 'simulcast' }
    for (let i = 0; i < parts.length; i += 2) {
      const dir = parts[i]
      const list = parseSimulcastList(parts[i + 1] ?? '')
      if (!list || (dir !== 'send' && dir !== 'recv') || a[dir]) return undefined
      a[dir] = list
      if (i === 0 && dir === 'recv' && parts.length === 4) a.recvFirst = true
    }
    return a
  },
  rid(v) {
    const parts = tokens(v)
    const [id, direction, restrictions] = parts
    if (!id || (direction !== 'send' && direction !== 'recv') || parts.length > 3) return undefined
    return restrictions === undefined ? { kind: 'rid', id, direction } : { kind: 'rid', id, direction, restrictions }
  },
  'sctp-port'(v) {
    const port = parseUint(v.trim())
    return port === undefined || port > 65535 ? undefined : { kind: 'sctp-port', port }
  },
  'max-message-size'(v) {
    const size = parseUint(v.trim())
    return size === undefined ? undefined : { kind: 'max-message-size', size }
  },
  ptime(v) {
    const ms = parseDecimal(v.trim())
    return ms === undefined ? undefined : { kind: 'ptime', ms }
  },
  maxptime(v) {
    const ms = parseDecimal(v.trim())
    return ms === undefined ? undefined : { kind: 'maxptime', ms }
  },
  candidate(v) {
    return v.trim() === '' ? undefined : { kind: 'candidate', value: v.trim() }
  },
}

function parseDecimal(text: string): number | undefined {
  if (!/^[0-9]{1,9}(\.[0-9]{1,6})?$/.test(text)) return undefined
  return Number(text)
}

/**
 * Parse an attribute's value into its typed form, leniently about whitespace.
 * Returns undefined when the name is not one we type or the value does not fit its grammar.
 *
 * @param name  attribute name (the text between `a=` and `:`)
 * @param value text after `:`, or undefined for a property attribute (`a=rtcp-mux`)
 */
export function parseAttributeValue(name: string, value: string | undefined): TypedAttribute | undefined {
  if (value === undefined) {
    if (FLAGS.has(name)) return { kind: name as FlagAttributeKind }
    if (isDirection(name)) return { kind: 'direction', direction: name }
    return undefined
  }
  const parse = Object.hasOwn(PARSERS, name) ? PARSERS[name] : undefined
  return parse ? parse(value) : undefined
}

/** The attribute name a typed attribute is written with (`direction` ones use the direction). */
export function attributeName(a: Attribute): string {
  if (a.kind === 'attribute') return a.name
  if (a.kind === 'direction') return a.direction
  return a.kind
}

/** The text after `a=<name>:` for an attribute, or undefined for a property attribute. */
export function formatAttributeValue(a: Attribute): string | undefined {
  switch (a.kind) {
    case 'attribute':
      return a.value
    case 'rtcp-mux':
    case 'rtcp-mux-only':
    case 'rtcp-rsize':
    case 'ice-lite':
    case 'end-of-candidates':
    case 'extmap-allow-mixed':
    case 'bundle-only':
    case 'direction':
      return undefined
    case 'group':
      return [a.semantics, ...a.mids].join(' ')
    case 'mid':
      return a.mid
    case 'msid':
      return a.trackId === undefined ? a.streamId : `${a.streamId} ${a.trackId}`
    case 'msid-semantic':
      return [a.semantic, ...a.identifiers].join(' ')
    case 'ice-ufrag':
      return a.ufrag
    case 'ice-pwd':
      return a.pwd
    case 'ice-options':
      return a.options.join(' ')
    case 'fingerprint':
      return `${a.hashFunction} ${a.fingerprint}`
    case 'setup':
      return a.role
    case 'rtcp':
      return a.address === undefined ? String(a.port) : `${a.port} ${a.netType ?? 'IN'} ${a.addrType ?? 'IP4'} ${a.address}`
    case 'rtpmap':
      return `${a.payloadType} ${a.encodingName}/${a.clockRate}${a.encodingParameters === undefined ? '' : `/${a.encodingParameters}`}`
    case 'fmtp':
      return `${a.format} ${a.parameters}`
    case 'rtcp-fb':
      return `${a.payloadType} ${a.type}${a.parameters === undefined ? '' : ` ${a.parameters}`}`
    case 'extmap':
      return `${a.id}${a.direction === undefined ? '' : `/${a.direction}`} ${a.uri}${a.attributes === undefined ? '' : ` ${a.attributes}`}`
    case 'ssrc':
      return `${a.ssrc} ${a.attribute}${a.value === undefined ? '' : `:${a.value}`}`
    case 'ssrc-group':
      return [a.semantics, ...a.ssrcs.map(String)].join(' ')
    case 'simulcast': {
      const send = a.send ? `send ${formatSimulcastList(a.send)}` : undefined
      const recv = a.recv ? `recv ${formatSimulcastList(a.recv)}` : undefined
      const parts = a.recvFirst ? [recv, send] : [send, recv]
      return parts.filter((p) => p !== undefined).join(' ')
    }
    case 'rid':
      return `${a.id} ${a.direction}${a.restrictions === undefined ? '' : ` ${a.restrictions}`}`
    case 'sctp-port':
      return String(a.port)
    case 'max-message-size':
      return String(a.size)
    case 'ptime':
    case 'maxptime':
      return String(a.ms)
    case 'candidate':
      return a.value
  }
}

/** The text of an `a=` line without its terminator, e.g. `a=rtpmap:111 opus/48000/2`. */
export function formatAttribute(a: Attribute): string {
  const value = formatAttributeValue(a)
  return `a=${attributeName(a)}${value === undefined ? '' : `:${value}`}`
}

/**
 * Build the model node for `a=<name>[:<value>]`: typed when formatting the typed form reproduces the
 * text exactly, generic otherwise. Never throws.
 */
export function attributeFromText(name: string, value: string | undefined): Attribute {
  const typed = parseAttributeValue(name, value)
  if (typed && formatAttributeValue(typed) === value && attributeName(typed) === name) return typed
  const generic: GenericAttribute = { kind: 'attribute', name }
  if (value !== undefined) generic.value = value
  return generic
}

/**
 * The typed view of an attribute: itself when typed, else a lenient parse of a generic one
 * (e.g. `a=rtpmap:8 PCMA/8000 ` with a trailing space), else the generic attribute unchanged.
 */
export function resolveAttribute(a: Attribute): Attribute {
  if (a.kind !== 'attribute') return a
  return parseAttributeValue(a.name.trim(), a.value) ?? a
}
