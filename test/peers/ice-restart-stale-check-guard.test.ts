/** The werift guard that keeps previous-generation connectivity checks out of a restarted ICE agent. */
import { describe, it, expect } from 'vitest'
import { guardStaleChecks, recipientUfrag, staleChecksIgnored } from '../../src/peers/werift/stale-check-guard.ts'

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

  it('installs nothing on something that is not a werift connection', () => {
    expect(guardStaleChecks(undefined)).toBe(false)
    expect(guardStaleChecks({ localUsername: 'a' })).toBe(false)
    expect(guardStaleChecks({ checkIncoming() {} })).toBe(false)
  })

  it('reads the recipient ufrag of a USERNAME', () => {
    expect(recipientUfrag('abcd:efgh')).toBe('abcd')
    expect(recipientUfrag('nocolon')).toBeUndefined()
    expect(recipientUfrag(undefined)).toBeUndefined()
  })
})
