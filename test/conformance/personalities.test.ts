/**
 * The conformance verdicts against servers that behave like real ones do (the reference server's
 * personalities): one live session per endpoint (403 "Endpoint ID already in use"), Opus only, ICE-lite, 403
 * instead of 401 for a bad token, a relay that never asks for a keyframe when a viewer joins, and a bug that
 * answers 500 to an offer without ICE credentials and leaves the endpoint stuck. Each run asserts the exact verdict of every requirement: no false FAIL from rtcspec's
 * own sessions, and the stuck endpoint reported on the check that caused it.
 */
import { describe, expect, test } from 'vitest'
import { formatTable, exitCodeOf, type ConformanceReport } from '../../src/conformance/report.ts'
import { runConformance, type RunConformanceOptions } from '../../src/conformance/runner.ts'
import { requirementsOf } from '../../src/conformance/catalog.ts'
import { startMediaServer, type MediaServer, type MediaServerOptions } from '../../src/whip/media-server.ts'

const TOKEN = 'rtcspec-token'
/** Every optional feature on, so no check is vacuously not applicable (as in faults.test.ts). */
const FULL: MediaServerOptions = {
  token: TOKEN,
  redirect: true,
  iceServers: [{ url: 'stun:127.0.0.1:3478' }],
  extensions: [{ rel: 'urn:ietf:params:whep:ext:core:server-sent-events', url: '/sse' }],
}

type Suite = 'whip' | 'whep'

function optionsFor(srv: MediaServer, suite: Suite, extra: Partial<RunConformanceOptions> = {}): RunConformanceOptions {
  return {
    suite,
    token: TOKEN,
    url: suite === 'whip' ? srv.whipUrl() : srv.whepUrl(),
    ...(suite === 'whip' ? { whepUrl: srv.whepUrl() } : { publishUrl: srv.whipUrl() }),
    timeoutMs: 5_000,
    ...extra,
  }
}

/** id → status, for an exact comparison. */
function verdicts(report: ConformanceReport): Record<string, string> {
  return Object.fromEntries(report.results.map((r) => [r.id, r.status]))
}

/** The verdicts of a conformant server: every requirement passes, but patch.unsupported (both kinds of PATCH work). */
function allPass(suite: Suite, except: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {}
  for (const r of requirementsOf(suite)) out[r.id] = except[r.id] ?? (r.id === `${suite}.patch.unsupported` ? 'not-applicable' : 'pass')
  return out
}

/** Sessions still live on the server, by role (rtcspec must leave none behind). */
function liveSessions(srv: MediaServer): number {
  return srv.sessions.size
}

// Each run has a server of its own (as in faults.test.ts, which runs them concurrently too): they run concurrently.
describe.concurrent.each(['whip', 'whep'] as const)('%s conformance against real-server personalities', (suite) => {
  test('one session per endpoint (403 when busy): the same verdicts as a permissive server, and none left behind', async () => {
    await using srv = await startMediaServer({ ...FULL, personalities: ['one-session'] })
    const report = await runConformance(optionsFor(srv, suite))
    expect(verdicts(report), formatTable(report)).toEqual(allPass(suite))
    expect(report.summary.blocked).toBe(0)
    expect(report.endpoint?.leakedSessions).toEqual([])
    expect(liveSessions(srv)).toBe(0)
    // conformance.json says how much of the document's server-side normative text the suite checks.
    expect(report.coverage?.serverSentences).toBeGreaterThan(20)
    expect(report.coverage?.checked).toBeLessThanOrEqual(report.coverage?.serverSentences ?? 0)
  }, 90_000)

  test('Opus only: the media check negotiates Opus and detects the tone', async () => {
    await using srv = await startMediaServer({ ...FULL, personalities: ['opus-only'] })
    const report = await runConformance(optionsFor(srv, suite))
    expect(verdicts(report), formatTable(report)).toEqual(allPass(suite))
    const media = report.results.find((r) => r.id === `${suite}.media`)
    expect(String(media?.detail.measured?.codec).toLowerCase(), JSON.stringify(media?.detail.measured)).toBe('opus')
  }, 90_000)

  test('ICE-lite: every requirement still passes', async () => {
    await using srv = await startMediaServer({ ...FULL, personalities: ['ice-lite'] })
    const report = await runConformance(optionsFor(srv, suite))
    expect(verdicts(report), formatTable(report)).toEqual(allPass(suite))
  }, 90_000)

  test('403 instead of 401 for a missing or wrong token: a warning on auth.bearer, nothing else', async () => {
    await using srv = await startMediaServer({ ...FULL, personalities: ['auth-403'] })
    const report = await runConformance(optionsFor(srv, suite))
    expect(verdicts(report), formatTable(report)).toEqual(allPass(suite, { [`${suite}.auth.bearer`]: 'warn' }))
    expect(report.results.find((r) => r.id === `${suite}.auth.bearer`)?.detail.reason).toMatch(/refused, but not with 401/)
    expect(exitCodeOf(report, false)).toBe(0)
  }, 90_000)

  test("no keyframe on join (a plain relay): only the late viewer's first-frame check fails", async () => {
    await using srv = await startMediaServer({ ...FULL, personalities: ['no-keyframe-on-join'] })
    const report = await runConformance(optionsFor(srv, suite))
    expect(verdicts(report), formatTable(report)).toEqual(allPass(suite, suite === 'whep' ? { 'whep.video.first-frame': 'fail' } : {}))
  }, 90_000)

  test('all of them at once, like a typical ingest server', async () => {
    await using srv = await startMediaServer({ ...FULL, personalities: ['one-session', 'opus-only', 'ice-lite', 'auth-403'] })
    const report = await runConformance(optionsFor(srv, suite))
    expect(verdicts(report), formatTable(report)).toEqual(allPass(suite, { [`${suite}.auth.bearer`]: 'warn' }))
    expect(liveSessions(srv)).toBe(0)
  }, 90_000)
})

