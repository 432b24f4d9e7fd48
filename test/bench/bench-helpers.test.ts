import { describe, it, expect } from 'vitest'
import { formatTable } from '../../bench/run.ts'
import { meets, naRow, withVerdict, type BenchRow } from '../../bench/row.ts'
import { formatProfileSummary, packageOf, summariseProfiles, type CpuProfile } from '../../bench/profile.ts'

describe('bench rows', () => {
  it('judges targets in both directions and leaves rows without target or value unjudged', () => {
    expect(meets(120, { op: '<', value: 150 })).toBe(true)
    expect(meets(150, { op: '<', value: 150 })).toBe(false)
    expect(meets(150, { op: '<=', value: 150 })).toBe(true)
    expect(meets(99.9, { op: '>=', value: 100 })).toBe(false)
    const base: BenchRow = { suite: 's', metric: 'm', value: 99, unit: 'calls/s', target: { op: '>=', value: 100 } }
    expect(withVerdict(base).met).toBe(false)
    expect(withVerdict({ ...base, value: 101 }).met).toBe(true)
    expect(withVerdict({ ...base, target: undefined }).met).toBeUndefined()
    expect(withVerdict(naRow('sip', 'calls/s', 'calls/s', 'sip-tester', { target: { op: '>=', value: 100 } })).met).toBeUndefined()
  })

  it('prints side-by-side rows with subject, target, verdict and n/a', () => {
    const rows = [
      withVerdict({ suite: 'peers', metric: 'connect p50', subject: 'werift', value: 62.4, unit: 'ms', target: { op: '<', value: 150 } }),
      withVerdict({ suite: 'peers', metric: 'connect p50', subject: 'chromium', value: 240, unit: 'ms', target: { op: '<', value: 150 } }),
      naRow('sip', 'calls/s', 'calls/s', 'sip-tester (sipp)', { subject: 'sipp UAC' }),
    ]
    const lines = formatTable(rows).split('\n')
    expect(lines).toHaveLength(5)
    expect(lines[2]).toMatch(/\| peers \| connect p50 \| werift +\| +62\.4 \| ms +\| < 150 +\| yes/)
    expect(lines[3]).toMatch(/chromium .*240 .*< 150 .*NO/)
    expect(lines[4]).toContain('n/a (install sip-tester (sipp))')
  })
})

describe('CPU profile summary', () => {
  it('attributes self time to functions and packages, leaving idle out of the busy share', () => {
    const frame = (id: number, functionName: string, url: string, children?: number[]) => ({
      id,
      callFrame: { functionName, url, lineNumber: 9 },
      ...(children ? { children } : {}),
    })
    const profile: CpuProfile = {
      nodes: [
        frame(1, '(root)', '', [2, 3, 4, 5]),
        frame(2, 'getBit', 'file:///x/node_modules/werift/lib/index.mjs'),
        frame(3, 'push', 'file:///x/src/peers/inbound-track.ts'),
        frame(4, '(idle)', ''),
        frame(5, 'doSend', 'node:dgram'),
      ],
      // V8: the delta before each sample; a sample's time is the next delta.
      samples: [2, 2, 3, 4, 5, 2],
      timeDeltas: [0, 1000, 1000, 1000, 5000, 1000],
      startTime: 0,
      endTime: 9000,
    }
    const s = summariseProfiles([profile])
    expect(s.idleMs).toBe(5)
    expect(s.totalMs).toBe(4)
    expect(s.packages.map((p) => [p.pkg, p.selfMs])).toEqual([
      ['werift', 2],
      ['rtcspec:src/peers', 1],
      ['node:dgram', 1],
    ])
    expect(s.functions[0]).toMatchObject({ name: 'getBit', pkg: 'werift', selfMs: 2 })
    expect(formatProfileSummary(s, 2)).toContain(' 50.0 %        2 ms  werift')
    expect(packageOf('file:///a/node_modules/@peculiar/asn1-ecc/build/x.js', 'f')).toBe('@peculiar/asn1-ecc')
    expect(packageOf('', '(garbage collector)')).toBe('(gc)')
  })
})
