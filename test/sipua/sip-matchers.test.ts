import { describe, test } from 'vitest'
import { expect } from '../../src/dsl/expect.ts'
import { createSipUserAgent, type SipCall } from '../../src/sipua/user-agent.ts'
import { waitFor } from '../../src/wait.ts'
import { rawInvite, rawPeer } from './raw-peer.ts'

describe('SIP matchers', () => {
  test('toBeEstablished and toHaveEnded({ by, status }) on both legs of a call', async () => {
    await using bob = await createSipUserAgent({ uri: 'sip:bob@127.0.0.1', transport: { kind: 'udp' }, media: 'rtp' })
    await using alice = await createSipUserAgent({ uri: 'sip:alice@127.0.0.1', transport: { kind: 'udp' }, media: 'rtp' })
    const answered: SipCall[] = []
    bob.autoAnswer({ onCall: (c) => answered.push(c) })
    const call = await alice.call(`sip:bob@127.0.0.1:${bob.local!.port}`)
    await waitFor(() => answered.length === 1, { timeoutMs: 5000, label: 'bob to answer' })
    expect(call).toBeEstablished()
    expect(answered[0]).toBeEstablished()
    expect(call).not.toHaveEnded()
    await call.hangup()
    await answered[0]!.waitForEnd(5000)
    expect(call).toHaveEnded({ by: 'local', status: 200 })
    expect(answered[0]).toHaveEnded({ by: 'remote', status: 200 })
    expect(() => expect(call).toHaveEnded({ by: 'remote' })).toThrow(/the BYE came from the local side, not the remote side[\s\S]*SIP ladder:/)
    expect(() => expect(call).toHaveEnded({ status: 481 })).toThrow(/the BYE was answered 200, not 481/)
    expect(() => expect(call).toHaveEnded({ bye: 'x' } as never)).toThrow(/unknown option "bye" \(did you mean "by"\?\)/)
    expect(() => expect('call').toBeEstablished()).toThrow(/expects a SipCall/)
  })

  test('a 200 never ACKed is not established, and the message says which half is missing', async () => {
    await using bob = await createSipUserAgent({ uri: 'sip:bob@127.0.0.1', transport: { kind: 'udp' }, media: 'rtp' })
    await using peer = await rawPeer()
    const incoming = bob.waitForIncoming(5000)
    await peer.send(rawInvite({ peer, uasPort: bob.local!.port, callId: 'never-acked', rport: true }), bob.local!.port)
    await (await incoming).accept({ timeoutMs: 800 }).catch(() => undefined)
    const call = bob.calls[0]!
    expect(call).not.toBeEstablished()
    expect(() => expect(call).toBeEstablished()).toThrow(
      /to be an established \(confirmed\) dialog: the 2xx was sent but no ACK was received[\s\S]*200 OK \(INVITE\)/,
    )
  })
})
