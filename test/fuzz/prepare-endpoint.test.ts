/**
 * Bringing an endpoint to known-good before a shrink attempt or a replay: a probe refused as busy (a one-session
 * endpoint still freeing the slot of a session just deleted) is retried, within a bound, from the start (DELETEs,
 * reset, probe); any other failure, or a busy endpoint that stays busy, is reported at once or at the bound.
 */
import { describe, expect, it } from 'vitest'
import { prepareEndpoint, probeFoundBusy } from '../../src/fuzz/campaign.ts'
import type { ProbeResult } from '../../src/fuzz/findings.ts'

const busy: ProbeResult = { usable: false, status: '403', body: 'Endpoint ID already in use', message: 'a valid offer was answered 403' }
const ok: ProbeResult = { usable: true, status: '201', body: '', message: 'a valid offer was answered 201 and its session deleted' }
const broken: ProbeResult = { usable: false, status: '500', body: 'Internal Server Error', message: 'a valid offer was answered 500' }

/** A target whose probe answers `answers` in turn (the last one from then on), counting releases, resets and probes. */
function scripted(answers: ProbeResult[]) {
  const calls = { release: 0, reset: 0, probe: 0 }
  return {
    calls,
    target: {
      release: async () => {
        calls.release++
      },
      probe: async () => answers[Math.min(calls.probe++, answers.length - 1)] as ProbeResult,
    },
    reset: async () => {
      calls.reset++
    },
  }
}

describe('prepareEndpoint', () => {
  it('busy twice, then free: ready, each probe after its own DELETEs and reset', async () => {
    const s = scripted([busy, busy, ok])
    expect(await prepareEndpoint(s.target, s.reset)).toEqual({ ok: true })
    expect(s.calls).toEqual({ release: 3, reset: 3, probe: 3 })
  })

  it('busy for good: not ready after the bound, saying it stayed busy', async () => {
    const s = scripted([busy])
    const r = await prepareEndpoint(s.target, s.reset, 5000, 300)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.reason).toMatch(/answered 403 — still busy after \d+ probes over \d+ ms\)$/)
    expect(s.calls.probe).toBeGreaterThan(1)
  })

  it('a failure that is not busy: not ready at once, no retry', async () => {
    const s = scripted([broken, ok])
    const r = await prepareEndpoint(s.target)
    expect(r).toEqual({
      ok: false,
      reason: 'the endpoint does not take a valid offer (a valid offer was answered 500); no reset hook is configured (--reset-url, --reset-cmd)',
    })
    expect(s.calls.probe).toBe(1)
  })

  it('what counts as busy', () => {
    expect(probeFoundBusy(busy)).toBe(true)
    expect(probeFoundBusy({ ...busy, status: '409', body: 'stream busy' })).toBe(true)
    expect(probeFoundBusy({ ...busy, status: '503', body: '' })).toBe(true)
    expect(probeFoundBusy({ ...busy, status: '429', body: '' })).toBe(true)
    expect(probeFoundBusy({ ...busy, body: 'Forbidden: bad token' })).toBe(false)
    expect(probeFoundBusy(broken)).toBe(false)
    expect(probeFoundBusy(ok)).toBe(false)
  })
})
