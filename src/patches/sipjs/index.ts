/**
 * The sip.js patches and {@link installSipjsPatches}, which the SIP user agent factory awaits before it starts
 * a user agent. Each patch's code is its own module in this folder.
 */
import { sipjsGrammarPatch } from './grammar-bytecode.ts'
import { sipjsGrammarMemoPatch } from './grammar-memo.ts'
import { installPatchAsync } from '../install.ts'
import type { PatchDefinition, PatchStatus } from '../types.ts'

/** Every sip.js patch rtcspec has. */
export const SIPJS_PATCHES: readonly PatchDefinition<Promise<void>>[] = [sipjsGrammarPatch, sipjsGrammarMemoPatch]

/** Installs every sip.js patch whose targets match the installed sip.js. Idempotent; concurrent callers share one attempt. */
export function installSipjsPatches(): Promise<readonly PatchStatus[]> {
  return Promise.all(SIPJS_PATCHES.map(installPatchAsync))
}
