/**
 * Cheaper, output-identical replacements for three werift 0.25 functions that run once per RTP packet and
 * showed up in CPU profiles of `rtcspec load` workers:
 *
 * - `RtpHeader.deSerialize` reads the header's bit fields with werift's `getBit`, which formats each byte as
 *   a binary string, splits, pads, joins and parses it (~4.5 % of a worker's busy time). The replacement is
 *   the same parser with shifts and masks.
 * - the sender bandwidth estimator's `rtpPacketSent` maps, sorts and filters the keys of the `sentInfo` it is
 *   given on every packet; the replacement deletes the same entries without sorting.
 * - `RTCRtpReceiver#codecArray` sorts the negotiated codecs on every received packet; the replacement skips
 *   the sort when there is at most one codec (sorting one element is a no-op) and sorts the same way otherwise.
 *
 * Each replacement is its own patch in the registry (src/patches: `werift/rtp-header-parse`,
 * `werift/rtp-packet-sent`, `werift/codec-array`), installed only when the original's source text is exactly
 * the one it was written against; with any other werift it is left alone and `weriftRtpFastPaths()` reports
 * `unsupported` for it, so media keeps working either way.
 */
import { ExtensionProfiles, RTCRtpReceiver, RTCRtpSender, RtpHeader } from 'werift'
import { RtcspecError } from '../../errors.ts'
import { installPatch } from '../install.ts'
import type { PatchDefinition } from '../types.ts'
import { WRITTEN_FOR } from '../versions.ts'

/** Per replacement: `installed`, or `unsupported` when werift's function is not the one it was written for. */
export interface WeriftRtpFastPaths {
  rtpHeaderParse: 'installed' | 'unsupported'
  rtpPacketSent: 'installed' | 'unsupported'
  codecArray: 'installed' | 'unsupported'
}

/** werift's own implementations, captured before any replacement (for equality tests against ours). */
export const weriftOriginals: { rtpHeaderDeSerialize: (buf: Buffer) => RtpHeader } = {
  rtpHeaderDeSerialize: RtpHeader.deSerialize.bind(RtpHeader),
}

/** The bandwidth estimator's prototype (werift does not export its class), found through a sender. */
function senderBweProto(): Record<string, unknown> | undefined {
  const sender = new RTCRtpSender('audio') as unknown as { senderBWE?: object }
  return sender.senderBWE && (Object.getPrototypeOf(sender.senderBWE) as Record<string, unknown>)
}

/** The RTP header parser with shifts and masks, as the patch registry lists it. */
export const rtpHeaderParsePatch: PatchDefinition = {
  id: 'werift/rtp-header-parse',
  package: 'werift',
  version: WRITTEN_FOR.werift,
  fixes: "RtpHeader.deSerialize reads bit fields through string formatting (getBit), ~4.5 % of a load worker's CPU",
  targets: [{ name: 'RtpHeader.deSerialize', hash: 'c6fe9c0446fa3aaf', source: () => RtpHeader.deSerialize }],
  apply: installHeaderParse,
}

/** The sent-packet bookkeeping without a sort, as the patch registry lists it. */
export const rtpPacketSentPatch: PatchDefinition = {
  id: 'werift/rtp-packet-sent',
  package: 'werift',
  version: WRITTEN_FOR.werift,
  fixes: "the sender bandwidth estimator's rtpPacketSent maps and sorts its keys on every packet",
  targets: [{ name: 'SenderBandwidthEstimator.prototype.rtpPacketSent', hash: '1ed44e4579bfaf8b', source: () => senderBweProto()?.rtpPacketSent }],
  apply: installPacketSent,
}

/** The codec list without a needless sort, as the patch registry lists it. */
export const codecArrayPatch: PatchDefinition = {
  id: 'werift/codec-array',
  package: 'werift',
  version: WRITTEN_FOR.werift,
  fixes: 'RTCRtpReceiver#codecArray sorts the negotiated codecs on every received packet',
  targets: [
    {
      name: 'RTCRtpReceiver.prototype.codecArray (getter)',
      hash: '4fbcbaced8163079',
      source: () => Object.getOwnPropertyDescriptor(RTCRtpReceiver.prototype, 'codecArray')?.get,
    },
  ],
  apply: installCodecArray,
}

const installed = (def: PatchDefinition): 'installed' | 'unsupported' => (installPatch(def).state === 'installed' ? 'installed' : 'unsupported')

/** Installs the replacements once (idempotent) and says which ones are active. */
export function weriftRtpFastPaths(): WeriftRtpFastPaths {
  return { rtpHeaderParse: installed(rtpHeaderParsePatch), rtpPacketSent: installed(rtpPacketSentPatch), codecArray: installed(codecArrayPatch) }
}

