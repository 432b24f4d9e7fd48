/**
 * Named impairment presets: per-direction profiles for common access networks, so a spec can say
 * `network: { preset: '3g' }` instead of spelling out numbers. Each value and where it comes from is documented
 * in docs/network.md ("Presets"); they are representative figures, not measurements of any particular network.
 *
 * Also: {@link outage}, which turns "a 2 s outage at t = 5 s" into relay schedule entries.
 */
import { RtcspecError } from '../errors.ts'
import { parseProfile, type ImpairmentProfile } from './impairment.ts'
import type { ImpairedDirection, ScheduleEntry } from './relay.ts'

/** The names of the built-in presets. */
export const PRESET_NAMES = ['clean', 'lan', 'dsl', 'cable', 'lte', '3g', 'edge', 'lossy-wifi', 'congested', 'satellite', 'leo', 'very-bad'] as const

/** A built-in preset name. */
export type PresetName = (typeof PRESET_NAMES)[number]

/**
 * The preset profiles (one direction each; a preset applies the same profile to both directions unless a direction
 * overrides it). Frozen: copy before changing.
 */
export const PRESETS: Readonly<Record<PresetName, Readonly<ImpairmentProfile>>> = Object.freeze({
  /** No impairment at all. */
  clean: {},
  /** Wired LAN: sub-millisecond jitter, nothing lost. */
  lan: { delayMs: 1, jitterMs: 0.5 },
  /** ADSL: Apple Network Link Conditioner "DSL" (5 ms delay, 256 kbit/s up) plus light jitter. */
  dsl: { delayMs: 5, jitterMs: 2, rateKbps: 256, queuePackets: 50 },
  /** Cable/DOCSIS: ~10 ms one way, small jitter, 0.1 % loss. */
  cable: { delayMs: 10, jitterMs: 3, loss: 0.001 },
  /** LTE: NLC "LTE" (50 ms delay) with 8 ms jitter and 0.5 % loss (3GPP TS 23.203 QCI 1 budget: 100 ms, 1 % PER). */
  lte: { delayMs: 50, jitterMs: 8, loss: 0.005 },
  /** 3G (UMTS/HSPA): NLC "3G" (100 ms delay, 330 kbit/s up) with 20 ms jitter and 1 % loss. */
  '3g': { delayMs: 100, jitterMs: 20, loss: 0.01, rateKbps: 330, queuePackets: 60 },
  /** EDGE/2.5G: NLC "Edge" (400 ms delay, 200 kbit/s up), 40 ms jitter, 2 % loss. */
  edge: { delayMs: 400, jitterMs: 40, loss: 0.02, rateKbps: 200, queuePackets: 60 },
  /** Busy Wi-Fi: bursty loss (Gilbert–Elliott, mean burst 3 packets, ~3 % average) and 15 ms jitter with reordering. */
  'lossy-wifi': { delayMs: 5, jitterMs: 15, reorder: true, burst: { pGoodToBad: 0.01, pBadToGood: 0.33, lossInBad: 1, lossInGood: 0.002 } },
  /** A congested uplink: 96 kbit/s bottleneck with a 20-packet queue (tail drop), 30 ms base delay. */
  congested: { delayMs: 30, jitterMs: 5, rateKbps: 96, queuePackets: 20 },
  /** Geostationary satellite: ~280 ms one way (2 × 35,786 km at c ≈ 240 ms plus processing), 10 ms jitter, 0.5 % loss. */
  satellite: { delayMs: 280, jitterMs: 10, loss: 0.005 },
  /** Low-earth-orbit satellite (Starlink-like): 30 ms one way, 10 ms jitter, 1 % loss. */
  leo: { delayMs: 30, jitterMs: 10, loss: 0.01 },
  /** NLC "Very Bad Network": 500 ms delay, 10 % loss, 1 Mbit/s. */
  'very-bad': { delayMs: 500, jitterMs: 50, loss: 0.1, rateKbps: 1000 },
} satisfies Record<PresetName, ImpairmentProfile>)

