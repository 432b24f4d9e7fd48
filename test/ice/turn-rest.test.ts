import { describe, it, expect } from 'vitest'
import { RtcspecError } from '../../src/errors.ts'
import { mintTurnRestCredential, turnRestPassword } from '../../src/ice/index.ts'

describe('coturn REST credentials (use-auth-secret)', () => {
  // Vectors computed once, independently of this code, with:
  //   printf '%s' '1700000000:alice' | openssl dgst -sha1 -hmac 'north' -binary | base64
  //     -> Cd/49soE35ICqcJF/bCTn8Z4OyE=
  //   printf '%s' '1433895918' | openssl dgst -sha1 -hmac 'mysecret' -binary | base64
  //     -> GY1sG7UY3QRHbkFoBhEofRy1UzA=
  it('matches the openssl vector with an id', () => {
    const c = mintTurnRestCredential({ secret: 'north', ttlSeconds: 100, id: 'alice', now: 1_699_999_900_000 })
    expect(c).toEqual({ username: '1700000000:alice', credential: 'Cd/49soE35ICqcJF/bCTn8Z4OyE=', expiresAt: new Date(1_700_000_000_000) })
  })
  it('matches the openssl vector without an id (timestamp-only username)', () => {
    const c = mintTurnRestCredential({ secret: 'mysecret', ttlSeconds: 86400, now: new Date((1433895918 - 86400) * 1000 + 999) })
    expect(c.username).toBe('1433895918')
    expect(c.credential).toBe('GY1sG7UY3QRHbkFoBhEofRy1UzA=')
    expect(c.expiresAt.toISOString()).toBe(new Date(1433895918 * 1000).toISOString())
  })
  it('turnRestPassword is the same HMAC', () => {
    expect(turnRestPassword('north', '1700000000:alice')).toBe('Cd/49soE35ICqcJF/bCTn8Z4OyE=')
  })
  it('expiry is floor(now) + ttl, and defaults to the clock', () => {
    const before = Math.floor(Date.now() / 1000)
    const c = mintTurnRestCredential({ secret: 's', ttlSeconds: 60 })
    const expiry = Number(c.username)
    expect(expiry).toBeGreaterThanOrEqual(before + 60)
    expect(expiry).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 60)
  })
  it('honours coturn rest-api-separator', () => {
    const c = mintTurnRestCredential({ secret: 'north', ttlSeconds: 100, id: 'alice', now: 1_699_999_900_000, separator: '.' })
    expect(c.username).toBe('1700000000.alice')
    expect(c.credential).not.toBe('Cd/49soE35ICqcJF/bCTn8Z4OyE=')
  })
  const bad: [string, object, RegExp][] = [
    ['empty secret', { secret: '', ttlSeconds: 1 }, /secret: secret is empty/],
    ['zero ttl', { secret: 's', ttlSeconds: 0 }, /ttlSeconds: ttlSeconds must be positive/],
    ['fractional ttl', { secret: 's', ttlSeconds: 1.5 }, /ttlSeconds/],
    ['id with the separator', { secret: 's', ttlSeconds: 1, id: 'a:b' }, /id must not contain the separator ":"/],
    ['empty id', { secret: 's', ttlSeconds: 1, id: '' }, /id is empty/],
    ['invalid date', { secret: 's', ttlSeconds: 1, now: new Date('nope') }, /now/],
    ['unknown option', { secret: 's', ttlSeconds: 1, ttl: 5 }, /ttl/],
  ]
  for (const [name, options, pattern] of bad) {
    it(`rejects ${name} with an RtcspecError naming the option`, () => {
      let caught: unknown
      try {
        mintTurnRestCredential(options as never)
      } catch (e) {
        caught = e
      }
      expect(caught).toBeInstanceOf(RtcspecError)
      expect((caught as RtcspecError).code).toBe('TURN_REST_OPTIONS')
      expect((caught as Error).message).toMatch(pattern)
    })
  }
})
