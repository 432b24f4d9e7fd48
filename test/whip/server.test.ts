/** Reference server housekeeping: option validation, sessions that never connect are dropped, close is idempotent. */
import { describe, expect, test } from 'vitest'
import { syntheticOffer } from '../../src/conformance/checks.ts'
import { waitFor } from '../../src/wait.ts'
import { startMediaServer } from '../../src/whip/media-server.ts'

describe('reference server', () => {
  test('invalid options are refused with every problem listed', async () => {
    await expect(startMediaServer({ fault: 'whip.nope', port: 70_000 })).rejects.toThrow(/unknown fault[\s\S]*port|port[\s\S]*unknown fault/)
  })

  test('a session whose peer never connects is dropped after connectTimeoutMs; DELETE then gets 404', async () => {
    await using srv = await startMediaServer({ connectTimeoutMs: 1_000 })
    const res = await fetch(srv.whipUrl(), { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: syntheticOffer('whip').sdp })
    expect(res.status).toBe(201)
    const location = new URL(res.headers.get('location') ?? '', srv.url).toString()
    expect(srv.sessions.size).toBe(1)
    await waitFor(() => srv.sessions.size === 0, { timeoutMs: 5_000, label: 'the unconnected session to be dropped' })
    expect((await fetch(location, { method: 'DELETE' })).status).toBe(404)
  })

  test('close() is idempotent and ends every session', async () => {
    const srv = await startMediaServer({})
    await fetch(srv.whepUrl(), { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: syntheticOffer('whep').sdp })
    const [session] = [...srv.sessions.values()]
    await srv.close()
    await srv.close()
    expect(session?.closed).toBe(true)
    expect(srv.sessions.size).toBe(0)
    await expect(fetch(srv.whipUrl(), { method: 'GET', signal: AbortSignal.timeout(2_000) })).rejects.toThrow()
  })
})
