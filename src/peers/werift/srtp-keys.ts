/**
 * werift 0.25 passes raw key Buffers to `crypto.createCipheriv` for every SRTP packet, so Node builds a
 * new KeyObject per packet (`prepareSecretKey`): about a fifth of all CPU of a G.711 call in profiles.
 * This installs accessors on werift's SRTP cipher base class that turn the session keys into KeyObjects
 * once, when the cipher is constructed. The ciphers then pass the KeyObject, which Node uses as is.
 *
 * It touches only the two session-key fields and checks the shape it expects; with a werift whose internals
 * differ it does nothing (and `srtpKeyCaching()` says so), so media keeps working either way.
 */
import { createSecretKey, type KeyObject } from 'node:crypto'
import { probeGcmCipher } from './patch-guard.ts'

let state: 'installed' | 'unsupported' | undefined

/** Whether the KeyObject caching is installed (`installed`) or werift's internals did not match (`unsupported`). */
export function srtpKeyCaching(): 'installed' | 'unsupported' {
  return (state ??= install())
}

function install(): 'installed' | 'unsupported' {
  try {
    const cipher = probeGcmCipher()
    if (!cipher) return 'unsupported'
    const base = Object.getPrototypeOf(Object.getPrototypeOf(cipher)) as object | null
    if (!base || base.constructor?.name !== 'CipherAesBase') return 'unsupported'
    if (!Buffer.isBuffer((cipher as Record<string, unknown>).srtpSessionKey)) return 'unsupported'
    for (const field of ['srtpSessionKey', 'srtcpSessionKey'] as const) {
      const slot = Symbol(field)
      Object.defineProperty(base, field, {
        configurable: true,
        get(this: Record<symbol, KeyObject | Buffer>) {
          return this[slot]
        },
        set(this: Record<symbol, KeyObject | Buffer>, value: unknown) {
          this[slot] = Buffer.isBuffer(value) ? createSecretKey(value) : (value as KeyObject)
        },
      })
    }
    return 'installed'
  } catch {
    return 'unsupported'
  }
}
