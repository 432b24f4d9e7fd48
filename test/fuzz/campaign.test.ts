import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCampaign, replayCase } from '../../src/fuzz/campaign.ts'
import { loadFuzzCaseFile, saveCounterexample, formatCampaignSummary } from '../../src/fuzz/report.ts'
import { httpOfferTarget } from '../../src/fuzz/targets/http-offer.ts'
import { startFragileServer } from '../../src/fuzz/targets/fragile-server.ts'
import { parserTarget } from '../../src/fuzz/targets/parsers.ts'
import { checkFuzzTarget, isLoopbackHost, nonLoopbackCandidateAddresses } from '../../src/fuzz/loopback.ts'
import type { MutatedOfferSpec } from '../../src/fuzz/arbitraries/sdp-mutation.ts'

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31)
console.log(`fuzz campaign tests: seed ${seed} (set FC_SEED to replay)`)

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtcspec-fuzz-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('parser campaign', () => {
  it('1,500 cases against rtcspec parsers: no invariant violated, every format exercised both ways', async () => {
    const r = await runCampaign(parserTarget(), { runs: 1500, seconds: 100, seed, ratePerSecond: 0 })
    expect(r.counterexample, formatCampaignSummary(r)).toBeUndefined()
    expect(r.cases).toBe(1500)
    for (const f of ['sdp', 'candidate', 'sdpfrag', 'sip']) {
      expect(r.distribution[`${f}:ok`], f).toBeGreaterThan(0)
      expect(r.distribution[`${f}:ParseError`], f).toBeGreaterThan(0)
    }
  }, 150_000)

  it('a parser bug is caught: a target whose parser throws TypeError on one input fails with that input', async () => {
    const t = parserTarget(['candidate'])
    const broken = {
      ...t,
      run: async (c: Parameters<typeof t.run>[0]) =>
        (c.fields.text ?? '').includes(' tcp ') ? { response: 'candidate:crash', violations: ['threw TypeError'] } : t.run(c),
    }
    const r = await runCampaign(broken, { runs: 2000, seconds: 60, seed, ratePerSecond: 0 })
    expect(r.counterexample?.outcome.violations).toEqual(['threw TypeError'])
    expect(r.counterexample?.case.fields.text).toContain(' tcp ')
  })
})

describe('fragile target', () => {
  it('the fuzzer finds the rtpmap crash within its default budget, shrinks it to a minimal SDP, saves it, and --replay reproduces it exactly', async () => {
    await using server = await startFragileServer()
    const target = httpOfferTarget({ mode: 'sdp', url: server.url })
    const r = await runCampaign(target, { seed }) // default budget: 1000 runs, 60 s
    const cx = r.counterexample
    expect(cx, formatCampaignSummary(r)).toBeDefined()
    if (!cx) return
    expect(server.crashes).toBeGreaterThan(0)
    expect(cx.outcome.response).toBe('reset')
    expect(cx.outcome.violations).toEqual(['POST offer: connection dropped without a complete response'])
    // minimal: one mutation, one audio section with one codec, default content type
    const input = cx.input as { offer: MutatedOfferSpec; contentType: string }
    expect(input.contentType).toBe('application/sdp')
    expect(input.offer.mutations).toHaveLength(1)
    expect(input.offer.offer.sections).toHaveLength(1)
    expect(input.offer.offer.sections[0]?.codecs).toHaveLength(1)
    const sdp = cx.case.fields.sdp ?? ''
    const bad = sdp
      .split('\r\n')
      .filter((l) => /^a=rtpmap:(-\d+|\d+) /.test(l) && !(Number(l.slice(9).split(' ')[0]) >= 0 && Number(l.slice(9).split(' ')[0]) <= 127))
    expect(bad, sdp).toHaveLength(1)
    expect(sdp.split('\r\n').length).toBeLessThan(25)
    // shrunk payload types sit at the edge of the valid range
    expect(
      ['a=rtpmap:128', 'a=rtpmap:-1'].some((p) => bad[0]!.startsWith(`${p} `)),
      bad[0],
    ).toBe(true)

    const file = saveCounterexample(cx, { dir, url: server.url, invariants: r.invariants })
    const saved = loadFuzzCaseFile(file)
    expect(saved.replay).toContain('--replay')
    expect(saved.case).toEqual(cx.case)
    expect(readFileSync(file.replace(/\.json$/, '.txt'), 'utf8')).toBe(sdp)
    const again = await replayCase(target, saved.case)
    expect({ response: again.response, violations: again.violations }).toEqual({ response: saved.outcome?.response, violations: saved.outcome?.violations })
  }, 120_000)
})

describe('loopback rule', () => {
  it('refuses non-loopback targets unless allowed, accepts 127/8 and ::1', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true)
    expect(isLoopbackHost('127.9.8.7')).toBe(true)
    expect(isLoopbackHost('[::1]')).toBe(true)
    expect(isLoopbackHost('localhost')).toBe(true)
    expect(isLoopbackHost('10.0.0.1')).toBe(false)
    expect(isLoopbackHost('example.com')).toBe(false)
    expect(() => checkFuzzTarget('http://192.0.2.1/whip', { protocols: ['http:'] })).toThrow(/not on loopback/)
    expect(() => checkFuzzTarget('ftp://127.0.0.1/whip', { protocols: ['http:'] })).toThrow(/expected http:/)
    expect(() => checkFuzzTarget('not a url', { protocols: ['http:'] })).toThrow(/is not a URL/)
    expect(checkFuzzTarget('http://192.0.2.1/whip', { protocols: ['http:'], allowRemote: true }).hostname).toBe('192.0.2.1')
    expect(() => httpOfferTarget({ mode: 'whip', url: 'http://198.51.100.7/whip' })).toThrow(/not on loopback/)
  })

  it('finds candidate addresses that would send checks off the machine', () => {
    expect(nonLoopbackCandidateAddresses('a=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n')).toEqual([])
    expect(nonLoopbackCandidateAddresses('a=candidate:1 1 udp 1 ::1 9 typ host\r\n')).toEqual([])
    expect(nonLoopbackCandidateAddresses('a=candidate:1 1 udp 1 192.0.2.1 9 typ host\r\n')).toEqual(['192.0.2.1'])
    expect(nonLoopbackCandidateAddresses('a=candidate:1 1 udp 1 127.0.0.1 9 typ srflx raddr 10.0.0.1 rport 9\r\n')).toEqual(['10.0.0.1'])
    expect(nonLoopbackCandidateAddresses('a=candidate:1 1 udp 1 5000 9 typ host\r\n')).toEqual(['5000'])
    expect(nonLoopbackCandidateAddresses('a=candidate:1 1 udp 1 x.local 9 typ host\r\n')).toEqual([])
  })
})
