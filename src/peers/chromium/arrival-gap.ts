/**
 * The longest interval without RTP on a browser's inbound stream, bounded from getStats samples.
 *
 * A page cannot hand out the packets it receives, but its `inbound-rtp` stats carry `packetsReceived` and
 * `lastPacketReceivedTimestamp`. Chromium serves getStats from a cache refreshed about every 50 ms, so two
 * consecutive distinct samples usually span 2–3 packets of a 20 ms stream. Between two samples where the count
 * grew by n ≥ 1 and the last arrival moved by Δ ms:
 * - every inter-arrival interval inside that span is at most Δ (upper bound);
 * - the longest of the n intervals is at least Δ / n (lower bound);
 * - with n = 1 both are equal: the interval is known exactly.
 * Pure: takes the samples, returns the bounds.
 */

/** One getStats sample of one inbound stream. */
export interface ArrivalSample {
  /** Cumulative `packetsReceived`. */
  packetsReceived: number
  /** `lastPacketReceivedTimestamp`, ms (any fixed origin). Undefined before the first packet. */
  lastPacketMs: number | undefined
}

/** Bounds of the longest inter-arrival interval seen over a series of samples. */
export interface ArrivalGapBounds {
  /** The longest interval is at most this, ms (what a "media stopped for at most X ms" check should use). */
  upperMs: number
  /** ... and at least this, ms. */
  lowerMs: number
  /** Packets received between the first and the last sample. */
  packets: number
  /** Distinct samples (count changed) the bounds rest on. */
  samples: number
}

/** Bounds the longest interval between two packets over `samples` (in time order). Zero bounds with < 2 distinct samples. */
export function arrivalGapBounds(samples: readonly ArrivalSample[]): ArrivalGapBounds {
  let upper = 0
  let lower = 0
  let distinct = 0
  let prev: ArrivalSample | undefined
  let first: ArrivalSample | undefined
  for (const s of samples) {
    if (s.lastPacketMs === undefined) continue
    first ??= s
    if (!prev) {
      prev = s
      distinct = 1
      continue
    }
    const n = s.packetsReceived - prev.packetsReceived
    if (n <= 0) continue
    const span = Math.max(0, s.lastPacketMs - prev.lastPacketMs!)
    upper = Math.max(upper, span)
    lower = Math.max(lower, span / n)
    distinct++
    prev = s
  }
  return { upperMs: upper, lowerMs: lower, packets: prev && first ? prev.packetsReceived - first.packetsReceived : 0, samples: distinct }
}
