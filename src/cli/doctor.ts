/**
 * `rtcspec doctor`: lists every external tool rtcspec can use, says whether it is usable here,
 * its version and path, what rtcspec uses it for, and the exact command that installs it; then the
 * service providers and rtcspec's patches to werift and sip.js with their state.
 *
 * The parts live in src/cli/doctor/: the report schema (schemas.ts), the tool catalog (catalog.ts), the
 * probes (probes.ts, run-probe.ts), the report assembly (run.ts), the text rendering (format.ts) and
 * `--install` (install.ts). Every probe runs with a timeout, kills its whole process group when the timeout
 * fires, and never throws: a failed probe is reported as a missing or unusable tool with the reason.
 */
import { parseCommandArgs } from './args.ts'
import { formatDoctorReport } from './doctor/format.ts'
import { missingPackages, runInstallScript } from './doctor/install.ts'
import { DEFAULT_PROBE_TIMEOUT_MS, runDoctor, type DoctorOptions } from './doctor/run.ts'
import { DoctorReportSchema } from './doctor/schemas.ts'

/** Usage text of `rtcspec doctor`. */
export const DOCTOR_USAGE = `usage: rtcspec doctor [--json] [--strict] [--install] [--timeout MS]

Lists the external tools rtcspec can use: found or not, version, path, what for, and how to install;
the state of each service provider (coturn, FFmpeg: docker / local / external); and rtcspec's patches
to werift and sip.js (installed, or unsupported: the installed version's code is not what a patch was
written for, so it is not applied). Exits 0 even when tools are missing, unless --strict is given.

  --json         print the report as JSON (DoctorReportSchema)
  --strict       exit 1 when a tool required in CI is missing or unusable
  --install      install the missing Debian packages (as root, via scripts/install-system-deps.sh);
                 when not root, print the command to run instead and exit 1
  --timeout MS   timeout of each probe (default ${DEFAULT_PROBE_TIMEOUT_MS})
  -h, --help     show this help
`

/** Injection points of {@link doctorCommand}, for tests and embedding. */
export interface DoctorCommandDeps {
  /** Where output goes. Default: process.stdout / process.stderr. */
  stdout?: (text: string) => void
  stderr?: (text: string) => void
  /** Passed to {@link runDoctor} (the --timeout flag overrides `timeoutMs`). */
  options?: DoctorOptions
  /** Whether we run as root (default: `process.getuid() === 0`). */
  isRoot?: () => boolean
  /** Runs the installer for `--install`; resolves to its exit code. Default: `bash scripts/install-system-deps.sh`. */
  install?: (packages: readonly string[]) => Promise<number>
}

/**
 * The `rtcspec doctor` subcommand. Returns the exit code: 0 (also when tools are missing),
 * 1 with `--strict` when a tool required in CI is not usable, 2 for bad arguments.
 */
export async function doctorCommand(argv: string[], deps: DoctorCommandDeps = {}): Promise<number> {
  const stdout = deps.stdout ?? ((s: string) => void process.stdout.write(s))
  const stderr = deps.stderr ?? ((s: string) => void process.stderr.write(s))
  const parsed = parseCommandArgs(
    'doctor',
    DOCTOR_USAGE,
    argv,
    {
      json: { type: 'boolean' },
      strict: { type: 'boolean' },
      install: { type: 'boolean' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    { allowPositionals: false, io: { out: stdout, err: stderr } },
  )
  if (typeof parsed === 'number') return parsed
  const values = parsed.values
  const options: DoctorOptions = { ...deps.options }
  if (values.timeout !== undefined) {
    const ms = Number(values.timeout)
    if (!Number.isInteger(ms) || ms <= 0) {
      stderr(`rtcspec doctor: --timeout must be a positive integer number of milliseconds, got "${values.timeout}"\n`)
      return 2
    }
    options.timeoutMs = ms
  }
  let report = DoctorReportSchema.parse(await runDoctor(options))
  if (values.install) {
    const packages = missingPackages(report)
    const dockerNote =
      packages.includes('docker.io') || report.tools.some((t) => t.id === 'docker' && t.status !== 'ok')
        ? '\nFor the docker service provider (engine, offline base image, rtcspec images): sudo bash scripts/docker-setup.sh (docs/docker.md)\n'
        : ''
    const apt = packages.filter((p) => p !== 'docker.io')
    if (apt.length === 0) {
      stderr(`rtcspec doctor --install: no Debian package to install.${dockerNote}`)
    } else if (!(deps.isRoot ?? (() => process.getuid?.() === 0))()) {
      stderr(
        `rtcspec doctor --install: installing needs root. Run:\n  sudo bash scripts/install-system-deps.sh\nor:\n  sudo apt-get install -y ${apt.join(' ')}\n${dockerNote}`,
      )
      return 1
    } else {
      stderr(`rtcspec doctor --install: installing ${apt.join(' ')}\n`)
      const code = await (deps.install ?? runInstallScript)(apt)
      if (code !== 0) {
        stderr(`rtcspec doctor --install: the installer exited ${code}\n`)
        return 1
      }
      if (dockerNote) stderr(dockerNote)
      report = DoctorReportSchema.parse(await runDoctor(options))
    }
  }
  stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorReport(report))
  return values.strict && report.summary.missingRequiredForCi.length > 0 ? 1 : 0
}
