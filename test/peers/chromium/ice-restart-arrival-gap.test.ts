/** The bounds a browser track's getStats samples put on the longest interval without RTP (used by restartIce). */
import { describe, it, expect } from 'vitest'
import { arrivalGapBounds } from '../../../src/peers/chromium/arrival-gap.ts'

describe('arrivalGapBounds', () => {
  it('is exact when every sample adds one packet', () => {
    const b = arrivalGapBounds([
      { packetsReceived: 10, lastPacketMs: 1000 },
      { packetsReceived: 11, lastPacketMs: 1020 },
      { packetsReceived: 12, lastPacketMs: 1140 },
      { packetsReceived: 13, lastPacketMs: 1160 },
    ])
    expect(b).toEqual({ upperMs: 120, lowerMs: 120, packets: 3, samples: 4 })
  })

  it('bounds the gap between Δ/n and Δ when a sample spans several packets; repeated (cached) samples are skipped', () => {
    const b = arrivalGapBounds([
      { packetsReceived: 10, lastPacketMs: 1000 },
      { packetsReceived: 10, lastPacketMs: 1000 },
      { packetsReceived: 13, lastPacketMs: 1060 },
      { packetsReceived: 15, lastPacketMs: 1300 },
      { packetsReceived: 15, lastPacketMs: 1300 },
    ])
    expect(b.upperMs).toBe(240)
    expect(b.lowerMs).toBe(120)
    expect(b.packets).toBe(5)
    expect(b.samples).toBe(3)
  })

  it('gives zero bounds without two distinct samples, and ignores samples before the first packet', () => {
    expect(arrivalGapBounds([])).toEqual({ upperMs: 0, lowerMs: 0, packets: 0, samples: 0 })
    expect(
      arrivalGapBounds([
        { packetsReceived: 0, lastPacketMs: undefined },
        { packetsReceived: 4, lastPacketMs: 500 },
      ]),
    ).toEqual({ upperMs: 0, lowerMs: 0, packets: 0, samples: 1 })
  })
})
