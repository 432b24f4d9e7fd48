/**
 * Service start-up time per provider: from the call to "ready" (coturn: an authenticated TURN Allocate
 * succeeded on UDP, TCP and TLS; FFmpeg source: it wrote its SDP; FFmpeg sink: it bound its UDP port),
 * and the time to stop and clean up. Providers that cannot run here are reported as skipped rows.
 */
import { percentile, type BenchRow, type BenchSuite } from '../row.ts'
import { startCoturn } from '../../src/services/coturn.ts'
import { plainRtpSdp, startFfmpegSink, startFfmpegSource } from '../../src/services/ffmpeg.ts'
import { freeUdpPortRange } from '../../src/net/ports.ts'
import { providerStates } from '../../src/services/provider.ts'
import { COTURN_PROVIDER_SPEC } from '../../src/services/coturn.ts'
import { FFMPEG_PROVIDER_SPEC } from '../../src/services/ffmpeg.ts'

const RUNS = 5

async function measure(start: () => Promise<{ close(): Promise<void> }>): Promise<{ start: number[]; stop: number[] }> {
  const out = { start: [] as number[], stop: [] as number[] }
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now()
    const s = await start()
    const t1 = performance.now()
    await s.close()
    out.start.push(t1 - t0)
    out.stop.push(performance.now() - t1)
  }
  return out
}

export const servicesSuite: BenchSuite = {
  name: 'services',
  description: 'coturn start → ready, locally and in Docker',
  async run(log) {
    const rows: BenchRow[] = []
    const usable = async (spec: typeof COTURN_PROVIDER_SPEC, p: 'docker' | 'local') =>
      (await providerStates(spec)).find((s) => s.provider === p)?.usable ?? false
    const cases: Array<{ what: string; spec: typeof COTURN_PROVIDER_SPEC; start: (p: 'docker' | 'local') => Promise<{ close(): Promise<void> }> }> = [
      { what: 'coturn start → ready (UDP+TCP+TLS Allocate)', spec: COTURN_PROVIDER_SPEC, start: (provider) => startCoturn({ provider }) },
      {
        what: 'FFmpeg source start → SDP written',
        spec: FFMPEG_PROVIDER_SPEC,
        start: async (provider) =>
          startFfmpegSource({ provider, durationMs: 10_000, audio: { to: { host: '127.0.0.1', port: (await freeUdpPortRange(1)).min }, codec: 'PCMU' } }),
      },
      {
        what: 'FFmpeg sink start → UDP port bound',
        spec: FFMPEG_PROVIDER_SPEC,
        start: async (provider) =>
          startFfmpegSink({
            provider,
            sdp: plainRtpSdp({ kind: 'audio', port: (await freeUdpPortRange(2)).min, payloadType: 0, encoding: 'PCMU', clockRate: 8000 }),
          }),
      },
    ]
    for (const c of cases) {
      for (const provider of ['local', 'docker'] as const) {
        if (!(await usable(c.spec, provider))) {
          log(`services: ${provider} provider of ${c.spec.service} not usable here, skipped`)
          continue
        }
        log(`services: ${c.what}, ${provider} provider, ${RUNS} runs`)
        const m = await measure(() => c.start(provider))
        rows.push({
          suite: 'services',
          metric: `${c.what} [${provider}] p50`,
          value: Math.round(percentile(m.start, 50)),
          unit: 'ms',
          note: `${RUNS} runs, max ${Math.round(Math.max(...m.start))} ms`,
        })
        rows.push({
          suite: 'services',
          metric: `${c.spec.service} stop + cleanup [${provider}] p50`,
          value: Math.round(percentile(m.stop, 50)),
          unit: 'ms',
          note: `${RUNS} runs`,
        })
      }
    }
    return rows
  },
}
