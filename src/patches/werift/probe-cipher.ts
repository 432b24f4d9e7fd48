/**
 * werift does not export its SRTP cipher classes; the patches that replace their methods (srtp-keys, srtp-gcm)
 * find them through a cipher werift builds for a throw-away session.
 */
import { SrtpSession } from 'werift'

/** A cipher werift builds for an AEAD_AES_128_GCM (profile 7) SRTP session with dummy keys; undefined if werift's shape differs. */
export function probeGcmCipher(): object | undefined {
  const key = Buffer.alloc(16, 1)
  const salt = Buffer.alloc(12, 2)
  const session = new SrtpSession({
    keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt },
    profile: 7,
  } as ConstructorParameters<typeof SrtpSession>[0]) as unknown as {
    localContext?: { cipher?: object }
  }
  return session.localContext?.cipher
}
