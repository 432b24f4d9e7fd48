/**
 * STUN messages (RFC 8489) with the TURN attributes rtcspec needs (RFC 8656): encode a request with
 * long-term-credential MESSAGE-INTEGRITY, decode a response, read ERROR-CODE / REALM / NONCE /
 * XOR-*-ADDRESS. Pure functions, no I/O: `src/net/turn-client.ts` does the talking.
 *
 * Only what a TURN client probe needs is here (Binding, Allocate, Refresh); it is not a full STUN stack.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { ParseError } from '../errors.ts'

/** The STUN magic cookie (RFC 8489 §5). */
export const STUN_MAGIC_COOKIE = 0x2112a442

/** STUN/TURN methods rtcspec uses. */
export const StunMethod = { binding: 0x001, allocate: 0x003, refresh: 0x004 } as const

/** STUN message classes. */
export type StunClass = 'request' | 'indication' | 'success' | 'error'

/** Attribute types rtcspec reads or writes. */
export const StunAttr = {
  mappedAddress: 0x0001,
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  lifetime: 0x000d,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
  realm: 0x0014,
  nonce: 0x0015,
  xorMappedAddress: 0x0020,
  software: 0x8022,
  fingerprint: 0x8028,
} as const

/** One attribute: its type and raw value (without padding). */
export interface StunAttribute {
  type: number
  value: Uint8Array
}

/** A decoded STUN message. */
export interface StunMessage {
  method: number
  cls: StunClass
  /** 12 bytes. */
  transactionId: Uint8Array
  attributes: StunAttribute[]
}

const CLASS_BITS: Record<StunClass, number> = { request: 0x0000, indication: 0x0010, success: 0x0100, error: 0x0110 }

function messageType(method: number, cls: StunClass): number {
  const m = method & 0xfff
  return ((m & 0xf80) << 2) | ((m & 0x070) << 1) | (m & 0x00f) | CLASS_BITS[cls]
}

function splitType(type: number): { method: number; cls: StunClass } {
  const method = ((type & 0x3e00) >> 2) | ((type & 0x00e0) >> 1) | (type & 0x000f)
  const c = type & 0x0110
  const cls: StunClass = c === 0x0000 ? 'request' : c === 0x0010 ? 'indication' : c === 0x0100 ? 'success' : 'error'
  return { method, cls }
}

/** The long-term credential key: MD5(username ":" realm ":" password) (RFC 8489 §9.2.2). */
export function longTermKey(username: string, realm: string, password: string): Uint8Array {
  return createHash('md5').update(`${username}:${realm}:${password}`, 'utf8').digest()
}

/** Options of {@link encodeStunMessage}. */
export interface EncodeStunOptions {
  method: number
  cls: StunClass
  transactionId: Uint8Array
  attributes?: StunAttribute[]
  /** When given, a MESSAGE-INTEGRITY attribute (HMAC-SHA1 with this key) is appended last. */
  integrityKey?: Uint8Array
}

function pad4(n: number): number {
  return (n + 3) & ~3
}

/** Encodes a STUN message; appends MESSAGE-INTEGRITY when `integrityKey` is given. */
export function encodeStunMessage(o: EncodeStunOptions): Uint8Array {
  if (o.transactionId.length !== 12) throw new RangeError('STUN transaction id must be 12 bytes')
  const attrs = o.attributes ?? []
  const bodyLen = attrs.reduce((n, a) => n + 4 + pad4(a.value.length), 0)
  const miLen = o.integrityKey ? 24 : 0
  const buf = Buffer.alloc(20 + bodyLen + miLen)
  buf.writeUInt16BE(messageType(o.method, o.cls), 0)
  buf.writeUInt32BE(STUN_MAGIC_COOKIE, 4)
  buf.set(o.transactionId, 8)
  let off = 20
  for (const a of attrs) {
    buf.writeUInt16BE(a.type, off)
    buf.writeUInt16BE(a.value.length, off + 2)
    buf.set(a.value, off + 4)
    off += 4 + pad4(a.value.length)
  }
  if (o.integrityKey) {
    // The length field covers everything up to and including MESSAGE-INTEGRITY when the HMAC is computed.
    buf.writeUInt16BE(bodyLen + miLen, 2)
    const hmac = createHmac('sha1', o.integrityKey).update(buf.subarray(0, off)).digest()
    buf.writeUInt16BE(StunAttr.messageIntegrity, off)
    buf.writeUInt16BE(20, off + 2)
    buf.set(hmac, off + 4)
  } else {
    buf.writeUInt16BE(bodyLen, 2)
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}

/**
 * Whether `bytes` carries a MESSAGE-INTEGRITY that `key` produced (RFC 8489 §14.5: HMAC-SHA1 over the message up
 * to that attribute, with the length field covering it). False without the attribute, or when it does not match:
 * a response signed with another key comes from another agent (e.g. one that took over the port since).
 */
export function verifyMessageIntegrity(bytes: Uint8Array, key: Uint8Array): boolean {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buf.length < 20) return false
  const end = Math.min(buf.length, 20 + buf.readUInt16BE(2))
  let off = 20
  while (off + 4 <= end) {
    const type = buf.readUInt16BE(off)
    const len = buf.readUInt16BE(off + 2)
    if (type === StunAttr.messageIntegrity) {
      if (len !== 20 || off + 24 > buf.length) return false
      const head = Buffer.from(buf.subarray(0, off))
      head.writeUInt16BE(off + 24 - 20, 2)
      const mac = createHmac('sha1', key).update(head).digest()
      return timingSafeEqual(mac, buf.subarray(off + 4, off + 24))
    }
    off += 4 + pad4(len)
  }
  return false
}

