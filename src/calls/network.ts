/**
 * The `network` option of `b2b()` and `scenario()`: impairment on the path between the two peers, per direction,
 * with named presets and a schedule of changes (outages). Validated by zod; resolved into UdpRelay options.
 *
 * ```ts
 * network: {
 *   seed: 7,
 *   preset: '3g',                              // both directions, unless toA/toB say otherwise
 *   toB: { loss: 0.02, jitterMs: 10 },         // a profile, a preset name, or { preset: 'lte', loss: 0.05 }
 *   schedule: [
 *     { outage: { at: '5s', for: '2s' } },     // both directions dark from t = 5 s to 7 s (t = 0: call connected)
 *     { at: '10s', toB: 'lossy-wifi' },        // from t = 10 s on, bob's direction degrades
 *   ],
 * }
 * ```
 */
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'
import { impairmentProfileSchema, type ImpairmentProfile } from '../net/impairment.ts'
import { PRESET_NAMES, resolveProfile, type PresetName, type ProfileSpec } from '../net/presets.ts'
import type { ImpairedDirection, ScheduleEntry } from '../net/relay.ts'
import { DurationSchema, type Duration } from './duration.ts'

const PresetNameSchema = z.enum(PRESET_NAMES)

/** A profile, a preset name, or `{ preset, ...overrides }`. */
export const ProfileSpecSchema = z.union([PresetNameSchema, impairmentProfileSchema.extend({ preset: PresetNameSchema }).strict(), impairmentProfileSchema])

const ScheduleStepSchema = z.union([
  z
    .object({
      outage: z
        .object({
          at: DurationSchema,
          for: DurationSchema.refine((ms) => ms > 0, 'an outage lasts more than 0 ms'),
          direction: z.enum(['toA', 'toB', 'both']).optional(),
        })
        .strict(),
    })
    .strict(),
  z
    .object({ at: DurationSchema, toA: ProfileSpecSchema.optional(), toB: ProfileSpecSchema.optional() })
    .strict()
    .refine((s) => s.toA !== undefined || s.toB !== undefined, 'a schedule step changes toA, toB or both'),
])

/** zod schema of {@link NetworkOptions}. Unknown keys are rejected (a typo must not silently mean "clean"). */
export const NetworkSpecSchema = z
  .object({
    seed: z.number().int().nonnegative().max(0xffffffff).optional(),
    preset: PresetNameSchema.optional(),
    toA: ProfileSpecSchema.optional(),
    toB: ProfileSpecSchema.optional(),
    schedule: z.array(ScheduleStepSchema).max(1000).optional(),
    impair: z.enum(['rtp', 'all']).optional(),
    host: z.enum(['127.0.0.1', '::1']).optional(),
  })
  .strict()

/** One step of a network schedule; times are relative to the moment the call connected. */
export type NetworkScheduleStep =
  | { outage: { at: Duration; for: Duration; direction?: ImpairedDirection | 'both' } }
  | { at: Duration; toA?: ProfileSpec; toB?: ProfileSpec }

/** Impairment on a back-to-back path, applied by rtcspec's seeded UDP relay. */
export interface NetworkOptions {
  /** Seed of the impairment PRNG. Default: `$RTCSPEC_SEED`, else random (printed on failure). */
  seed?: number
  /** A named preset for both directions (docs/network.md lists the values); `toA`/`toB` override it. */
  preset?: PresetName
  /** Impairment of packets delivered to peer a (the offerer): a profile, a preset name or `{ preset, ...overrides }`. */
  toA?: ProfileSpec
  /** Impairment of packets delivered to peer b (the answerer). */
  toB?: ProfileSpec
  /** Profile changes during the call, relative to the moment it connected (outages, degradations). */
  schedule?: NetworkScheduleStep[]
  /** `'rtp'` (default): only RTP is impaired, so ICE/DTLS/RTCP pass. `'all'`: STUN and DTLS too (consent failures). */
  impair?: 'rtp' | 'all'
  /** Relay address family: `127.0.0.1` (default) or `::1`; defaults to `::1` when the peers gather on IPv6. */
  host?: '127.0.0.1' | '::1'
}

/** What {@link resolveNetwork} gives the call engine. */
export interface ResolvedNetwork {
  toA: ImpairmentProfile
  toB: ImpairmentProfile
  /** Schedule entries with `atMs` relative to the moment the call connected. */
  schedule: ScheduleEntry[]
  impair: 'rtp' | 'all'
  host: '127.0.0.1' | '::1' | undefined
}

/**
 * Validates the `network` option and resolves presets and outages into relay profiles and schedule entries.
 * An outage restores the direction's base profile (`toA`/`toB`/`preset`, as changed by earlier steps) when it ends.
 * @throws RtcspecError `BAD_NETWORK` listing every problem with its path.
 */
export function resolveNetwork(spec: NetworkOptions): ResolvedNetwork {
  const r = NetworkSpecSchema.safeParse(spec)
  if (!r.success) {
    throw new RtcspecError('BAD_NETWORK', `invalid network option:\n${z.prettifyError(r.error)}`, {
      hint: `network: { seed?, preset?, toA?, toB?, schedule?: [{ at: '5s', toB: { loss: 0.1 } } | { outage: { at: '5s', for: '2s' } }], impair?: 'rtp'|'all' }; presets: ${PRESET_NAMES.join(', ')}`,
    })
  }
  const n = r.data
  const base = n.preset ?? undefined
  const toA = resolveProfile((n.toA ?? base) as ProfileSpec | undefined, 'network.toA')
  const toB = resolveProfile((n.toB ?? base) as ProfileSpec | undefined, 'network.toB')
  // Walk the steps in time order so an outage knows which profile to restore.
  const steps = (n.schedule ?? []).map((s, i) => ({ s, i, at: 'outage' in s ? s.outage.at : s.at })).sort((x, y) => x.at - y.at || x.i - y.i)
  const current: Record<ImpairedDirection, ImpairmentProfile> = { toA, toB }
  const pendingRestores: Array<{ atMs: number; direction: ImpairedDirection }> = []
  const schedule: ScheduleEntry[] = []
  const flushRestores = (untilMs: number) => {
    pendingRestores.sort((x, y) => x.atMs - y.atMs)
    while (pendingRestores.length && (pendingRestores[0] as { atMs: number }).atMs <= untilMs) {
      const p = pendingRestores.shift() as { atMs: number; direction: ImpairedDirection }
      schedule.push({ atMs: p.atMs, direction: p.direction, profile: current[p.direction] })
    }
  }
  for (const { s, i, at } of steps) {
    flushRestores(at)
    if ('outage' in s) {
      const dirs: ImpairedDirection[] = s.outage.direction === undefined || s.outage.direction === 'both' ? ['toA', 'toB'] : [s.outage.direction]
      for (const direction of dirs) {
        schedule.push({ atMs: at, direction, profile: { loss: 1 } })
        pendingRestores.push({ atMs: at + s.outage.for, direction })
      }
    } else {
      for (const direction of ['toA', 'toB'] as const) {
        const p = s[direction]
        if (p === undefined) continue
        current[direction] = resolveProfile(p as ProfileSpec, `network.schedule[${i}].${direction}`)
        schedule.push({ atMs: at, direction, profile: current[direction] })
      }
    }
  }
  flushRestores(Infinity)
  return { toA, toB, schedule, impair: n.impair ?? 'rtp', host: n.host }
}
