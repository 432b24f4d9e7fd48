import { describe, it, expect } from 'vitest'
import { createCipheriv, createDecipheriv, KeyObject } from 'node:crypto'
import { SrtpSession } from 'werift'
import { srtpKeyCaching } from '../../../src/patches/werift/srtp-keys.ts'

describe('werift SRTP session keys cached as KeyObjects', () => {
  it('installs on this werift version', () => {
    expect(srtpKeyCaching()).toBe('installed')
  })

  it('gives werift ciphers KeyObjects that encrypt exactly like the raw key', () => {
    srtpKeyCaching()
    const key = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex')
    const salt = Buffer.alloc(12, 7)
    const session = new SrtpSession({
      keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt },
      profile: 7,
    } as ConstructorParameters<typeof SrtpSession>[0]) as unknown as {
      localContext: { srtpSessionKey: Buffer; cipher: { srtpSessionKey: unknown } }
    }
    const cached = session.localContext.cipher.srtpSessionKey
    expect(cached).toBeInstanceOf(KeyObject)
    const raw = session.localContext.srtpSessionKey
    expect(Buffer.isBuffer(raw)).toBe(true)
    expect((cached as KeyObject).export().equals(raw)).toBe(true)
    // Same ciphertext with the KeyObject as with the raw key.
    const iv = Buffer.alloc(12, 3)
    const enc = (k: KeyObject | Buffer) => {
      const c = createCipheriv('aes-128-gcm', k, iv)
      return Buffer.concat([c.update(Buffer.from('rtcspec payload')), c.final(), c.getAuthTag()])
    }
    const a = enc(cached as KeyObject)
    expect(a.equals(enc(raw))).toBe(true)
    const d = createDecipheriv('aes-128-gcm', raw, iv)
    d.setAuthTag(a.subarray(a.length - 16))
    expect(Buffer.concat([d.update(a.subarray(0, a.length - 16)), d.final()]).toString()).toBe('rtcspec payload')
  })
})
