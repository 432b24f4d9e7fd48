/**
 * Real calls that go wrong, each ending in a diagnosis rather than a timeout or a wrong number: no codec in
 * common, a DTLS fingerprint mismatch (with its call record), and a sender whose process stalls while the audio
 * delay is measured.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import '../../src/dsl/expect.ts'
import { openBackToBack, type B2BCall } from '../../src/calls/open.ts'
import { measureAudioDelay } from '../../src/dsl/audio-matchers.ts'
import { WeriftPeer } from '../../src/peers/werift/peer.ts'
import { noise, pcmSource } from '../../src/media/sources.ts'
import type { RtcspecError } from '../../src/errors.ts'
import type { AudioSource, PcmAudio } from '../../src/media/types.ts'
import type { CallRecord } from '../../src/peers/call-record.ts'

let dir: string
const previousDir = process.env.RTCSPEC_REPORT_DIR
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtcspec-diagnosis-'))
  process.env.RTCSPEC_REPORT_DIR = dir
})
afterAll(() => {
  if (previousDir === undefined) delete process.env.RTCSPEC_REPORT_DIR
  else process.env.RTCSPEC_REPORT_DIR = previousDir
  rmSync(dir, { recursive: true, force: true })
})

function records(): CallRecord[] {
  const file = join(dir, 'call_records.jsonl')
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as CallRecord)
    : []
}

async function failure(p: Promise<unknown>): Promise<RtcspecError> {
  try {
    const call = (await p) as B2BCall
    await call.close()
  } catch (e) {
    return e as RtcspecError
  }
  throw new Error('expected the call to fail')
}

describe('a call that cannot work says why', () => {
  it('no audio codec in common: an error at offer/answer time naming both sides’ codecs, and a call record', async () => {
    const e = await failure(openBackToBack({ a: { name: 'alice', codecs: ['PCMU', 'PCMA'] }, b: { name: 'bob', codecs: ['opus'] }, connectTimeout: '20s' }))
    expect(e.code).toBe('NO_COMMON_CODEC')
    expect(e.message).toMatch(
      /back-to-back call alice → bob: no audio codec in common: alice offers PCMU, PCMA; bob accepts opus\n {2}hint: give both sides a codec they share/,
    )
    const rec = records().find((r) => r.peers.some((p) => p.name === 'bob') && (r.extra?.failure as { code?: string } | undefined)?.code === 'NO_COMMON_CODEC')
    expect(rec, 'a call record for the failed call').toBeDefined()
    expect(rec!.signaling.map((s) => s.type)).toContain('offer')
    expect(
      rec!.peers
        .find((p) => p.name === 'bob')!
        .errors.map((x) => x.message)
        .join(' '),
    ).toMatch(/no audio codec in common/)
  })

  it('a DTLS fingerprint mismatch fails with its reason (not a bare dtls=failed) and writes the call record', async () => {
    // bob's answer carries a fingerprint that is not his certificate's
    const accept = WeriftPeer.prototype.acceptOffer
    const spy = vi.spyOn(WeriftPeer.prototype, 'acceptOffer').mockImplementation(async function (this: WeriftPeer, offer) {
      const answer = await accept.call(this, offer)
      return {
        ...answer,
        sdp: answer.sdp.replace(/^(a=fingerprint:sha-256 )([0-9A-F]{2})/im, (_m, head: string, byte: string) => `${head}${byte === '00' ? '01' : '00'}`),
      }
    })
    try {
      const e = await failure(openBackToBack({ a: { name: 'alice-dtls' }, b: { name: 'bob-dtls' }, connectTimeout: '20s' }))
      expect(e.message).toMatch(
        /DTLS failed: remote certificate fingerprint mismatch: the certificate the remote presented does not match the a=fingerprint of its SDP/,
      )
      expect(e.message).toMatch(/dtls=failed/)
      const rec = records().find((r) => r.peers.some((p) => p.name === 'alice-dtls'))
      expect(rec, 'a call record for the failed call').toBeDefined()
      const failureInfo = rec!.extra?.failure as { phase: string; reason: string }
      expect(failureInfo.phase).toBe('connect')
      expect(failureInfo.reason).toMatch(/fingerprint mismatch/)
      const alice = rec!.peers.find((p) => p.name === 'alice-dtls')!
      expect(alice.dtls.states.map((s) => s.state)).toContain('failed')
      expect(alice.errors.map((x) => x.message).join(' ')).toMatch(/DTLS failed: remote certificate fingerprint mismatch/)
    } finally {
      spy.mockRestore()
    }
  })
})

/** Busy-waits `ms` (bounded by the clock): the whole process, sender included, stalls like under CPU load. */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // spin
  }
}

