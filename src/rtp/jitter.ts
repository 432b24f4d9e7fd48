/** RFC 3550 §6.4.1 / Appendix A.8 interarrival jitter estimator. Pure: no I/O, no timers. */
import { signed32 } from './seq.ts'

/**
 * Interarrival jitter (RFC 3550 §6.4.1, A.8), in RTP timestamp units.
 *
 * For consecutive packets i, j (in arrival order):
 * `D(i,j) = (Rj - Ri) - (Sj - Si)`, with arrival times R converted to timestamp units
 * (`ms * clockRate / 1000`) and the RTP timestamp difference `Sj - Si` taken modulo 2^32 as a signed 32-bit value;
 * then `J += (|D| - J) / 16`. Kept as a float (an RTCP report block carries `floor(J)`).
 */
export class InterarrivalJitter {
  /** Current jitter estimate, RTP timestamp units. */
  jitter = 0
  private prevArrivalMs: number | undefined
  private prevTimestamp = 0
  private readonly clockRate: number

  /** @param clockRate RTP clock rate in Hz (e.g. 8000 for PCMU, 48000 for Opus). */
  constructor(clockRate: number) {
    this.clockRate = clockRate
  }

  /** Feeds one packet: arrival time in milliseconds and its 32-bit RTP timestamp. */
  update(arrivalMs: number, timestamp: number): void {
    if (this.prevArrivalMs !== undefined) {
      const d = ((arrivalMs - this.prevArrivalMs) * this.clockRate) / 1000 - signed32(timestamp - this.prevTimestamp)
      this.jitter += (Math.abs(d) - this.jitter) / 16
    }
    this.prevArrivalMs = arrivalMs
    this.prevTimestamp = timestamp
  }

  /** Forgets the previous packet (after a source restart), keeping the estimate. */
  resetReference(): void {
    this.prevArrivalMs = undefined
  }

  /** Jitter in milliseconds: `jitter / clockRate * 1000`. */
  get jitterMs(): number {
    return (this.jitter / this.clockRate) * 1000
  }

  /** An independent copy. */
  clone(): InterarrivalJitter {
    return Object.assign(Object.create(InterarrivalJitter.prototype) as InterarrivalJitter, this)
  }
}
