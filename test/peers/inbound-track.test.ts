import { describe, it, expect } from 'vitest'
import { InboundTrackImpl } from '../../src/peers/inbound-track.ts'
import { encodeMulaw } from '../../src/media/g711.ts'
import { serializeTelephoneEvent } from '../../src/rtp/telephone-event.ts'
import type { CodecInfo, ReceivedRtp } from '../../src/peers/types.ts'

const codecs: Record<number, CodecInfo> = {
  0: { encoding: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 },
  101: { encoding: 'telephone-event', payloadType: 101, clockRate: 8000, channels: 1 },
}
const track = (o: { maxCapturedPackets?: number } = {}) =>
  new InboundTrackImpl({ kind: 'audio', mid: '0', peerName: 'bob', clockRate: 8000, codecOf: (pt) => codecs[pt], ...o })
const audio = (i: number, value = 1000): ReceivedRtp => ({
  sequenceNumber: i,
  timestamp: 5000 + i * 160,
  ssrc: 9,
  payloadType: 0,
  marker: i === 0,
  payload: encodeMulaw(new Int16Array(160).fill(value)),
  arrivalMs: i * 20,
})

describe('InboundTrackImpl recording and DTMF', () => {
  it('renders once per new packet, keeps telephone-event out of the codec, and times digits on the recording timeline', () => {
    const t = track()
    for (let i = 0; i < 10; i++) t.push(audio(i))
    const a = t.recording()
    expect(a.label).toBe('bob audio in (mid 0, PCMU)')
    expect(a.samples.length).toBe(1600)
    expect(t.recording().samples).toBe(a.samples) // nothing new: same render
    // an RFC 4733 event at the next frame time, in the same sequence space
    for (let k = 0; k < 3; k++) {
      t.push({
        sequenceNumber: 10 + k,
        timestamp: 5000 + 10 * 160,
        ssrc: 9,
        payloadType: 101,
        marker: k === 0,
        payload: serializeTelephoneEvent({ event: 11, end: k === 2, volume: 10, duration: 160 * (k + 1) }),
        arrivalMs: 200 + k * 20,
      })
    }
    t.push(audio(13))
    expect(t.codec?.encoding).toBe('PCMU')
    const b = t.recording()
    expect(b.samples).not.toBe(a.samples)
    expect(b.samples.length).toBe(14 * 160) // the event's 3 frames are silence
    expect(b.samples.subarray(1600, 2080).every((x) => x === 0)).toBe(true)
    expect(t.dtmf()).toEqual([{ digit: '#', method: 'rfc4733', startMs: 200, durationMs: 60, volume: 10, ended: true, arrivalMs: 200 }])
    expect(t.recordingStats()).toMatchObject({ packets: 14, decoded: 11, skipped: 3, capped: 0 })
    expect(t.rtp.snapshot().lost).toBe(0)
  })

  it('keeps at most maxCapturedPackets for the recording but counts every packet', () => {
    const t = track({ maxCapturedPackets: 5 })
    for (let i = 0; i < 8; i++) t.push(audio(i))
    expect(t.packets()).toHaveLength(5)
    expect(t.rtp.snapshot().received).toBe(8)
    expect(t.recording().samples.length).toBe(5 * 160)
    expect(t.recordingStats()?.capped).toBe(3)
  })

  it('record() flags the track for saving; an empty track records nothing', () => {
    const t = track()
    expect(t.recordRequested).toBe(false)
    t.record()
    expect(t.recordRequested).toBe(true)
    expect(t.recording().samples.length).toBe(0)
    expect(t.dtmf()).toEqual([])
  })
})

describe('InboundTrackImpl video', () => {
  const vp8 = (seq: number, start: boolean, marker: boolean): ReceivedRtp => ({
    sequenceNumber: seq,
    timestamp: 3000,
    ssrc: 7,
    payloadType: 96,
    marker,
    payload: start ? Uint8Array.of(0x90, 0x80, 0x80, 0x01, 0x11, 0x00, 0x00) : Uint8Array.of(0x80, 0x80, 0x80, 0x01, 0x22),
    arrivalMs: seq,
  })
  const videoTrack = () =>
    new InboundTrackImpl({
      kind: 'video',
      mid: '1',
      peerName: 'bob',
      clockRate: 90_000,
      codecOf: (pt) => (pt === 96 ? { encoding: 'VP8', payloadType: 96, clockRate: 90_000 } : undefined),
    })

  it('assembles frames, and a waiter counts a frame completed by a late (non-marker) packet', async () => {
    const t = videoTrack()
    const waited = t.waitForVideoFrames(1, 1000)
    t.push(vp8(10, true, false))
    t.push(vp8(12, false, true)) // the marker arrives before the middle packet
    expect(t.videoFrames()).toMatchObject([{ complete: false, packets: 2 }])
    t.push(vp8(11, false, false)) // the retransmission fills the hole
    await waited
    expect(t.videoFrames()).toMatchObject([{ complete: true, packets: 3, firstSeq: 10, lastSeq: 12 }])
    expect(t.videoSummary()).toMatchObject({ frames: 1, completeFrames: 1, keyframes: 0, pliSent: 0 })
  })

  it('audio tracks assemble no frames', () => {
    expect(track().videoFrames()).toEqual([])
    expect(track().videoSummary()).toBeUndefined()
  })
})