/** True when `bytes` starts like a STUN message (first two bits zero, magic cookie in place). */
export function looksLikeStun(bytes: Uint8Array): boolean {
  if (bytes.length < 20 || (bytes[0] ?? 0xff) & 0xc0) return false
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return b.readUInt32BE(4) === STUN_MAGIC_COOKIE
}

/** Total size (header + body) of the STUN message at the start of `bytes`, or undefined if fewer than 4 bytes. */
export function stunMessageLength(bytes: Uint8Array): number | undefined {
  if (bytes.length < 4) return undefined
  return 20 + (((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0))
}

/**
 * Decodes one STUN message.
 * @throws {ParseError} format `stun` when the bytes are not a well-formed STUN message.
 */
export function decodeStunMessage(bytes: Uint8Array): StunMessage {
  if (!looksLikeStun(bytes)) throw new ParseError('stun', `not a STUN message (${bytes.length} bytes, no magic cookie)`)
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const len = b.readUInt16BE(2)
  if (20 + len > b.length) throw new ParseError('stun', `length field says ${len} body bytes but only ${b.length - 20} are present`)
  const { method, cls } = splitType(b.readUInt16BE(0))
  const attributes: StunAttribute[] = []
  let off = 20
  while (off + 4 <= 20 + len) {
    const type = b.readUInt16BE(off)
    const alen = b.readUInt16BE(off + 2)
    if (off + 4 + alen > 20 + len) throw new ParseError('stun', `attribute 0x${type.toString(16)} at offset ${off} overruns the message`)
    attributes.push({ type, value: new Uint8Array(b.subarray(off + 4, off + 4 + alen)) })
    off += 4 + pad4(alen)
  }
  return { method, cls, transactionId: new Uint8Array(b.subarray(8, 20)), attributes }
}

/** The first attribute of `type`, or undefined. */
export function stunAttribute(m: StunMessage, type: number): Uint8Array | undefined {
  return m.attributes.find((a) => a.type === type)?.value
}

/** A UTF-8 attribute (USERNAME, REALM, NONCE, SOFTWARE) as a string. */
export function stunText(m: StunMessage, type: number): string | undefined {
  const v = stunAttribute(m, type)
  return v === undefined ? undefined : Buffer.from(v).toString('utf8')
}

/** A UTF-8 attribute value. */
export function textAttribute(type: number, text: string): StunAttribute {
  return { type, value: new Uint8Array(Buffer.from(text, 'utf8')) }
}

/** A 32-bit attribute value (LIFETIME, REQUESTED-TRANSPORT). */
export function u32Attribute(type: number, value: number): StunAttribute {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(value >>> 0, 0)
  return { type, value: new Uint8Array(b) }
}

/** ERROR-CODE (RFC 8489 §14.8): the code (e.g. 401) and reason phrase. */
export function stunErrorCode(m: StunMessage): { code: number; reason: string } | undefined {
  const v = stunAttribute(m, StunAttr.errorCode)
  if (v === undefined || v.length < 4) return undefined
  return { code: ((v[2] ?? 0) & 0x7) * 100 + (v[3] ?? 0), reason: Buffer.from(v.subarray(4)).toString('utf8') }
}

/** An XOR-MAPPED-ADDRESS / XOR-RELAYED-ADDRESS value (IPv4 or IPv6). */
export function stunXorAddress(m: StunMessage, type: number): { address: string; port: number } | undefined {
  const v = stunAttribute(m, type)
  if (v === undefined || v.length < 8) return undefined
  const port = (((v[2] ?? 0) << 8) | (v[3] ?? 0)) ^ (STUN_MAGIC_COOKIE >>> 16)
  const cookie = [0x21, 0x12, 0xa4, 0x42]
  if (v[1] === 0x01) {
    return { address: [0, 1, 2, 3].map((i) => ((v[4 + i] ?? 0) ^ (cookie[i] ?? 0)).toString()).join('.'), port }
  }
  if (v[1] === 0x02 && v.length >= 20) {
    const key = [...cookie, ...m.transactionId]
    const bytes = [...Array(16).keys()].map((i) => (v[4 + i] ?? 0) ^ (key[i] ?? 0))
    const groups = [...Array(8).keys()].map((i) => (((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0)).toString(16))
    return { address: groups.join(':'), port }
  }
  return undefined
}
