/**
 * Video codec negotiation seen from one peer, for what werift does not check itself: werift pairs codecs by MIME
 * type only, so an H.264 offer in another profile (High where this peer sends Constrained Baseline) or in
 * packetization-mode 0 would be "accepted" and then carry a stream the far end cannot decode.
 *
 * RFC 6184 §8.2.2 (with the `h264-profile-level-id` package, libwebrtc's rules): an offered H.264 format is
 * compatible when its profile is the same as one of this peer's and its packetization-mode is the same (absent
 * means 0); the answer's level is the offer's level unless both sides allow level asymmetry. Incompatible formats
 * are taken out of the offer before werift sees it (so werift cannot pick them), and no video codec in common is
 * an error naming both sides' codecs, like audio's.
 */
import { generateProfileLevelIdStringForAnswer, isSameProfile } from 'h264-profile-level-id'
import { RtcspecError } from '../errors.ts'

/** One video format of an SDP media section. */
interface VideoFormat {
  pt: number
  encoding: string
  params: Record<string, string>
}

function parseParams(fmtp: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of (fmtp ?? '').split(';')) {
    const [k, v] = part.split('=')
    if (k?.trim()) out[k.trim().toLowerCase()] = (v ?? '').trim()
  }
  return out
}

/** Splits an SDP into its session part and media sections (each starting with its `m=` line). */
function sections(sdp: string): { eol: string; parts: string[] } {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n'
  return { eol, parts: sdp.split(/\r?\n(?=m=)/) }
}

