/**
 * Proves the conformance suite: against the reference server it passes with no failure, and for every
 * requirement the server's matching fault makes exactly that check fail and no other. Every fault run also
 * runs the media check (a werift publisher and viewer, tone detected): media must still flow, except for
 * the faults listed in MEDIA_CONSEQUENCES, which break session setup itself.
 */
import { describe, expect, test } from 'vitest'
import { CATALOG, requirement } from '../../src/conformance/catalog.ts'
import { checkFor } from '../../src/conformance/checks.ts'
import { formatTable, type ConformanceReport } from '../../src/conformance/report.ts'
import { runConformance } from '../../src/conformance/runner.ts'
import { SERVER_FAULTS } from '../../src/whip/faults.ts'
import { startMediaServer, type MediaServerOptions } from '../../src/whip/media-server.ts'

/** A server that exercises every optional feature, so no check is vacuously not-applicable. */
const FULL: MediaServerOptions = {
  token: 'rtcspec-token',
  redirect: true,
  iceServers: [{ url: 'stun:127.0.0.1:3478' }, { url: 'turn:127.0.0.1:3478?transport=udp', username: 'user', credential: 'pass' }],
  extensions: [{ rel: 'urn:ietf:params:whep:ext:core:server-sent-events', url: '/sse' }],
}
/** Faults that can only show on a server configured differently. */
const OVERRIDES: Record<string, MediaServerOptions> = {
  'whip.patch.unsupported': { restart: false },
  'whep.patch.unsupported': { restart: false },
}

/**
 * Faults whose broken requirement makes media impossible for any correct client, so the media check fails
 * too, as a consequence rather than an unrelated failure. The test asserts it does fail for these (so the
 * list stays exact) and passes for every other fault.
 */
const MEDIA_CONSEQUENCES: Record<string, string> = {}
for (const suite of ['whip', 'whep'] as const) {
  MEDIA_CONSEQUENCES[`${suite}.post.201`] = 'the POST is answered 200, not 201: a client must not treat it as a created session'
  MEDIA_CONSEQUENCES[`${suite}.post.location`] = 'the 201 has no Location: there is no session to use (or DELETE)'
  MEDIA_CONSEQUENCES[`${suite}.redirect.307`] = 'the POST is redirected with 302, which a client must not follow for a POST'
  MEDIA_CONSEQUENCES[`${suite}.answer.setup`] = 'the answer says a=setup:actpass, so the client has no DTLS role and DTLS never completes'
  MEDIA_CONSEQUENCES[`${suite}.answer.candidates`] =
    'the answer carries no server candidate, so the client has no address to connect to (only peer-reflexive discovery, over which DTLS does not complete)'
}

async function runAgainst(options: MediaServerOptions, suite: 'whip' | 'whep', media: boolean): Promise<ConformanceReport> {
  await using srv = await startMediaServer(options)
  return await runConformance({
    suite,
    token: 'rtcspec-token',
    url: suite === 'whip' ? srv.whipUrl() : srv.whepUrl(),
    media,
    ...(media ? (suite === 'whip' ? { whepUrl: srv.whepUrl() } : { publishUrl: srv.whipUrl() }) : {}),
    timeoutMs: 5_000,
  })
}

describe('catalog, checks and faults line up', () => {
  test('every requirement has a check and a fault, and every fault a requirement', () => {
    const ids = CATALOG.map((r) => r.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.filter((id) => !checkFor(id))).toEqual([])
    expect([...SERVER_FAULTS].sort()).toEqual([...ids].sort())
  })
})

describe('the reference server conforms', () => {
  for (const suite of ['whip', 'whep'] as const) {
    test(`${suite}: 0 failures, 0 warnings; only patch.unsupported is not applicable (both are supported)`, async () => {
      const report = await runAgainst(FULL, suite, true)
      const notPass = report.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.status}`)
      expect(notPass, formatTable(report)).toEqual([`${suite}.patch.unsupported: not-applicable`])
    }, 60_000)
  }
})

describe.concurrent('every fault is detected by its check and by no other', () => {
  test.each(SERVER_FAULTS.map((id) => [id]))(
    '%s',
    async (id) => {
      const req = requirement(id)
      expect(req).toBeDefined()
      const suite = req?.suite ?? 'whip'
      const report = await runAgainst({ ...FULL, ...OVERRIDES[id], fault: id }, suite, true)
      const mine = report.results.find((r) => r.id === id)
      const media = `${suite}.media`
      const others = report.results
        .filter((r) => r.id !== id && r.status === 'fail' && !(r.id === media && MEDIA_CONSEQUENCES[id]))
        .map((r) => `${r.id}: ${r.detail.reason}`)
      expect(mine?.status, formatTable(report)).toBe('fail')
      expect(others, formatTable(report)).toEqual([])
      if (id !== media)
        expect(
          report.results.find((r) => r.id === media)?.status,
          `media check under fault ${id}: ${MEDIA_CONSEQUENCES[id] ?? 'must still pass'}\n${formatTable(report)}`,
        ).toBe(MEDIA_CONSEQUENCES[id] ? 'fail' : 'pass')
    },
    90_000,
  )
})
