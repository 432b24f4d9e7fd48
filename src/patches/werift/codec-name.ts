/**
 * werift 0.25's `RTCRtpCodecParameters.name` is `this.mimeType.split('/')[1]`: a new array and string each time.
 * `RTCRtpReceiver.handleRTP` reads it twice for every received RTP packet (is it RTX? RED?), so it showed up in
 * profiles of held `rtcspec load` calls at ≈ 2 % of the busy time.
 *
 * The replacement getter keeps the name with the `mimeType` it came from on the codec (a non-enumerable property,
 * so copies, spreads and JSON of a codec are unchanged) and splits again only when `mimeType` changed: the same
 * string as werift's, and the same TypeError for a codec without a `mimeType`.
 *
 * Declared in the patch registry (src/patches) as `werift/codec-name`: installed only when the getter's source is
 * exactly the one this was written for; otherwise nothing changes and `weriftCodecName()` says `unsupported`.
 */
import { RTCRtpCodecParameters } from 'werift'
import { RtcspecError } from '../../errors.ts'
import { installPatch } from '../install.ts'
import type { PatchDefinition } from '../types.ts'
import { WRITTEN_FOR } from '../versions.ts'

/** Where a codec keeps its name and the `mimeType` it was split from. */
const NAME = Symbol('rtcspec.codecName')

interface CodecLike {
  mimeType: string
  [NAME]?: { mimeType: string; name: string | undefined }
}

const getterOf = () => Object.getOwnPropertyDescriptor(RTCRtpCodecParameters.prototype, 'name')?.get

/** werift's own getter, captured before any replacement (for equality tests against ours). */
export const weriftCodecNameOriginal = getterOf() as ((this: object) => string | undefined) | undefined

/** The codec name without a split per read, as the patch registry lists it. */
export const codecNamePatch: PatchDefinition = {
  id: 'werift/codec-name',
  package: 'werift',
  version: WRITTEN_FOR.werift,
  fixes: 'RTCRtpCodecParameters.name splits mimeType on every read, twice per received RTP packet',
  targets: [{ name: 'RTCRtpCodecParameters.prototype.name (getter)', hash: '5d6f193cb8a3db5c', source: getterOf }],
  apply: install,
}

/** Installs the patch once; `installed`, or `unsupported` when werift's getter did not match. */
export function weriftCodecName(): 'installed' | 'unsupported' {
  return installPatch(codecNamePatch).state === 'installed' ? 'installed' : 'unsupported'
}

function install(): void {
  const proto = RTCRtpCodecParameters.prototype as object
  const desc = Object.getOwnPropertyDescriptor(proto, 'name')
  if (!desc?.configurable) throw new RtcspecError('PATCH_UNSUPPORTED', 'RTCRtpCodecParameters.prototype.name is not configurable')
  Object.defineProperty(proto, 'name', {
    ...desc,
    get(this: CodecLike): string | undefined {
      const mimeType = this.mimeType
      const cached = this[NAME]
      if (cached !== undefined && cached.mimeType === mimeType) return cached.name
      // werift: this.mimeType.split("/")[1] (throws the same TypeError without a mimeType)
      const name = mimeType.split('/')[1]
      if (cached !== undefined) {
        cached.mimeType = mimeType
        cached.name = name
      } else {
        Object.defineProperty(this, NAME, { value: { mimeType, name }, writable: true, enumerable: false, configurable: true })
      }
      return name
    },
  })
}
