/**
 * Keyframe and PLI/FIR times of werift video streams: a frame the relay drops whole makes bob send a PLI; alice logs
 * it received and the keyframe that answered it; both land in the call record with their times (on the process
 * clock, after the dropped frame's arrival slot and in causal order), and the HTML report puts them on the stream's
 * events strip.
 */
import { describe, expect, it } from 'vitest'
import { UdpRelay } from '../../src/net/relay.ts'
import { connectBackToBack } from '../../src/peers/back-to-back.ts'
import { buildCallRecord } from '../../src/peers/call-record.ts'
import { relayPath } from '../../src/peers/relay-path.ts'
import { createWeriftPeer } from '../../src/peers/werift/peer.ts'
import { streamEvents } from '../../src/report/html/video.ts'
import { callSection } from '../../src/report/html/call.ts'
import { waitFor } from '../../src/wait.ts'
import { encodeTestsrc } from './werift-video-source.ts'

describe('werift video: keyframe and PLI/FIR times', () => {
  it('a dropped frame: the PLI bob sent, the PLI alice received and the keyframes alice sent are in the call record and on the report strip', async () => {
    const video = await encodeTestsrc('VP8', [{ frames: 60, width: 176, height: 144, gop: 30 }])
    await using relay = await UdpRelay.create({ seed: 5 })
    const alice = createWeriftPeer({ name: 'alice', audio: false, video: 'sendonly', videoCodecs: ['VP8'] })
    const bob = createWeriftPeer({ name: 'bob', audio: false, video: 'recvonly' })
    await using _call = await connectBackToBack(alice, bob, { path: relayPath(relay) })
    const handle = alice.sendVideo(video, { loop: true })
    const track = await bob.waitForTrack('video', 5000)
    await track.waitForVideoFrames?.(5, 5000)
    relay.dropFrames('toB', { payloadType: track.codec?.payloadType as number, after: 3, count: 1 })
    await waitFor(() => handle.keyframeRequests().length >= 1 && handle.sentFrames().length > (handle.keyframeRequests()[0]?.framesSentBefore ?? Infinity), {
      timeoutMs: 5000,
      label: "alice to get bob's loss PLI and send one more frame",
    })
    handle.stop()
    const startedAt = new Date()
    const record = await buildCallRecord({ kind: 'test', peers: [alice, bob], startedAt })
    const inbound = record.peers[1]?.rtp.inbound[0]
    const outbound = record.peers[0]?.rtp.outbound.find((o) => o.kind === 'video')
    const pliSent = inbound?.video?.events?.events.filter((e) => e.type === 'pli-sent') ?? []
    const pliReceived = outbound?.video?.events?.events.filter((e) => e.type === 'pli-received') ?? []
    const keySent = outbound?.video?.events?.events.filter((e) => e.type === 'keyframe-sent') ?? []
    // as many logged as counted
    expect(pliSent).toHaveLength(inbound?.video?.pliSent ?? -1)
    expect(pliReceived).toHaveLength(outbound?.video?.pliReceived ?? -1)
    expect(keySent).toHaveLength(outbound?.video?.keyframesSent ?? -1)
    expect(pliSent.length).toBeGreaterThanOrEqual(1)
    // causality on the one clock: the dropped frame was sent, then bob's PLI left, alice got it, and sent the keyframe
    const dropped = relay.droppedFrames('toB')[0]
    const droppedSent = handle.sentFrames().find((f) => f.rtpTimestamp === dropped?.timestamp)
    expect(droppedSent).toBeDefined()
    const pli = pliSent[0]!.atMs
    expect(pli).toBeGreaterThan(droppedSent!.sentAtMs)
    expect(pliReceived[0]!.atMs).toBeGreaterThanOrEqual(pli)
    const answer = handle.sentFrames()[handle.keyframeRequests()[0]!.framesSentBefore]!
    expect(keySent.map((e) => e.atMs)).toContain(answer.sentAtMs)
    // the report strip: the same events, in s from the stream's first packet
    const a = inbound!.videoAnalysis!
    const rows = streamEvents(record, 'bob', inbound!, a)
    const row = (label: string) => rows.find((r) => r.label === label)?.times ?? []
    expect(row('PLI/FIR sent')).toEqual(pliSent.map((e) => (e.atMs - a.startMs) / 1000))
    expect(row('PLI/FIR received')).toHaveLength(pliReceived.length)
    expect(row('keyframe sent')).toHaveLength(keySent.length)
    const html = callSection(record, {})
    expect(html).toContain('class="video-events-strip"')
    expect(html.match(/<line class="event" data-type="PLI\/FIR sent"/g)).toHaveLength(pliSent.length)
  })
})
