/**
 * werift peers negotiate SRTP AEAD_AES_128_GCM (werift offers it first, and so does Chromium), and werift 0.25
 * seals and opens every RTP packet with a fresh `crypto.createCipheriv('aes-128-gcm')`: about 15 % of a
 * `rtcspec load` worker's busy time, most of it setting up and tearing down an OpenSSL context per packet.
 *
 * This replaces the RTP `encryptRtp`/`decryptRtp` of werift's GCM cipher class with the same steps on an
 * {@link AesGcm128} kept per cipher instance (one long-lived AES-ECB context + a GHASH table): byte-identical
 * packets, same SrtpAuthenticationError on a bad tag (tested against werift's own methods). SRTCP (a few
 * packets per second) keeps werift's code.
 *
 * Declared in the patch registry (src/patches) as `werift/srtp-gcm`: installed only when werift's methods are
 * exactly the ones this was written against (a hash of their source); with any other werift it does nothing and
 * `srtpGcmFastPath()` says `unsupported`.
 */
import { KeyObject } from 'node:crypto'
import { SrtpAuthenticationError, type RtpHeader } from 'werift'
import { RtcspecError } from '../../errors.ts'
import { installPatch, patchStatus } from '../install.ts'
import type { PatchDefinition } from '../types.ts'
import { WRITTEN_FOR } from '../versions.ts'
import { AesGcm128, blocksFor, counterBlocks } from './aes-gcm.ts'
import { probeGcmCipher } from './probe-cipher.ts'

type EncryptRtp = (this: GcmCipher, header: RtpHeader, payload: Buffer, rolloverCounter: number) => Buffer
type DecryptRtp = (this: GcmCipher, cipherText: Buffer, rolloverCounter: number, header?: RtpHeader) => [Buffer, RtpHeader]

interface GcmCipher {
  srtpSessionKey: Buffer | KeyObject
  srtpSessionSalt: Buffer
  aeadAuthTagLen: number
  rtpInitializationVector(header: RtpHeader, rolloverCounter: number): Buffer
}

/** werift's `CipherAesGcm` prototype, found through a probe cipher. */
function gcmProto(): Record<string, unknown> | undefined {
  const cipher = probeGcmCipher()
  const proto = cipher && (Object.getPrototypeOf(cipher) as Record<string, unknown> | null)
  return proto && proto.constructor?.name === 'CipherAesGcm' ? proto : undefined
}

/** The GCM fast path, as the patch registry lists it. */
export const srtpGcmPatch: PatchDefinition = {
  id: 'werift/srtp-gcm',
  package: 'werift',
  version: WRITTEN_FOR.werift,
  fixes: "AEAD_AES_128_GCM SRTP builds a fresh createCipheriv per packet, ~15 % of a load worker's CPU",
  targets: [
    { name: 'CipherAesGcm.prototype.encryptRtp', hash: '97d7568f4d0a910c', source: () => gcmProto()?.encryptRtp },
    { name: 'CipherAesGcm.prototype.decryptRtp', hash: '994044f196126532', source: () => gcmProto()?.decryptRtp },
  ],
  apply: install,
}

/** werift's own GCM `encryptRtp`/`decryptRtp`, captured at install (for equality tests); unset if not installed. */
export const weriftGcmOriginals: { encryptRtp?: EncryptRtp; decryptRtp?: DecryptRtp } = {}

/** Installs the replacement once (idempotent): `installed`, or `unsupported` when werift's internals differ. */
export function srtpGcmFastPath(): 'installed' | 'unsupported' {
  return installPatch(srtpGcmPatch).state === 'installed' ? 'installed' : 'unsupported'
}

function install(): void {
  const proto = gcmProto() as Record<string, unknown>
  const encryptRtp = proto.encryptRtp as EncryptRtp
  const decryptRtp = proto.decryptRtp as DecryptRtp
  if (typeof (probeGcmCipher() as Partial<GcmCipher> | undefined)?.rtpInitializationVector !== 'function')
    throw new RtcspecError('PATCH_UNSUPPORTED', 'werift GCM cipher has no rtpInitializationVector')
  weriftGcmOriginals.encryptRtp = encryptRtp
  weriftGcmOriginals.decryptRtp = decryptRtp
  proto.encryptRtp = function fastEncryptRtp(this: GcmCipher, header: RtpHeader, payload: Buffer, rolloverCounter: number): Buffer {
    const gcm = gcmFor(this)
    if (!gcm) return encryptRtp.call(this, header, payload, rolloverCounter)
    const hdr = header.serialize(header.serializeSize)
    // header, ciphertext and tag written into the one packet buffer (no intermediate buffers to concatenate)
    const out = Buffer.allocUnsafe(hdr.length + payload.length + 16)
    hdr.copy(out)
    gcm.gcm.sealInto(keystream(gcm, header, rolloverCounter, payload.length), hdr, payload, out, hdr.length)
    return out
  }
  proto.decryptRtp = function fastDecryptRtp(this: GcmCipher, cipherText: Buffer, rolloverCounter: number, header?: RtpHeader): [Buffer, RtpHeader] {
    const gcm = gcmFor(this)
    // werift parses the header itself when none is given (its SrtpContext always gives one)
    if (!gcm || header === undefined) return decryptRtp.call(this, cipherText, rolloverCounter, header)
    const headerBuffer = cipherText.subarray(0, header.payloadOffset)
    const authTagOffset = cipherText.length - this.aeadAuthTagLen
    const enc = cipherText.subarray(header.payloadOffset, authTagOffset)
    // the plaintext is written straight after the copied header, in the one packet buffer
    const dst = Buffer.allocUnsafe(authTagOffset)
    if (
      !gcm.gcm.openInto(keystream(gcm, header, rolloverCounter, enc.length), headerBuffer, enc, cipherText.subarray(authTagOffset), dst, header.payloadOffset)
    )
      throw new SrtpAuthenticationError('Failed to authenticate SRTP packet')
    headerBuffer.copy(dst)
    return [dst, finalizeHeader(header, dst)]
  }
}

