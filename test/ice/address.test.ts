import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { addressKind, isHostName, isIPv4, isIPv6 } from '../../src/ice/index.ts'

describe('address checks', () => {
  it('IPv4', () => {
    for (const ok of ['0.0.0.0', '192.0.2.1', '255.255.255.255']) expect(isIPv4(ok), ok).toBe(true)
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', '', '1..2.3', ' 1.2.3.4']) expect(isIPv4(bad), bad).toBe(false)
  })
  it('IPv6', () => {
    for (const ok of ['::', '::1', '2001:db8::1', 'fd00::2', '1:2:3:4:5:6:7:8', '1::8', '::ffff:192.0.2.1', '64:ff9b::192.0.2.33', 'FE80::1']) {
      expect(isIPv6(ok), ok).toBe(true)
    }
    for (const bad of [
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4::5:6:7:8',
      '1::2::3',
      ':::',
      '12345::',
      'g::1',
      '[::1]',
      '::1%eth0',
      '::ffff:1.2.3',
      '1.2.3.4',
    ]) {
      expect(isIPv6(bad), bad).toBe(false)
    }
  })
  it('host names, including mDNS', () => {
    for (const ok of ['localhost', 'turn.example.com', 'a-b.c_d.local', '1f4712db-ea17-4bcf-a596-105139dfd8bf.local', 'example.com.']) {
      expect(isHostName(ok), ok).toBe(true)
    }
    for (const bad of ['', '-a.com', 'a-.com', 'a..b', 'exa mple', '1.2.3.4', '1.2.3', `${'a'.repeat(64)}.com`, 'é.com']) {
      expect(isHostName(bad), bad).toBe(false)
    }
  })
  it('addressKind', () => {
    expect([addressKind('192.0.2.1'), addressKind('::1'), addressKind('x.local'), addressKind('1.2.3')]).toEqual(['ipv4', 'ipv6', 'fqdn', undefined])
  })
  it('agrees with fast-check generators', () => {
    fc.assert(
      fc.property(fc.ipV4(), (a) => {
        expect(isIPv4(a)).toBe(true)
      }),
    )
    fc.assert(
      fc.property(fc.ipV6(), (a) => {
        expect(isIPv6(a)).toBe(true)
      }),
    )
    fc.assert(
      fc.property(fc.domain(), (a) => {
        expect(isHostName(a)).toBe(true)
      }),
    )
  })
})