/** A source that stalls its process once, for `stallMs`, when its frame `atFrame` is read. */
function stallingSource(inner: AudioSource, atFrame: number, stallMs: number): AudioSource {
  let frames = 0
  return {
    sampleRate: inner.sampleRate,
    description: `${inner.description}, stalling ${stallMs} ms at frame ${atFrame}`,
    read(out) {
      if (frames++ === atFrame) blockEventLoop(stallMs)
      return inner.read(out)
    },
  }
}

function readAll(source: AudioSource, samples: number): Int16Array {
  const out = new Int16Array(samples)
  source.read(out)
  return out
}

describe('audio delay with a stalled sender', () => {
  const SEED = 11
  const RATE = 8000

  it('a stall inside the reference window fails as "sender stalled", never as a path delay', async () => {
    const call = await openBackToBack({ codec: 'PCMU', connectTimeout: '20s' })
    try {
      const reference: PcmAudio = { sampleRate: RATE, samples: readAll(noise({ seed: SEED, dbfs: -15, sampleRate: RATE }), RATE * 3) }
      // 400 ms stall at frame 10 (0.2 s into the reference): more than the sender's 10-frame catch-up, so frames are skipped
      const sender = call.a.sendAudio((rate) => stallingSource(noise({ seed: SEED, dbfs: -15, sampleRate: rate }), 10, 400))
      const track = await call.b.waitForTrack('audio', 10_000)
      await track.waitForPackets(120, 15_000)
      const stalls = sender.stats.stalls ?? []
      expect(
        stalls.some((s) => s.skippedFrames > 0 && s.sourceFrameIndex === 11),
        JSON.stringify(stalls),
      ).toBe(true)
      const m = measureAudioDelay(track, reference, { sender })
      expect(m.senderStall?.effect).toBe('invalid')
      let message = ''
      try {
        expect(track).toHaveDelayBelow(40, { reference, sender })
      } catch (e) {
        message = (e as Error).message
      }
      expect(message).toMatch(/the sender stalled while sending the reference/)
      expect(message).toMatch(/sender stalls: at 0\.22 s of the source: \d+ frames skipped/)
      expect(() => expect(track).not.toHaveDelayBelow(40, { reference, sender })).toThrow(
        /sender stalled while sending the reference, so the path delay cannot be judged/,
      )
    } finally {
      await call.close()
    }
  })

  it('a stall before the reference starts is excluded: the delay is the path’s, and the message says what was excluded', async () => {
    const call = await openBackToBack({ codec: 'PCMU', connectTimeout: '20s' })
    try {
      // 1 s of silence, then noise: the reference window starts at 1 s; the stall (frame 5) is before it
      const lead = new Int16Array(RATE)
      const body = readAll(noise({ seed: SEED, dbfs: -15, sampleRate: RATE }), RATE * 3)
      const samples = new Int16Array(lead.length + body.length)
      samples.set(body, lead.length)
      const reference: PcmAudio = { sampleRate: RATE, samples }
      const sender = call.a.sendAudio(() => stallingSource(pcmSource(samples, RATE), 5, 400))
      const track = await call.b.waitForTrack('audio', 10_000)
      await track.waitForPackets(130, 15_000)
      const m = measureAudioDelay(track, reference, { sender })
      expect(m.confident, m.reason).toBe(true)
      expect(m.senderStall?.effect).toBe('excluded')
      expect(m.senderStall!.excludedMs).toBeGreaterThan(0)
      // loopback with no relay: a few ms, not the ≥ 200 ms of skipped audio
      expect(m.delayMs).toBeLessThan(60)
      expect(m.delayMs).toBeGreaterThan(-5)
      expect(track).toHaveDelayBelow(60, { reference, sender })
      let message = ''
      try {
        expect(track).toHaveDelayBelow(0.001, { reference, sender })
      } catch (e) {
        message = (e as Error).message
      }
      expect(message).toMatch(/sender stalls \(excluded \d+ ms of skipped frames before the reference\): at 0\.12 s of the source/)
    } finally {
      await call.close()
    }
  })
})
