/**
 * Level conventions shared by the sources and the analysis functions.
 *
 * rtcspec uses the AES17 definition of dBFS: the RMS level relative to the RMS of a full-scale sine.
 * So a sine whose peak is full scale reads 0 dBFS, a `tone(…, { dbfs: -12 })` reads -12 dBFS in
 * `rmsDbfs`, and a full-scale square wave reads +3.01 dBFS. Full scale is 32768.
 *
 * @module
 */

/** The full-scale magnitude of PCM16 used for every dBFS computation. */
export const FULL_SCALE = 32768

/** Peak amplitude (in PCM16 units, not clamped) of a sine whose level is `dbfs` (AES17). */
export function sineAmplitudeForDbfs(dbfs: number): number {
  return FULL_SCALE * 10 ** (dbfs / 20)
}

/** RMS (in PCM16 units) of any signal whose level is `dbfs` (AES17: full-scale sine RMS = 0 dBFS). */
export function rmsForDbfs(dbfs: number): number {
  return (FULL_SCALE / Math.SQRT2) * 10 ** (dbfs / 20)
}

/** Level in dBFS (AES17) of a signal with the given RMS in PCM16 units; -Infinity for 0. */
export function dbfsForRms(rms: number): number {
  return 20 * Math.log10((rms * Math.SQRT2) / FULL_SCALE)
}
