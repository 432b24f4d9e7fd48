import { describe, expect, test } from 'vitest'
import { runScenario, ScenarioError } from '../../src/dsl/scenario.ts'

describe('scenario({ sip })', () => {
  test('a call flow against an rtcspec answerer runs, with media checked', async () => {
    await runScenario('call bob', {
      sip: {
        answerer: { user: 'bob', send: { tone: 1500 } },
        flow: [
          { send: 'INVITE', sdp: true },
          { expect: 100, optional: true },
          { expect: 180, optional: true },
          { expect: 200, maxResponse: '2s', body: 'RTP/AVP 0' },
          { send: 'ACK' },
          { media: { send: { tone: 440 }, expect: { packetsAtLeast: 30, tone: 1500 } } },
          { send: 'BYE' },
          { expect: 200 },
        ],
      },
    })
  })

  test('an invalid spec lists every problem by path', async () => {
    const err = await runScenario('bad', { sip: { flow: [{ send: 'INV ITE' }, { expect: 99 }, { pause: 'soon' }] } }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(ScenarioError)
    const m = (err as Error).message
    expect(m).toMatch(/failed at step "validate the spec"/)
    expect(m).toMatch(/sip\.flow\[0\]/)
    expect(m).toMatch(/sip\.flow\[1\]/)
    expect(m).toMatch(/sip\.flow\[2\]/)
  })

  test('a failing step names the flow step and shows the ladder', async () => {
    const err = await runScenario('options to the registrar', {
      sip: {
        vars: { uri: 'sip:rtcspec.test' },
        flow: [
          { send: 'OPTIONS', uri: '[uri]' },
          { expect: 200, headers: { Server: 'kamailio' } },
        ],
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(ScenarioError)
    const m = (err as Error).message
    expect(m).toMatch(/failed at step "flow step 2: expect 200": header Server: "rtcspec-registrar" does not match \/kamailio\//)
    expect(m).toMatch(/SIP ladder:\n.*OPTIONS sip:rtcspec\.test\n.*200 OK \(OPTIONS\)/)
  })
})
