import { describe, it, expect } from 'vitest'
import { AudioSender, type OutgoingRtp } from '../../src/peers/audio-sender.ts'
import { pcmuEncoder } from '../../src/media/g711.ts'
import { pcmSource, readAll, silence, tone } from '../../src/media/sources.ts'
import { parseTelephoneEvent } from '../../src/rtp/telephone-event.ts'

function sender(sent: OutgoingRtp[], telephoneEventPayloadType?: number): AudioSender {
  return new AudioSender({
    source: tone(440, { sampleRate: 8000 }),
    encoder: pcmuEncoder(),
    payloadType: 0,
    maxCatchUp: 1_000_000, // exact framing even if the machine stalls
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

/** 200 ms tone, 300 ms silence, 200 ms tone, 100 ms silence at 8 kHz. */
function talkspurts(): Int16Array {
  const t = readAll(tone(500, { durationMs: 200 }), 1600, 1)
  const z = (ms: number) => readAll(silence({ durationMs: ms }), ms * 8, 1)
  const parts = [t, z(300), t, z(100)]
  const out = new Int16Array(parts.reduce((a, p) => a + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

describe('AudioSender DTX', () => {
  it('stops sending in silence after the hangover and marks the first packet of each talkspurt; timestamps keep counting', async () => {
    const sent: OutgoingRtp[] = []
    let ended!: () => void
    const done = new Promise<void>((r) => (ended = r))
    const s = new AudioSender({
      source: pcmSource(talkspurts(), 8000),
      encoder: pcmuEncoder(),
      payloadType: 0,
      maxCatchUp: 1_000_000,
      dtx: { hangoverFrames: 2 },
      send: (p) => sent.push(p),
      onEnded: () => ended(),
    })
    s.start()
    try {
      await done
    } finally {
      s.stop()
    }
    // frames 0-9 tone, 10-11 hangover, 12-24 suppressed, 25-34 tone (new talkspurt), 35-36 hangover, 37-40 suppressed
    const ts0 = sent[0]!.timestamp
    const frames = sent.map((p) => ((p.timestamp - ts0) >>> 0) / 160)
    expect(frames).toEqual([...Array(12).keys(), ...Array.from({ length: 12 }, (_, i) => 25 + i)])
    expect(sent.filter((p) => p.marker).map((p) => ((p.timestamp - ts0) >>> 0) / 160)).toEqual([0, 25])
    expect(s.talkspurts).toBe(2)
    expect(s.suppressedFrames).toBe(13 + 4)
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.sequenceNumber).toBe((sent[i - 1]!.sequenceNumber + 1) & 0xffff)
  })

  it('without dtx every frame is sent with one marker', async () => {
    const sent: OutgoingRtp[] = []
    let ended!: () => void
    const done = new Promise<void>((r) => (ended = r))
    const s = new AudioSender({
      source: pcmSource(talkspurts(), 8000),
      encoder: pcmuEncoder(),
      payloadType: 0,
      maxCatchUp: 1_000_000,
      send: (p) => sent.push(p),
      onEnded: () => ended(),
    })
    s.start()
    await done
    expect(sent).toHaveLength(41)
    expect(sent.filter((p) => p.marker)).toHaveLength(1)
  })
})
