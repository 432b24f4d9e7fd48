/** `serializeSdp`: {@link SessionDescription} → text. Exact inverse of `parseSdp` for any parsed input. */
import { formatLine } from './fields.ts'
import type { MediaLineNode, SdpLine, SessionDescription } from './types.ts'

/**
 * Serialize a session description. Each line ends with its own `eol` if set, else the description's
 * `lineEnding`; the last line is followed by `trailer` instead.
 */
export function serializeSdp(desc: SessionDescription): string {
  const nodes: (SdpLine | MediaLineNode)[] = [...desc.lines]
  const parts: string[] = []
  for (const section of desc.media) nodes.push(section.mline, ...section.lines)
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]
    if (node === undefined) continue
    parts.push(formatLine(node), i === nodes.length - 1 ? desc.trailer : (node.eol ?? desc.lineEnding))
  }
  return parts.length ? parts.join('') : desc.trailer
}
