/**
 * The `expectAck` step of a SIP flow: the flow (in the UAS role) answered the INVITE with a 2xx and the ACK
 * for it must arrive within a bound; over UDP the 2xx is retransmitted meanwhile (RFC 3261 §13.3.1.4), and a
 * caller that never ACKs fails the step with every retransmission in the ladder.
 */
import { describe, expect, test } from 'vitest'
import { runSipFlow, SipFlowError, type FlowStep } from '../../src/sipua/call-flow.ts'
import { sipFlowSteps, SipScenarioSpecSchema } from '../../src/dsl/sip-scenario.ts'
import { ScenarioError } from '../../src/dsl/scenario.ts'

/** Runs `uas` as a flow on an OS port, with a second flow calling it as `uac`; both settle before returning. */
async function callFlow(uas: FlowStep[], uac: FlowStep[]) {
  let caller: Promise<unknown> | undefined
  const answering = runSipFlow({
    name: 'bob',
    target: { transport: 'udp', host: '127.0.0.1', port: 0 },
    steps: uas,
    timers: { t1: 100, t2: 400 },
    onReady: ({ port }) => {
      caller = runSipFlow({ name: 'alice', target: { transport: 'udp', host: '127.0.0.1', port }, steps: uac })
    },
  })
  const [bob, alice] = await Promise.allSettled([answering, answering.finally(() => caller)])
  return { bob, alice }
}

describe('SIP flow step expectAck', () => {
  test('the zod schema takes { expectAck: true, within } and names bad forms', () => {
    expect(SipScenarioSpecSchema.safeParse({ sip: { flow: [{ expect: 'INVITE' }, { reply: 200 }, { expectAck: true, within: '2s' }] } }).success).toBe(true)
    expect(SipScenarioSpecSchema.safeParse({ sip: { flow: [{ expectAck: false }] } }).success).toBe(false)
    expect(SipScenarioSpecSchema.safeParse({ sip: { flow: [{ expectAck: true, within: 'soon' }] } }).success).toBe(false)
    expect(sipFlowSteps('s', [{ expectAck: true, within: '1.5s' }])).toEqual([{ expectAck: true, withinMs: 1500 }])
    expect(() => sipFlowSteps('s', [{ expectAck: true, whithin: '1s' }])).toThrow(ScenarioError)
  })

  test('the caller ACKs the 200: the step passes and is timed', async () => {
    const uas = sipFlowSteps('bob', [
      { expect: 'INVITE' },
      { reply: 180 },
      { reply: 200 },
      { expectAck: true, within: '5s' },
      { expect: 'BYE' },
      { reply: 200 },
    ])
    const uac: FlowStep[] = [
      { send: 'INVITE' },
      { expect: 100, optional: true },
      { expect: 180, optional: true },
      { expect: 200 },
      { send: 'ACK' },
      { send: 'BYE' },
      { expect: 200 },
    ]
    const { bob, alice } = await callFlow(uas, uac)
    if (bob.status === 'rejected') throw bob.reason
    expect(alice.status).toBe('fulfilled')
    expect(bob.value.timings.some((t) => t.label.startsWith('expect ACK'))).toBe(true)
  })

  test('the caller never ACKs: the step fails naming the 200 and the bound, the ladder shows its retransmissions', async () => {
    const uas = sipFlowSteps('bob', [{ expect: 'INVITE' }, { reply: 200 }, { expectAck: true, within: '1500ms' }])
    // The caller takes the 200 and then stays silent: no ACK.
    const uac: FlowStep[] = [{ send: 'INVITE' }, { expect: 200 }, { pause: 1800 }]
    const { bob } = await callFlow(uas, uac)
    expect(bob.status).toBe('rejected')
    const err = (bob as PromiseRejectedResult).reason as SipFlowError
    expect(err).toBeInstanceOf(SipFlowError)
    expect(err.stepLabel).toBe('expect ACK of the 2xx within 1500 ms')
    expect(err.reason).toMatch(/the 200 answering the INVITE \(CSeq 1\) was not ACKed within 1500 ms \(sent \d+ times/)
    expect(err.reason).toMatch(/RFC 3261 §13\.2\.2\.4/)
    const sent200 = err.log!.entries.filter((e) => e.direction === 'out' && e.summary === '200 OK (INVITE)')
    // T1 100 ms doubling to T2 400 ms within 1.5 s: 100, 300, 700, 1100 ms → at least 3 retransmissions.
    expect(sent200.length).toBeGreaterThanOrEqual(4)
    expect(err.ladder.match(/200 OK \(INVITE\)/g)!.length).toBeGreaterThanOrEqual(4)
  })

  test('expectAck with no 2xx sent fails and says what to do', async () => {
    const uas = sipFlowSteps('bob', [{ expect: 'INVITE' }, { reply: 486 }, { expectAck: true, within: '1s' }])
    const { bob } = await callFlow(uas, [{ send: 'INVITE' }, { expect: 486 }, { send: 'ACK' }])
    expect(bob.status).toBe('rejected')
    expect(((bob as PromiseRejectedResult).reason as SipFlowError).reason).toMatch(/no 2xx answer to an INVITE was sent.*\n\s*hint: reply 200/)
  })
})
