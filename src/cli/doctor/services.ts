/** The service providers part of a doctor report: coturn and FFmpeg via docker, local or external. */
import { COTURN_PROVIDER_SPEC } from '../../services/coturn.ts'
import { FFMPEG_PROVIDER_SPEC } from '../../services/ffmpeg.ts'
import { autoProvider, providerStates } from '../../services/provider.ts'
import type { ServiceReport } from './schemas.ts'

/** The provider states of coturn and FFmpeg (never throws: a failed probe is an unusable provider). */
export async function serviceReports(env: NodeJS.ProcessEnv = process.env): Promise<ServiceReport[]> {
  const out: ServiceReport[] = []
  for (const [service, spec] of [
    ['coturn', COTURN_PROVIDER_SPEC],
    ['ffmpeg', FFMPEG_PROVIDER_SPEC],
  ] as const) {
    try {
      const states = await providerStates(spec, env)
      out.push({
        service,
        auto: autoProvider(states) ?? null,
        providers: states.map((p) => ({ provider: p.provider, usable: p.usable, detail: p.detail, hint: p.hint ?? null })),
      })
    } catch (e) {
      out.push({
        service,
        auto: null,
        providers: [{ provider: 'local', usable: false, detail: `probe failed: ${e instanceof Error ? e.message : String(e)}`, hint: null }],
      })
    }
  }
  return out
}