function formatsOf(section: string): VideoFormat[] {
  const m = /^m=video \d+ \S+ ?(.*)$/m.exec(section)
  if (!m) return []
  const pts = (m[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number)
  return pts.map((pt) => {
    const encoding = new RegExp(`^a=rtpmap:${pt} ([^/\\s]+)`, 'm').exec(section)?.[1] ?? ''
    const fmtp = new RegExp(`^a=fmtp:${pt} (.*?)\\r?$`, 'm').exec(section)?.[1]
    return { pt, encoding: encoding.toUpperCase(), params: parseParams(fmtp) }
  })
}

const isActiveVideo = (section: string) => /^m=video [1-9]\d* /m.test(section)

/** How a format reads in a message: `H264 (profile-level-id=640c1f, packetization-mode=1)`. */
function describe(f: VideoFormat): string {
  if (f.encoding !== 'H264') return f.encoding
  return `H264 (profile-level-id=${f.params['profile-level-id'] ?? '42000a (absent)'}, packetization-mode=${f.params['packetization-mode'] ?? '0 (absent)'})`
}

/** Whether an offered H.264 format can be answered by one of `local` (same profile, same packetization-mode). */
export function h264Compatible(offered: Record<string, string>, local: readonly Record<string, string>[]): Record<string, string> | undefined {
  const mode = offered['packetization-mode'] ?? '0'
  return local.find((l) => (l['packetization-mode'] ?? '0') === mode && isSameProfile(l, offered))
}

/** The H.264 fmtp parameters a werift peer offers and accepts. */
export const LOCAL_H264_PARAMS: Record<string, string> = { 'packetization-mode': '1', 'profile-level-id': '42e01f', 'level-asymmetry-allowed': '1' }

/**
 * Takes the H.264 formats this peer cannot answer (other profile, other packetization-mode) and the RTX formats
 * that repair them out of every active video section of a remote offer — or of a remote answer, which must not pick
 * what this peer cannot take either. Throws `NO_COMMON_VIDEO_CODEC` when a video section then has no codec this
 * peer accepts.
 */
export function filterVideoOffer(options: {
  localName: string
  /** Encoding names this peer accepts (`VP8`, `H264`). */
  localCodecs: readonly string[]
  /** fmtp parameters of this peer's H.264 formats. */
  localH264?: readonly Record<string, string>[]
  sdp: string
  /** Whether `sdp` is the remote offer (default) or the remote answer to this peer's offer. */
  type?: 'offer' | 'answer'
}): { sdp: string; dropped: string[] } {
  const { eol, parts } = sections(options.sdp)
  const accepts = options.localCodecs.map((c) => c.toUpperCase())
  const localH264 = options.localH264 ?? [LOCAL_H264_PARAMS]
  const dropped: string[] = []
  const out = parts.map((section) => {
    if (!isActiveVideo(section)) return section
    const formats = formatsOf(section)
    const drop = new Set<number>()
    for (const f of formats) {
      if (f.encoding === 'H264' && !h264Compatible(f.params, localH264)) drop.add(f.pt)
    }
    for (const f of formats) {
      if (f.encoding === 'RTX' && drop.has(Number(f.params.apt))) drop.add(f.pt)
    }
    const usable = formats.filter((f) => !drop.has(f.pt) && accepts.includes(f.encoding))
    if (usable.length === 0) {
      const theirs = formats.filter((f) => !['RTX', 'RED', 'ULPFEC', 'FLEXFEC-03'].includes(f.encoding)).map(describe)
      throw new RtcspecError(
        'NO_COMMON_VIDEO_CODEC',
        `no video codec in common: the remote ${options.type ?? 'offer'} has ${theirs.length ? theirs.join(', ') : 'no codec'}; ${options.localName} accepts ${accepts
          .map((c) =>
            c === 'H264'
              ? `H264 (${localH264.map((p) => `profile-level-id=${p['profile-level-id']}, packetization-mode=${p['packetization-mode']}`).join(' or ')})`
              : c,
          )
          .join(', ')}`,
        { hint: 'offer VP8, or H.264 Constrained Baseline (profile-level-id 42e0xx) in packetization-mode 1; or give the peer video: false to refuse video' },
      )
    }
    if (drop.size === 0) return section
    for (const f of formats) if (drop.has(f.pt)) dropped.push(describe(f))
    return section
      .split(/\r?\n/)
      .map((line) => {
        const m = /^(m=video \d+ \S+)(.*)$/.exec(line)
        if (m)
          return `${m[1]} ${(m[2] ?? '')
            .trim()
            .split(/\s+/)
            .filter((pt) => !drop.has(Number(pt)))
            .join(' ')}`
        const a = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)[ \s]/.exec(line)
        return a && drop.has(Number(a[1])) ? undefined : line
      })
      .filter((l): l is string => l !== undefined)
      .join(eol)
  })
  return { sdp: out.join(eol), dropped }
}

/**
 * Sets each H.264 format of this peer's answer to the profile-level-id RFC 6184 §8.2.2 gives for the matching
 * offered format (werift answers with its own configured value): the offer's level, or this side's when both
 * allow level asymmetry.
 */
export function fixH264Answer(answerSdp: string, offerSdp: string, localH264: readonly Record<string, string>[] = [LOCAL_H264_PARAMS]): string {
  const offered = new Map<number, VideoFormat>()
  for (const s of sections(offerSdp).parts) if (isActiveVideo(s)) for (const f of formatsOf(s)) offered.set(f.pt, f)
  const { eol, parts } = sections(answerSdp)
  return parts
    .map((section) => {
      if (!isActiveVideo(section)) return section
      let out = section
      for (const f of formatsOf(section)) {
        const o = offered.get(f.pt)
        if (f.encoding !== 'H264' || !o) continue
        const local = h264Compatible(o.params, localH264)
        if (!local) continue
        const id = generateProfileLevelIdStringForAnswer(local, o.params)
        if (!id || id === f.params['profile-level-id']) continue
        out = out.replace(new RegExp(`^(a=fmtp:${f.pt} .*?)profile-level-id=[0-9a-fA-F]{6}`, 'm'), `$1profile-level-id=${id}`)
      }
      return out
    })
    .join(eol)
}
