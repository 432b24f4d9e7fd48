/**
 * How rtcspec declares a patch to a dependency's code: which package and version it was written for, what it
 * fixes, and a hash of exactly the source text it replaces. A patch is applied only when every hash matches, so
 * an upgraded dependency never gets a patch written for other code.
 */

/** `installed`: applied. `unsupported`: a hash did not match (or a target is missing): not applied. `not-installed`: not asked for yet in this process. */
export type PatchState = 'installed' | 'unsupported' | 'not-installed'

/** The packages rtcspec patches. */
export type PatchedPackage = 'werift' | 'sip.js' | 'opusscript'

/** One piece of a package's code a patch replaces or wraps. */
export interface PatchTarget {
  /** What it is, as a reader finds it in the package, e.g. `RTCDtlsTransport.prototype.start`. */
  readonly name: string
  /** {@link sourceHash} of the source text the patch was written against. */
  readonly hash: string
  /** The current function (hashed through its source text) or file text; undefined when the package has no such thing. */
  source(): unknown
}

/** A patch: identity, what it is for, what it replaces, and how to apply it. */
export interface PatchDefinition<Apply extends void | Promise<void> = void> {
  /** Stable id, `<package>/<name>`, e.g. `werift/dtls-start`. */
  readonly id: string
  readonly package: PatchedPackage
  /** The package version the patch was written for (the one package.json pins). */
  readonly version: string
  /** What it fixes, in one line. */
  readonly fixes: string
  /** Everything it replaces; all hashes must match before {@link apply} runs. */
  readonly targets: readonly PatchTarget[]
  /** Applies the patch (called at most once, only after every target matched). Throws to decline, with the reason. */
  apply(): Apply
}

/** One target's hash check. */
export interface TargetCheck {
  readonly name: string
  /** The hash the patch was written against. */
  readonly expected: string
  /** The hash of what the package has now, or null when the target is missing. */
  readonly actual: string | null
}

/** What the registry knows about one patch in this process. */
export interface PatchStatus {
  readonly id: string
  readonly package: PatchedPackage
  /** The version the patch was written for. */
  readonly writtenFor: string
  /** The version installed (from the package's package.json), or null when it could not be read. */
  readonly installedVersion: string | null
  readonly state: PatchState
  /** Why it is `unsupported` (which target changed: expected and actual hash), else null. */
  readonly reason: string | null
  readonly fixes: string
  readonly targets: readonly TargetCheck[]
}
