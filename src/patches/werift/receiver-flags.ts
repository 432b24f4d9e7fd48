/**
 * werift 0.25's `RTCRtpReceiver` asks `twccEnabled` for every received RTP packet (while it has no transport-wide
 * CC receiver, which an audio call never gets), and `nackEnabled`/`pliEnabled` on RTCP and video paths. Each getter
 * is `this.codecArray[0]?.rtcpFeedback.find(...)`: `codecArray` builds `Object.values(this.codecs)` and sorts it
 * (three codecs for a werift audio call: PCMU and telephone-event at two rates) only to read its first element.
 *
 * The replacement getters keep that first codec — the lowest payload type; the first one listed among equal ones,
 * as the stable sort keeps it — on the receiver, found in one pass over `codecs` when first asked and again after
 * every `prepareReceive` (the only place werift adds codecs; `resyncCodecs` clears them and calls it) or when
 * `codecs` is replaced; then they look up the same feedback type in its `rtcpFeedback` list exactly as werift does
 * (`transport-cc`; `nack`; and for `pliEnabled` also `nack`, which is what werift's `usePLI().type` compares).
 * Same return value (the feedback entry or undefined), tested against werift's getters.
 *
 * Declared in the patch registry (src/patches) as `werift/receiver-flags`: installed only when the three getters'
 * and `prepareReceive`'s source is exactly the one this was written for; otherwise nothing changes and
 * `weriftReceiverFlags()` says `unsupported`.
 */
import { RTCRtpReceiver, usePLI, useTWCC } from 'werift'
import { RtcspecError } from '../../errors.ts'
import { installPatch } from '../install.ts'
import type { PatchDefinition } from '../types.ts'
import { WRITTEN_FOR } from '../versions.ts'

interface Feedback {
  type: string
  parameter?: string
}

interface CodecLike {
  payloadType: number
  rtcpFeedback: Feedback[]
}

type Getter = (this: { codecs: Record<string, CodecLike> }) => Feedback | undefined

/** Where a receiver keeps its first codec, and the `codecs` object it was found in. */
const FIRST = Symbol('rtcspec.firstCodec')

interface ReceiverLike {
  codecs: Record<string, CodecLike>
  [FIRST]?: { codecs: Record<string, CodecLike>; first: CodecLike | undefined }
  prepareReceive(params: unknown): void
}

const getterOf = (name: string) => Object.getOwnPropertyDescriptor(RTCRtpReceiver.prototype, name)?.get

/** werift's own getters, captured before any replacement (for equality tests against ours). */
export const weriftReceiverFlagOriginals: Record<'twccEnabled' | 'nackEnabled' | 'pliEnabled', Getter | undefined> = {
  twccEnabled: getterOf('twccEnabled') as Getter | undefined,
  nackEnabled: getterOf('nackEnabled') as Getter | undefined,
  pliEnabled: getterOf('pliEnabled') as Getter | undefined,
}

/** The receiver's feedback flags without building the sorted codec list, as the patch registry lists it. */
export const receiverFlagsPatch: PatchDefinition = {
  id: 'werift/receiver-flags',
  package: 'werift',
  version: WRITTEN_FOR.werift,
  fixes: "RTCRtpReceiver's twccEnabled (read per received packet), nackEnabled and pliEnabled build and sort the codec list to read its first entry",
  targets: [
    { name: 'RTCRtpReceiver.prototype.twccEnabled (getter)', hash: 'de54fd8670446491', source: () => getterOf('twccEnabled') },
    { name: 'RTCRtpReceiver.prototype.nackEnabled (getter)', hash: '8a5b9303626492b2', source: () => getterOf('nackEnabled') },
    { name: 'RTCRtpReceiver.prototype.pliEnabled (getter)', hash: '5754e9b16a35d6a4', source: () => getterOf('pliEnabled') },
    { name: 'RTCRtpReceiver.prototype.prepareReceive', hash: '253f9f0daeabe7a3', source: () => RTCRtpReceiver.prototype.prepareReceive },
  ],
  apply: install,
}

/** Installs the patch once; `installed`, or `unsupported` when werift's getters did not match. */
export function weriftReceiverFlags(): 'installed' | 'unsupported' {
  return installPatch(receiverFlagsPatch).state === 'installed' ? 'installed' : 'unsupported'
}

/** `codecArray[0]`: the codec with the lowest payload type, the first listed among equal ones. */
function firstCodec(codecs: Record<string, CodecLike>): CodecLike | undefined {
  let first: CodecLike | undefined
  for (const key in codecs) {
    const c = codecs[key] as CodecLike
    if (first === undefined || c.payloadType < first.payloadType) first = c
  }
  return first
}

function feedback(codec: CodecLike | undefined, type: string): Feedback | undefined {
  if (codec === undefined) return undefined
  const list = codec.rtcpFeedback
  for (let i = 0; i < list.length; i++) if ((list[i] as Feedback).type === type) return list[i]
  return undefined
}

/** The receiver's first codec, found again when werift changed its codecs since the last time. */
function firstOf(receiver: ReceiverLike): CodecLike | undefined {
  const cached = receiver[FIRST]
  if (cached !== undefined && cached.codecs === receiver.codecs) return cached.first
  const first = firstCodec(receiver.codecs)
  receiver[FIRST] = { codecs: receiver.codecs, first }
  return first
}

function install(): void {
  // werift compares with useTWCC().type and usePLI().type: read them once, here
  const twcc = useTWCC().type
  const pli = usePLI().type
  const proto = RTCRtpReceiver.prototype as unknown as ReceiverLike
  const prepareReceive = proto.prepareReceive
  proto.prepareReceive = function prepareReceiveAndForgetFirst(this: ReceiverLike, params: unknown): void {
    // werift's codecs change here: the first codec is found again on the next read, even if this throws halfway
    this[FIRST] = undefined
    try {
      prepareReceive.call(this, params)
    } finally {
      this[FIRST] = undefined
    }
  }
  const flags: Record<string, string> = { twccEnabled: twcc, nackEnabled: 'nack', pliEnabled: pli }
  for (const [name, type] of Object.entries(flags)) {
    const desc = Object.getOwnPropertyDescriptor(proto, name)
    if (!desc?.configurable) throw new RtcspecError('PATCH_UNSUPPORTED', `RTCRtpReceiver.prototype.${name} is not configurable`)
    Object.defineProperty(proto, name, {
      ...desc,
      get(this: ReceiverLike) {
        return feedback(firstOf(this), type)
      },
    })
  }
}
