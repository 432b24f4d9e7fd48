/**
 * Applies a patch only after checking that every target is exactly the source it was written against, and keeps
 * each patch's outcome (one attempt per process; later calls return the same status at once).
 *
 * Several patches may wrap the same function (werift's `RTCDtlsTransport.prototype.start` is wrapped twice). A
 * wrapper this module installed is remembered together with the hash of the package's original underneath, so
 * the second patch checks the package's code, not the first patch's wrapper, in whichever order they install.
 */
import { installedVersion } from './package-version.ts'
import { sourceHash } from './source-hash.ts'
import type { PatchDefinition, PatchStatus, TargetCheck } from './types.ts'

const statuses = new Map<string, PatchStatus | Promise<PatchStatus>>()

/** Functions installed by a patch → the hash of the package function they replaced. */
const wrapped = new WeakMap<object, string>()

function hashOf(value: unknown): string | null {
  if (value === undefined || value === null) return null
  if (typeof value === 'function') return wrapped.get(value) ?? sourceHash(value)
  return sourceHash(value)
}

function read(source: () => unknown): unknown {
  try {
    return source()
  } catch {
    return undefined
  }
}

function status(def: PatchDefinition<void | Promise<void>>, state: PatchStatus['state'], targets: readonly TargetCheck[], reason: string | null): PatchStatus {
  return {
    id: def.id,
    package: def.package,
    writtenFor: def.version,
    installedVersion: installedVersion(def.package),
    state,
    reason,
    fixes: def.fixes,
    targets,
  }
}

/** Each target's expected and current hash (reads the package; changes nothing). */
export function checkTargets(def: PatchDefinition<void | Promise<void>>): TargetCheck[] {
  return def.targets.map((t) => ({ name: t.name, expected: t.hash, actual: hashOf(read(() => t.source())) }))
}

function mismatch(def: PatchDefinition<void | Promise<void>>, checks: readonly TargetCheck[]): string | null {
  const bad = checks.filter((c) => c.actual !== c.expected)
  if (bad.length === 0) return null
  const version = installedVersion(def.package) ?? 'unknown version'
  const what = bad.map((c) => (c.actual === null ? `${c.name} is missing` : `${c.name} has source hash ${c.actual}, written for ${c.expected}`)).join('; ')
  const written = version === def.version ? '' : ` (the patch was written for ${def.version})`
  return `${def.package}@${version}${written}: ${what}; not applied`
}

/** Remembers, after `apply()`, which installed functions stand for which original hash. */
function recordWrappers(def: PatchDefinition<void | Promise<void>>, before: readonly unknown[], checks: readonly TargetCheck[]): void {
  def.targets.forEach((t, i) => {
    const now = read(() => t.source())
    const original = checks[i]?.expected
    if (typeof now === 'function' && now !== before[i] && original !== undefined) wrapped.set(now, original)
  })
}

function declined(def: PatchDefinition<void | Promise<void>>, checks: readonly TargetCheck[], e: unknown): PatchStatus {
  return status(def, 'unsupported', checks, `applying failed: ${e instanceof Error ? e.message : String(e)}; not applied`)
}

/**
 * Installs a patch once: checks every target's hash and applies it only when all match. Idempotent and cheap
 * after the first call. Never throws: a mismatch or a failing `apply()` gives `unsupported` with the reason.
 */
export function installPatch(def: PatchDefinition): PatchStatus {
  const known = statuses.get(def.id)
  if (known !== undefined && !(known instanceof Promise)) return known
  const before = def.targets.map((t) => read(() => t.source()))
  const checks = checkTargets(def)
  const reason = mismatch(def, checks)
  let result: PatchStatus
  if (reason !== null) result = status(def, 'unsupported', checks, reason)
  else {
    try {
      def.apply()
      recordWrappers(def, before, checks)
      result = status(def, 'installed', checks, null)
    } catch (e) {
      result = declined(def, checks, e)
    }
  }
  statuses.set(def.id, result)
  return result
}

/** {@link installPatch} for a patch whose `apply()` is asynchronous (concurrent callers share one attempt). */
export function installPatchAsync(def: PatchDefinition<Promise<void>>): Promise<PatchStatus> {
  const known = statuses.get(def.id)
  if (known !== undefined) return Promise.resolve(known)
  const attempt = (async (): Promise<PatchStatus> => {
    const before = def.targets.map((t) => read(() => t.source()))
    const checks = checkTargets(def)
    const reason = mismatch(def, checks)
    if (reason !== null) return status(def, 'unsupported', checks, reason)
    try {
      await def.apply()
      recordWrappers(def, before, checks)
      return status(def, 'installed', checks, null)
    } catch (e) {
      return declined(def, checks, e)
    }
  })()
  statuses.set(def.id, attempt)
  void attempt.then((s) => statuses.set(def.id, s))
  return attempt
}

/** The patch's status in this process; `not-installed` (with the current hashes) when nothing asked for it yet. */
export function patchStatus(def: PatchDefinition<void | Promise<void>>): PatchStatus {
  const known = statuses.get(def.id)
  if (known !== undefined && !(known instanceof Promise)) return known
  const checks = checkTargets(def)
  return status(def, 'not-installed', checks, mismatch(def, checks))
}
