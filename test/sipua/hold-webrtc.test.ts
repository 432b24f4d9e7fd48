import { describe, expect, test } from 'vitest'
import { startSipRegistrar } from '../../src/sipua/registrar.ts'
import { createSipUserAgent } from '../../src/sipua/user-agent.ts'
import { tone } from '../../src/media/sources.ts'
import type { WeriftPeer } from '../../src/peers/werift/peer.ts'
import { hasTone } from './support.ts'

describe('hold on a WebRTC (werift) leg', () => {
  test('the held side stops sending while the holder keeps sending; resume restarts it', async () => {
    await using registrar = await startSipRegistrar({ transports: ['ws'] })
    const transport = { kind: 'ws' as const, url: registrar.wsUrl }
    await using alice = await createSipUserAgent({ uri: 'sip:alice@rtcspec.test', transport, callRecords: false })
    await using bob = await createSipUserAgent({ uri: 'sip:bob@rtcspec.test', transport, callRecords: false })
    await bob.register()
    const incoming = bob.waitForIncoming(10_000)
    const calling = alice.call('sip:bob@rtcspec.test', { send: tone(1000), timeoutMs: 15_000 })
    const bobCall = await (await incoming).accept({ send: tone(1500) })
    const aliceCall = await calling
    const [atBob, atAlice] = await Promise.all([bobCall.peer.waitForTrack('audio', 10_000), aliceCall.peer.waitForTrack('audio', 10_000)])
    await Promise.all([atBob.waitForPackets(25, 10_000), atAlice.waitForPackets(25, 10_000)])

    // Alice holds: her offer is sendonly, bob answers recvonly, so bob's sender pauses.
    await aliceCall.hold()
    const reinvite = alice.log.entries.filter((e) => e.direction === 'out' && e.summary.startsWith('INVITE')).at(-1)!
    expect(reinvite.raw).toMatch(/^a=sendonly\r?$/m)
    const fromBobAtHold = atAlice.rtp.snapshot().received
    const fromAliceAtHold = atBob.rtp.snapshot().received
    // Alice keeps sending (sendonly): wait for 50 more of her packets at bob (~1 s of audio)…
    await atBob.waitForPackets(fromAliceAtHold + 50, 10_000)
    // …during which bob sent nothing (at most a couple already in flight when the answer was applied).
    const leaked = atAlice.rtp.snapshot().received - fromBobAtHold
    expect(leaked).toBeLessThanOrEqual(3)
    expect((bobCall.peer as WeriftPeer).heldPackets).toBeGreaterThanOrEqual(25) // ~50 frames paced while held; generous for a loaded machine
    expect((aliceCall.peer as WeriftPeer).heldPackets).toBe(0)

    // Resume: sendrecv again, bob's audio comes back.
    await aliceCall.resume()
    const beforeResume = atAlice.rtp.snapshot().received
    const heldAtResume = (bobCall.peer as WeriftPeer).heldPackets
    await atAlice.waitForPackets(beforeResume + 50, 10_000)
    expect(hasTone(atAlice, 1500, atAlice.packets().length - 50)).toBe(true)
    expect((bobCall.peer as WeriftPeer).heldPackets - heldAtResume).toBeLessThanOrEqual(3)
    // The held frames used no sequence numbers: alice's receiver sees a pause, not ~50 lost packets, and the
    // first packet after it starts a new talkspurt (marker bit, RFC 3551 §4.1).
    expect(atAlice.rtp.snapshot().lost).toBeLessThanOrEqual(2)
    expect(
      atAlice
        .packets()
        .slice(1)
        .some((p) => p.marker),
    ).toBe(true)
    await aliceCall.hangup()
  })
})
