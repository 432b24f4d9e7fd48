/**
 * Provider selection: which of `docker`, `local` and `external` runs a service.
 *
 * `auto` (the default) picks, in order:
 * 1. `external` when the service's external env var is set (the user points rtcspec at their own server);
 * 2. `docker` when an engine answers and the service image exists (`auto` never builds it; an explicit
 *    `docker` builds it from `containers/` when missing);
 * 3. `local` when the binary is on PATH;
 * otherwise it throws an error that names all three fixes.
 * `RTCSPEC_PROVIDER` (all services) or `RTCSPEC_<SERVICE>_PROVIDER` overrides `auto`.
 */
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'
import { which } from '../which.ts'
import { dockerEngineAnswers, dockerImageExists, ensureServiceImage, serviceImage } from './docker.ts'
import type { ProviderChoice, ProviderKind } from './types.ts'

/** How a service can be provided, for selection and for `rtcspec doctor`. */
export interface ServiceProviderSpec {
  /** `coturn` or `ffmpeg`: names the image (`rtcspec/<service>`) and the env vars. */
  service: string
  /** The local binary, e.g. `turnserver`. */
  binary: string
  /** The Debian package that installs the binary. */
  aptPackage: string
  /** The env var that selects the external provider, e.g. `RTCSPEC_TURN_SERVERS`. */
  externalEnv: string
}

/** The state of one provider on this machine. */
export interface ProviderState {
  provider: ProviderKind
  usable: boolean
  /** What was found: engine/image, binary path, env value. */
  detail: string
  /** How to make it usable, when it is not. */
  hint: string | undefined
}

const ProviderChoiceSchema = z.enum(['auto', 'docker', 'local', 'external'])

/** Finds `binary` on PATH ({@link which}); returns the absolute path or undefined. */
export async function findBinary(binary: string, pathVar = process.env.PATH ?? ''): Promise<string | undefined> {
  return which(binary, pathVar)
}

/** The state of the docker, local and external providers of a service (`env` supplies PATH and the external variable). Never throws. */
export async function providerStates(spec: ServiceProviderSpec, env: NodeJS.ProcessEnv = process.env): Promise<ProviderState[]> {
  const engine = await dockerEngineAnswers()
  const image = serviceImage(spec.service)
  const hasImage = engine && (await dockerImageExists(image))
  const bin = await findBinary(spec.binary, env.PATH ?? '')
  const ext = env[spec.externalEnv]
  return [
    {
      provider: 'docker',
      usable: hasImage,
      detail: !engine ? 'no Docker engine answers' : hasImage ? `engine up, image ${image} present` : `engine up, image ${image} missing`,
      hint: !engine
        ? 'start dockerd (sudo bash scripts/docker-setup.sh; see docs/docker.md)'
        : hasImage
          ? undefined
          : `build it: sudo bash scripts/docker-setup.sh (or docker build --network host -t ${image} containers/${spec.service})`,
    },
    {
      provider: 'local',
      usable: bin !== undefined,
      detail: bin ? `${spec.binary} at ${bin}` : `${spec.binary} not on PATH`,
      hint: bin ? undefined : `sudo apt-get install -y ${spec.aptPackage}`,
    },
    {
      provider: 'external',
      usable: Boolean(ext),
      detail: ext ? `${spec.externalEnv}=${ext.replace(/:[^:@/]*@/, ':***@')}` : `${spec.externalEnv} not set`,
      hint: ext ? undefined : `set ${spec.externalEnv} to use your own ${spec.service}`,
    },
  ]
}

/**
 * Resolves a provider choice to a provider that can run the service here.
 * @throws {RtcspecError} `PROVIDER_UNAVAILABLE` naming what is missing and how to fix it.
 */
export async function resolveProvider(spec: ServiceProviderSpec, choice: ProviderChoice | undefined): Promise<ProviderKind> {
  const envChoice = process.env[`RTCSPEC_${spec.service.toUpperCase()}_PROVIDER`] ?? process.env.RTCSPEC_PROVIDER
  const parsed = ProviderChoiceSchema.safeParse(choice ?? envChoice ?? 'auto')
  if (!parsed.success) {
    throw new RtcspecError('PROVIDER_INVALID', `invalid provider ${JSON.stringify(choice ?? envChoice)} for ${spec.service}`, {
      hint: 'use one of auto, docker, local, external (option `provider`, or RTCSPEC_PROVIDER / RTCSPEC_<SERVICE>_PROVIDER)',
    })
  }
  const wanted = parsed.data
  if (wanted === 'external') {
    if (!process.env[spec.externalEnv]) {
      throw new RtcspecError('PROVIDER_UNAVAILABLE', `${spec.service}: provider external needs ${spec.externalEnv}`, {
        hint: `set ${spec.externalEnv} (see docs/services.md)`,
      })
    }
    return 'external'
  }
  if (wanted === 'docker') {
    if (!(await dockerEngineAnswers())) {
      throw new RtcspecError('PROVIDER_UNAVAILABLE', `${spec.service}: provider docker, but no Docker engine answers`, {
        hint: 'start dockerd (sudo bash scripts/docker-setup.sh; see docs/docker.md), or use provider local',
      })
    }
    await ensureServiceImage(spec.service)
    return 'docker'
  }
  if (wanted === 'local') {
    if (!(await findBinary(spec.binary))) {
      throw new RtcspecError('PROVIDER_UNAVAILABLE', `${spec.service}: provider local, but ${spec.binary} is not on PATH`, {
        hint: `sudo apt-get install -y ${spec.aptPackage} (or run \`rtcspec doctor --install\` as root)`,
      })
    }
    return 'local'
  }
  // auto
  if (process.env[spec.externalEnv]) return 'external'
  const reasons: string[] = []
  if (await dockerEngineAnswers()) {
    // auto never starts a (possibly long, networked) image build: explicit `docker` does.
    if (await dockerImageExists(serviceImage(spec.service))) return 'docker'
    reasons.push(`docker: image ${serviceImage(spec.service)} missing (sudo bash scripts/docker-setup.sh)`)
  } else {
    reasons.push('docker: no engine answers')
  }
  if (await findBinary(spec.binary)) return 'local'
  reasons.push(`local: ${spec.binary} not on PATH`, `external: ${spec.externalEnv} not set`)
  throw new RtcspecError('PROVIDER_UNAVAILABLE', `no provider can run ${spec.service} here (${reasons.join('; ')})`, {
    hint: `install the binary (sudo apt-get install -y ${spec.aptPackage}), or start Docker and build the image (sudo bash scripts/docker-setup.sh), or set ${spec.externalEnv}; \`rtcspec doctor\` shows each provider's state`,
  })
}

/** What `auto` would pick given the provider states (external, docker, local, in that order), or undefined. */
export function autoProvider(states: readonly ProviderState[]): ProviderKind | undefined {
  for (const p of ['external', 'docker', 'local'] as const) if (states.find((s) => s.provider === p)?.usable) return p
  return undefined
}
