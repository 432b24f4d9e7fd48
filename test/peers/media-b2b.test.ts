import { describe, it, expect } from 'vitest'
import { createWeriftPeer } from '../../src/peers/werift/peer.ts'
import { connectBackToBack } from '../../src/peers/back-to-back.ts'
import { pcmSource, readAll, tone } from '../../src/media/sources.ts'
import { detectTone, dominantFrequency, silentGaps } from '../../src/media/analysis.ts'
import { waitFor } from '../../src/wait.ts'
import { readWavFile, speechFixture, speechFixturePath } from '../../src/media/wav-source.ts'
import { similarity, SIMILARITY_THRESHOLD } from '../../src/media/similarity.ts'
import { renderRtpAudio } from '../../src/media/rtp-recorder.ts'
import { opusDecoder } from '../../src/media/opus.ts'

describe('codecs on the wire: the tone is in the recording', () => {
  for (const [codec, hz] of [
    ['PCMU', 440],
    ['PCMA', 1000],
    ['opus', 1500],
  ] as const) {
    it(`${codec} carries ${hz} Hz, detected within ±2 Hz in bob's recording`, async () => {
      await using call = await connectBackToBack(createWeriftPeer({ name: 'alice', codecs: [codec] }), createWeriftPeer({ name: 'bob', codecs: [codec] }))
      call.a.sendAudio((rate) => tone(hz, { sampleRate: rate }))
      const track = await call.b.waitForTrack('audio', 5000)
      await track.waitForPackets(60, 5000)
      expect(track.codec?.encoding.toLowerCase()).toBe(codec.toLowerCase())
      const rec = track.recording()
      expect(rec.sampleRate).toBe(codec === 'opus' ? 48000 : 8000)
      expect(rec.samples.length).toBeGreaterThanOrEqual(Math.round(rec.sampleRate * 1.1))
      // skip the codec's start-up (Opus needs a few frames)
      const body = rec.samples.subarray(Math.round(rec.sampleRate * 0.1))
      const f = dominantFrequency(body, rec.sampleRate)
      expect(Math.abs(f - hz)).toBeLessThanOrEqual(2)
      const det = detectTone(body, rec.sampleRate, hz)
      expect(det.present).toBe(true)
      // and not some other tone
      expect(detectTone(body, rec.sampleRate, hz + 300).present).toBe(false)
    })
  }

  it('RFC 4733 digits 123# are sent and detected with their timing', async () => {
    await using call = await connectBackToBack(createWeriftPeer({ name: 'alice', codecs: ['PCMU'] }), createWeriftPeer({ name: 'bob', codecs: ['PCMU'] }))
    call.a.sendAudio((rate) => tone(440, { sampleRate: rate }))
    const track = await call.b.waitForTrack('audio', 5000)
    await call.a.sendDtmf('123#', { durationMs: 100, gapMs: 60 })
    // 4 digits × (5 tone packets + 2 end retransmissions) have been sent; wait for all 28 to arrive.
    await waitFor(() => track.packets().filter((p) => p.payloadType === 101).length >= 28, { timeoutMs: 3000, label: 'the 28 telephone-event packets at bob' })
    const digits = track.dtmf()
    expect(digits.map((d) => d.digit).join('')).toBe('123#')
    for (const d of digits) {
      expect(d.method).toBe('rfc4733')
      expect(d.durationMs).toBe(100)
      expect(d.ended).toBe(true)
    }
    // One event per digit every 100 ms tone + 2 × 20 ms end retransmissions + 60 ms gap = 10 packets: exact in
    // sequence numbers; in timestamps at least 200 ms (more only if the sender's pacer had to skip stalled frames).
    const firsts = track.packets().filter((p) => p.payloadType === 101 && p.marker)
    for (let i = 1; i < firsts.length; i++) expect((firsts[i]!.sequenceNumber - firsts[i - 1]!.sequenceNumber) & 0xffff).toBe(10)
    for (let i = 1; i < digits.length; i++) {
      const spacing = digits[i]!.startMs - digits[i - 1]!.startMs
      expect(spacing).toBeGreaterThanOrEqual(200)
      expect(spacing % 20).toBe(0)
    }
    // On the wire: marker on the first packet of each event, the final packet three times, shared sequence space.
    const events = track.packets().filter((p) => p.payloadType === 101)
    const byTs = new Map<number, typeof events>()
    for (const p of events) byTs.set(p.timestamp, [...(byTs.get(p.timestamp) ?? []), p])
    expect(byTs.size).toBe(4)
    for (const pkts of byTs.values()) {
      expect(pkts.map((p) => p.marker)).toEqual([true, false, false, false, false, false, false])
      expect(pkts.filter((p) => (p.payload[1]! & 0x80) !== 0)).toHaveLength(3)
      expect(pkts.map((p) => (p.payload[2]! << 8) | p.payload[3]!)).toEqual([160, 320, 480, 640, 800, 800, 800])
    }
    expect(track.rtp.snapshot().lost).toBe(0)
    expect(track.codec?.encoding).toBe('PCMU')
  })

  it('speech through an Opus call resembles the original, and not the other sentence', async () => {
    await using call = await connectBackToBack(createWeriftPeer({ name: 'alice', codecs: ['opus'] }), createWeriftPeer({ name: 'bob', codecs: ['opus'] }))
    call.a.sendAudio((rate) => speechFixture('speech-en-1', { sampleRate: rate }))
    const track = await call.b.waitForTrack('audio', 5000)
    // 4.46 s of speech = 223 packets of 20 ms (+1 for the end)
    await track.waitForPackets(223, 10_000)
    const ref = readWavFile(speechFixturePath('speech-en-1'))
    // What the codec path delivered, frame after frame (a stalled sender's skipped frames do not show here)...
    const contiguous = renderRtpAudio(
      track.packets().map((p, i) => ({ ...p, timestamp: i * 960 })),
      { decoderFor: () => opusDecoder() },
    )
    expect(similarity(ref, contiguous).score).toBeGreaterThan(0.95)
    expect(similarity(readWavFile(speechFixturePath('speech-en-2')), contiguous).score).toBeLessThan(SIMILARITY_THRESHOLD)
    // ...and the recording on its RTP timeline
    const rec = track.recording()
    expect(similarity(ref, rec).score).toBeGreaterThan(SIMILARITY_THRESHOLD)
    expect(similarity(readWavFile(speechFixturePath('speech-en-2')), rec).score).toBeLessThan(SIMILARITY_THRESHOLD)
  })

  it('DTX: talkspurts carry the marker bit and the pause is silence at the right place in the recording', async () => {
    await using call = await connectBackToBack(createWeriftPeer({ name: 'alice', codecs: ['PCMU'] }), createWeriftPeer({ name: 'bob', codecs: ['PCMU'] }))
    // 200 ms tone, 300 ms silence, 200 ms tone, then silence
    const t = readAll(tone(500, { durationMs: 200 }), 1600, 1)
    const pcm = new Int16Array(8000)
    pcm.set(t, 0)
    pcm.set(t, 4000)
    call.a.sendAudio(pcmSource(pcm, 8000), { dtx: { hangoverFrames: 2 } })
    const track = await call.b.waitForTrack('audio', 5000)
    // 10 tone + 2 hangover, twice
    await track.waitForPackets(24, 5000)
    const packets = track.packets()
    expect(packets.map((p) => p.marker)).toEqual(packets.map((_, i) => i === 0 || i === 12))
    // timestamps (frame numbers): the 13 suppressed frames are a jump before the 2nd talkspurt (the exact frame
    // numbers are the sender's business: a stalled pacer may skip frames, so they are read from the packets)
    const frame = (i: number) => ((packets[i]!.timestamp - packets[0]!.timestamp) >>> 0) / 160
    expect(frame(12) - frame(11)).toBeGreaterThanOrEqual(14)
    // the recording lays the audio out by timestamp: the two hangover frames and the pause are one silent stretch
    const rec = track.recording()
    expect(rec.samples.length).toBe((frame(23) + 1) * 160)
    expect(silentGaps(rec.samples, 8000, { minDurationMs: 100 })).toContainEqual({ startMs: frame(10) * 20, durationMs: (frame(12) - frame(10)) * 20 })
    expect(detectTone(rec.samples.subarray(frame(12) * 160, (frame(21) + 1) * 160), 8000, 500).present).toBe(true)
  })

  it('DTMF after the audio source ended continues the same RTP stream (sequence numbers and timestamps)', async () => {
    await using call = await connectBackToBack(createWeriftPeer({ name: 'alice', codecs: ['PCMU'] }), createWeriftPeer({ name: 'bob', codecs: ['PCMU'] }))
    call.a.sendAudio((rate) => tone(440, { sampleRate: rate, durationMs: 300 }))
    const track = await call.b.waitForTrack('audio', 5000)
    await track.waitForPackets(16, 5000) // 15 frames of tone + the final (silent) frame: the sender has stopped
    await call.a.sendDtmf('9', { durationMs: 60 })
    await waitFor(() => track.packets().filter((p) => p.payloadType === 101).length >= 5, { timeoutMs: 3000, label: "bob's 5 telephone-event packets" })
    const packets = track.packets()
    for (let i = 1; i < packets.length; i++) expect(packets[i]!.sequenceNumber).toBe((packets[i - 1]!.sequenceNumber + 1) & 0xffff)
    const lastAudio = packets[15]!
    const firstEvent = packets.find((p) => p.payloadType === 101)!
    expect(firstEvent.ssrc).toBe(lastAudio.ssrc)
    // the event starts later on the same timeline (by about the wall-clock time that passed), never before
    const gapMs = ((firstEvent.timestamp - lastAudio.timestamp) >>> 0) / 8
    expect(gapMs).toBeGreaterThanOrEqual(20)
    expect(gapMs).toBeLessThan(firstEvent.arrivalMs - lastAudio.arrivalMs + 100)
    expect(track.dtmf().map((d) => d.digit)).toEqual(['9'])
    const s = track.rtp.snapshot()
    expect([s.lost, s.duplicates, s.received]).toEqual([0, 0, packets.length])
  })
})
