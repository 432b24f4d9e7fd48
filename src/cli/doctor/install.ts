/** `rtcspec doctor --install`: which Debian packages are missing, and the script that installs them. */
import { spawn } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { APT_PACKAGES } from './catalog.ts'
import type { DoctorReport } from './schemas.ts'

/** The script `--install` runs (it installs whichever of its packages are missing; idempotent). */
export const INSTALL_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../scripts/install-system-deps.sh')

/** Debian packages of the tools that are missing (not merely unusable: a stopped Docker engine needs starting, not installing). */
export function missingPackages(report: DoctorReport): string[] {
  return report.tools.flatMap((t) => (t.status === 'missing' && APT_PACKAGES[t.id] ? [APT_PACKAGES[t.id] as string] : []))
}

/** Runs {@link INSTALL_SCRIPT} with the terminal attached; resolves to its exit code (killed after 30 minutes). */
export function runInstallScript(): Promise<number> {
  return new Promise((resolvePromise) => {
    const child = spawn('bash', [INSTALL_SCRIPT], { stdio: 'inherit' })
    const timer = setTimeout(() => child.kill('SIGKILL'), 30 * 60_000)
    child.on('error', () => {
      clearTimeout(timer)
      resolvePromise(127)
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolvePromise(code ?? 1)
    })
  })
}
