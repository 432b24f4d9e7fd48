import { describe, it, expect } from 'vitest'
import { parseScenario, runScenario, ScenarioError } from '../../src/dsl/scenario.ts'

describe('scenario spec validation', () => {
  it('accepts a minimal spec and fills defaults', () => {
    const s = parseScenario({ peers: { alice: {}, bob: {} } })
    expect(s.duration).toBe(2000)
    expect(s.connectTimeout).toBe(10_000)
    expect(s.peers.alice?.kind).toBe('werift')
  })

  it('parses durations written as strings', () => {
    expect(parseScenario({ peers: { a: {}, b: {} }, duration: '1.5s' }).duration).toBe(1500)
    expect(parseScenario({ peers: { a: {}, b: {} }, duration: '250ms' }).duration).toBe(250)
  })

  it('names the path of every problem (z.prettifyError)', () => {
    let message = ''
    try {
      parseScenario({
        peers: { alice: { send: { tone: -5 } }, bob: { codecs: ['G729'] } },
        duration: 'three seconds',
        network: { toB: { loss: 1.5 } },
        expect: { 'carol.audio.in': { lossBelow: 0.01 }, 'bob.audio': {} },
      })
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toMatch(/^invalid scenario spec:/)
    expect(message).toMatch(/→ at peers\.alice\.send/)
    expect(message).toMatch(/→ at duration/)
    expect(message).toMatch(/→ at network\.toB\.loss/)
    expect(message).toMatch(/unknown codec "G729"/)
    expect(message).toMatch(/no peer named "carol"/)
    expect(message).toMatch(/expectation keys look like "<peer>\.audio\.in", got "bob\.audio"/)
  })

  it('requires exactly two peers', () => {
    expect(() => parseScenario({ peers: { alice: {} } })).toThrow(/exactly 2 peers.*got 1: alice/)
  })

  it('rejects unknown keys instead of ignoring them', () => {
    expect(() => parseScenario({ peers: { a: {}, b: {} }, duraton: '1s' })).toThrow(/duraton/)
  })
})

describe('running a scenario', () => {
  it('an invalid spec fails at the validation step without starting peers', async () => {
    const err = await runScenario('bad', { peers: {} }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ScenarioError)
    expect((err as ScenarioError).step).toBe('validate the spec')
    expect((err as Error).message).toMatch(/exactly 2 peers/)
  })

  it('a failed expectation names the step, shows the ladder with SDPs and the stats', async () => {
    const err = await runScenario('too strict', {
      peers: { alice: { send: { tone: 440 } }, bob: {} },
      duration: '600ms',
      // bob receives ~30 packets in 600 ms; asking for 1000 must fail.
      expect: { 'bob.audio.in': { packetsAtLeast: 1000 }, 'alice.audio.in': { packetsAtLeast: 1 } },
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ScenarioError)
    const msg = (err as Error).message
    expect((err as ScenarioError).step).toBe('check expectations')
    expect(msg).toMatch(/bob\.audio\.in: expected at least 1000 packets, got \d+/)
    expect(msg).toMatch(/alice\.audio\.in: expected at least 1 packets, got 0/)
    expect(msg).toMatch(/Signaling ladder:/)
    expect(msg).toMatch(/alice → bob {2}offer \(SDP/)
    expect(msg).toMatch(/--- answer bob → alice ---\n(.|\n)*m=audio/)
    expect(msg).toMatch(/Stats at failure:(.|\n)*bob\.audio\.in: received \d+/)
  })

  it('passes when the expectations hold', async () => {
    await runScenario('ok', {
      peers: { alice: { send: { tone: 440 } }, bob: { send: { silence: true } } },
      codec: 'PCMA',
      duration: '600ms',
      expect: { 'bob.audio.in': { packetsAtLeast: 20, lossBelow: 0.01, codec: 'PCMA' }, 'alice.audio.in': { packetsAtLeast: 20 } },
    })
  })
})
