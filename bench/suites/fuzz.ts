/**
 * Fuzz throughput: cases per second against rtcspec's own parsers (no I/O), and over HTTP against the
 * embedded reference WHIP endpoint (src/whip/media-server.ts, werift sessions; each 201 is followed by a
 * DELETE), and SIP over UDP against Kamailio (`--profile proxy`; needs `kamailio`). Unlimited rate, fixed seeds,
 * the same case mix as `rtcspec fuzz`.
 */
import { runCampaign } from '../../src/fuzz/campaign.ts'
import { httpOfferTarget } from '../../src/fuzz/targets/http-offer.ts'
import { parserTarget } from '../../src/fuzz/targets/parsers.ts'
import { startMediaServer } from '../../src/whip/media-server.ts'
import { sipTarget } from '../../src/fuzz/targets/sip.ts'
import { startKamailio } from '../../src/services/kamailio.ts'
import { findBinary } from '../../src/services/provider.ts'
import { naRow, type BenchRow, type BenchSuite } from '../row.ts'

export const fuzzSuite: BenchSuite = {
  name: 'fuzz',
  description: 'fuzz cases/s: rtcspec parsers, WHIP POSTs over HTTP against the reference server, SIP over UDP against Kamailio',
  async run(log, options) {
    const rows: BenchRow[] = []
    const parsers = await runCampaign(parserTarget(), { runs: options.quick ? 500 : 3000, seconds: options.quick ? 10 : 30, seed: 1, ratePerSecond: 0 })
    if (parsers.counterexample) throw new Error(`parser campaign found a violation: ${parsers.counterexample.outcome.violations.join('; ')}`)
    const pps = parsers.cases / (parsers.durationMs / 1000)
    log(`parsers: ${parsers.cases} cases in ${parsers.durationMs} ms`)
    rows.push({
      suite: 'fuzz',
      metric: 'parser cases/s (SDP, candidate, sdpfrag, SIP)',
      value: pps,
      unit: 'cases/s',
      note: `${parsers.cases} cases, seed 1, mixed valid + mutated`,
    })
    await using server = await startMediaServer()
    const target = httpOfferTarget({ mode: 'whip', url: server.whipUrl() })
    const whip = await runCampaign(
      { ...target, healthCheck: undefined },
      { runs: options.quick ? 60 : 300, seconds: options.quick ? 10 : 30, seed: 1, ratePerSecond: 0, checkEvery: 0 },
    )
    if (whip.counterexample) throw new Error(`WHIP campaign found a violation: ${whip.counterexample.outcome.violations.join('; ')}`)
    const created = whip.distribution['201'] ?? 0
    log(`whip: ${whip.cases} cases in ${whip.durationMs} ms (${JSON.stringify(whip.distribution)})`)
    rows.push({
      suite: 'fuzz',
      metric: 'WHIP POST cases/s (reference server, HTTP)',
      value: whip.cases / (whip.durationMs / 1000),
      unit: 'cases/s',
      note: `${whip.cases} cases, ${created} answered 201 (+DELETE), rest 4xx`,
    })
    const SIP_METRIC = 'SIP cases/s against Kamailio over UDP (--profile proxy)'
    if ((await findBinary('kamailio')) === undefined) rows.push(naRow('fuzz', SIP_METRIC, 'cases/s', 'kamailio kamailio-websocket-modules'))
    else {
      await using proxy = await startKamailio({ provider: 'local', strict: true })
      const sip = sipTarget({ url: `udp://${proxy.udp!.host}:${proxy.udp!.port}`, profile: 'proxy' })
      try {
        const r = await runCampaign(sip, { runs: options.quick ? 300 : 1500, seconds: options.quick ? 10 : 30, seed: 1, ratePerSecond: 0 })
        log(`sip: ${r.cases} cases in ${r.generationMs} ms (${JSON.stringify(r.distribution)})`)
        const found = r.findings.filter((f) => f.verdict === 'reproduced')
        rows.push({
          suite: 'fuzz',
          metric: SIP_METRIC,
          value: r.casesPerSecond,
          unit: 'cases/s',
          target: { op: '>=', value: 50 },
          note: `${r.cases} cases, seed 1, strict Kamailio, ${found.length} findings${found.length ? `: ${found.map((f) => f.message).join('; ')}` : ''}`,
        })
      } finally {
        await sip.close?.()
      }
    }
    return rows
  },
}
