/**
 * Trickle-ICE and ICE behaviours on real werift b2b calls: each case asserts what crossed the signaling channel,
 * how the peers connected (candidate types of the nominated pair), and that the ICE timeline lands in the call record.
 */
import { describe, it, expect, afterEach } from 'vitest'
import { openBackToBack, sources, type B2BCall, type B2BOptions } from '../../src/calls/open.ts'
import { buildCallRecord, CallRecordSchema } from '../../src/peers/call-record.ts'
import { parseTricklePolicy, TrickleForwarder } from '../../src/peers/ice-behaviours.ts'
import type { CandidateInit } from '../../src/peers/types.ts'

const open: B2BCall[] = []
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((c) => c.close()))
})
async function call(options: B2BOptions): Promise<B2BCall> {
  const c = await openBackToBack({ codec: 'PCMU', connectTimeoutMs: 8000, ...options })
  open.push(c)
  return c
}
async function mediaFlows(c: B2BCall): Promise<void> {
  c.a.sendAudio(sources.tone(440))
  c.b.sendAudio(sources.tone(880))
  const [inA, inB] = await Promise.all([c.a.waitForTrack('audio', 5000), c.b.waitForTrack('audio', 5000)])
  await Promise.all([inA.waitForPackets(10, 5000), inB.waitForPackets(10, 5000)])
}
const types = (c: B2BCall) =>
  c.signaling.map((m) => (m.type === 'candidate' ? `${m.from}:candidate` : m.type === 'end-of-candidates' ? `${m.from}:eoc` : m.type))
async function record(c: B2BCall) {
  return CallRecordSchema.parse(await buildCallRecord({ kind: 'ice-behaviour', peers: [c.a, c.b], startedAt: new Date(), signaling: c.signaling }))
}

describe('TrickleForwarder (unit)', () => {
  const cand = (n: number, proto = 'udp'): CandidateInit => ({ candidate: `candidate:${n} 1 ${proto} 1 127.0.0.1 ${1000 + n} typ host`, sdpMid: '0' })
  it('queues until the receiver is ready, duplicates, reverses, withholds end-of-candidates and filters protocols', () => {
    const out: Array<string | null> = []
    const f = new TrickleForwarder(parseTricklePolicy({ duplicate: true, order: 'reverse', endOfCandidates: 'withhold', protocols: ['udp'] }, 'x'), (c) =>
      out.push(c ? c.candidate.split(' ')[0]! : null),
    )
    f.push(cand(1))
    f.push(cand(2))
    f.push(cand(3, 'tcp'))
    f.push(null)
    expect(out).toEqual([])
    f.receiverReady()
    expect(out).toEqual(['candidate:2', 'candidate:2', 'candidate:1', 'candidate:1'])
    expect(f.stats).toEqual({ produced: 3, delivered: 4, withheld: 1, endOfCandidatesDelivered: false })
  })
  it('after-connected waits for both ready and connected; never delivers nothing', () => {
    const out: unknown[] = []
    const f = new TrickleForwarder({ timing: 'after-connected' }, (c) => out.push(c))
    f.push(cand(1))
    f.receiverReady()
    expect(out).toHaveLength(0)
    f.connected()
    expect(out).toHaveLength(1)
    const n = new TrickleForwarder({ timing: 'never' }, (c) => out.push(c))
    n.receiverReady()
    n.connected()
    n.push(cand(1))
    n.push(null)
    expect(out).toHaveLength(1)
  })
  it('rejects a bad policy naming the field', () => {
    expect(() => parseTricklePolicy({ timing: 'later' }, 'ice.b')).toThrow(/ice\.b\.timing/)
    expect(() => parseTricklePolicy({ dupe: true }, 'ice.a')).toThrow(/ice\.a/)
  })
})

