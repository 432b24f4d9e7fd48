/**
 * WHIP/WHEP sessions write call records: through the `whip`/`whep` fixtures (written at teardown with the
 * test's name and result) and programmatically (`callRecord` option), including a session whose POST the
 * server refused; the records are schema-valid, carry the HTTP ladder in order, the viewer's inbound stats
 * and timeline, and the CI gates see them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect } from 'vitest'
import { test } from '../../src/dsl/fixtures.ts'
import { tone } from '../../src/media/sources.ts'
import { CallRecordSchema, type CallRecord } from '../../src/peers/call-record.ts'
import { signalingMessages } from '../../src/report/html/call.ts'
import { ladder } from '../../src/report/html/ladder.ts'
import { evaluateGates } from '../../src/report/gates.ts'
import { metricSamples } from '../../src/report/metrics.ts'
import { play } from '../../src/whep/client.ts'
import { publish } from '../../src/whip/client.ts'
import { startMediaServer } from '../../src/whip/media-server.ts'
import { sessionSignaling } from '../../src/whip/session-record.ts'

const dir = mkdtempSync(join(tmpdir(), 'rtcspec-whip-records-'))
const previousDir = process.env.RTCSPEC_REPORT_DIR
process.env.RTCSPEC_REPORT_DIR = dir
afterAll(() => {
  if (previousDir === undefined) delete process.env.RTCSPEC_REPORT_DIR
  else process.env.RTCSPEC_REPORT_DIR = previousDir
  rmSync(dir, { recursive: true, force: true })
})

function readRecords(from = dir): CallRecord[] {
  let text = ''
  try {
    text = readFileSync(join(from, 'call_records.jsonl'), 'utf8')
  } catch {
    return []
  }
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => CallRecordSchema.parse(JSON.parse(l)))
}

const PUBLISH_TEST = 'fixture publish + play (with an ICE restart of the publisher)'
const REFUSED_TEST = 'fixture publish refused with 401'

describe('call records of fixture sessions', () => {
  test(PUBLISH_TEST, async ({ whip, whep }) => {
    const server = await whip.server()
    const pub = await whip.publish(server.whipUrl('rec'), { audio: (sr) => tone(440, { sampleRate: sr }) })
    const view = await whep.play(server.whepUrl('rec'))
    const track = await view.audio(10_000)
    await track.waitForPackets(50, 15_000)
    const r = await pub.restartIce()
    expect(r.applied).toBe(true)
    await track.waitForPackets(track.rtp.snapshot().received + 20, 10_000)
    expect(readRecords()).toHaveLength(0) // written at teardown, not before
  }, 60_000)

  test(REFUSED_TEST, async ({ whip }) => {
    const server = await whip.server({ token: 'secret' })
    await expect(whip.publish(server.whipUrl('rec'))).rejects.toThrow(/401/)
  }, 30_000)

  test('after the tests: three schema-valid records with the HTTP ladder, media figures and test names', () => {
    const records = readRecords()
    expect(
      records.map((r) => `${r.kind} ${r.test?.name.endsWith(PUBLISH_TEST) ? 'ok' : r.test?.name.endsWith(REFUSED_TEST) ? 'refused' : r.test?.name}`).sort(),
    ).toEqual(['whep ok', 'whip ok', 'whip refused'])
    const whip = records.find((r) => r.kind === 'whip' && r.test?.name.endsWith(PUBLISH_TEST))!
    const whep = records.find((r) => r.kind === 'whep')!
    const refused = records.find((r) => r.kind === 'whip' && r.test?.name.endsWith(REFUSED_TEST))!
    for (const r of [whip, whep, refused]) {
      expect(r.test?.result).toBe('passed')
      expect(r.test?.file).toMatch(/session-record\.test\.ts$/)
    }

    // WHIP ladder: POST (offer) → 201 (answer, Location) … trickle PATCHes … ICE restart PATCH → 200 … DELETE → 200, in time order.
    const types = whip.signaling.map((s) => s.type)
    expect(types[0]).toBe('POST /whip/rec')
    expect(whip.signaling[0]?.sdp).toMatch(/^v=0/)
    expect(types[1]).toBe('201 Created')
    expect(whip.signaling[1]?.sdp).toMatch(/a=recvonly|a=sendrecv/)
    expect(whip.signaling[1]?.headers?.location).toMatch(/^\/?.*session/)
    const restart = types.findIndex((t) => /^PATCH .* \(ICE restart\)$/.test(t))
    expect(restart).toBeGreaterThan(1)
    expect(whip.signaling[restart]?.headers?.['if-match']).toBe('*')
    expect(whip.signaling[restart]?.sdp).toMatch(/a=ice-ufrag:/)
    expect(types[restart + 1]).toBe('200 OK')
    expect(types.at(-2)).toMatch(/^DELETE \//)
    expect(types.at(-1)).toBe('200 OK')
    for (let i = 1; i < whip.signaling.length; i++) expect(whip.signaling[i]!.atMs).toBeGreaterThanOrEqual(whip.signaling[i - 1]!.atMs)
    expect(whip.signaling.every((s) => s.transport === 'HTTP')).toBe(true)
    expect(new Set(whip.signaling.flatMap((s) => [s.from, s.to]))).toEqual(
      new Set(['whip-publisher', new URL(String((whip.extra!.whip as { endpointUrl: string }).endpointUrl)).host]),
    )
    const x = whip.extra?.whip as {
      endpointUrl: string
      sessionUrl: string
      statuses: Array<{ method: string; status: number | null; purpose?: string }>
      ok: boolean
    }
    expect(x.ok).toBe(true)
    expect(x.endpointUrl).toMatch(/\/whip\/rec$/)
    expect(x.sessionUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//)
    expect(x.statuses[0]).toEqual({ method: 'POST', status: 201 })
    expect(x.statuses).toContainEqual({ method: 'PATCH', purpose: 'ICE restart', status: 200 })
    expect(x.statuses.at(-1)).toEqual({ method: 'DELETE', status: 200 })
    expect(whip.peers).toHaveLength(1)
    expect(whip.peers[0]?.rtp.outbound[0]?.packetsSent).toBeGreaterThan(50)
    expect(whip.setup.connectMs).toBeGreaterThan(0)
    expect(whip.setup.connectMs).toBeLessThan(whip.durationMs)
    expect(whip.errors).toEqual([])

    // The HTML report's ladder messages: SDP and sdpfrag bodies and headers expandable.
    const msgs = signalingMessages(whip)
    expect(msgs[1]?.details?.map((d) => d.title)).toEqual(['SDP', 'headers'])
    expect(msgs[restart]?.details?.map((d) => d.title)).toEqual(['sdpfrag', 'headers'])
    const html = ladder(msgs)
    expect(html.match(/class="ladder-row msg req restart"/g)).toHaveLength(1) // the restart PATCH stands out
    expect(html).toContain('>201 Created <span class="tag">HTTP</span>')

    // WHEP viewer: ladder, inbound loss/jitter and the per-second timeline, setup times.
    expect(whep.signaling.map((s) => s.type).slice(0, 2)).toEqual(['POST /whep/rec', '201 Created'])
    expect(whep.signaling.at(-2)?.type).toMatch(/^DELETE /)
    const inbound = whep.peers[0]?.rtp.inbound[0]
    expect(inbound?.kind).toBe('audio')
    expect(inbound?.received).toBeGreaterThanOrEqual(70)
    // The publisher's ICE restart may cost the viewer a few packets; whatever was lost shows in the figures and the timeline.
    expect(inbound?.lossFraction).toBeLessThan(0.3)
    expect(inbound?.lossFraction).toBeCloseTo((inbound?.lost ?? -1) / (inbound?.expected ?? 0), 9)
    expect(inbound?.timeline?.at(-1)?.lostSoFar).toBe(inbound?.lost)
    expect(inbound?.jitterMs).toBeGreaterThanOrEqual(0)
    expect(inbound?.timeline?.length).toBeGreaterThanOrEqual(1)
    expect(inbound?.timeline?.reduce((n, b) => n + b.packets, 0)).toBe(inbound?.received)
    expect(whep.setup.connectMs).toBeGreaterThan(0)
    expect(whep.setup.firstRtpMs).toBeGreaterThanOrEqual(whep.setup.connectMs!)
    expect((whep.extra!.whep as { endpointUrl: string }).endpointUrl).toMatch(/\/whep\/rec$/)

    // The refused session: its POST and the 401 on the ladder, the error in the record, no media.
    expect(refused.signaling.map((s) => s.type)).toEqual(['POST /whip/rec', '401 Unauthorized'])
    expect(refused.errors[0]?.message).toMatch(/not answered with 201.*401/)
    expect((refused.extra!.whip as { ok: boolean }).ok).toBe(false)
    expect(refused.setup.connectMs).toBeUndefined()

    // The CI gates see the WHEP viewer's stream (and not the publisher's, which receives nothing).
    const loss = metricSamples(records, 'audio.loss', 'max')
    expect(loss).toHaveLength(1)
    expect(loss[0]?.callId).toBe(whep.id)
    expect(loss[0]?.value).toBe(inbound?.lossFraction)
    expect(metricSamples(records, 'mos', 'min')[0]?.value).toBeGreaterThan(1)
    const gates = evaluateGates(records, [
      { metric: 'audio.loss', threshold: `<= ${inbound?.lossFraction}` },
      { metric: 'audio.loss', threshold: `< ${inbound?.lossFraction}` }, // fails on this very record's value
      { metric: 'audio.jitterMs', threshold: `<= ${inbound?.jitterMs}` },
    ])
    expect(gates.results.map((r) => [r.pass, r.worst?.callId])).toEqual([
      [true, whep.id],
      [false, whep.id],
      [true, whep.id],
    ])
  })
})

describe('call records of programmatic sessions', () => {
  test('callRecord: { test, dir } writes on close; absent writes nothing; a 4xx POST still writes one', async () => {
    const own = mkdtempSync(join(tmpdir(), 'rtcspec-whip-records-own-'))
    try {
      await using server = await startMediaServer({ token: 't' })
      const before = readRecords().length
      {
        await using pub = await publish(server.whipUrl('p'), {
          token: 't',
          audio: (sr) => tone(440, { sampleRate: sr }),
          callRecord: { dir: own, test: { name: 'programmatic' } },
        })
        await using view = await play(server.whepUrl('p'), { token: 't' }) // no callRecord: no record
        await (await view.audio(10_000)).waitForPackets(10, 10_000)
        expect(readRecords(own)).toHaveLength(0)
        await pub.close()
        expect(readRecords(own).map((r) => [r.kind, r.test?.name, r.test?.result])).toEqual([['whip', 'programmatic', 'unknown']])
      }
      await expect(play(server.whepUrl('p'), { callRecord: { dir: own } })).rejects.toThrow(/401/)
      const records = readRecords(own)
      expect(records.map((r) => r.kind)).toEqual(['whip', 'whep'])
      expect(records[1]?.signaling.map((s) => s.type)).toEqual(['POST /whep/p', '401 Unauthorized'])
      expect(records[1]?.signaling[1]?.headers?.['www-authenticate'] ?? '').toMatch(/Bearer|^$/)
      expect(records[1]?.errors[0]?.message).toMatch(/401/)
      expect(readRecords()).toHaveLength(before) // nothing went to the default directory
    } finally {
      rmSync(own, { recursive: true, force: true })
    }
  }, 30_000)

  test('sessionSignaling: a network error becomes a `no response` message drawn as an error', () => {
    const sig = sessionSignaling(
      [
        {
          atMs: 1,
          exchange: {
            request: { method: 'POST', url: 'http://127.0.0.1:9/whip/x', headers: { 'Content-Type': 'application/sdp' }, body: 'v=0\r\n' },
            error: 'fetch failed (ECONNREFUSED)',
          },
        },
      ],
      'pub',
    )
    expect(sig).toEqual([
      { atMs: 1, from: 'pub', to: '127.0.0.1:9', type: 'POST /whip/x', sdp: 'v=0\r\n', transport: 'HTTP', headers: { 'content-type': 'application/sdp' } },
      { atMs: 1, from: '127.0.0.1:9', to: 'pub', type: 'no response (fetch failed (ECONNREFUSED))', transport: 'HTTP' },
    ])
    const rec = CallRecordSchema.parse({
      schema: 'rtcspec.call-record/v1',
      id: 'x',
      kind: 'whip',
      startedAt: new Date().toISOString(),
      endedAt: new Date().toISOString(),
      durationMs: 0,
      setup: {},
      peers: [],
      signaling: sig,
      errors: [],
    })
    expect(signalingMessages(rec).map((m) => m.error === true)).toEqual([false, true])
  })
})
