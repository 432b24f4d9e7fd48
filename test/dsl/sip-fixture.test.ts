import { afterAll, beforeAll, describe, onTestFinished } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from '../../src/dsl/expect.ts'
import { test } from '../../src/dsl/fixtures.ts'
import { createSipUserAgent, type SipUserAgent } from '../../src/sipua/user-agent.ts'
import type { SipRegistrar } from '../../src/sipua/registrar.ts'
import { CallRecordSchema, type CallRecord } from '../../src/peers/call-record.ts'
import { hasTone } from '../sipua/support.ts'
import { waitFor } from '../../src/wait.ts'

let dir: string
const previous = process.env.RTCSPEC_REPORT_DIR
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtcspec-sip-fixture-'))
  process.env.RTCSPEC_REPORT_DIR = dir
})
afterAll(() => {
  if (previous === undefined) delete process.env.RTCSPEC_REPORT_DIR
  else process.env.RTCSPEC_REPORT_DIR = previous
  rmSync(dir, { recursive: true, force: true })
})

function records(): CallRecord[] {
  const file = join(dir, 'call_records.jsonl')
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => CallRecordSchema.parse(JSON.parse(l)))
}

/** Whether a fresh UA can still connect to the registrar's WebSocket (false once it is closed). */
async function registrarAccepts(url: string): Promise<boolean> {
  try {
    const probe = await createSipUserAgent({ uri: 'sip:probe@rtcspec.test', transport: { kind: 'ws', url }, callRecords: false })
    await probe.close()
    return true
  } catch {
    return false
  }
}

