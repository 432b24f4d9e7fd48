import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { expect } from '../../src/dsl/expect.ts'
import { eModelInputOf } from '../../src/dsl/audio-matchers.ts'
import type { AudioAnalysisRecord } from '../../src/dsl/audio-evidence.ts'
import { noise, readAll, silence, tone, tones } from '../../src/media/sources.ts'
import { dtmfTones } from '../../src/media/dtmf.ts'
import type { AudioSource, PcmAudio } from '../../src/media/types.ts'
import { eModel } from '../../src/media/emodel.ts'
import { requireTool } from '../support/requires.ts'
import { speak, SENTENCES } from '../support/speech.ts'
import { viaOpus, viaPcmu } from '../support/codec-sim.ts'

const pcm = (src: AudioSource, ms: number): PcmAudio => ({ sampleRate: src.sampleRate, samples: readAll(src, Math.round((src.sampleRate * ms) / 1000)) })
const tone440 = pcm(tone(440, { sampleRate: 8000 }), 1000)
const quiet = pcm(silence({ sampleRate: 8000 }), 1000)
const hiss = pcm(noise({ seed: 3, dbfs: -30, sampleRate: 8000 }), 1000)

let dir: string
let saved: string | undefined
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtcspec-audio-matchers-'))
  saved = process.env.RTCSPEC_REPORT_DIR
  process.env.RTCSPEC_REPORT_DIR = dir
})
afterAll(() => {
  if (saved === undefined) delete process.env.RTCSPEC_REPORT_DIR
  else process.env.RTCSPEC_REPORT_DIR = saved
  rmSync(dir, { recursive: true, force: true })
})

describe('toContainTone', () => {
  it('passes for the tone, fails for a wrong tone, noise and silence with the measured values', () => {
    expect(tone440).toContainTone(440)
    expect(tone440).toContainTone(441.5, { toleranceHz: 2 })
    expect(tone440).not.toContainTone(450)
    expect(() => expect(tone440).toContainTone(445)).toThrow(
      /to contain a 445 Hz tone \(±2 Hz\)\n {2}measured: strongest peak near it at 440\.0\d Hz \(off by [45]\.\d\d Hz\)/,
    )
    expect(() => expect(hiss).toContainTone(1000)).toThrow(/to contain a 1000 Hz tone/)
    expect(() => expect(quiet).toContainTone(440)).toThrow(/no spectral peak|level -Infinity/)
    const dual = pcm(tones([697, 1209], { sampleRate: 8000 }), 500)
    expect(dual).toContainTone(697)
    expect(dual).toContainTone(1209)
    expect(dual).not.toContainTone(770)
  })

  it('works on 48 kHz audio and ignores a start-up transient with skipMs', () => {
    const t = pcm(tone(1500, { sampleRate: 48000 }), 800)
    const withClick = { sampleRate: 48000, samples: t.samples.slice() }
    withClick.samples.fill(32000, 0, 2400) // 50 ms of DC
    expect(withClick).toContainTone(1500, { skipMs: 60 })
  })

  it('a failure writes the WAV and a PNG, lists and attaches them; the analysis lands in task.meta', async ({ task }) => {
    let message = ''
    try {
      expect(hiss).toContainTone(1000)
    } catch (e) {
      message = (e as Error).message
    }
    const files = /attached: (.*\.wav), (.*\.png)/.exec(message)
    expect(files, message).not.toBeNull()
    expect(existsSync(files![1]!)).toBe(true)
    expect(existsSync(files![2]!)).toBe(true)
    expect(files![1]!.startsWith(join(dir, 'attachments'))).toBe(true)
    const records = (task.meta as { rtcspecAudio?: AudioAnalysisRecord[] }).rtcspecAudio!
    expect(records.at(-1)).toMatchObject({ matcher: 'toContainTone', subject: 'audio', passed: false, measured: { hz: 1000, present: false } })
    expect(records.at(-1)!.attachments).toHaveLength(2)
    expect(records.at(-1)!.summary).toMatchObject({ durationMs: 1000, tones: [{ hz: 1000, present: false }] })
    // attached to the test result through context.annotate
    await expect.poll(() => task.annotations.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2)
    expect(task.annotations.map((a) => a.attachment?.contentType).sort()).toEqual(['audio/wav', 'image/png'])
    expect(task.annotations[0]!.message).toMatch(/^toContainTone: audio/)
  })

  it('a passing assertion writes nothing', ({ task }) => {
    expect(tone440).toContainTone(440)
    const rec = (task.meta as { rtcspecAudio?: AudioAnalysisRecord[] }).rtcspecAudio!
    expect(rec).toHaveLength(1)
    expect(rec[0]).toMatchObject({ passed: true })
    expect(rec[0]!.attachments).toBeUndefined()
  })
})

