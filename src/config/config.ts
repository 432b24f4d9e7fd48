/**
 * rtcspec's project configuration: `rtcspec.config.ts`, `rtcspec.config.mjs` or `rtcspec.config.json` in the
 * working directory (or the file given with `rtcspec run --config FILE`). Today it declares the CI gates:
 *
 * ```ts
 * import { defineConfig } from 'rtcspec/config'
 * export default defineConfig({
 *   gates: { 'audio.loss': '< 0.01', 'audio.jitterMs': '< 20', mos: '> 3.8', 'setup.connectMs': '< 500' },
 * })
 * ```
 */
import { existsSync, readFileSync } from 'node:fs'
import { registerHooks } from 'node:module'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'
import { parseThreshold, type GateSpec } from '../report/gates.ts'
import { METRIC_NAMES, METRICS } from '../report/metrics.ts'

const MatcherSchema = z.union([z.string().min(1), z.instanceof(RegExp)])

const ThresholdSchema = z.string().refine((s) => parseThreshold(s) !== undefined, {
  message: "malformed threshold: write a comparison and a number, e.g. '< 0.01', '<= 20', '> 3.8'",
})

/** One gate: a threshold string, or an object with the threshold and options. */
export const GateConfigSchema = z.union([
  ThresholdSchema,
  z
    .object({
      threshold: ThresholdSchema,
      /** A gate that saw no value passes (with a note) instead of failing. */
      optional: z.boolean().optional(),
      /** Only calls whose `<file> > <test name>` contains one of these (or matches the RegExp). */
      include: z.array(MatcherSchema).optional(),
      /** Leave out calls whose `<file> > <test name>` contains one of these (or matches the RegExp). */
      exclude: z.array(MatcherSchema).optional(),
      /** Also gate calls that ran through the impairment relay (left out by default: impaired on purpose). */
      impaired: z.boolean().optional(),
    })
    .strict(),
])

/** The whole configuration. Unknown keys are errors (a typo must not silently disable a gate). */
export const RtcspecConfigSchema = z
  .object({
    /** Thresholds by metric name (see `METRICS`); the run exits 3 when one breaks. */
    gates: z
      .record(z.string(), GateConfigSchema)
      .superRefine((gates, ctx) => {
        for (const key of Object.keys(gates)) {
          if (!Object.hasOwn(METRICS, key))
            ctx.addIssue({ code: 'custom', path: [key], message: `unknown metric "${key}"; valid metrics: ${METRIC_NAMES.join(', ')}` })
        }
      })
      .optional(),
  })
  .strict()

/** What `rtcspec.config.*` exports. */
export type RtcspecConfig = z.input<typeof RtcspecConfigSchema>

/** Typed identity for `rtcspec.config.ts`: `export default defineConfig({ gates: { … } })`. */
export function defineConfig(config: RtcspecConfig): RtcspecConfig {
  return config
}

/** The file names looked for in the working directory, in order. */
export const CONFIG_FILES = ['rtcspec.config.ts', 'rtcspec.config.mjs', 'rtcspec.config.js', 'rtcspec.config.json'] as const

/** Config files whose `import … from 'rtcspec'` or `'rtcspec/config'` goes to the light entry (`rtcspec/config`), by file URL. */
const configUrls = new Set<string>()
let hooked = false

/**
 * Makes `import { defineConfig } from 'rtcspec/config'` in the config file at `url` load the configuration entry
 * from this copy of rtcspec, also in rtcspec's own checkout, where the package's exports point at dist/ that
 * may not be built; an older config's `from 'rtcspec'` goes there too (the main entry extends Vitest's `test`
 * when imported, which fails outside a Vitest run). Other modules' imports are untouched. Without
 * `module.registerHooks` (Node < 22.15) nothing is redirected.
 */
function redirectRtcspecImport(url: string): void {
  configUrls.add(url)
  if (hooked || typeof registerHooks !== 'function') return
  hooked = true
  const entry = new URL(import.meta.url.endsWith('.ts') ? '../entry/config.ts' : '../entry/config.js', import.meta.url).href
  registerHooks({
    resolve: (specifier, context, nextResolve) =>
      (specifier === 'rtcspec' || specifier === 'rtcspec/config') && context.parentURL !== undefined && configUrls.has(context.parentURL)
        ? { url: entry, shortCircuit: true }
        : nextResolve(specifier, context),
  })
}

/** A loaded, validated configuration and where it came from. */
export interface LoadedConfig {
  config: z.output<typeof RtcspecConfigSchema>
  /** The file it was read from; undefined when there is none. */
  source?: string
}

/** Validates a configuration value; throws RtcspecError `CONFIG_INVALID` naming every bad key. */
export function parseConfig(value: unknown, source = 'configuration'): LoadedConfig['config'] {
  const r = RtcspecConfigSchema.safeParse(value)
  if (r.success) return r.data
  const issues = r.error.issues.map((i) => `  ${i.path.length ? i.path.map(String).join('.') : '(top level)'}: ${i.message}`)
  throw new RtcspecError('CONFIG_INVALID', `invalid ${source}:\n${issues.join('\n')}`, {
    hint: `gates look like { gates: { 'audio.loss': '< 0.01', mos: '> 3.8' } }; metrics: ${METRIC_NAMES.join(', ')} (docs/ci.md)`,
  })
}

/**
 * Finds and loads the configuration: `file` when given (it must exist), else the first of {@link CONFIG_FILES}
 * in `cwd`, else an empty configuration. `.ts`/`.mjs`/`.js` files are imported (their default export), `.json` parsed.
 * @throws {RtcspecError} `CONFIG_NOT_FOUND`, `CONFIG_LOAD` (import or JSON error) or `CONFIG_INVALID`.
 */
export async function loadConfig(options: { file?: string; cwd?: string } = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd()
  let file: string | undefined
  if (options.file !== undefined) {
    file = resolve(cwd, options.file)
    if (!existsSync(file))
      throw new RtcspecError('CONFIG_NOT_FOUND', `config file not found: ${options.file}`, {
        hint: `create it, or drop --config to use ${CONFIG_FILES.join(' / ')} from the working directory`,
      })
  } else {
    file = CONFIG_FILES.map((f) => resolve(cwd, f)).find((f) => existsSync(f))
  }
  if (file === undefined) return { config: {} }
  let value: unknown
  try {
    if (file.endsWith('.json')) value = JSON.parse(readFileSync(file, 'utf8'))
    else {
      const url = pathToFileURL(file).href
      redirectRtcspecImport(url)
      const mod = (await import(url)) as { default?: unknown }
      value = mod.default
      if (value === undefined) throw new Error('it has no default export (write `export default defineConfig({ … })`)')
    }
  } catch (e) {
    if (e instanceof RtcspecError) throw e
    throw new RtcspecError('CONFIG_LOAD', `could not load ${file}: ${e instanceof Error ? e.message : String(e)}`, {
      hint: 'fix the file so that it imports (or parses as JSON) and default-exports the configuration',
    })
  }
  return { config: parseConfig(value, file), source: file }
}

/** The gates of a configuration as a list, in declaration order. */
export function gatesOf(config: LoadedConfig['config']): GateSpec[] {
  return Object.entries(config.gates ?? {}).map(([metric, g]) =>
    typeof g === 'string'
      ? { metric, threshold: g }
      : {
          metric,
          threshold: g.threshold,
          ...(g.optional !== undefined ? { optional: g.optional } : {}),
          ...(g.include ? { include: g.include } : {}),
          ...(g.exclude ? { exclude: g.exclude } : {}),
          ...(g.impaired !== undefined ? { impaired: g.impaired } : {}),
        },
  )
}
