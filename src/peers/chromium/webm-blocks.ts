/**
 * Counts the coded frames in a WebM (Matroska) byte stream as MediaRecorder writes it: the `SimpleBlock`s and
 * `Block`s inside its clusters. A live recording has a Segment and Clusters of unknown size; every other element
 * states its size. Pure: no I/O.
 */

/** Element IDs (with their length marker, as Matroska writes them). */
const SEGMENT = 0x18538067
const CLUSTER = 0x1f43b675
const BLOCK_GROUP = 0xa0
const BLOCK = 0xa1
const SIMPLE_BLOCK = 0xa3

/** A variable-length integer at `pos`: its value (`keepMarker` for IDs), length, and whether all its value bits are set. */
function readVint(bytes: Uint8Array, pos: number, keepMarker: boolean): { value: number; length: number; unknown: boolean } | undefined {
  const first = bytes[pos]
  if (first === undefined || first === 0) return undefined
  let length = 1
  while (length <= 8 && (first & (0x80 >> (length - 1))) === 0) length++
  if (length > 8 || pos + length > bytes.length) return undefined
  let value = keepMarker ? first : first & (0xff >> length)
  let allOnes = value === 0xff >> length
  for (let i = 1; i < length; i++) {
    const b = bytes[pos + i] as number
    value = value * 256 + b
    if (b !== 0xff) allOnes = false
  }
  return { value, length, unknown: !keepMarker && allOnes }
}

/**
 * The number of coded frames (SimpleBlock and Block elements) wholly inside `bytes`; a truncated last block is not
 * counted, and the count stops at the first malformed element.
 */
export function countWebmBlocks(bytes: Uint8Array): number {
  let pos = 0
  let count = 0
  // every step moves forward by at least the element's header, so the loop ends within bytes.length steps
  for (let step = 0; step < bytes.length && pos < bytes.length; step++) {
    const id = readVint(bytes, pos, true)
    if (!id) break
    const size = readVint(bytes, pos + id.length, false)
    if (!size) break
    const dataStart = pos + id.length + size.length
    if (id.value === SEGMENT || id.value === CLUSTER || id.value === BLOCK_GROUP) {
      pos = dataStart // descend: their children follow
      continue
    }
    if (size.unknown) break
    const end = dataStart + size.value
    if (end > bytes.length) break
    if (id.value === SIMPLE_BLOCK || id.value === BLOCK) count++
    pos = end
  }
  return count
}