describe('toBeSilent and toHaveLevelAbove', () => {
  it('silence is silent, a tone and noise are not (and .not works)', () => {
    expect(quiet).toBeSilent()
    expect(tone440).not.toBeSilent()
    expect(hiss).not.toBeSilent()
    expect(() => expect(tone440).toBeSilent()).toThrow(/to be silent .*\n {2}measured: 0\.0 % silent, overall level -12\.0 dBFS/)
    // very quiet noise (-70 dBFS) counts as silence at the default -50 dBFS threshold, not at -80
    const faint = pcm(noise({ seed: 1, dbfs: -70, sampleRate: 8000 }), 500)
    expect(faint).toBeSilent()
    expect(faint).not.toBeSilent({ thresholdDbfs: -80 })
    // 80 % silence + 20 % tone is not silent (the default needs 99 % of windows below the threshold)
    const mostly = { sampleRate: 8000, samples: new Int16Array(8000) }
    mostly.samples.set(tone440.samples.subarray(0, 1600), 6400)
    expect(mostly).not.toBeSilent()
    expect(mostly).toBeSilent({ minSilentRatio: 0.75 })
    expect(() => expect({ sampleRate: 8000, samples: new Int16Array(0) }).toBeSilent()).toThrow(/empty/)
    expect(() => expect({ sampleRate: 8000, samples: new Int16Array(0) }).not.toBeSilent()).toThrow(/empty/)
  })

  it('measures the AES17 level', () => {
    expect(tone440).toHaveLevelAbove(-13)
    expect(tone440).not.toHaveLevelAbove(-11)
    expect(() => expect(hiss).toHaveLevelAbove(-20)).toThrow(/measured: -30\.\d dBFS/)
    expect(() => expect(quiet).toHaveLevelAbove(-90)).toThrow(/-Infinity dBFS/)
  })
})

describe('subjects', () => {
  it('accepts anything with recording(), and explains what it cannot use', () => {
    expect({ recording: () => tone440 }).toContainTone(440)
    expect(() => expect(42).toContainTone(440)).toThrow(/must be PcmAudio .* an inbound track or a peer; got number 42/)
    expect(() => expect({ recording: () => 'x' }).toBeSilent()).toThrow(/recording\(\) returned string/)
    expect(() => expect(tone440).toContainTone(-1)).toThrow(/positive frequency/)
  })
})

describe('toHaveDelayBelow (synthetic)', () => {
  const ref = pcm(noise({ seed: 21, dbfs: -15, sampleRate: 8000 }), 1500)
  const late = (ms: number): PcmAudio => {
    const out = new Int16Array(ref.samples.length + ms * 8 + 800)
    out.set(ref.samples, ms * 8)
    return { sampleRate: 8000, samples: out }
  }
  it('passes below, fails above with the measured delay, and fails clearly when the reference is absent', () => {
    expect(late(80)).toHaveDelayBelow(100, { reference: ref })
    expect(late(80)).not.toHaveDelayBelow(60, { reference: ref })
    expect(() => expect(late(80)).toHaveDelayBelow(50, { reference: ref })).toThrow(/measured: 80\.00 ms/)
    expect(() => expect(hiss).toHaveDelayBelow(50, { reference: ref })).toThrow(/reference was not found in it: correlation/)
    expect(() => expect(hiss).not.toHaveDelayBelow(50, { reference: ref })).toThrow(/cannot be judged/)
    expect(() => expect(late(10)).toHaveDelayBelow(50, undefined as never)).toThrow(/pass the signal that was sent/)
  })
})