function installHeaderParse(): void {
  const oneByte = (ExtensionProfiles as { OneByte: number }).OneByte
  const twoByte = (ExtensionProfiles as { TwoByte: number }).TwoByte
  RtpHeader.deSerialize = function deSerialize(rawPacket: Buffer): RtpHeader {
    return parseRtpHeader(rawPacket, oneByte, twoByte)
  }
}

/** werift's `RtpHeader.deSerialize`, statement for statement, with `getBit` replaced by shifts and masks. */
function parseRtpHeader(rawPacket: Buffer, oneByte: number, twoByte: number): RtpHeader {
  const h = new RtpHeader()
  let currOffset = 0
  const v_p_x_cc = rawPacket[currOffset++]
  if (v_p_x_cc === undefined) throw new TypeError('RTP header: empty packet')
  h.version = v_p_x_cc >> 6
  h.padding = ((v_p_x_cc >> 5) & 1) > 0
  h.extension = ((v_p_x_cc >> 4) & 1) > 0
  h.csrcLength = v_p_x_cc & 0x0f
  // werift reads these from offset 1 first (and overwrites them below); kept so short packets fail alike
  const csrc: number[] = []
  for (let i = 0; i < h.csrcLength; i++) {
    csrc.push(rawPacket.readUInt32BE(currOffset))
    currOffset += 4
  }
  h.csrc = csrc
  currOffset += 12 - 1
  const m_pt = rawPacket[1]
  if (m_pt === undefined) throw new TypeError('RTP header: packet of 1 byte')
  h.marker = m_pt >> 7 > 0
  h.payloadType = m_pt & 0x7f
  h.sequenceNumber = rawPacket.readUInt16BE(2)
  h.timestamp = rawPacket.readUInt32BE(4)
  h.ssrc = rawPacket.readUInt32BE(8)
  for (let i = 0; i < csrc.length; i++) csrc[i] = rawPacket.subarray(12 + i * 4).readUInt32BE()
  if (h.extension) {
    h.extensionProfile = rawPacket.subarray(currOffset).readUInt16BE() as RtpHeader['extensionProfile']
    currOffset += 2
    const extensionLength = rawPacket.subarray(currOffset).readUInt16BE() * 4
    h.extensionLength = extensionLength
    currOffset += 2
    const extensions: RtpHeader['extensions'] = []
    if (h.extensionProfile === oneByte) {
      const end = currOffset + extensionLength
      while (currOffset < end) {
        const b = rawPacket[currOffset]
        if (b === 0) {
          currOffset++
          continue
        }
        const extId = (b as number) >> 4
        const len = ((b as number) & ((b as number) ^ 240)) + 1
        currOffset++
        if (extId === 15) break
        extensions.push({ id: extId, payload: rawPacket.subarray(currOffset, currOffset + len) })
        currOffset += len
      }
    } else if (h.extensionProfile === twoByte) {
      const end = currOffset + extensionLength
      while (currOffset < end) {
        if (rawPacket[currOffset] === 0) {
          currOffset++
          continue
        }
        const extId = rawPacket[currOffset] as number
        currOffset++
        const len = rawPacket[currOffset] as number
        currOffset++
        extensions.push({ id: extId, payload: rawPacket.subarray(currOffset, currOffset + len) })
        currOffset += len
      }
    } else {
      const payload = rawPacket.subarray(currOffset, currOffset + extensionLength)
      extensions.push({ id: 0, payload })
      currOffset += payload.length
    }
    h.extensions = extensions
  }
  h.payloadOffset = currOffset
  if (h.padding) h.paddingSize = rawPacket[rawPacket.length - 1] as number
  return h
}

interface SentInfo {
  wideSeq: number
}

function installPacketSent(): void {
  const proto = senderBweProto() as Record<string, unknown>
  proto.rtpPacketSent = function rtpPacketSent(this: { sentInfos: Record<number, unknown> }, sentInfo: SentInfo): void {
    // werift: Object.keys(sentInfo).map(Number).sort().filter((seq) => seq < sentInfo.wideSeq).forEach(delete)
    for (const key of Object.keys(sentInfo)) {
      const seq = Number(key)
      if (seq < sentInfo.wideSeq) delete this.sentInfos[seq]
    }
    this.sentInfos[sentInfo.wideSeq] = sentInfo
  }
}

function installCodecArray(): void {
  const proto = RTCRtpReceiver.prototype as object
  const desc = Object.getOwnPropertyDescriptor(proto, 'codecArray')
  if (!desc?.configurable) throw new RtcspecError('PATCH_UNSUPPORTED', 'RTCRtpReceiver.prototype.codecArray is not configurable')
  Object.defineProperty(proto, 'codecArray', {
    ...desc,
    get(this: { codecs: Record<string, { payloadType: number }> }) {
      const codecs = Object.values(this.codecs)
      return codecs.length < 2 ? codecs : codecs.sort((a, b) => a.payloadType - b.payloadType)
    },
  })
}
