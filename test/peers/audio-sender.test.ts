import { describe, it, expect } from 'vitest'
import { AudioSender, type OutgoingRtp } from '../../src/peers/audio-sender.ts'
import { pcmuEncoder } from '../../src/media/g711.ts'
import { tone } from '../../src/media/sources.ts'
import { parseTelephoneEvent } from '../../src/rtp/telephone-event.ts'

function sender(sent: OutgoingRtp[], telephoneEventPayloadType?: number): AudioSender {
  return new AudioSender({
    source: tone(440, { sampleRate: 8000 }),
    encoder: pcmuEncoder(),
    payloadType: 0,
    ...(telephoneEventPayloadType !== undefined ? { telephoneEventPayloadType } : {}),
    send: (p) => sent.push(p),
  })
}

describe('AudioSender RFC 4733 events', () => {
  it('replaces audio with the event, resolves only after the third end packet, then resumes audio', async () => {
    const sent: OutgoingRtp[] = []
    const s = sender(sent, 101)
    s.start()
    try {
      await s.sendDtmf('7', { durationMs: 60, gapMs: 20, volume: 12 })
      const events = sent.filter((p) => p.payloadType === 101)
      // 3 updates (60 ms) of which the last is the final packet, then 2 retransmissions, all sent when the promise resolves
      expect(events.map((p) => parseTelephoneEvent(p.payload))).toEqual([
        { event: 7, end: false, volume: 12, duration: 160 },
        { event: 7, end: false, volume: 12, duration: 320 },
        { event: 7, end: true, volume: 12, duration: 480 },
        { event: 7, end: true, volume: 12, duration: 480 },
        { event: 7, end: true, volume: 12, duration: 480 },
      ])
      expect(events.map((p) => p.marker)).toEqual([true, false, false, false, false])
      expect(new Set(events.map((p) => p.timestamp)).size).toBe(1)
      // one sequence space: no gaps, events in place of audio frames
      for (let i = 1; i < sent.length; i++) expect(sent[i]!.sequenceNumber).toBe((sent[i - 1]!.sequenceNumber + 1) & 0xffff)
      const first = sent.findIndex((p) => p.payloadType === 101)
      expect(sent[first]!.timestamp).toBe((sent[first - 1]!.timestamp + 160) >>> 0)
    } finally {
      s.stop()
    }
  })

  it('fails clearly without a negotiated telephone-event, for bad digits, and when stopped', async () => {
    const sent: OutgoingRtp[] = []
    await expect(sender(sent).sendDtmf('1')).rejects.toThrow(/telephone-event\/8000 was not negotiated/)
    const s = sender(sent, 101)
    await expect(s.sendDtmf('1x')).rejects.toThrow(/"x" at position 1/)
    await expect(s.sendDtmf('1', { volume: 64 })).rejects.toThrow(/volume/)
    const pending = s.sendDtmf('123')
    s.stop()
    await expect(pending).rejects.toThrow(/stopped before every DTMF digit was sent/)
    await expect(s.sendDtmf('1')).rejects.toThrow(/stopped/)
  })
})
