/**
 * SIP throughput on loopback UDP against SIPp as the UAS (INVITE → 200 → ACK → BYE → 200), side by side in
 * adjacent rows (calls/s, then set-up latency p50/p95):
 * - rtcspec's sip.js user agent with plain-RTP media set up and torn down per call (target ≥ 100 calls/s);
 * - a SIPp UAC against the same kind of SIPp UAS, the baseline;
 * - rtcspec's call-flow engine (raw SIP, no media);
 * each with 10 calls in flight; then the UA's rate as a share of SIPp's in the same run (target ≥ 0.5) and the UA's
 * CPU per call (less sensitive to a busy machine than calls/s, for before/after comparisons). Then concurrent plain-RTP calls to SIPp's RTP echo (echoed packets, loss, late ticks),
 * calls between two rtcspec user agents through Kamailio (needs `kamailio`; else that row is n/a), and the set-up
 * latency of baresip calling an rtcspec UAS (dial → ACK; needs `baresip`).
 * Needs `sipp` (Debian sip-tester); without it the rows say `n/a (install sip-tester (sipp))`.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { cpuUsage } from 'node:process'
import { startSipp, sippUasScenario } from '../../src/services/sipp.ts'
import { startBaresip } from '../../src/services/baresip.ts'
import { startKamailio } from '../../src/services/kamailio.ts'
import { findBinary } from '../../src/services/provider.ts'
import { runSipFlow, type FlowStep } from '../../src/sipua/call-flow.ts'
import { createSipUserAgent } from '../../src/sipua/user-agent.ts'
import { tone } from '../../src/media/sources.ts'
import { naRow, percentile, type BenchRow, type BenchSuite, type BenchTarget } from '../row.ts'

const IN_FLIGHT = 10
const WARMUP_CALLS = 20
const SDP = 'v=0\r\no=bench 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n'
const SIP_TARGET: BenchTarget = { op: '>=', value: 100 }
const RATE_METRIC = 'SIP calls/s against a sipp UAS (INVITE → 200 → ACK → BYE → 200)'
const RATIO_METRIC = "SIP calls/s against a sipp UAS: rtcspec's UA as a share of SIPp's UAC"
const RATIO_TARGET: BenchTarget = { op: '>=', value: 0.5 }
const CPU_METRIC = 'SIP UA CPU per call against a sipp UAS (INVITE → 200 → ACK → BYE → 200, plain-RTP media)'
const SETUP_METRIC_P50 = 'SIP set-up latency (INVITE → 200) p50'
const SETUP_METRIC_P95 = 'SIP set-up latency (INVITE → 200) p95'
const BARESIP_METRIC_P50 = 'SIP set-up latency baresip → rtcspec (dial → ACK received) p50'
const BARESIP_METRIC_P95 = 'SIP set-up latency baresip → rtcspec (dial → ACK received) p95'
const KAMAILIO_METRIC = 'SIP calls/s UA → Kamailio → UA (INVITE → 200 → ACK → BYE → 200, both legs through the proxy)'

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

/** SIPp's per-call response times (`-trace_rtt`, INVITE → 200 with the uac scenario's rtd), ms. */
function sippRtts(dir: string): number[] {
  try {
    const f = readdirSync(dir).find((n) => n.endsWith('_rtt.csv'))
    if (!f) return []
    return readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(';')[1]))
      .filter((v) => Number.isFinite(v))
  } catch {
    return []
  }
}