describe('ICE behaviours on werift b2b calls', () => {
  it('full gathering puts every candidate in the SDP; trickle sends them separately', async () => {
    const full = await call({ trickle: false })
    expect(types(full)).toEqual(['offer', 'answer'])
    expect(full.signaling[0]!.sdp).toMatch(/^a=candidate:.* typ host/m)
    expect(full.signaling[0]!.sdp).toMatch(/^a=end-of-candidates/m)
    const trickled = await call({})
    expect(trickled.signaling[0]!.sdp).not.toMatch(/^a=candidate:/m)
    expect(types(trickled)).toContain('alice:candidate')
    expect(types(trickled)).toContain('bob:candidate')
    await Promise.all([mediaFlows(full), mediaFlows(trickled)])
  })

  it("candidates sent before the answer (bob's reach alice before bob's answer) still connect", async () => {
    const c = await call({ ice: { b: { timing: 'immediate' } } })
    const t = types(c)
    expect(t.indexOf('bob:candidate')).toBeLessThan(t.indexOf('answer'))
    await mediaFlows(c)
  })

  it("candidates sent only after the connection: alice connects on bob's peer-reflexive address", async () => {
    const c = await call({ ice: { b: { timing: 'after-connected' } } })
    await mediaFlows(c)
    // Nothing of bob's crossed before both were connected; alice learned bob's address from his checks.
    expect(c.a.timeline.remoteCandidates.every((r) => r.atMs >= (c.a.timeline.connection.find((s) => s.state === 'connected')?.atMs ?? Infinity))).toBe(true)
    const r = await record(c)
    const alice = r.peers[0]!
    expect(alice.ice.nominations?.[0]?.remote).toMatch(/ prflx$/)
    expect(c.trickleStats.fromB.delivered).toBeGreaterThan(0)
  })

  it('candidates never sent by one side: the call connects on peer-reflexive candidates; by both sides it fails, naming it', async () => {
    const one = await call({ ice: { a: { timing: 'never', endOfCandidates: 'withhold' } } })
    await mediaFlows(one)
    expect(one.trickleStats.fromA).toMatchObject({ delivered: 0, endOfCandidatesDelivered: false })
    expect(one.trickleStats.fromA.withheld).toBeGreaterThan(0)
    expect(one.b.timeline.remoteCandidates).toHaveLength(0)
    const err = await openBackToBack({ codec: 'PCMU', connectTimeoutMs: 3000, ice: { a: { timing: 'never' }, b: { timing: 'never' } } }).then(
      (c) => c.close().then(() => undefined),
      (e: unknown) => e as Error,
    )
    expect(err?.message).toMatch(/remote candidates=0/)
  })

  it('duplicated candidates and candidates in reverse order (two host addresses) connect; end-of-candidates sent or withheld', async () => {
    const hosts = { hostAddresses: ['127.0.0.1', '127.0.0.2'] }
    const c = await call({ a: hosts, b: hosts, ice: { a: { duplicate: true, order: 'reverse' }, b: { endOfCandidates: 'withhold' } } })
    await mediaFlows(c)
    const fromA = c.signaling.filter((m) => m.from === 'alice' && m.type === 'candidate').map((m) => m.candidate!)
    const gathered = c.a.timeline.localCandidates.map((x) => x.candidate)
    expect(gathered).toHaveLength(2)
    expect(fromA).toEqual([gathered[1], gathered[1], gathered[0], gathered[0]])
    expect(types(c)).toContain('alice:eoc')
    expect(types(c)).not.toContain('bob:eoc')
    expect(c.b.timeline.remoteCandidates).toHaveLength(4)
  })

  it('IPv6 loopback (::1) directly and through the relay', async () => {
    const v6 = { hostAddresses: ['::1'] }
    const direct = await call({ a: v6, b: v6 })
    const relayed = await call({ a: v6, b: v6, network: { seed: 6, toB: { loss: 0 } } })
    await Promise.all([mediaFlows(direct), mediaFlows(relayed)])
    for (const c of [direct, relayed]) {
      const s = await c.a.stats()
      expect(s.selectedPair?.local.address).toBe('::1')
      expect(s.selectedPair?.remote.address).toBe('::1')
    }
    expect(relayed.relay!.host).toBe('::1')
    expect(relayed.relay!.summary('toB').delivered).toBeGreaterThan(0)
  })

  it('ICE-TCP: only TCP candidates exchanged, the nominated pair is TCP and media flows', async () => {
    const tcp = { config: { iceUseTcp: true } }
    const c = await call({ a: tcp, b: tcp, ice: { a: { protocols: ['tcp'] }, b: { protocols: ['tcp'] } } })
    await mediaFlows(c)
    const r = await record(c)
    for (const p of r.peers) {
      expect(p.ice.nominations?.at(-1)?.protocol).toBe('tcp')
      expect(p.ice.checks?.some((x) => x.nominated && x.state === 'succeeded')).toBe(true)
    }
  })

  it('the call record carries the ICE timeline: gathering, timed candidates, checks, nominated pair, states, consent', async () => {
    const c = await call({})
    await mediaFlows(c)
    const r = await record(c)
    for (const p of r.peers) {
      expect(p.ice.gathering.map((g) => g.state)).toContain('complete')
      expect(p.ice.localCandidates.length).toBeGreaterThan(0)
      expect(p.ice.remoteCandidates.length).toBeGreaterThan(0)
      expect(p.ice.states.map((s) => s.state)).toContain('connected')
      expect(p.ice.nominations).toHaveLength(1)
      const nominated = p.ice.checks!.filter((x) => x.nominated)
      expect(nominated).toHaveLength(1)
      expect(nominated[0]!.state).toBe('succeeded')
      expect(nominated[0]!.requestsSent + nominated[0]!.requestsReceived).toBeGreaterThan(0)
      expect(p.ice.consentFresh).toBe(true)
      expect(p.ice.iceRestarts).toBe(0)
    }
  })
})
