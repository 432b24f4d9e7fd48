/**
 * The shape of a `rtcspec doctor` report (`--json` prints it): tools, service providers and patches.
 */
import { z } from 'zod'

export const ToolIdSchema = z.enum(['node', 'chromium', 'ffmpeg', 'coturn', 'sipp', 'tshark', 'docker', 'espeak-ng', 'sox']).describe('Stable id of the tool')

/** Stable ids of the tools `rtcspec doctor` checks. */
export type ToolId = z.infer<typeof ToolIdSchema>

/** One tool in a doctor report. */
export const ToolReportSchema = z
  .object({
    id: ToolIdSchema,
    name: z.string().min(1).describe('Display name, e.g. "FFmpeg"'),
    command: z.string().min(1).describe('The executable that was looked for, e.g. "ffmpeg"'),
    status: z
      .enum(['ok', 'missing', 'unusable'])
      .describe('ok: usable; missing: not installed; unusable: installed but not usable here (too old, hangs, engine down)'),
    version: z.string().nullable().describe('Version the tool printed, or null when unknown'),
    path: z.string().nullable().describe('Absolute path of the executable that was probed, or null when not found'),
    usedFor: z.string().min(1).describe('What rtcspec uses the tool for'),
    requiredForCi: z.boolean().describe('CI fails (and `doctor --strict` exits non-zero) when this tool is not ok'),
    reason: z.string().nullable().describe('Why the tool is not ok, or null when it is'),
    hint: z.string().nullable().describe('Exact fix (usually an install command) when the tool is not ok, else null'),
    notes: z.array(z.string()).describe('Extra facts worth showing, e.g. "version unknown"'),
  })
  .strict()

/** One tool in a doctor report. */
export type ToolReport = z.infer<typeof ToolReportSchema>

/** The state of one service's providers (docker, local, external) and what `auto` would pick. */
export const ServiceReportSchema = z
  .object({
    service: z.enum(['coturn', 'ffmpeg']),
    auto: z.enum(['docker', 'local', 'external']).nullable().describe('The provider `auto` picks here, or null when none can run it'),
    providers: z.array(
      z
        .object({
          provider: z.enum(['docker', 'local', 'external']),
          usable: z.boolean(),
          detail: z.string().describe('What was found: engine and image, binary path, or the env variable'),
          hint: z.string().nullable().describe('How to make it usable, or null when it is'),
        })
        .strict(),
    ),
  })
  .strict()

/** The state of one service's providers. */
export type ServiceReport = z.infer<typeof ServiceReportSchema>

/** One patch of the registry (src/patches) and its state in the doctor's process. */
export const PatchReportSchema = z
  .object({
    id: z.string().min(1).describe('Stable id, e.g. "werift/dtls-start"'),
    package: z.enum(['werift', 'sip.js', 'opusscript']),
    writtenFor: z.string().describe('The package version the patch was written for'),
    installedVersion: z.string().nullable().describe('The installed version, or null when unknown'),
    state: z
      .enum(['installed', 'unsupported', 'not-installed'])
      .describe('installed: applied; unsupported: the code it replaces is not the source it was written for, so it is not applied'),
    reason: z.string().nullable().describe('Why it is unsupported (which source hash changed), else null'),
    fixes: z.string().describe('What the patch fixes, in one line'),
  })
  .strict()

/** One patch in a doctor report. */
export type PatchReport = z.infer<typeof PatchReportSchema>

/** The machine-readable output of `rtcspec doctor --json`. */
export const DoctorReportSchema = z
  .object({
    schemaVersion: z.literal(1),
    platform: z.string().describe('process.platform-process.arch, e.g. "linux-x64"'),
    tools: z.array(ToolReportSchema),
    services: z.array(ServiceReportSchema).optional().describe('Providers of each service (src/services): docker, local, external'),
    patches: z.array(PatchReportSchema).optional().describe("rtcspec's patches to werift and sip.js (src/patches) and whether each is applied"),
    summary: z
      .object({
        total: z.number().int().nonnegative(),
        ok: z.number().int().nonnegative(),
        notOk: z.array(ToolIdSchema).describe('Tools that are missing or unusable'),
        missingRequiredForCi: z.array(ToolIdSchema).describe('Tools required in CI that are missing or unusable'),
      })
      .strict(),
  })
  .strict()
  .describe('rtcspec doctor report: which external tools are usable on this machine')

/** The machine-readable output of `rtcspec doctor --json`. */
export type DoctorReport = z.infer<typeof DoctorReportSchema>
