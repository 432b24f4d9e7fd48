/**
 * SIP with rtcspec: sip.js user agents on WebRTC or plain-RTP media through the embedded registrar, and a
 * typed SIPp-like call flow. Everything runs on loopback with nothing installed.
 */
import { expect, scenario, test } from 'rtcspec'
import { createSipUserAgent, startSipRegistrar } from 'rtcspec/sip'

test('two SIP user agents call each other over WebSocket; audio flows both ways', async ({ tone }) => {
  await using registrar = await startSipRegistrar()
  const transport = { kind: 'ws' as const, url: registrar.wsUrl }
  await using alice = await createSipUserAgent({ uri: 'sip:alice@rtcspec.test', transport })
  await using bob = await createSipUserAgent({ uri: 'sip:bob@rtcspec.test', transport })
  await bob.register()
  const incoming = bob.waitForIncoming(10_000)
  const calling = alice.call('sip:bob@rtcspec.test', { send: tone(440) })
  const answered = await (await incoming).accept({ send: tone(880) })
  const call = await calling
  await expect(answered.peer).toReceiveRtp({ packets: 50, within: '5s' })
  await expect(call.peer).toReceiveRtp({ packets: 50, within: '5s' })
  expect(answered.peer).toHaveLossBelow(0.01)
  await call.hangup()
})

scenario('an INVITE is answered within 2 s and both sides hear each other', {
  sip: {
    answerer: { user: 'bob', send: { tone: 1500 } },
    flow: [
      { send: 'INVITE', sdp: true },
      { expect: 100, optional: true },
      { expect: 180, optional: true },
      { expect: 200, maxResponse: '2s', headers: { 'Content-Type': 'application/sdp' }, capture: { tag: { header: 'To', regex: 'tag=([^;>]+)' } } },
      { send: 'ACK' },
      { media: { send: { tone: 440 }, expect: { packetsAtLeast: 50, tone: 1500, lossBelow: 0.01 } } },
      { send: 'BYE' },
      { expect: 200 },
    ],
  },
})
