/**
 * SIP throughput on loopback UDP against SIPp as the UAS (INVITE → 200 → ACK → BYE → 200), side by side:
 * - the call-flow engine (raw SIP, no media) and sip.js user agents with plain-RTP media set up and torn
 *   down per call, each with 10 calls in flight;
 * - a SIPp UAC against the same kind of SIPp UAS, 10 calls in flight, as the baseline;
 * - concurrent plain-RTP calls to SIPp's RTP echo: how many stay clean (echoed packets, loss, late ticks).
 * Needs `sipp` (Debian sip-tester); without it the suite reports nothing and says so.
 */
import { spawnSync } from 'node:child_process'
import { cpuUsage } from 'node:process'
import { startSipp, sippUasScenario } from '../../src/services/sipp.ts'
import { runSipFlow, type FlowStep } from '../../src/sipua/call-flow.ts'
import { createSipUserAgent } from '../../src/sipua/user-agent.ts'
import { tone } from '../../src/media/sources.ts'
import type { BenchRow, BenchSuite } from '../row.ts'

const CALLS = 200
const IN_FLIGHT = 10
const SDP = 'v=0\r\no=bench 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n'

function hasSipp(): boolean {
  return spawnSync('sh', ['-c', 'command -v sipp'], { stdio: 'ignore' }).status === 0
}

async function pool(total: number, inFlight: number, one: (i: number) => Promise<void>): Promise<{ ms: number; failures: number }> {
  let next = 0
  let failures = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const i = next++
        await one(i).catch(() => failures++)
      }
    }),
  )
  return { ms: performance.now() - t0, failures }
}

export const sipSuite: BenchSuite = {
  name: 'sip',
  async run(log) {
    if (!hasSipp()) {
      log('sipp not on PATH (sudo apt-get install sip-tester): no SIP rows')
      return []
    }
    const rows: BenchRow[] = []
    const row = (metric: string, value: number, unit: string, note: string) => {
      rows.push({ suite: 'sip', metric, value, unit, note })
      log(`${metric}: ${value.toFixed(1)} ${unit} (${note})`)
    }

    // 1. Call-flow engine (raw SIP over UDP, no media) → SIPp UAS.
    {
      await using uas = await startSipp({ scenario: { xml: sippUasScenario() }, timeoutS: 120 })
      const steps: FlowStep[] = [
        { send: 'INVITE', body: SDP },
        { expect: 100, optional: true },
        { expect: 180, optional: true },
        { expect: 200 },
        { send: 'ACK' },
        { send: 'BYE' },
        { expect: 200 },
      ]
      const r = await pool(CALLS, IN_FLIGHT, () => runSipFlow({ target: { transport: 'udp', host: '127.0.0.1', port: uas.port }, steps, expectTimeoutMs: 10_000 }).then(() => undefined))
      row('rtcspec call-flow → sipp UAS', (CALLS - r.failures) / (r.ms / 1000), 'calls/s', `${CALLS} calls, ${IN_FLIGHT} in flight, UDP, no media, ${r.failures} failed`)
    }

    // 2. sip.js user agent with plain-RTP media (sockets bound and closed per call) → SIPp UAS.
    {
      await using uas = await startSipp({ scenario: { xml: sippUasScenario() }, timeoutS: 120 })
      await using ua = await createSipUserAgent({ uri: 'sip:bench@127.0.0.1', media: 'rtp', transport: { kind: 'udp', remote: { host: '127.0.0.1', port: uas.port } }, callRecords: false })
      const n = CALLS / 2
      const r = await pool(n, IN_FLIGHT, async () => {
        const call = await ua.call(`sip:service@127.0.0.1:${uas.port}`, { timeoutMs: 10_000 })
        await call.hangup()
        await call.sdh?.peer.close()
      })
      row('rtcspec sip.js UA (plain RTP) → sipp UAS', (n - r.failures) / (r.ms / 1000), 'calls/s', `${n} calls, ${IN_FLIGHT} in flight, UDP, RTP/RTCP sockets and SDP per call, ${r.failures} failed`)
    }

    // 3. Baseline: SIPp UAC → SIPp UAS, same call shape.
    {
      await using uas = await startSipp({ scenario: { xml: sippUasScenario() }, timeoutS: 120 })
      const t0 = performance.now()
      await using uac = await startSipp({ scenario: 'uac', remote: { host: '127.0.0.1', port: uas.port }, calls: CALLS, rate: 100_000, limit: IN_FLIGHT, durationMs: 0, timeoutS: 120 })
      const code = await uac.exited
      const ms = performance.now() - t0
      const ok = uac.stats()?.successfulCalls ?? 0
      row('sipp UAC → sipp UAS (baseline)', ok / (ms / 1000), 'calls/s', `${CALLS} calls, ${IN_FLIGHT} in flight (-l), UDP, no media, exit ${code}, ${ok} ok`)
    }

    // 4. Concurrent calls with plain-RTP media to SIPp's RTP echo, 3 s of tone each.
    for (const concurrent of [10, 30]) {
      await using uas = await startSipp({ scenario: { xml: sippUasScenario() }, rtpEcho: true, timeoutS: 120 })
      await using ua = await createSipUserAgent({ uri: 'sip:bench@127.0.0.1', media: 'rtp', transport: { kind: 'udp', remote: { host: '127.0.0.1', port: uas.port } }, callRecords: false })
      const cpu0 = cpuUsage()
      const t0 = performance.now()
      const calls = await Promise.all(Array.from({ length: concurrent }, () => ua.call(`sip:service@127.0.0.1:${uas.port}`, { timeoutMs: 20_000, send: tone(1000) }).catch(() => undefined)))
      const up = calls.filter((c) => c !== undefined)
      await new Promise((r) => setTimeout(r, 3000))
      const stats = await Promise.all(up.map((c) => c.peer.stats()))
      const cpu = cpuUsage(cpu0)
      const wallMs = performance.now() - t0
      const echoed = stats.map((s) => s.inbound[0]?.rtp.received ?? 0)
      const loss = stats.map((s) => s.inbound[0]?.rtp.lossFraction ?? 1)
      const late = stats.reduce((n, s) => n + (s.outbound[0]?.lateTicks ?? 0), 0)
      await Promise.all(up.map((c) => c.hangup()))
      row(`${concurrent} concurrent plain-RTP calls: established`, up.length, 'calls', 'rtcspec UA → sipp UAS with -rtp_echo, PCMU 20 ms')
      row(`${concurrent} concurrent plain-RTP calls: echoed packets per call (min)`, Math.min(...echoed), 'packets', 'about 150 expected per 3 s of media')
      row(`${concurrent} concurrent plain-RTP calls: max loss`, Math.max(...loss) * 100, '%', 'RFC 3550 loss of the echoed stream')
      row(`${concurrent} concurrent plain-RTP calls: late pacer ticks`, late, 'ticks', 'sum over calls; a tick > 20 ms late')
      row(`${concurrent} concurrent plain-RTP calls: CPU`, ((cpu.user + cpu.system) / 1000 / wallMs) * 100, '% of a core', 'rtcspec process, set-up + 3 s media')
    }
    return rows
  },
}
