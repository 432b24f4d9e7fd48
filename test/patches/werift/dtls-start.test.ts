import { describe, it, expect } from 'vitest'
import { RTCDtlsTransport } from 'werift'
import { dtlsEarlyStart, dtlsEarlyStartStats } from '../../../src/patches/werift/dtls-start.ts'
import { createWeriftPeer } from '../../../src/peers/werift/peer.ts'
import { connectBackToBack } from '../../../src/peers/back-to-back.ts'
import { tone } from '../../../src/media/sources.ts'

interface TransportInternals {
  role?: string
  iceTransport?: { role?: string }
  start(): Promise<void>
}

describe('werift DTLS early start', () => {
  it('installs on this werift version', () => {
    expect(dtlsEarlyStart()).toBe('installed')
  })

  it('starts the client handshake without the sleep; the call connects and carries SRTP media', async () => {
    const before = dtlsEarlyStartStats()
    await using call = await connectBackToBack(createWeriftPeer(), createWeriftPeer())
    call.a.sendAudio(tone(440))
    const track = await call.b.waitForTrack('audio', 5000)
    await track.waitForPackets(10, 5000)
    expect(dtlsEarlyStartStats().earlyClientHellos).toBeGreaterThan(before.earlyClientHellos)
  })

  it('hands a ClientHello that arrived before the server started to the server once it exists', async () => {
    dtlsEarlyStart()
    const proto = RTCDtlsTransport.prototype as unknown as TransportInternals
    const patched = proto.start
    // Hold every DTLS server's start back, so the client's ClientHello reaches the ICE connection first
    // (without the early-record hand-over it would be dropped and resent by werift only after 500 ms).
    let heldServers = 0
    proto.start = function (this: TransportInternals) {
      const server = this.role === 'server' || (this.role === 'auto' && this.iceTransport?.role === 'controlling')
      if (!server) return patched.call(this)
      heldServers++
      return new Promise<void>((r) => setTimeout(r, 150)).then(() => patched.call(this))
    }
    const before = dtlsEarlyStartStats()
    try {
      await using call = await connectBackToBack(createWeriftPeer(), createWeriftPeer())
      call.b.sendAudio(tone(880))
      const track = await call.a.waitForTrack('audio', 5000)
      await track.waitForPackets(10, 5000)
    } finally {
      proto.start = patched
    }
    expect(heldServers).toBe(1)
    expect(dtlsEarlyStartStats().replayedRecords).toBeGreaterThan(before.replayedRecords)
  })
})
