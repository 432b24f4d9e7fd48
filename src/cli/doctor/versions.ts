/** Version numbers as doctor compares them. */

/** The lowest Node.js version rtcspec runs on (native TypeScript type stripping). */
export const MIN_NODE_VERSION = '22.19.0'

/** Compares dotted versions numerically (`v` prefix and suffixes after the numbers are ignored). */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string): number[] => (v.replace(/^v/, '').match(/^\d+(?:\.\d+)*/)?.[0] ?? '0').split('.').map(Number)
  const pa = parts(a)
  const pb = parts(b)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return Math.sign(d)
  }
  return 0
}
