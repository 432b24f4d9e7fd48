/**
 * The patch registry: every patch rtcspec applies to a dependency's code (werift, sip.js, opusscript), each declared the
 * same way (src/patches/types.ts) and applied only when the code it replaces is exactly the source it was
 * written for. Nothing is patched at import: werift users call {@link installWeriftPatches}, the SIP user agent
 * factory {@link installSipjsPatches}, the Opus encoder and decoder factories {@link installOpusscriptPatches}. `rtcspec doctor` lists every patch with its state.
 */
import { patchStatus } from './install.ts'
import { OPUSSCRIPT_PATCHES, installOpusscriptPatches } from './opusscript/index.ts'
import { SIPJS_PATCHES, installSipjsPatches } from './sipjs/index.ts'
import type { PatchStatus } from './types.ts'
import { WERIFT_PATCHES, installWeriftPatches } from './werift/index.ts'

export { installPatch, installPatchAsync, patchStatus, checkTargets } from './install.ts'
export { sourceHash } from './source-hash.ts'
export { installedVersion } from './package-version.ts'
export { WRITTEN_FOR } from './versions.ts'
export { WERIFT_PATCHES, installWeriftPatches } from './werift/index.ts'
export { SIPJS_PATCHES, installSipjsPatches } from './sipjs/index.ts'
export { OPUSSCRIPT_PATCHES, installOpusscriptPatches } from './opusscript/index.ts'
export type { PatchDefinition, PatchState, PatchStatus, PatchTarget, PatchedPackage, TargetCheck } from './types.ts'

/** Every patch: werift's, sip.js's, then opusscript's. */
export const ALL_PATCHES = [...WERIFT_PATCHES, ...SIPJS_PATCHES, ...OPUSSCRIPT_PATCHES] as const

/** The status of every patch in this process, without installing any (`not-installed` for those not asked for yet). */
export function patchStatuses(): PatchStatus[] {
  return ALL_PATCHES.map((p) => patchStatus(p))
}

/** Installs every patch (as the peers and user agents would) and returns every status. */
export async function installAllPatches(): Promise<PatchStatus[]> {
  return [...installWeriftPatches(), ...(await installSipjsPatches()), ...installOpusscriptPatches()]
}
