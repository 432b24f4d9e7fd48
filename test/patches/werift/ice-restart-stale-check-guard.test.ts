/** The werift guard that keeps previous-generation connectivity checks out of a restarted ICE agent. */
import { describe, it, expect } from 'vitest'
import { guardStaleChecks, recipientUfrag, senderUfrag, staleChecksAdopted, staleChecksIgnored } from '../../../src/patches/werift/stale-check-guard.ts'

const request = (username: string) => ({ getAttributeValue: (name: string) => (name === 'USERNAME' ? username : undefined) })

describe('guardStaleChecks', () => {
  it('passes requests addressed to the current local ufrag and ignores those of a previous generation', () => {
    const handled: string[] = []
    const connection = {
      localUsername: 'old1',
      checkIncoming(message: { getAttributeValue(n: string): unknown }, addr: unknown) {
        handled.push(`${String(message.getAttributeValue('USERNAME'))}@${String(addr)}`)
      },
    }
    expect(guardStaleChecks(connection)).toBe(true)
    expect(guardStaleChecks(connection)).toBe(true) // idempotent: wrapped once
    connection.checkIncoming(request('old1:peerA'), 'x')
    connection.localUsername = 'new2' // the agent restarted
    const before = staleChecksIgnored()
    connection.checkIncoming(request('old1:peerA'), 'y') // the peer's consent check on the old pair
    connection.checkIncoming(request('new2:peerB'), 'z')
    expect(handled).toEqual(['old1:peerA@x', 'new2:peerB@z'])
    expect(staleChecksIgnored() - before).toBe(1)
  })

  it("takes a request from the peer's current ufrag to our previous one as current, keeping our candidate's ufrag current", () => {
    const seen: string[] = []
    const protocol = { localCandidate: { ufrag: 'new2' } }
    const connection = {
      localUsername: 'new2',
      remoteUsername: 'peerB',
      checkIncoming(message: { getAttributeValue(n: string): unknown }, _addr: unknown, p: typeof protocol) {
        seen.push(String(message.getAttributeValue('USERNAME')))
        p.localCandidate.ufrag = String(message.getAttributeValue('USERNAME')).split(':')[0]! // what werift does
      },
    }
    guardStaleChecks(connection)
    const adopted = staleChecksAdopted()
    connection.checkIncoming(request('old1:peerB'), 'addr', protocol) // peer's new generation, our old ufrag
    expect(seen).toEqual(['old1:peerB'])
    expect(protocol.localCandidate.ufrag).toBe('new2')
    expect(staleChecksAdopted() - adopted).toBe(1)
    connection.checkIncoming(request('old1:peerA'), 'addr', protocol) // the peer's old generation: ignored
    expect(seen).toEqual(['old1:peerB'])
  })

  it('installs nothing on something that is not a werift connection', () => {
    expect(guardStaleChecks(undefined)).toBe(false)
    expect(guardStaleChecks({ localUsername: 'a' })).toBe(false)
    expect(guardStaleChecks({ checkIncoming() {} })).toBe(false)
  })

  it('reads the recipient ufrag of a USERNAME', () => {
    expect(recipientUfrag('abcd:efgh')).toBe('abcd')
    expect(recipientUfrag('nocolon')).toBeUndefined()
    expect(recipientUfrag(undefined)).toBeUndefined()
    expect(senderUfrag('abcd:efgh')).toBe('efgh')
    expect(senderUfrag('abcd:')).toBeUndefined()
  })
})