/** How many consecutive sequence numbers' keystreams one AES-ECB call produces. */
const PREFETCH_PACKETS = 32

/** Keystreams for sequence numbers start … start+count-1 of one SSRC and rollover counter. */
interface Window {
  roc: number
  start: number
  count: number
  blocks: number
  stream: Buffer
}

interface CipherState {
  key: Buffer | KeyObject
  salt: Buffer
  gcm: AesGcm128
  windows: Map<number, Window>
}

const instances = new WeakMap<object, CipherState>()

/** Whether RTP packets of this werift GCM cipher (a `SrtpContext`'s `cipher`) take the fast path (for tests). */
export function usesSrtpGcmFastPath(cipher: object): boolean {
  return patchStatus(srtpGcmPatch).state === 'installed' && gcmFor(cipher as GcmCipher) !== undefined
}

/** The cipher's AES-GCM state for its current SRTP key; undefined when the key or salt are not AES-128-GCM's. */
function gcmFor(cipher: GcmCipher): CipherState | undefined {
  const key = cipher.srtpSessionKey
  const salt = cipher.srtpSessionSalt
  const cached = instances.get(cipher)
  if (cached?.key === key && cached.salt === salt) return cached
  // werift's session salts are 14 bytes; the IV uses the first 12 (its rtpInitializationVector XORs iv.length bytes)
  if (cipher.aeadAuthTagLen !== 16 || !Buffer.isBuffer(salt) || salt.length < 12) return undefined
  const size = key instanceof KeyObject ? (key.type === 'secret' ? key.symmetricKeySize : undefined) : Buffer.isBuffer(key) ? key.length : undefined
  if (size !== 16) return undefined
  const state: CipherState = { key, salt, gcm: new AesGcm128(key), windows: new Map() }
  instances.set(cipher, state)
  return state
}

/**
 * E(K, J0) and the keystream for one RTP packet. RTP sequence numbers mostly advance by one, so on a miss this
 * computes the keystreams of the next {@link PREFETCH_PACKETS} sequence numbers of the SSRC in one AES-ECB call.
 * The IV is RFC 7714 §8.1's (what werift's `rtpInitializationVector` builds): 0x0000‖SSRC‖ROC‖SEQ XOR salt.
 */
function keystream(state: CipherState, header: RtpHeader, roc: number, length: number): Buffer {
  const need = blocksFor(length)
  const seq = header.sequenceNumber
  const w = state.windows.get(header.ssrc)
  if (w && w.roc === roc && seq >= w.start && seq < w.start + w.count && need <= w.blocks) {
    const at = (seq - w.start) * w.blocks * 16
    return w.stream.subarray(at, at + need * 16)
  }
  const blocks = Math.max(need, w?.blocks ?? 0)
  const count = Math.min(PREFETCH_PACKETS, 0x10000 - seq)
  const counters = Buffer.allocUnsafe(count * blocks * 16)
  const iv = Buffer.allocUnsafe(12)
  for (let k = 0; k < count; k++) {
    iv.writeUInt16BE(0, 0)
    iv.writeUInt32BE(header.ssrc >>> 0, 2)
    iv.writeUInt32BE(roc >>> 0, 6)
    iv.writeUInt16BE(seq + k, 10)
    for (let i = 0; i < 12; i++) iv[i] = (iv[i] as number) ^ (state.salt[i] as number)
    counterBlocks(iv, counters, k * blocks * 16, blocks)
  }
  const stream = state.gcm.encryptBlocks(counters)
  if (state.windows.size > 16 && !w) state.windows.clear()
  state.windows.set(header.ssrc, { roc, start: seq, count, blocks, stream })
  return stream.subarray(0, need * 16)
}

/** werift's `finalizeSrtpRtpHeader`: the padding size from the decrypted packet, checked. */
function finalizeHeader(header: RtpHeader, packet: Buffer): RtpHeader {
  if (!header.padding) {
    header.paddingSize = 0
    return header
  }
  const fail = () => new SrtpAuthenticationError('Failed to authenticate SRTP packet')
  if (!(packet.length > header.payloadOffset)) throw fail()
  const paddingSize = packet[packet.length - 1] as number
  if (!(paddingSize > 0 && paddingSize <= packet.length - header.payloadOffset)) throw fail()
  header.paddingSize = paddingSize
  return header
}
