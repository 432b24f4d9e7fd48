/**
 * What every rtcspec service (coturn, FFmpeg) has in common: where it runs (the provider), its captured
 * logs, and disposal.
 */
import type { ServiceLog } from './logs.ts'

/** Where a service runs: a container (testcontainers), a local binary, or an address the user gives. */
export type ProviderKind = 'docker' | 'local' | 'external'

/** A provider, or `auto`: docker if an engine answers (and the image exists or builds), else local, else an error naming the fixes. */
export type ProviderChoice = ProviderKind | 'auto'

/** A running service. Dispose it (`await using`, or `close()`); closing is idempotent and never throws. */
export interface Service extends AsyncDisposable {
  /** Service name for messages and log files, e.g. `coturn`. */
  readonly name: string
  readonly provider: ProviderKind
  /** Everything the service printed so far. */
  readonly log: ServiceLog
  /** Path of the log file under `reports/services/`, once the service was closed. */
  readonly logFile: string | undefined
  /** Stops the service (kills the process group / stops and removes the container) and writes its log. */
  close(): Promise<void>
}
