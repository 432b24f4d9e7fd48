import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { createCipheriv, createSecretKey } from 'node:crypto'
import { AesGcm128 } from '../../../src/patches/werift/aes-gcm.ts'

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a))

function nodeSeal(key: Buffer, iv: Buffer, aad: Buffer, pt: Buffer) {
  const c = createCipheriv('aes-128-gcm', key, iv)
  c.setAAD(aad)
  const ciphertext = Buffer.concat([c.update(pt), c.final()])
  return { ciphertext, tag: c.getAuthTag() }
}

describe('AesGcm128 (ECB keystream + table GHASH)', () => {
  it('matches NIST GCM test case 4 (AES-128, 60-byte plaintext, 20-byte AAD)', () => {
    const key = Buffer.from('feffe9928665731c6d6a8f9467308308', 'hex')
    const iv = Buffer.from('cafebabefacedbaddecaf888', 'hex')
    const pt = Buffer.from('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39', 'hex')
    const aad = Buffer.from('feedfacedeadbeeffeedfacedeadbeefabaddad2', 'hex')
    const s = new AesGcm128(key).seal(iv, aad, pt)
    expect(s.ciphertext.toString('hex')).toBe(
      '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091',
    )
    expect(s.tag.toString('hex')).toBe('5bc94fbc3221a5db94fae95ae7121a47')
  })

  it('seals byte-identically to node:crypto aes-128-gcm and opens its output (fast-check, seeded)', () => {
    fc.assert(
      fc.property(bytes(16, 16), bytes(12, 12), bytes(0, 48), bytes(0, 400), fc.boolean(), (key, iv, aad, pt, asKeyObject) => {
        const gcm = new AesGcm128(asKeyObject ? createSecretKey(key) : key)
        const ours = gcm.seal(iv, aad, pt)
        const theirs = nodeSeal(key, iv, aad, pt)
        expect(ours.ciphertext.equals(theirs.ciphertext)).toBe(true)
        expect(ours.tag.equals(theirs.tag)).toBe(true)
        expect(gcm.open(iv, aad, theirs.ciphertext, theirs.tag)?.equals(pt)).toBe(true)
      }),
      { seed: 90411, numRuns: 1500 },
    )
  })

  it('refuses a flipped bit anywhere in AAD, ciphertext or tag', () => {
    fc.assert(
      fc.property(bytes(16, 16), bytes(12, 12), bytes(1, 32), bytes(1, 200), fc.nat(), fc.integer({ min: 0, max: 7 }), (key, iv, aad, pt, at, bit) => {
        const gcm = new AesGcm128(key)
        const { ciphertext, tag } = gcm.seal(iv, aad, pt)
        const parts = [aad, ciphertext, tag].map((b) => Buffer.from(b))
        const all = parts[0]!.length + parts[1]!.length + 16
        let i = at % all
        const which = i < parts[0]!.length ? 0 : (i -= parts[0]!.length) < parts[1]!.length ? 1 : 2
        if (which === 2) i -= parts[1]!.length
        parts[which]![i]! ^= 1 << bit
        expect(gcm.open(iv, parts[0]!, parts[1]!, parts[2]!)).toBeUndefined()
      }),
      { seed: 90412, numRuns: 500 },
    )
  })
})
