/**
 * What the werift patches in this folder check before they install: that werift's function is the exact
 * source they were written for (a hash of its text), and a probe SRTP GCM cipher to find werift's cipher
 * classes. With a different werift a patch finds a mismatch and installs nothing.
 */
import { createHash } from 'node:crypto'
import { SrtpSession } from 'werift'

/** A short hash of a function's source text, compared with the one a patch was written for. */
export function sourceHash(fn: unknown): string {
  return createHash('sha256').update(String(fn)).digest('hex').slice(0, 16)
}

/** A cipher werift builds for an AEAD_AES_128_GCM (profile 7) SRTP session with dummy keys; undefined if werift's shape differs. */
export function probeGcmCipher(): object | undefined {
  const key = Buffer.alloc(16, 1)
  const salt = Buffer.alloc(12, 2)
  const session = new SrtpSession({ keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt }, profile: 7 } as ConstructorParameters<typeof SrtpSession>[0]) as unknown as {
    localContext?: { cipher?: object }
  }
  return session.localContext?.cipher
}
