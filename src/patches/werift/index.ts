/**
 * The werift patches, in the order they install, and the one call every werift user makes first:
 * {@link installWeriftPatches}. Each patch's code is its own module in this folder.
 */
import { dtlsFailurePatch } from './dtls-failure.ts'
import { dtlsStartPatch } from './dtls-start.ts'
import { noDefaultStunPatch } from './no-default-stun.ts'
import { receiverFlagsPatch } from './receiver-flags.ts'
import { codecNamePatch } from './codec-name.ts'
import { codecArrayPatch, rtpHeaderParsePatch, rtpPacketSentPatch } from './rtp-fast-paths.ts'
import { srtpGcmPatch } from './srtp-gcm.ts'
import { srtpKeysPatch } from './srtp-keys.ts'
import { staleCheckGuardPatch } from './stale-check-guard.ts'
import { turnAuthErrorsPatch } from './turn-auth-errors.ts'
import { installPatch } from '../install.ts'
import type { PatchDefinition, PatchStatus } from '../types.ts'

/** Every werift patch rtcspec has. */
export const WERIFT_PATCHES: readonly PatchDefinition[] = [
  srtpKeysPatch,
  srtpGcmPatch,
  rtpHeaderParsePatch,
  rtpPacketSentPatch,
  codecArrayPatch,
  receiverFlagsPatch,
  codecNamePatch,
  dtlsStartPatch,
  dtlsFailurePatch,
  turnAuthErrorsPatch,
  noDefaultStunPatch,
  staleCheckGuardPatch,
]

let done: PatchStatus[] | undefined

/**
 * Installs every werift patch whose targets match the installed werift (the others stay `unsupported` and
 * change nothing). Idempotent; after the first call it returns the same statuses at once. Called by everything
 * that creates werift connections (werift peers, the WHIP/WHEP reference server's sessions, the RTP ingest).
 */
export function installWeriftPatches(): readonly PatchStatus[] {
  done ??= WERIFT_PATCHES.map(installPatch)
  return done
}