describe('the sip fixture', () => {
  let made: { registrar: SipRegistrar; wsUrl: string; uas: SipUserAgent[] } | undefined
  let afterFailure: unknown

  test('starts the registrar on demand; after the test every call is hung up, one record per call (both legs), everything closed', async ({ sip, tone }) => {
    onTestFinished(async () => {
      const [alice, bob] = made!.uas
      expect(alice!.calls.every((c) => !c.active && c.endedAt)).toBe(true)
      expect(bob!.calls.every((c) => !c.active && c.endedAt)).toBe(true)
      // The BYE went out from the caller and was answered.
      expect(alice!.log.entries.filter((e) => e.direction === 'in').map((e) => e.summary)).toContain('200 OK (BYE)')
      const mine = records().filter((r) => r.test?.name.includes('starts the registrar on demand'))
      expect(mine).toHaveLength(1)
      const r = mine[0]!
      expect(r.kind).toBe('sip')
      expect(r.test?.result).toBe('passed')
      expect(r.peers).toHaveLength(2)
      expect((r.extra as { sip: Array<{ direction: string }> }).sip.map((l) => l.direction)).toEqual(['outgoing', 'incoming'])
      expect(r.signaling.map((s) => s.type)).toEqual(expect.arrayContaining(['INVITE sip:bob@rtcspec.test', '200 OK (INVITE)', '200 OK (BYE)']))
      expect(r.signaling.some((s) => s.type.startsWith('BYE '))).toBe(true)
      expect(await registrarAccepts(made!.wsUrl)).toBe(false)
    })
    const registrar = await sip.registrar()
    const alice = await sip.ua('alice')
    const bob = await sip.ua('bob')
    expect(await sip.registrar()).toBe(registrar) // one per test
    expect(
      registrar
        .bindings()
        .map((b) => b.aor)
        .sort(),
    ).toEqual(['alice@rtcspec.test', 'bob@rtcspec.test'])
    made = { registrar, wsUrl: registrar.wsUrl, uas: [alice, bob] }
    const incoming = bob.waitForIncoming(10_000)
    const calling = alice.call(sip.uri('bob'), { send: tone(1000) })
    const bobCall = await (await incoming).accept({ send: tone(1500) })
    await calling
    const atBob = await bobCall.peer.waitForTrack('audio', 10_000)
    await atBob.waitForPackets(50, 10_000)
    expect(hasTone(atBob, 1000)).toBe(true)
    // No hangup, no close: the fixture does it.
  })

  test.fails('a failing test still gets its calls hung up, its record written (result failed) and everything closed', async ({ sip, tone }) => {
    // Assertions here could not fail an expected-to-fail test: record the facts, the next test checks them.
    onTestFinished(async () => {
      afterFailure = {
        callsActive: made!.uas.flatMap((ua) => ua.calls.filter((c) => c.active).map((c) => c.callId)),
        records: records()
          .filter((r) => r.test?.name.includes('a failing test still'))
          .map((r) => ({ result: r.test?.result, peers: r.peers.length })),
        registrarAccepts: await registrarAccepts(made!.wsUrl),
      }
    })
    const alice = await sip.ua('alice', { transport: 'udp', media: 'rtp' })
    const bob = await sip.ua('bob', { transport: 'tcp', media: 'rtp' })
    const registrar = await sip.registrar()
    made = { registrar, wsUrl: registrar.wsUrl, uas: [alice, bob] }
    bob.autoAnswer({ send: tone(700) })
    const call = await alice.call(sip.uri('bob'))
    await expect(call.peer).toReceiveRtp({ packets: 10, within: '5s' })
    throw new Error('the test body fails here, with a call up')
  })

  test('…and after that failing test: no call left up, its record written with result failed, the registrar closed', () => {
    expect(afterFailure).toEqual({ callsActive: [], records: [{ result: 'failed', peers: 2 }], registrarAccepts: false })
  })

  test('a B2BUA gateway (WebRTC leg on the registrar, plain-RTP leg to an endpoint) is closed after the test with every leg ended', async ({ sip, tone }) => {
    let legs: Array<{ active: boolean }> = []
    onTestFinished(() => {
      expect(legs.length).toBe(4)
      expect(legs.filter((l) => l.active)).toEqual([])
    })
    // The plain-RTP endpoint (explicit transport: not registered).
    const pstn = await sip.ua('carol-pstn', { uri: 'sip:carol@127.0.0.1', transport: { kind: 'udp' }, media: 'rtp' })
    const pstnCalls: Array<{ active: boolean; peer: import('../../src/peers/types.ts').Peer }> = []
    pstn.autoAnswer({ send: tone(1500), onCall: (c) => pstnCalls.push(c) })
    const gateway = await sip.b2bua({
      a: { uri: sip.uri('carol'), transport: 'ws', media: 'webrtc' },
      b: { uri: 'sip:gateway@127.0.0.1', transport: { kind: 'udp', remote: { host: '127.0.0.1', port: pstn.local!.port } }, media: 'rtp' },
      target: `sip:carol@127.0.0.1:${pstn.local!.port}`,
    })
    const alice = await sip.ua('alice', { register: false })
    const call = await alice.call(sip.uri('carol'), { send: tone(1000), timeoutMs: 15_000 })
    const bridged = await gateway.waitForCall(1)
    await waitFor(() => pstnCalls.length === 1, { timeoutMs: 5000, label: 'the endpoint to answer' })
    const atPstn = await pstnCalls[0]!.peer.waitForTrack('audio', 10_000)
    await atPstn.waitForPackets(60, 10_000)
    expect(hasTone(atPstn, 1000, 10)).toBe(true)
    legs = [call, bridged.a, bridged.b, pstnCalls[0]!]
    expect(legs.every((l) => l.active)).toBe(true)
  })

  test('registrar options apply on the first call only; a later call with options is an error', async ({ sip }) => {
    const r = await sip.registrar({ domain: 'example.test', transports: ['udp'] })
    expect(sip.uri('carol')).toBe('sip:carol@example.test')
    await expect(sip.registrar({ domain: 'other.test' })).rejects.toThrow(/already running/)
    const carol = await sip.ua('carol', { transport: 'udp', media: 'rtp' })
    expect(r.bindings().map((b) => b.aor)).toEqual(['carol@example.test'])
    expect(carol.uri).toBe('sip:carol@example.test')
  })
})