describe('toHaveMosAbove', () => {
  it('estimates from E-model input, RTP stats and options, and says it is an estimate', () => {
    expect({ codec: 'PCMU', lossFraction: 0, jitterMs: 2 }).toHaveMosAbove(4.3)
    expect({ codec: 'PCMU' }).not.toHaveMosAbove(4.42) // the best narrowband case is MOS 4.41 (R 93.2), never 4.5
    expect({ codec: 'PCMU', lossFraction: 0.1, jitterMs: 30, networkDelayMs: 200 }).not.toHaveMosAbove(3.5)
    const stats = { lossFraction: 0.05, jitterMs: 10, expected: 1000, received: 950 }
    const e = eModel({ lossFraction: 0.05, jitterMs: 10 })
    expect(() => expect(stats).toHaveMosAbove(4)).toThrow(new RegExp(`E-model estimate \\(ITU-T G\\.107\\): MOS ${e.mos.toFixed(2)}`))
    expect(() => expect(stats).toHaveMosAbove(4)).toThrow(/network delay 0 assumed/)
    expect(stats).not.toHaveMosAbove(4, { networkDelayMs: 100 })
    expect(() => expect({ codec: 'speex' }).toHaveMosAbove(3)).toThrow(/no Ie\/Bpl values for codec 'speex'/)
    expect(() => expect({}).toHaveMosAbove(5)).toThrow(/1 … 4\.5/)
    expect(eModelInputOf(stats).input).toEqual({ lossFraction: 0.05, jitterMs: 10 })
  })
})

describe('toHaveDtmf on RFC 4733 events', () => {
  const track = (digits: string) => ({
    dtmf: () => [...digits].map((digit, i) => ({ digit, method: 'rfc4733' as const, startMs: i * 200, durationMs: 100 })),
  })
  it('compares the digits in order and shows what was detected', () => {
    expect(track('123#')).toHaveDtmf('123#', { method: 'rfc4733' })
    expect(track('123')).not.toHaveDtmf('123#', { method: 'rfc4733' })
    expect(() => expect(track('124#')).toHaveDtmf('123#', { method: 'rfc4733' })).toThrow(/RFC 4733 events: '124#' \(1@0ms\/100ms, 2@200ms/)
    expect(() => expect(track('1')).toHaveDtmf('12X')).toThrow(/digits must be/)
    // without audio, 'any' means the RFC 4733 events; decoded audio has no events
    expect(track('5')).toHaveDtmf('5')
    expect(() => expect(tone440).toHaveDtmf('5', { method: 'rfc4733' })).toThrow(/needs an inbound track/)
  })
})

describe('toHaveDtmf on in-band tones', () => {
  const digits = (d: string, rate = 8000) => pcm(dtmfTones(d, { sampleRate: rate, durationMs: 80, gapMs: 80 }), d.length * 160 + 200)
  it('finds in-band digits in decoded audio, at 8 and 48 kHz; rejects wrong digits, a single tone and noise', () => {
    expect(digits('159#')).toHaveDtmf('159#')
    expect(digits('159#')).toHaveDtmf('159#', { method: 'inband' })
    expect(digits('0*D', 48000)).toHaveDtmf('0*D')
    expect(digits('159#')).not.toHaveDtmf('158#')
    expect(() => expect(digits('12')).toHaveDtmf('123')).toThrow(/in-band tones: '12' \(1@\d+ms/)
    expect(pcm(tone(697, { sampleRate: 8000 }), 500)).not.toHaveDtmf('1')
    expect(() => expect(hiss).toHaveDtmf('1')).toThrow(/in-band tones: none/)
  })
  it('a track with both: either source may match (any), or only the one asked for', () => {
    const both = { dtmf: () => [{ digit: '9', method: 'rfc4733' as const, startMs: 0, durationMs: 100 }], recording: () => digits('47') }
    expect(both).toHaveDtmf('47')
    expect(both).toHaveDtmf('9')
    expect(both).toHaveDtmf('9', { method: 'rfc4733' })
    expect(both).not.toHaveDtmf('9', { method: 'inband' })
  })
})

describe.skipIf(requireTool('espeak-ng'))('toResemble (speech)', () => {
  let speech: PcmAudio
  let other: PcmAudio
  beforeAll(() => {
    speech = speak(SENTENCES[0])
    other = speak(SENTENCES[1])
  })
  it('the same sentence through PCMU and Opus resembles it; a different one, noise and silence do not', () => {
    expect(viaPcmu(speech)).toResemble(speech)
    expect(viaOpus(speech)).toResemble(speech, { threshold: 0.9 })
    expect(viaPcmu(other)).not.toResemble(speech)
    expect(hiss).not.toResemble(speech)
    expect(() => expect(viaPcmu(other)).toResemble(speech)).toThrow(/score 0\.0\d\d \(log mel spectrogram correlation over \d+ active frames\)/)
    expect(() => expect(quiet).toResemble(speech)).toThrow(/score 0\.000 .*silent/)
  })
})
