/**
 * The audio matchers on real back-to-back werift calls: tones through PCMU/PCMA/Opus, speech through
 * Opus, RFC 4733 digits, the E-model on live stats, and delay added by the impairment relay measured
 * from the audio (within ±2 ms of the added delay).
 */
import { beforeAll, describe, it } from 'vitest'
import { expect } from '../../src/dsl/expect.ts'
import { openBackToBack, type B2BCall } from '../../src/calls/open.ts'
import { measureAudioDelay } from '../../src/dsl/audio-matchers.ts'
import { noise, pcmSource, readAll, tone } from '../../src/media/sources.ts'
import { dtmfTones } from '../../src/media/dtmf.ts'
import { resample } from '../../src/media/resample.ts'
import { similarity } from '../../src/media/similarity.ts'
import type { PcmAudio } from '../../src/media/types.ts'
import type { InboundTrack } from '../../src/peers/types.ts'
import { waitFor } from '../../src/wait.ts'
import { requireTool } from '../support/requires.ts'
import { speak, SENTENCES } from '../support/speech.ts'

async function withCall<T>(options: Parameters<typeof openBackToBack>[0], fn: (call: B2BCall) => Promise<T>): Promise<T> {
  const call = await openBackToBack(options)
  try {
    return await fn(call)
  } finally {
    await call.close()
  }
}

async function bobTrack(call: B2BCall, packets: number): Promise<InboundTrack> {
  const track = await call.b.waitForTrack('audio', 10_000)
  await track.waitForPackets(packets, 15_000)
  return track
}

describe('audio matchers on back-to-back calls', () => {
  for (const [codec, hz] of [
    ['PCMU', 440],
    ['PCMA', 1000],
    ['opus', 1500],
  ] as const) {
    it(`${codec}: bob's recording contains ${hz} Hz (±2 Hz) and not ${hz + 100} Hz, is loud and not silent`, async () => {
      await withCall({ codec }, async (call) => {
        call.a.sendAudio((rate) => tone(hz, { sampleRate: rate }))
        const track = await bobTrack(call, 60)
        expect(track).toContainTone(hz, { skipMs: 100 })
        expect(call.b).toContainTone(hz, { skipMs: 100 })
        expect(track).not.toContainTone(hz + 100, { skipMs: 100 })
        expect(track).toHaveLevelAbove(-15)
        expect(track).not.toBeSilent()
        expect(track).toHaveMosAbove(4)
      })
    })
  }

  it('a silent sender gives a silent recording', async () => {
    await withCall({ codec: 'PCMU' }, async (call) => {
      call.a.sendAudio((rate) => pcmSource(new Int16Array(rate * 3), rate))
      const track = await bobTrack(call, 50)
      expect(track).toBeSilent()
      expect(track).not.toContainTone(440)
    })
  })

  it('RFC 4733 digits are matched by toHaveDtmf on the track and on the peer', async () => {
    await withCall({ codec: 'PCMU' }, async (call) => {
      call.a.sendAudio((rate) => tone(440, { sampleRate: rate }))
      const track = await bobTrack(call, 10)
      await call.a.sendDtmf('123#', { durationMs: 80, gapMs: 40 })
      await waitFor(() => track.dtmf().length >= 4 && track.dtmf().every((d) => d.ended), { timeoutMs: 5000, label: "bob's four RFC 4733 digits" })
      expect(track).toHaveDtmf('123#', { method: 'rfc4733' })
      expect(call.b).toHaveDtmf('123#', { method: 'rfc4733' })
      expect(track).not.toHaveDtmf('1234', { method: 'rfc4733' })
    })
  })

  it('in-band DTMF sent as audio over PCMU is matched by toHaveDtmf in the recording', async () => {
    await withCall({ codec: 'PCMU' }, async (call) => {
      call.a.sendAudio((rate) => dtmfTones('159#', { sampleRate: rate, durationMs: 80, gapMs: 80 }))
      const track = await bobTrack(call, 32)
      expect(track).toHaveDtmf('159#', { method: 'inband' })
      expect(track).toHaveDtmf('159#')
      expect(track).not.toHaveDtmf('159#', { method: 'rfc4733' }) // no telephone-events were sent
    })
  })

  it('the E-model estimate drops with 10 % loss on the path', async () => {
    await withCall({ codec: 'PCMU', network: { seed: 5, toB: { loss: 0.1 } } }, async (call) => {
      call.a.sendAudio((rate) => tone(440, { sampleRate: rate }))
      const track = await bobTrack(call, 120)
      const loss = track.rtp.snapshot().lossFraction
      expect(loss).toBeGreaterThan(0.04)
      expect(track).not.toHaveMosAbove(4)
      expect(track).toHaveMosAbove(2)
    })
  })
})

