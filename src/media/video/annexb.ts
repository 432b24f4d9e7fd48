/**
 * H.264 Annex B byte streams (ITU-T H.264 Annex B): NAL units separated by start codes (`00 00 01` or
 * `00 00 00 01`), grouped into access units (one picture each) by the rules of §7.4.1.2.3: an access unit
 * begins at an access unit delimiter, an SPS, PPS or SEI, or a slice whose `first_mb_in_slice` is 0, once
 * the current unit has a slice. A keyframe is an access unit with an IDR slice (NAL type 5).
 *
 * The SPS (picture size) is parsed by the RTP video payload reader (`src/rtp/video-payload.ts`), not here.
 *
 * @module
 */

/** NAL unit types this module names. */
export const NAL_TYPE = { slice: 1, idr: 5, sei: 6, sps: 7, pps: 8, aud: 9 } as const

/** One access unit of an Annex B stream. */
export interface AnnexBAccessUnit {
  /** The access unit's NAL units, each with a 4-byte start code in front (Annex B). */
  readonly data: Uint8Array
  /** `nal_unit_type` of each NAL unit, in order. */
  readonly nalTypes: readonly number[]
  /** Has an IDR slice. */
  readonly keyframe: boolean
}

/** The NAL units of an Annex B stream, without their start codes (trailing zero bytes trimmed). */
export function splitNalUnits(stream: Uint8Array): Uint8Array[] {
  const starts: Array<{ at: number; payload: number }> = []
  for (let i = 0; i + 2 < stream.length; i++) {
    if (stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 1) {
      starts.push({ at: i > 0 && stream[i - 1] === 0 ? i - 1 : i, payload: i + 3 })
      i += 2
    }
  }
  const out: Uint8Array[] = []
  for (let k = 0; k < starts.length; k++) {
    let end = k + 1 < starts.length ? starts[k + 1]!.at : stream.length
    while (end > starts[k]!.payload && stream[end - 1] === 0) end--
    if (end > starts[k]!.payload) out.push(stream.subarray(starts[k]!.payload, end))
  }
  return out
}

/** Joins NAL units into an Annex B byte string (4-byte start codes). */
export function joinNalUnits(nals: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(nals.reduce((a, n) => a + 4 + n.length, 0))
  let at = 0
  for (const n of nals) {
    out.set([0, 0, 0, 1], at)
    out.set(n, at + 4)
    at += 4 + n.length
  }
  return out
}

/** Splits an Annex B stream into access units (see the module doc). Bytes before the first start code are ignored. */
export function splitAccessUnits(stream: Uint8Array): AnnexBAccessUnit[] {
  const units: AnnexBAccessUnit[] = []
  let current: Uint8Array[] = []
  let hasSlice = false
  const flush = () => {
    if (current.length === 0) return
    const nalTypes = current.map((n) => n[0]! & 0x1f)
    units.push({ data: joinNalUnits(current), nalTypes, keyframe: nalTypes.includes(NAL_TYPE.idr) })
    current = []
    hasSlice = false
  }
  for (const nal of splitNalUnits(stream)) {
    const type = nal[0]! & 0x1f
    const isSlice = type === NAL_TYPE.slice || type === NAL_TYPE.idr
    // first_mb_in_slice is ue(v): 0 is coded as a single 1 bit, the top bit of the first byte after the header.
    const firstSliceOfPicture = isSlice && nal.length > 1 && (nal[1]! & 0x80) !== 0
    const startsUnit =
      type === NAL_TYPE.aud || type === NAL_TYPE.sps || type === NAL_TYPE.pps || type === NAL_TYPE.sei || (type >= 14 && type <= 18) || firstSliceOfPicture
    if (hasSlice && startsUnit) flush()
    current.push(nal)
    if (isSlice) hasSlice = true
  }
  flush()
  return units
}
