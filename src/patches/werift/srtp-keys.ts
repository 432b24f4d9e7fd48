/**
 * werift 0.25 passes raw key Buffers to `crypto.createCipheriv` for every SRTP packet, so Node builds a
 * new KeyObject per packet (`prepareSecretKey`): about a fifth of all CPU of a G.711 call in profiles.
 * This installs accessors on werift's SRTP cipher base class that turn the session keys into KeyObjects
 * once, when the cipher is constructed. The ciphers then pass the KeyObject, which Node uses as is.
 *
 * It touches only the two session-key fields. Declared in the patch registry (src/patches) as
 * `werift/srtp-keys`: with a werift whose cipher base class differs from the source it was written for it does
 * nothing (and `srtpKeyCaching()` says so), so media keeps working either way.
 */
import { createSecretKey, type KeyObject } from 'node:crypto'
import { installPatch } from '../install.ts'
import type { PatchDefinition } from '../types.ts'
import { WRITTEN_FOR } from '../versions.ts'
import { probeGcmCipher } from './probe-cipher.ts'

/** werift's `CipherAesBase` (the prototype of its SRTP ciphers' prototypes), found through a probe cipher. */
function cipherBase(): object | undefined {
  const cipher = probeGcmCipher()
  const base = cipher && (Object.getPrototypeOf(Object.getPrototypeOf(cipher)) as object | null)
  return base && base.constructor?.name === 'CipherAesBase' ? base : undefined
}

/** The KeyObject caching, as the patch registry lists it. */
export const srtpKeysPatch: PatchDefinition = {
  id: 'werift/srtp-keys',
  package: 'werift',
  version: WRITTEN_FOR.werift,
  fixes: 'every SRTP packet passes raw key Buffers to createCipheriv, so Node builds a KeyObject per packet',
  targets: [{ name: 'CipherAesBase (class: its constructor assigns the session keys)', hash: '90e9e5f0b0a9f83b', source: () => cipherBase()?.constructor }],
  apply: install,
}

/** Whether the KeyObject caching is installed (`installed`) or werift's internals did not match (`unsupported`). */
export function srtpKeyCaching(): 'installed' | 'unsupported' {
  return installPatch(srtpKeysPatch).state === 'installed' ? 'installed' : 'unsupported'
}

function install(): void {
  const base = cipherBase() as object
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
}
