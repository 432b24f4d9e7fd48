import { describe, expect, it } from 'vitest'
import { AudioSender, type OutgoingRtp } from '../../src/peers/audio-sender.ts'
import { AudioSenderBook } from '../../src/peers/audio-senders.ts'
import { pcmuEncoder } from '../../src/media/g711.ts'
import { tone } from '../../src/media/sources.ts'
import type { AudioSourceSpec } from '../../src/peers/types.ts'

function sender(sent: OutgoingRtp[]): AudioSender {
  return new AudioSender({
    source: tone(440, { sampleRate: 8000 }),
    encoder: pcmuEncoder(),
    payloadType: 0,
    telephoneEventPayloadType: 101,
    maxCatchUp: 1_000_000,
    send: (p) => sent.push(p),
  })
}

describe('AudioSenderBook (the sender bookkeeping of the werift and plain-RTP peers)', () => {
  it('DTMF asked for before the sender exists waits, and is sent once the peer starts it', async () => {
    const book = new AudioSenderBook('p')
    const { entry } = book.add(tone(440), {}, { ssrc: 7 })
    expect(book.waiting()).toEqual([entry])
    const done = book.sendDtmf('1', { durationMs: 40, gapMs: 10 }, () => expect.unreachable('audio is already there'))
    expect(entry.pendingDtmf).toHaveLength(1)
    const sent: OutgoingRtp[] = []
    book.start(
      entry,
      () => sender(sent),
      (m) => expect.unreachable(m),
    )
    try {
      await done
      expect(book.waiting()).toEqual([])
      expect(sent.some((p) => p.payloadType === 101)).toBe(true)
    } finally {
      book.stopAll()
    }
    expect(entry.sender?.stopped).toBe(true)
    const [out] = book.outbound()
    expect(out).toMatchObject({ kind: 'audio', ssrc: 7, packetsSent: entry.sender?.packetsSent })
    expect(out?.packetsSent).toBeGreaterThan(0)
  })

  it('stopping the audio rejects the DTMF still waiting for it', async () => {
    const book = new AudioSenderBook('p')
    const { handle } = book.add(tone(440), {}, { ssrc: undefined })
    const done = book.sendDtmf('12', {}, () => expect.unreachable('audio is already there'))
    handle.stop()
    await expect(done).rejects.toThrow(/p: audio stopped before DTMF was sent/)
    expect(book.waiting()).toEqual([])
  })

  it('with no live audio, DTMF starts a silent stream to carry it; bad digits throw before anything starts', async () => {
    const book = new AudioSenderBook('p')
    const started: AudioSourceSpec[] = []
    const done = book.sendDtmf('#', {}, (source) => {
      started.push(source)
      book.add(source, {}, { ssrc: undefined })
    })
    expect(started).toHaveLength(1)
    expect(book.entries[0]!.pendingDtmf).toHaveLength(1)
    book.entries[0]!.pendingDtmf[0]!.resolve()
    await done
    expect(() => book.sendDtmf('x', {}, () => {})).toThrow(/DTMF/)
    expect(book.entries).toHaveLength(1)
  })

  it('a sender that cannot be built is reported and its entry keeps waiting', () => {
    const book = new AudioSenderBook('p')
    const { entry } = book.add(tone(440), {}, { ssrc: undefined })
    const errors: string[] = []
    book.start(
      entry,
      () => {
        throw new Error('no codec')
      },
      (m) => errors.push(m),
    )
    expect(errors).toEqual(['no codec'])
    expect(book.waiting()).toEqual([entry])
  })

  it("the handle reads its sender's counters; outbound() lists every entry, started or not", () => {
    const book = new AudioSenderBook('p')
    const a = book.add(tone(440), {}, { ssrc: 1 })
    book.add(tone(440), {}, { ssrc: 2 })
    const s = sender([])
    book.start(
      a.entry,
      () => s,
      (m) => expect.unreachable(m),
    )
    s.stop()
    expect(a.handle.stats.packetsSent).toBe(s.packetsSent)
    expect(book.outbound().map((o) => o.ssrc)).toEqual([1, 2])
  })
})