describe.skipIf(requireTool('espeak-ng'))('speech through an Opus call', () => {
  let speech: PcmAudio
  let other: PcmAudio
  beforeAll(() => {
    speech = speak(SENTENCES[0])
    other = speak(SENTENCES[1])
  })

  it('resembles the original above the threshold; the other sentence does not', async () => {
    await withCall({ codec: 'opus' }, async (call) => {
      let frames = 0
      call.a.sendAudio((rate) => {
        const pcm = resample(speech.samples, speech.sampleRate, rate)
        frames = Math.ceil(pcm.length / (rate / 50))
        return pcmSource(pcm, rate)
      })
      const track = await call.b.waitForTrack('audio', 10_000)
      // the source ends after the sentence: wait for (nearly) all of its 20 ms frames
      await waitFor(() => frames > 0 && track.rtp.snapshot().unique >= frames - 1, {
        timeoutMs: 20_000,
        label: 'the whole sentence at bob (all but one of its frames)',
      })
      expect(track).toResemble(speech)
      expect(track).not.toResemble(other)
      const same = similarity(speech, track.recording())
      const diff = similarity(other, track.recording())
      process.stdout.write(
        `speech through an Opus call: score ${same.score.toFixed(3)} (aligned at ${same.delayMs.toFixed(2)} ms); other sentence ${diff.score.toFixed(3)}\n`,
      )
    })
  })
})

describe('delay added by the relay, measured from the audio', () => {
  // A seeded noise source is the reference: unlike a tone it has a unique alignment.
  const SEED = 77
  async function measure(delayMs: number): Promise<{ delayMs: number; inRecordingMs: number; anchorOffsetMs: number; truthMinMs: number }> {
    return withCall({ codec: 'PCMU', network: { seed: 1, toB: { delayMs } } }, async (call) => {
      const reference: PcmAudio = { sampleRate: 8000, samples: readAll(noise({ seed: SEED, dbfs: -15, sampleRate: 8000 }), 8000 * 3) }
      const sender = call.a.sendAudio((rate) => noise({ seed: SEED, dbfs: -15, sampleRate: rate }))
      // 150 packets: the earliest-arriving of them anchors the timeline, so more packets make
      // receive-side stalls (a loaded machine) less likely to bias it
      const track = await bobTrack(call, 150)
      const m = measureAudioDelay(track, reference, { sender })
      // a sender stalled inside the reference window (a loaded machine): this attempt cannot measure the path
      if (m.senderStall?.effect === 'invalid') return { ...m, delayMs: Number.POSITIVE_INFINITY, truthMinMs: 0 }
      expect(m.confident, m.reason).toBe(true)
      expect(m.correlation).toBeGreaterThan(0.95)
      // the matcher agrees with the measurement
      expect(track).toHaveDelayBelow(delayMs + 20, { reference, sender })
      // a delay line is never early (5 ms slack: the sender's first-packet time is taken after the send)
      if (delayMs > 0) expect(track).not.toHaveDelayBelow(delayMs - 5, { reference, sender })
      // ground truth: the smallest delay the relay actually added to a packet
      const added = call.relay!.truth('toB').records.flatMap((r) => (r.delayMs === undefined ? [] : [r.delayMs]))
      return { ...m, truthMinMs: Math.min(...added) }
    })
  }

  /**
   * Measurement noise here is one-sided: a stall of the sending or receiving event loop can only make
   * audio look later, never earlier. So, like the per-packet minimum inside one measurement, the
   * minimum over repeated measurements is the estimate: a measurement is repeated (at most 3 times)
   * only while it is out of bounds, and the least-late attempt counts. A wrong implementation (a sign
   * or scale error) still fails every attempt.
   */
  async function leastLate(n: number, ok: (m: Awaited<ReturnType<typeof measure>>) => boolean) {
    let best: Awaited<ReturnType<typeof measure>> | undefined
    for (let attempt = 0; attempt < 3; attempt++) {
      const m = await measure(n)
      if (best === undefined || m.delayMs - m.truthMinMs < best.delayMs - best.truthMinMs) best = m
      if (ok(best)) break
    }
    return best!
  }

  it('N ms of added delay measures N ± 2 ms (relative to a 0 ms baseline through the same relay, N as the relay actually applied it)', async () => {
    const base = await leastLate(0, (m) => m.delayMs < 2)
    // the baseline is the loopback + relay + event-loop transit: small
    expect(base.delayMs).toBeGreaterThanOrEqual(-5)
    expect(base.delayMs).toBeLessThan(5)
    for (const n of [40, 150]) {
      const m = await leastLate(n, (x) => Math.abs(x.delayMs - base.delayMs - x.truthMinMs) <= 2)
      const measured = m.delayMs - base.delayMs
      process.stdout.write(
        `relay delay ${n} ms (applied ≥ ${m.truthMinMs.toFixed(2)} ms): measured ${m.delayMs.toFixed(2)} ms − baseline ${base.delayMs.toFixed(2)} ms = ${measured.toFixed(2)} ms\n`,
      )
      expect(m.truthMinMs).toBeGreaterThanOrEqual(n - 0.5) // the relay's timers are within ~0.2 ms early at worst
      expect(Math.abs(measured - m.truthMinMs), `relay applied ≥ ${m.truthMinMs.toFixed(2)} ms, audio says ${measured.toFixed(2)} ms`).toBeLessThanOrEqual(2)
      expect(Math.abs(measured - n), `nominal ${n} ms, audio says ${measured.toFixed(2)} ms`).toBeLessThanOrEqual(4)
      // the recording's own timeline does not see network delay: the reference sits at its start
      expect(Math.abs(m.inRecordingMs)).toBeLessThan(1)
    }
  })
})
