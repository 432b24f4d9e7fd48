/**
 * The set of extended sequence numbers received in one contiguous sequence space, kept as a bounded ring
 * bitmap of the last {@link SEQ_WINDOW} extended sequence numbers. Pure data structure, no I/O.
 */

/**
 * Size of the receive window, in extended sequence numbers: 2^15 = 32768, one bit each (4 KiB per source).
 * A packet more than 32767 behind the highest extended sequence number cannot be told apart from one ahead of
 * it in a 16-bit sequence space, so the window covers every late arrival that can be identified at all.
 * Sequence numbers that fall out of the window are final: their holes are folded into the gap statistics.
 */
export const SEQ_WINDOW = 0x8000

/** What {@link SeqWindow.add} found. */
export type SeqAddResult = 'new' | 'duplicate' | 'too-old'

/**
 * Received extended sequence numbers within `[min, max]`, with duplicate detection over the last
 * {@link SEQ_WINDOW} numbers and the longest run of missing numbers (late arrivals fill their hole).
 */
export class SeqWindow {
  private bits = new Uint32Array(SEQ_WINDOW / 32)
  private empty = true
  /** Lowest extended sequence number received. */
  min = 0
  /** Highest extended sequence number received. */
  max = 0
  /** Distinct extended sequence numbers received. */
  unique = 0
  /** Current run of missing numbers ending just below the window (numbers that left the window). */
  private finalRun = 0
  /** Longest missing run among numbers that left the window. */
  private finalLongest = 0

  /** Number of sequence numbers spanned, `max - min + 1` (0 when empty). */
  get span(): number {
    return this.empty ? 0 : this.max - this.min + 1
  }

  /** `span - unique`: numbers in the span never received. */
  get missing(): number {
    return this.span - this.unique
  }

  private slot(ext: number): number {
    return ((ext % SEQ_WINDOW) + SEQ_WINDOW) % SEQ_WINDOW
  }

  private get(ext: number): boolean {
    const i = this.slot(ext)
    return ((this.bits[i >>> 5]! >>> (i & 31)) & 1) === 1
  }

  private put(ext: number, on: boolean): void {
    const i = this.slot(ext)
    const w = i >>> 5
    const m = 1 << (i & 31)
    this.bits[w] = on ? this.bits[w]! | m : this.bits[w]! & ~m
  }

  private fold(received: boolean, count = 1): void {
    if (received) {
      this.finalRun = 0
    } else {
      this.finalRun += count
      if (this.finalRun > this.finalLongest) this.finalLongest = this.finalRun
    }
  }

  /** Records extended sequence number `ext`. */
  add(ext: number): SeqAddResult {
    if (this.empty) {
      this.empty = false
      this.min = this.max = ext
      this.put(ext, true)
      this.unique = 1
      return 'new'
    }
    if (ext > this.max) {
      this.advance(ext)
      this.put(ext, true)
      this.unique++
      return 'new'
    }
    if (ext <= this.max - SEQ_WINDOW) return 'too-old'
    if (this.get(ext)) return 'duplicate'
    this.put(ext, true)
    this.unique++
    if (ext < this.min) this.min = ext
    return 'new'
  }

  /** True if `ext` is inside the window and was received. */
  has(ext: number): boolean {
    if (this.empty || ext > this.max || ext <= this.max - SEQ_WINDOW || ext < this.min) return false
    return this.get(ext)
  }

  /** Moves `max` up to `newMax`, folding the numbers that leave the window into the gap statistics. */
  private advance(newMax: number): void {
    const oldMax = this.max
    // Numbers leaving: (oldMax - W, newMax - W], restricted to >= min, in increasing order.
    const leaveFrom = Math.max(this.min, oldMax - SEQ_WINDOW + 1)
    const leaveTo = newMax - SEQ_WINDOW
    const inWindowTo = Math.min(leaveTo, oldMax)
    for (let e = leaveFrom; e <= inWindowTo; e++) this.fold(this.get(e))
    if (leaveTo > oldMax) this.fold(false, leaveTo - Math.max(oldMax, this.min - 1))
    // Clear the slots the new numbers (oldMax, newMax] will use.
    if (newMax - oldMax >= SEQ_WINDOW) this.bits.fill(0)
    else for (let e = oldMax + 1; e <= newMax; e++) this.put(e, false)
    this.max = newMax
  }

  /** Longest run of consecutive missing numbers within `[min, max]`. O(window) per call. */
  longestGap(): number {
    if (this.empty) return 0
    let run = this.finalRun
    let longest = this.finalLongest
    for (let e = Math.max(this.min, this.max - SEQ_WINDOW + 1); e <= this.max; e++) {
      const i = this.slot(e)
      if ((i & 31) === 0 && e + 31 <= this.max && this.bits[i >>> 5] === 0xffffffff) {
        run = 0 // 32 received in a row: skip the word
        e += 31
      } else if (this.get(e)) run = 0
      else if (++run > longest) longest = run
    }
    return longest
  }

  /** An independent copy. */
  clone(): SeqWindow {
    const c = Object.assign(Object.create(SeqWindow.prototype) as SeqWindow, this)
    c.bits = this.bits.slice()
    return c
  }
}