/** True when `name` is a built-in preset. */
export function isPresetName(name: unknown): name is PresetName {
  return typeof name === 'string' && (PRESET_NAMES as readonly string[]).includes(name)
}

/**
 * A preset's profile (a fresh copy, so it can be changed), optionally with fields overridden.
 * @throws RtcspecError `UNKNOWN_PRESET` naming the known presets.
 */
export function preset(name: string, overrides: ImpairmentProfile = {}): ImpairmentProfile {
  if (!isPresetName(name)) {
    throw new RtcspecError('UNKNOWN_PRESET', `unknown network preset ${JSON.stringify(name)}`, { hint: `use one of: ${PRESET_NAMES.join(', ')}` })
  }
  const base = PRESETS[name]
  return parseProfile({ ...structuredClone(base), ...overrides }, `preset ${name}`)
}

/** A profile, a preset name, or a preset with overrides: what the DSL accepts wherever a profile goes. */
export type ProfileSpec = ImpairmentProfile | PresetName | ({ preset: PresetName } & ImpairmentProfile)

/**
 * Resolves a {@link ProfileSpec} to a validated profile.
 * @param where names the spec in error messages, e.g. `network.toB`.
 */
export function resolveProfile(spec: ProfileSpec | undefined, where: string): ImpairmentProfile {
  if (spec === undefined) return {}
  if (typeof spec === 'string') {
    if (!isPresetName(spec)) {
      throw new RtcspecError('UNKNOWN_PRESET', `${where}: unknown network preset ${JSON.stringify(spec)}`, { hint: `use one of: ${PRESET_NAMES.join(', ')}` })
    }
    return preset(spec)
  }
  if ('preset' in spec) {
    const { preset: name, ...overrides } = spec
    if (!isPresetName(name)) {
      throw new RtcspecError('UNKNOWN_PRESET', `${where}.preset: unknown network preset ${JSON.stringify(name)}`, {
        hint: `use one of: ${PRESET_NAMES.join(', ')}`,
      })
    }
    return parseProfile({ ...structuredClone(PRESETS[name]), ...overrides }, where)
  }
  return parseProfile(spec, where)
}

/** Options of {@link outage}. */
export interface OutageOptions {
  /** When the outage starts, ms (relative to whatever the schedule is relative to: in the DSL, the moment the call connected). */
  atMs: number
  /** How long it lasts, ms (> 0). */
  forMs: number
  /** Which directions go dark. Default both. */
  direction?: ImpairedDirection | 'both'
  /** The profile to restore afterwards, per direction. Default `{}` (clean). */
  after?: Partial<Record<ImpairedDirection, ImpairmentProfile>>
}

/**
 * Schedule entries for a total outage (loss 1.0) from `atMs` to `atMs + forMs`, restoring `after` (default clean)
 * when it ends. With the relay's `impair: 'all'` the outage also blocks STUN consent checks and DTLS.
 */
export function outage(options: OutageOptions): ScheduleEntry[] {
  if (!(Number.isFinite(options.atMs) && options.atMs >= 0 && Number.isFinite(options.forMs) && options.forMs > 0)) {
    throw new RtcspecError('BAD_OUTAGE', `invalid outage: atMs ${options.atMs}, forMs ${options.forMs}`, {
      hint: 'outage({ atMs: 5000, forMs: 2000 }): atMs ≥ 0, forMs > 0',
    })
  }
  const dirs: ImpairedDirection[] = options.direction === undefined || options.direction === 'both' ? ['toA', 'toB'] : [options.direction]
  return dirs.flatMap((direction) => [
    { atMs: options.atMs, direction, profile: { loss: 1 } },
    { atMs: options.atMs + options.forMs, direction, profile: options.after?.[direction] ?? {} },
  ])
}