export const sipSuite: BenchSuite = {
  name: 'sip',
  description: "rtcspec's SIP UA vs sipp against the same sipp UAS: calls/s and set-up latency; concurrent plain-RTP calls",
  async run(log, options) {
    if (!hasSipp()) {
      log('sipp not on PATH (sudo apt-get install sip-tester): SIP rows are n/a')
      return [
        naRow('sip', RATE_METRIC, 'calls/s', 'sip-tester (sipp)', { subject: 'rtcspec sip.js UA', target: SIP_TARGET }),
        naRow('sip', RATE_METRIC, 'calls/s', 'sip-tester (sipp)', { subject: 'sipp UAC' }),
      ]
    }
    const CALLS = options.quick ? 100 : 400
    const rows: BenchRow[] = []
    const row = (metric: string, subject: string, value: number, unit: string, note: string, target?: BenchTarget) => {
      rows.push({ suite: 'sip', metric, subject, value, unit, note, ...(target ? { target } : {}) })
      log(`${metric} [${subject}]: ${value.toFixed(1)} ${unit} (${note})`)
    }
    const latency: Array<[string, number[], string]> = []
    let uaCpuMs = Number.NaN
    let uaRate = Number.NaN
    let sippRate = Number.NaN

    // 1. sip.js user agent with plain-RTP media (sockets bound and closed per call) → SIPp UAS.
    {
      await using uas = await startSipp({ scenario: { xml: sippUasScenario() }, timeoutS: 300 })
      await using ua = await createSipUserAgent({
        uri: 'sip:bench@127.0.0.1',
        media: 'rtp',
        transport: { kind: 'udp', remote: { host: '127.0.0.1', port: uas.port } },
        callRecords: false,
      })
      // Warm-up (not counted): the first calls load and compile sip.js's grammar and rtcspec's SIP modules.
      await pool(WARMUP_CALLS, IN_FLIGHT, async () => {
        const call = await ua.call(`sip:service@127.0.0.1:${uas.port}`, { timeoutMs: 10_000 })
        await call.hangup()
        await call.sdh?.peer.close()
      })
      const setup: number[] = []
      const cpu0 = cpuUsage()
      const r = await pool(CALLS, IN_FLIGHT, async () => {
        const t0 = performance.now()
        const call = await ua.call(`sip:service@127.0.0.1:${uas.port}`, { timeoutMs: 10_000 })
        setup.push(performance.now() - t0)
        await call.hangup()
        await call.sdh?.peer.close()
      })
      const cpu = cpuUsage(cpu0)
      row(
        RATE_METRIC,
        'rtcspec sip.js UA',
        (CALLS - r.failures) / (r.ms / 1000),
        'calls/s',
        `${CALLS} calls after ${WARMUP_CALLS} warm-up, ${IN_FLIGHT} in flight, UDP, plain-RTP sockets and SDP per call, ${r.failures} failed`,
        SIP_TARGET,
      )
      uaCpuMs = (cpu.user + cpu.system) / 1000 / CALLS
      uaRate = (CALLS - r.failures) / (r.ms / 1000)
      latency.push(['rtcspec sip.js UA', setup, `${setup.length} calls, ${IN_FLIGHT} in flight; call() → established (200 received, ACK sent)`])
    }

    // 2. Baseline: SIPp UAC → SIPp UAS, same call shape.
    {
      await using uas = await startSipp({ scenario: { xml: sippUasScenario() }, timeoutS: 120 })
      const t0 = performance.now()
      await using uac = await startSipp({
        scenario: 'uac',
        remote: { host: '127.0.0.1', port: uas.port },
        calls: CALLS,
        rate: 100_000,
        limit: IN_FLIGHT,
        durationMs: 0,
        timeoutS: 120,
        args: ['-trace_rtt', '-rtt_freq', '1'],
      })
      const code = await uac.exited
      const ms = performance.now() - t0
      const ok = uac.stats()?.successfulCalls ?? 0
      sippRate = ok / (ms / 1000)
      row(
        RATE_METRIC,
        'sipp UAC',
        ok / (ms / 1000),
        'calls/s',
        `${CALLS} calls, ${IN_FLIGHT} in flight (-l), UDP, no media, exit ${code}, ${ok} ok (includes SIPp's start)`,
      )
      latency.push(['sipp UAC', sippRtts(uac.dir), `SIPp -trace_rtt (1 ms resolution), ${IN_FLIGHT} in flight`])
    }

    // 3. The call-flow engine (raw SIP over UDP, no media) → SIPp UAS.
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
      const n = Math.min(CALLS, 200)
      const r = await pool(n, IN_FLIGHT, () =>
        runSipFlow({ target: { transport: 'udp', host: '127.0.0.1', port: uas.port }, steps, expectTimeoutMs: 10_000 }).then(() => undefined),
      )
      row(
        RATE_METRIC,
        'rtcspec call-flow engine',
        (n - r.failures) / (r.ms / 1000),
        'calls/s',
        `${n} calls, ${IN_FLIGHT} in flight, UDP, no media, ${r.failures} failed`,
      )
    }
    row(
      RATIO_METRIC,
      'rtcspec sip.js UA ÷ sipp UAC',
      uaRate / sippRate,
      'ratio',
      `${uaRate.toFixed(0)} ÷ ${sippRate.toFixed(0)} calls/s, the two rows above, same run (the UA with plain-RTP media per call, SIPp without)`,
      RATIO_TARGET,
    )
    // CPU time depends less on how busy the machine is than calls/s do: the measure for A/B comparisons.
    row(
      CPU_METRIC,
      'rtcspec sip.js UA',
      uaCpuMs,
      'ms',
      `the UA process's user + system CPU over its ${CALLS} timed calls, per call (SIP, plain-RTP peer, the bench loop)`,
    )
    for (const [metric, p] of [
      [SETUP_METRIC_P50, 50],
      [SETUP_METRIC_P95, 95],
    ] as const) {
      for (const [subject, values, note] of latency)
        row(metric, subject, values.length ? percentile(values, p) : Number.NaN, 'ms', values.length ? note : 'no samples (see the log)')
    }

    // 4. Concurrent calls with plain-RTP media to SIPp's RTP echo, 3 s of tone each.
    for (const concurrent of options.quick ? [10] : [10, 30]) {
      await using uas = await startSipp({ scenario: { xml: sippUasScenario() }, rtpEcho: true, timeoutS: 120 })
      await using ua = await createSipUserAgent({
        uri: 'sip:bench@127.0.0.1',
        media: 'rtp',
        transport: { kind: 'udp', remote: { host: '127.0.0.1', port: uas.port } },
        callRecords: false,
      })
      const cpu0 = cpuUsage()
      const t0 = performance.now()
      const calls = await Promise.all(
        Array.from({ length: concurrent }, () => ua.call(`sip:service@127.0.0.1:${uas.port}`, { timeoutMs: 20_000, send: tone(1000) }).catch(() => undefined)),
      )
      const up = calls.filter((c) => c !== undefined)
      await new Promise((r) => setTimeout(r, 3000))
      const stats = await Promise.all(up.map((c) => c.peer.stats()))
      const cpu = cpuUsage(cpu0)
      const wallMs = performance.now() - t0
      const echoed = stats.map((s) => s.inbound[0]?.rtp.received ?? 0)
      const loss = stats.map((s) => s.inbound[0]?.rtp.lossFraction ?? 1)
      const late = stats.reduce((n, s) => n + (s.outbound[0]?.lateTicks ?? 0), 0)
      await Promise.all(up.map((c) => c.hangup()))
      row(`${concurrent} concurrent plain-RTP calls: established`, 'rtcspec sip.js UA', up.length, 'calls', 'rtcspec UA → sipp UAS with -rtp_echo, PCMU 20 ms')
      row(
        `${concurrent} concurrent plain-RTP calls: echoed packets per call (min)`,
        'rtcspec sip.js UA',
        Math.min(...echoed),
        'packets',
        'about 150 expected per 3 s of media',
      )
      row(`${concurrent} concurrent plain-RTP calls: max loss`, 'rtcspec sip.js UA', Math.max(...loss) * 100, '%', 'RFC 3550 loss of the echoed stream')
      row(`${concurrent} concurrent plain-RTP calls: late pacer ticks`, 'rtcspec sip.js UA', late, 'ticks', 'sum over calls; a tick > 20 ms late')
      row(
        `${concurrent} concurrent plain-RTP calls: CPU`,
        'rtcspec sip.js UA',
        ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
        '% of a core',
        'rtcspec process, set-up + 3 s media',
      )
    }

    // 5. rtcspec UA → Kamailio (record-routing stateful proxy) → rtcspec UA, plain RTP, both registered over UDP.
    if ((await findBinary('kamailio')) === undefined) {
      log('kamailio not on PATH (sudo apt-get install kamailio kamailio-websocket-modules): the proxy row is n/a')
      rows.push(naRow('sip', KAMAILIO_METRIC, 'calls/s', 'kamailio kamailio-websocket-modules', { subject: 'rtcspec sip.js UA' }))
    } else {
      await using proxy = await startKamailio({ provider: 'local' })
      const transport = proxy.userAgentTransport('udp')
      await using alice = await createSipUserAgent({ uri: `sip:alice@${proxy.domain}`, media: 'rtp', transport, callRecords: false })
      await using bob = await createSipUserAgent({ uri: `sip:bob@${proxy.domain}`, media: 'rtp', transport, callRecords: false })
      await alice.register()
      await bob.register()
      bob.autoAnswer({
        onCall: (c) =>
          void c.waitForEnd(30_000).then(
            () => c.sdh?.peer.close(),
            () => undefined,
          ),
      })
      const one = async () => {
        const call = await alice.call(`sip:bob@${proxy.domain}`, { timeoutMs: 10_000 })
        await call.hangup()
        await call.sdh?.peer.close()
      }
      await pool(WARMUP_CALLS, IN_FLIGHT, one)
      const n = options.quick ? 50 : 200
      const r = await pool(n, IN_FLIGHT, one)
      row(
        KAMAILIO_METRIC,
        'rtcspec sip.js UA',
        (n - r.failures) / (r.ms / 1000),
        'calls/s',
        `${n} calls after ${WARMUP_CALLS} warm-up, ${IN_FLIGHT} in flight, UDP both legs, plain RTP, Kamailio ${proxy.provider}, ${r.failures} failed`,
      )
    }

    // 6. baresip (a third-party UA) calls an rtcspec UAS: set-up latency from baresip's dial command to rtcspec
    // receiving its ACK (the dialog confirmed), one call at a time; baresip hangs up each call.
    if ((await findBinary('baresip')) === undefined) {
      log('baresip not on PATH (sudo apt-get install baresip): the baresip rows are n/a')
      for (const m of [BARESIP_METRIC_P50, BARESIP_METRIC_P95]) rows.push(naRow('sip', m, 'ms', 'baresip', { subject: 'baresip UAC → rtcspec UAS' }))
    } else {
      await using bob = await createSipUserAgent({ uri: 'sip:bob@127.0.0.1', media: 'rtp', transport: { kind: 'udp' }, callRecords: false })
      await using bs = await startBaresip({ provider: 'local', transport: 'udp' })
      const n = options.quick ? 5 : 20
      const setups: number[] = []
      let failures = 0
      for (let i = 0; i < n; i++) {
        try {
          const incoming = bob.waitForIncoming(10_000)
          const t0 = performance.now()
          await bs.dial(`sip:bob@127.0.0.1:${bob.local!.port};transport=udp`)
          const call = await (await incoming).accept({ timeoutMs: 5_000 })
          setups.push(performance.now() - t0)
          await bs.hangup()
          await call.waitForEnd(5_000)
          await call.sdh?.peer.close()
        } catch (e) {
          failures++
          log(`baresip call ${i + 1}: ${(e as Error).message.split('\n')[0]}`)
        }
      }
      const note = `${setups.length} of ${n} calls, one at a time, UDP, plain RTP; baresip /dial → rtcspec has the ACK; ${failures} failed`
      row(BARESIP_METRIC_P50, 'baresip UAC → rtcspec UAS', setups.length ? percentile(setups, 50) : Number.NaN, 'ms', note)
      row(BARESIP_METRIC_P95, 'baresip UAC → rtcspec UAS', setups.length ? percentile(setups, 95) : Number.NaN, 'ms', note)
    }
    return rows
  },
}
