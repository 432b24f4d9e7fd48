/** STUN codec against the RFC 5769 test vectors, plus round trips and malformed input. */
import { describe, expect, test } from 'vitest'
import {
  StunAttr,
  StunMethod,
  decodeStunMessage,
  encodeStunMessage,
  longTermKey,
  looksLikeStun,
  stunErrorCode,
  stunMessageLength,
  stunText,
  stunXorAddress,
  textAttribute,
  u32Attribute,
  verifyMessageIntegrity,
} from '../../src/ice/stun.ts'
import { ParseError } from '../../src/errors.ts'

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'))

describe('RFC 5769 test vectors', () => {
  test('§2.4 request with long-term authentication: byte-exact MESSAGE-INTEGRITY', () => {
    const expected = hex(`
      00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
      00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
      00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
      00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
      00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66`)
    const username = '\u30de\u30c8\u30ea\u30c3\u30af\u30b9'
    const msg = encodeStunMessage({
      method: StunMethod.binding,
      cls: 'request',
      transactionId: hex('78ad3433c6ad72c029da412e'),
      attributes: [
        textAttribute(StunAttr.username, username),
        textAttribute(StunAttr.nonce, 'f//499k954d6OL34oL9FSTvy64sA'),
        textAttribute(StunAttr.realm, 'example.org'),
      ],
      integrityKey: longTermKey(username, 'example.org', 'TheMatrIX'),
    })
    expect(Buffer.from(msg).toString('hex')).toBe(Buffer.from(expected).toString('hex'))
  })

  test('§2.2 IPv4 response: SOFTWARE and XOR-MAPPED-ADDRESS decode', () => {
    const m = decodeStunMessage(
      hex(`01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 08 00 01 a1 47 e1 12 a6 43
        00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
        80 28 00 04 c0 7d 4c 96`),
    )
    expect(m.method).toBe(StunMethod.binding)
    expect(m.cls).toBe('success')
    expect(stunText(m, StunAttr.software)).toBe('test vector')
    expect(stunXorAddress(m, StunAttr.xorMappedAddress)).toEqual({ address: '192.0.2.1', port: 32853 })
  })

  test('§2.2 IPv4 response: MESSAGE-INTEGRITY verifies with the short-term password, and not with another', () => {
    const bytes = hex(`01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 08 00 01 a1 47 e1 12 a6 43
        00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
        80 28 00 04 c0 7d 4c 96`)
    expect(verifyMessageIntegrity(bytes, Buffer.from('VOkJxbRl1RmTxUk/WvJxBt', 'utf8'))).toBe(true)
    expect(verifyMessageIntegrity(bytes, Buffer.from('another-agents-password', 'utf8'))).toBe(false)
    // Without MESSAGE-INTEGRITY there is nothing to verify.
    const plain = encodeStunMessage({ method: StunMethod.binding, cls: 'success', transactionId: hex('b7e7a701bc34d686fa87dfae') })
    expect(verifyMessageIntegrity(plain, Buffer.from('VOkJxbRl1RmTxUk/WvJxBt', 'utf8'))).toBe(false)
  })

  test('§2.3 IPv6 response: XOR-MAPPED-ADDRESS uses the transaction id', () => {
    const m = decodeStunMessage(
      hex(`01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
        00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
        80 28 00 04 c8 fb 0b 4c`),
    )
    expect(stunXorAddress(m, StunAttr.xorMappedAddress)).toEqual({ address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 })
  })
})

describe('encode/decode', () => {
  test('an Allocate error response round-trips its class, method, ERROR-CODE, REALM and NONCE', () => {
    const tx = hex('0102030405060708090a0b0c')
    const code = new Uint8Array([0, 0, 4, 1, ...Buffer.from('Unauthorized')])
    const msg = encodeStunMessage({
      method: StunMethod.allocate,
      cls: 'error',
      transactionId: tx,
      attributes: [
        { type: StunAttr.errorCode, value: code },
        textAttribute(StunAttr.realm, 'rtcspec.test'),
        textAttribute(StunAttr.nonce, 'abc'),
        u32Attribute(StunAttr.lifetime, 600),
      ],
    })
    expect(looksLikeStun(msg)).toBe(true)
    expect(stunMessageLength(msg)).toBe(msg.length)
    const m = decodeStunMessage(msg)
    expect(m).toMatchObject({ method: StunMethod.allocate, cls: 'error' })
    expect(Buffer.from(m.transactionId).equals(Buffer.from(tx))).toBe(true)
    expect(stunErrorCode(m)).toEqual({ code: 401, reason: 'Unauthorized' })
    expect(stunText(m, StunAttr.realm)).toBe('rtcspec.test')
    expect(stunText(m, StunAttr.nonce)).toBe('abc')
  })

  test('non-STUN and truncated input are ParseErrors, never crashes', () => {
    expect(looksLikeStun(hex('80 00 00 00'))).toBe(false)
    expect(() => decodeStunMessage(new Uint8Array(30))).toThrow(ParseError)
    const msg = encodeStunMessage({ method: 1, cls: 'request', transactionId: new Uint8Array(12), attributes: [textAttribute(StunAttr.software, 'x')] })
    expect(() => decodeStunMessage(msg.subarray(0, msg.length - 4))).toThrow(/length field says/)
    const bad = Uint8Array.from(msg)
    bad[22] = 0x00
    bad[23] = 0xff // attribute length overruns
    expect(() => decodeStunMessage(bad)).toThrow(/overruns/)
  })
})
