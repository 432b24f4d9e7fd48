/**
 * The patches part of a doctor report: every patch of the registry (src/patches), installed here exactly as a
 * werift peer or SIP user agent installs it, so the state shown is the state a test run gets.
 */
import type { PatchReport } from './schemas.ts'

/**
 * Installs every patch in this process and reports each one's state. Never throws: when the registry itself
 * cannot load (werift or sip.js missing), one entry per package says so.
 */
export async function patchReports(): Promise<PatchReport[]> {
  try {
    const { installAllPatches } = await import('../../patches/index.ts')
    return (await installAllPatches()).map((s) => ({
      id: s.id,
      package: s.package,
      writtenFor: s.writtenFor,
      installedVersion: s.installedVersion,
      state: s.state,
      reason: s.reason,
      fixes: s.fixes,
    }))
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e)
    return (['werift', 'sip.js'] as const).map((pkg) => ({
      id: `${pkg}/*`,
      package: pkg,
      writtenFor: 'unknown',
      installedVersion: null,
      state: 'unsupported' as const,
      reason: `the patch registry could not load: ${why}; run \`npm install\``,
      fixes: 'every patch of this package',
    }))
  }
}
