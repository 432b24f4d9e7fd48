/**
 * The `sip` fixture: user agents on the embedded registrar (started on demand), hung up and closed after
 * the test — pass or fail — with one call record per call in reports/call_records.jsonl.
 */
import { expect, test } from 'rtcspec'

test('alice (secure WebSocket) calls bob (WebSocket), both on WebRTC media, through the embedded registrar', async ({ sip, tone }) => {
  const alice = await sip.ua('alice', { transport: 'wss' }) // trusts the registrar's CA
  const bob = await sip.ua('bob') // defaults: WebSocket, WebRTC media, registered
  const incoming = bob.waitForIncoming(10_000)
  const calling = alice.call(sip.uri('bob'), { send: tone(440) })
  const answered = await (await incoming).accept({ send: tone(880) })
  const call = await calling
  await expect(answered.peer).toReceiveRtp({ packets: 50, within: '5s' })
  await expect(call.peer).toReceiveRtp({ packets: 50, within: '5s' })
  expect(answered.peer).toHaveLossBelow(0.01)
  // No hangup needed: the fixture ends the call and writes its record after the test.
})
