/**
 * The opusscript patches and {@link installOpusscriptPatches}, which rtcspec's Opus encoder and decoder factories
 * call before they create an encoder. Each patch's code is its own module in this folder.
 */
import { opusscriptHeapViewsPatch } from './heap-views.ts'
import { installPatch } from '../install.ts'
import type { PatchDefinition, PatchStatus } from '../types.ts'

/** Every opusscript patch rtcspec has. */
export const OPUSSCRIPT_PATCHES: readonly PatchDefinition[] = [opusscriptHeapViewsPatch]

let done: PatchStatus[] | undefined

/**
 * Installs every opusscript patch whose targets match the installed opusscript. Idempotent; after the first call
 * it returns the same statuses at once. Must run before the first `new OpusScript()` of the process.
 */
export function installOpusscriptPatches(): readonly PatchStatus[] {
  done ??= OPUSSCRIPT_PATCHES.map(installPatch)
  return done
}
