/**
 * werift's TURN client and refused credentials: a signed request answered with an unsigned 401 fails at once
 * with that 401 (src/patches/werift/turn-auth-errors.ts), instead of retransmitting until a transaction timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTurnClient } from 'werift'
import { mintTurnRestCredential } from '../../../src/ice/turn-rest.ts'
import { startCoturn, type CoturnService } from '../../../src/services/coturn.ts'
import { turnAuthErrors, turnAuthErrorsDelivered, unsignedAuthErrorCode } from '../../../src/patches/werift/turn-auth-errors.ts'
import { installWeriftPatches } from '../../../src/patches/werift/index.ts'
import { requireTool } from '../../support/requires.ts'

// Every werift peer installs the werift patches first; the TURN client here is werift's own.
installWeriftPatches()

const message = (messageClass: number, code?: number) => ({
  messageClass,
  transactionIdHex: '00',
  getAttributeValue: (name: string) => (name === 'ERROR-CODE' && code !== undefined ? [code, 'reason'] : undefined),
})

describe('unsignedAuthErrorCode', () => {
  it('names 401 and 438 error responses, nothing else', () => {
    expect(unsignedAuthErrorCode(message(0x110, 401))).toBe(401)
    expect(unsignedAuthErrorCode(message(0x110, 438))).toBe(438)
    expect(unsignedAuthErrorCode(message(0x110, 400))).toBeUndefined() // RFC 8489: an unsigned 400 is discarded
    expect(unsignedAuthErrorCode(message(0x110, 403))).toBeUndefined()
    expect(unsignedAuthErrorCode(message(0x100))).toBeUndefined() // a success response
    expect(unsignedAuthErrorCode(message(0x110))).toBeUndefined() // no ERROR-CODE
  })
})

describe.skipIf(requireTool('turnserver'))('werift TURN allocation against coturn', () => {
  let turn: CoturnService
  beforeAll(async () => {
    turn = await startCoturn({ provider: 'local', secret: true })
  }, 60_000)
  afterAll(async () => {
    await turn?.close()
  })
  const server = () => ({ address: ['127.0.0.1', turn.ports!.listening] as [string, number] })

  it('installs on this werift version', () => {
    expect(turnAuthErrors()).toBe('installed')
  })

  it('refused credentials (an expired REST credential) fail the Allocate with the 401, not a transaction timeout', async () => {
    const expired = mintTurnRestCredential({ secret: turn.secret!, ttlSeconds: 60, now: Date.now() - 120_000 }) // expired a minute ago
    const before = turnAuthErrorsDelivered()
    const error = await createTurnClient({ ...server(), username: expired.username, password: expired.credential }).then(
      async (client) => {
        await client.close()
        return undefined
      },
      (e: unknown) => e,
    )
    // werift's TransactionFailed carries the error response; its TransactionTimeout has none
    const response = (error as { response?: { getAttributeValue(name: string): unknown } } | undefined)?.response
    expect(error, 'the Allocate failed').toBeInstanceOf(Error)
    expect((error as Error).constructor.name).toBe('TransactionFailed')
    expect(response?.getAttributeValue('ERROR-CODE')).toEqual([401, expect.any(String)])
    expect(turnAuthErrorsDelivered()).toBeGreaterThan(before)
  }, 20_000)

  it('valid credentials still allocate a relayed address (signed answers are untouched)', async () => {
    const fresh = turn.restCredential({ ttlSeconds: 600 })
    const client = await createTurnClient({ ...server(), username: fresh.username, password: fresh.credential })
    try {
      expect(client.relayedAddress?.[0]).toBe('127.0.0.1')
      expect(client.relayedAddress?.[1]).toBeGreaterThan(0)
    } finally {
      await client.close()
    }
  }, 20_000)
})
