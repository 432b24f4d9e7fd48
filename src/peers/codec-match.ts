/**
 * Audio codec negotiation seen from one peer: which codecs the other side's SDP offers (or answered with), and
 * whether any of them is one this peer accepts. Peers with nothing in common would "connect" and then carry no
 * audio; this turns that into an error at offer/answer time naming both sides' codecs.
 */
import { RtcspecError } from '../errors.ts'
import { safeParseSdp } from '../sdp/parse.ts'
import { mediaLine } from '../sdp/media.ts'
import { codecs } from '../sdp/codecs.ts'
import { isTelephoneEvent } from './codecs.ts'

/** The audio codecs (encoding names, telephone-event left out) of each active audio section of an SDP. */
export function audioCodecsOf(sdp: string): string[][] | undefined {
  const parsed = safeParseSdp(sdp)
  if (!parsed.ok) return undefined
  const out: string[][] = []
  for (const section of parsed.value.media) {
    const m = mediaLine(section)
    if (m.media !== 'audio' || m.port === 0) continue
    out.push([
      ...new Set(
        codecs(section)
          .map((c) => c.encodingName)
          .filter((n) => !isTelephoneEvent(n)),
      ),
    ])
  }
  return out
}

/**
 * Throws `NO_COMMON_CODEC` when the remote SDP's audio sections offer (or answer with) no codec in `local`.
 * Does nothing when the SDP cannot be parsed (the peer reports that itself), has no active audio section, or
 * this side takes no audio.
 */
export function assertCommonAudioCodec(options: {
  localName: string
  localCodecs: readonly string[]
  remoteName?: string
  sdp: string
  type: 'offer' | 'answer'
}): void {
  const sections = audioCodecsOf(options.sdp)
  if (!sections) return
  const mine = options.localCodecs.map((c) => c.toUpperCase())
  const remote = options.remoteName ?? `the remote ${options.type}`
  for (const theirs of sections) {
    if (theirs.some((c) => mine.includes(c.toUpperCase()))) continue
    const what = options.type === 'offer' ? 'offers' : 'answered with'
    throw new RtcspecError(
      'NO_COMMON_CODEC',
      `no audio codec in common: ${remote} ${what} ${theirs.length ? theirs.join(', ') : 'no codec'}; ${options.localName} accepts ${options.localCodecs.join(', ')}`,
      {
        hint: `give both sides a codec they share, e.g. codecs: ['${options.localCodecs[0] ?? 'PCMU'}'] on both peers, or b2b({ codec: '${options.localCodecs[0] ?? 'PCMU'}' })`,
      },
    )
  }
}