describe('a one-session endpoint', () => {
  test('one run gives the same verdicts as one run per requirement', async () => {
    await using srv = await startMediaServer({ ...FULL, personalities: ['one-session'] })
    const whole = verdicts(await runConformance(optionsFor(srv, 'whip', { media: false })))
    const alone: Record<string, string> = {}
    for (const r of requirementsOf('whip')) {
      const report = await runConformance(optionsFor(srv, 'whip', { media: false, only: [r.id] }))
      alone[r.id] = report.results[0]?.status ?? 'missing'
    }
    expect(alone).toEqual(whole)
    expect(liveSessions(srv)).toBe(0)
  }, 120_000)

  test('held by another client before the run: every session check is blocked and nothing is blamed (exit 4)', async () => {
    await using srv = await startMediaServer({ ...FULL, personalities: ['one-session'] })
    const other = await fetch(srv.whipUrl(), {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${TOKEN}` },
      body: await validOffer(),
    })
    expect(other.status).toBe(201)
    const report = await runConformance(optionsFor(srv, 'whip', { media: false }))
    const failed = report.results.filter((r) => r.status === 'fail').map((r) => `${r.id}: ${r.detail.reason}`)
    expect(failed, formatTable(report)).toEqual([])
    expect(report.summary.blocked).toBeGreaterThan(10)
    expect(report.endpoint?.unusableAfter).toBe('start')
    const blocked = report.results.find((r) => r.id === 'whip.post.201')
    expect(blocked?.status).toBe('blocked')
    expect(blocked?.detail.reason).toMatch(/refuses every new session although rtcspec holds none \(403 "Endpoint ID already in use"\), from the first POST/)
    expect(exitCodeOf(report, false)).toBe(4)
    expect(formatTable(report)).toMatch(/body: "Endpoint ID already in use/)
  }, 90_000)
})

describe('a server that a malformed offer leaves stuck (500, then "in use" for every POST)', () => {
  test('the malformed-offer check fails and says the endpoint was left unusable; later session checks are blocked', async () => {
    await using srv = await startMediaServer({ ...FULL, personalities: ['stuck-500', 'one-session'] })
    const report = await runConformance(optionsFor(srv, 'whip'))
    const table = formatTable(report)
    const malformed = report.results.find((r) => r.id === 'whip.post.malformed-sdp')
    expect(malformed?.status, table).toBe('fail')
    expect(malformed?.detail.reason).toMatch(/answered 500.*left the endpoint unusable.*refused \(403 "Endpoint ID already in use"\)/)
    const failed = report.results.filter((r) => r.status === 'fail').map((r) => r.id)
    expect(failed, table).toEqual(['whip.post.malformed-sdp'])
    expect(report.endpoint?.unusableAfter).toBe('whip.post.malformed-sdp')
    // Everything after it that needs a session is blocked, and says why.
    const after = report.results.slice(report.results.findIndex((r) => r.id === 'whip.post.malformed-sdp') + 1)
    const blocked = after.filter((r) => r.status === 'blocked')
    expect(blocked.map((r) => r.id)).toContain('whip.post.201')
    expect(blocked.map((r) => r.id)).toContain('whip.media')
    for (const r of blocked) expect(r.detail.reason, r.id).toMatch(/since whip\.post\.malformed-sdp|unusable/)
    expect(report.summary.blocked).toBe(blocked.length)
    // Nothing after it is judged on a refusal the stuck endpoint gave: no warning, nothing "not applicable".
    expect(report.summary.warn, table).toBe(0)
    expect(report.summary.notApplicable, table).toBe(0)
    expect(exitCodeOf(report, false)).toBe(1)
    // The same server, reset, passes the check that the stuck state blocked.
    await srv.reset()
    const again = await runConformance(optionsFor(srv, 'whip', { only: ['whip.post.201'] }))
    expect(again.results[0]?.status).toBe('pass')
  }, 120_000)
})

/** A werift offer the reference server accepts (the conformance runner's synthetic one). */
async function validOffer(): Promise<string> {
  const { syntheticOffer } = await import('../../src/conformance/context.ts')
  return syntheticOffer('whip').sdp
}
