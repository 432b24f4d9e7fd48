/**
 * What `rtcspec load SPEC` can run: a built-in scenario by name, or a file whose default export is a declarative
 * scenario spec (the object `scenario()` takes). Loaded and validated once, on the main thread; the workers get
 * the plain data.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import { extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { RtcspecError } from '../errors.ts'
import { parseScenario, type ParsedScenarioSpec, type ScenarioSpec } from '../calls/scenario-spec.ts'

/** The built-in scenarios: a plain werift back-to-back audio call, both sides sending a tone. */
export const BUILTIN_SCENARIOS: Readonly<Record<string, ScenarioSpec>> = Object.freeze({
  'b2b-pcmu': { peers: { alice: { send: { tone: 440 } }, bob: { send: { tone: 880 } } }, codec: 'PCMU' },
  'b2b-pcma': { peers: { alice: { send: { tone: 440 } }, bob: { send: { tone: 880 } } }, codec: 'PCMA' },
  'b2b-opus': { peers: { alice: { send: { tone: 440 } }, bob: { send: { tone: 880 } } }, codec: 'opus' },
})

/** A scenario ready to be loaded onto workers. */
export interface LoadScenario {
  /** The built-in name or the file name. */
  name: string
  source: 'builtin' | 'file'
  /** Absolute path, for files. */
  path?: string
  /** The spec as plain data (what the workers receive). */
  spec: unknown
  parsed: ParsedScenarioSpec
  /** The spec's own `duration` when it states one (then each call lasts that long); else undefined. */
  ownDurationMs?: number
}

const FILE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.json']

function usageError(message: string, hint: string): RtcspecError {
  return new RtcspecError('LOAD_SPEC', message, { hint })
}

const BUILTINS_HINT = () =>
  `SPEC is a built-in scenario (${Object.keys(BUILTIN_SCENARIOS).join(', ')}) or a file (${FILE_EXTENSIONS.join(', ')}) whose default export is a scenario spec, e.g. specs/examples/load-scenario.ts`

/**
 * Resolves `SPEC`: a built-in name, else a file path (relative to `cwd`). Throws an `RtcspecError` (code
 * `LOAD_SPEC`) that lists the built-ins when the name is unknown, the file is missing or its export is not a valid
 * werift scenario.
 */
export async function resolveLoadSpec(specArg: string, cwd = process.cwd()): Promise<LoadScenario> {
  const builtin = Object.hasOwn(BUILTIN_SCENARIOS, specArg) ? BUILTIN_SCENARIOS[specArg] : undefined
  if (builtin) return { name: specArg, source: 'builtin', spec: builtin, parsed: validate(builtin, specArg) }
  const path = resolve(cwd, specArg)
  const ext = extname(path)
  if (!existsSync(path)) {
    throw usageError(`no built-in scenario and no file named "${specArg}"`, BUILTINS_HINT())
  }
  if (!FILE_EXTENSIONS.includes(ext)) {
    throw usageError(`cannot load a scenario from "${specArg}": unsupported file type "${ext || '(none)'}"`, BUILTINS_HINT())
  }
  let raw: unknown
  try {
    if (ext === '.json') raw = JSON.parse(readFileSync(path, 'utf8'))
    else {
      const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>
      raw = mod.default
    }
  } catch (e) {
    throw usageError(`could not load the scenario file ${specArg}: ${e instanceof Error ? e.message : String(e)}`, BUILTINS_HINT())
  }
  if (raw === undefined || raw === null || typeof raw !== 'object') {
    throw usageError(
      `${specArg} has no default export holding a scenario spec (got ${raw === null ? 'null' : typeof raw})`,
      "write `export default { peers: { alice: {…}, bob: {…} }, codec: 'PCMU', … }` (or a JSON object)",
    )
  }
  try {
    structuredClone(raw)
  } catch (e) {
    throw usageError(
      `the scenario in ${specArg} is not plain data (${e instanceof Error ? e.message : String(e)})`,
      'a load scenario is data only: no functions, class instances or audio source factories; use { tone }, { speech }, { wav } sends',
    )
  }
  const parsed = validate(raw, specArg)
  const own = Object.hasOwn(raw, 'duration') ? parsed.duration : undefined
  return { name: specArg, source: 'file', path, spec: raw, parsed, ...(own !== undefined ? { ownDurationMs: own } : {}) }
}

function validate(raw: unknown, where: string): ParsedScenarioSpec {
  if (raw && typeof raw === 'object' && 'sip' in raw) {
    throw usageError(
      `${where} is a SIP scenario; rtcspec load runs werift back-to-back scenarios only`,
      'drive SIP load with sipp (see docs/sip.md); give rtcspec load a WebRTC scenario',
    )
  }
  let parsed: ParsedScenarioSpec
  try {
    parsed = parseScenario(raw)
  } catch (e) {
    throw usageError(
      `${where}: ${e instanceof Error ? e.message : String(e)}`,
      'the spec is the object scenario() takes (docs: README "Declarative scenarios")',
    )
  }
  const chromium = Object.entries(parsed.peers)
    .filter(([, p]) => p.kind !== 'werift')
    .map(([n]) => n)
  if (chromium.length) {
    throw usageError(
      `${where}: peer(s) ${chromium.join(', ')} are Chromium peers; rtcspec load runs werift peers only`,
      "remove `kind: 'chromium'` (a browser per call does not scale to load runs)",
    )
  }
  if (parsed.iceRestart) {
    throw usageError(`${where}: iceRestart is not supported by rtcspec load`, 'remove iceRestart from the spec')
  }
  return parsed
}
