/**
 * SIP call records carry the setup times the default gates judge: `setup.connectMs` (INVITE to the dialog
 * established) and `setup.firstRtpMs` (INVITE to the first RTP packet either leg received), for user agent
 * calls and for declarative flows. A SIP-only `rtcspec run` with the project's default gates passes.
 */
import { describe, expect, test } from 'vitest'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createSipUserAgent, sipCallRecord } from '../../src/sipua/user-agent.ts'
import { CallRecordSchema } from '../../src/peers/call-record.ts'
import { tone } from '../../src/media/sources.ts'
import { runSipScenario } from '../../src/dsl/sip-scenario.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

describe('SIP call records: setup times', () => {
  test('a plain-RTP call between two UDP user agents: connectMs and firstRtpMs within the call', async () => {
    await using bob = await createSipUserAgent({ uri: 'sip:bob@127.0.0.1', transport: { kind: 'udp' }, media: 'rtp', callRecords: false })
    await using alice = await createSipUserAgent({ uri: 'sip:alice@127.0.0.1', transport: { kind: 'udp' }, media: 'rtp', callRecords: false })
    const incoming = bob.waitForIncoming(10_000)
    const calling = alice.call(`sip:bob@127.0.0.1:${bob.local!.port}`, { send: tone(440), timeoutMs: 15_000 })
    const bobCall = await (await incoming).accept({ send: tone(880) })
    const aliceCall = await calling
    const track = await bobCall.peer.waitForTrack('audio', 10_000)
    await track.waitForPackets(10, 10_000)
    await aliceCall.hangup()
    const record = CallRecordSchema.parse(await sipCallRecord([aliceCall, bobCall]))
    expect(record.setup.connectMs).toBeTypeOf('number')
    expect(record.setup.firstRtpMs).toBeTypeOf('number')
    expect(record.setup.connectMs!).toBeGreaterThanOrEqual(0)
    expect(record.setup.firstRtpMs!).toBeGreaterThanOrEqual(0)
    expect(record.setup.firstRtpMs!).toBeLessThanOrEqual(record.durationMs)
    // The ladder's material: transport addresses on each arrow and the full message text.
    const invite = record.signaling.find((m) => m.type.startsWith('INVITE'))
    expect(invite?.toAddress).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(invite?.raw).toMatch(/^INVITE sip:[\s\S]*\r\nVia: SIP\/2\.0\//)
  })

  test('a declarative flow with media: its record has connectMs (INVITE to 200) and firstRtpMs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-sip-setup-'))
    const before = process.env.RTCSPEC_REPORT_DIR
    process.env.RTCSPEC_REPORT_DIR = dir
    try {
      await runSipScenario('flow with media', {
        sip: {
          answerer: { user: 'bob', send: { tone: 1500 } },
          flow: [
            { send: 'INVITE', sdp: true },
            { expect: 100, optional: true },
            { expect: 180, optional: true },
            { expect: 200 },
            { send: 'ACK' },
            { media: { send: { tone: 440 }, expect: { packetsAtLeast: 10 } } },
            { send: 'BYE' },
            { expect: 200 },
          ],
        },
      })
      const records = readFileSync(join(dir, 'call_records.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => CallRecordSchema.parse(JSON.parse(l)))
      expect(records).toHaveLength(1)
      expect(records[0]!.setup.connectMs).toBeTypeOf('number')
      expect(records[0]!.setup.firstRtpMs).toBeTypeOf('number')
    } finally {
      if (before === undefined) delete process.env.RTCSPEC_REPORT_DIR
      else process.env.RTCSPEC_REPORT_DIR = before
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('a SIP-only rtcspec run with the default gates exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-sip-gates-'))
    try {
      mkdirSync(join(dir, 'node_modules'), { recursive: true })
      symlinkSync(join(root, 'node_modules', 'vitest'), join(dir, 'node_modules', 'vitest'))
      writeFileSync(
        join(dir, 'vitest.config.mjs'),
        `export default { resolve: { alias: [{ find: /^rtcspec$/, replacement: ${JSON.stringify(join(root, 'src', 'index.ts'))} }] }, test: { testTimeout: 60000, hookTimeout: 60000 } }\n`,
      )
      writeFileSync(join(dir, 'rtcspec.config.ts'), readFileSync(join(root, 'rtcspec.config.ts'), 'utf8'))
      writeFileSync(
        join(dir, 'sip.spec.ts'),
        `import { test, expect } from 'rtcspec'
test('alice calls bob over UDP, plain RTP', async ({ sip, tone }) => {
  const alice = await sip.ua('alice', { transport: 'udp', media: 'rtp' })
  const bob = await sip.ua('bob', { transport: 'udp', media: 'rtp' })
  const incoming = bob.waitForIncoming(10_000)
  const calling = alice.call(sip.uri('bob'), { send: tone(440) })
  const answered = await (await incoming).accept({ send: tone(880) })
  const call = await calling
  await expect(answered.peer).toReceiveRtp({ packets: 50, within: '10s' })
  await expect(call.peer).toReceiveRtp({ packets: 50, within: '10s' })
})
`,
      )
      const reports = join(dir, 'reports-out')
      const env: NodeJS.ProcessEnv = { ...process.env }
      for (const k of ['GITHUB_ACTIONS', 'GITHUB_STEP_SUMMARY', 'RTCSPEC_REPORT_DIR', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID', 'TEST', 'NODE_ENV'])
        delete env[k]
      const ran = await new Promise<{ code: number; out: string }>((done) => {
        execFile(
          join(root, '.tools', 'bin', 'node'),
          [join(root, 'bin', 'rtcspec.mjs'), 'run', '--report-dir', reports],
          { cwd: dir, env, timeout: 200_000, maxBuffer: 16 << 20 },
          (err, stdout, stderr) => {
            done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: `${stdout}\n${stderr}` })
          },
        )
      })
      expect(ran.code, ran.out).toBe(0)
      expect(ran.out).toMatch(/setup\.firstRtpMs/)
      const records = readFileSync(join(reports, 'call_records.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => CallRecordSchema.parse(JSON.parse(l)))
      expect(records.filter((r) => r.kind === 'sip').every((r) => r.setup.firstRtpMs !== undefined && r.setup.connectMs !== undefined)).toBe(true)
      expect(existsSync(join(reports, 'summary.json'))).toBe(true)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 240_000)
})
