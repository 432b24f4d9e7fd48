/**
 * A frame that fails (here: the encoder throws, as an Opus encoder did with "Bad argument") stops its sender and is
 * recorded — on the sender, in the peer's outbound stats and in the call record — instead of escaping the pacer's
 * timer as an uncaught exception of the whole test process.
 */
import { type Mock, describe, expect, it, vi } from 'vitest'
import { pcmuEncoder } from '../../src/media/g711.ts'
import { Pacer } from '../../src/media/pacer.ts'
import { tone } from '../../src/media/sources.ts'
import type { AudioEncoder } from '../../src/media/types.ts'
import { AudioSender, type OutgoingRtp } from '../../src/peers/audio-sender.ts'
import { AudioSenderBook } from '../../src/peers/audio-senders.ts'
import { PeerRecordSchema, peerRecord } from '../../src/peers/call-record.ts'
import type { Peer, PeerStats } from '../../src/peers/types.ts'
import { waitFor } from '../../src/wait.ts'

/** A PCMU encoder whose `failAt`-th frame (1-based) throws what opusscript threw. */
function failingEncoder(failAt: number): AudioEncoder & { close: Mock<() => void> } {
  const inner = pcmuEncoder()
  let frames = 0
  return {
    encoding: inner.encoding,
    clockRate: inner.clockRate,
    sampleRate: inner.sampleRate,
    encode(pcm) {
      if (++frames === failAt) throw new Error('Encode error: Bad argument')
      return inner.encode(pcm)
    },
    close: vi.fn<() => void>(),
  }
}

function sender(encoder: AudioEncoder, sent: OutgoingRtp[], onError?: (message: string) => void): AudioSender {
  return new AudioSender({
    source: tone(440, { sampleRate: 8000 }),
    encoder,
    payloadType: 0,
    telephoneEventPayloadType: 101,
    maxCatchUp: 1_000_000,
    send: (p) => sent.push(p),
    ...(onError ? { onError } : {}),
  })
}

describe('AudioSender: a frame that throws', () => {
  it('stops the sender, records the message, tells onError once, frees the encoder and fails pending DTMF with the reason', async () => {
    const sent: OutgoingRtp[] = []
    const onError = vi.fn()
    const encoder = failingEncoder(3)
    const s = sender(encoder, sent, onError)
    const listener = vi.fn()
    s.onError(listener)
    // digit 1 goes out, then audio for the gap (its third frame fails) while digit 2 waits
    const dtmf = s.sendDtmf('12', { durationMs: 20, gapMs: 1000 })
    dtmf.catch(() => {})
    s.start()
    try {
      await waitFor(() => s.error !== undefined, { timeoutMs: 5000, label: "the sender to record its third frame's failure" })
      expect(s.error).toBe('Encode error: Bad argument')
      expect(s.stopped).toBe(true)
      expect(onError.mock.calls).toEqual([['Encode error: Bad argument']])
      expect(listener.mock.calls).toEqual([['Encode error: Bad argument']])
      expect(encoder.close).toHaveBeenCalledTimes(1)
      await expect(dtmf).rejects.toThrow(/stopped before every DTMF digit was sent \(Encode error: Bad argument\)/)
      // a listener added afterwards hears it at once
      const late = vi.fn()
      s.onError(late)
      expect(late.mock.calls).toEqual([['Encode error: Bad argument']])
    } finally {
      s.stop()
    }
  })

  it('the first frame (run synchronously by start) failing: start() returns, the sender is stopped with the reason', () => {
    const sent: OutgoingRtp[] = []
    const s = sender(failingEncoder(1), sent)
    try {
      expect(() => s.start()).not.toThrow()
      expect(s.error).toBe('Encode error: Bad argument')
      expect(s.stopped).toBe(true)
      expect(sent).toEqual([])
    } finally {
      s.stop()
    }
  })

  it('a sender stopped normally has no error', () => {
    const s = sender(pcmuEncoder(), [])
    s.start()
    s.stop()
    expect(s.error).toBeUndefined()
  })
})

describe("a failed sender in the peer's stats and the call record", () => {
  it("the outbound stats carry senderError, the peer's onError hears it, and the call record keeps it", async () => {
    const book = new AudioSenderBook('alice')
    const { entry, handle } = book.add(tone(440), {}, { ssrc: 1234 })
    const peerErrors: string[] = []
    book.start(
      entry,
      () => sender(failingEncoder(2), []),
      (message) => peerErrors.push(message),
    )
    try {
      await waitFor(() => handle.stats.senderError !== undefined, { timeoutMs: 5000, label: 'the outbound stats to show the failed sender' })
      expect(handle.stats.senderError).toBe('Encode error: Bad argument')
      expect(book.outbound()[0]?.senderError).toBe('Encode error: Bad argument')
      expect(peerErrors).toEqual(['the audio sender stopped: Encode error: Bad argument'])

      const peer = {
        name: 'alice',
        kind: 'werift',
        timeline: { ice: [], gathering: [], localCandidates: [], remoteCandidates: [], dtls: [], connection: [], errors: [] },
      } as unknown as Peer
      const stats = { peer: 'alice', kind: 'werift', inbound: [], outbound: book.outbound() } as unknown as PeerStats
      const record = PeerRecordSchema.parse(peerRecord(peer, stats))
      expect(record.rtp.outbound[0]?.senderError).toBe('Encode error: Bad argument')
    } finally {
      book.stopAll()
    }
  })
})

describe('Pacer', () => {
  it('a tick that throws stops the pacer before the error leaves it', () => {
    const p = new Pacer({ periodMs: 20 }, () => {
      throw new Error('tick failed')
    })
    expect(() => p.start()).toThrow('tick failed')
    expect(p.running).toBe(false)
  })
})
