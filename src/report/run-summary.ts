/**
 * The run summary (`reports/summary.json`): one JSON document per `rtcspec run`, with every test's outcome,
 * the call-record count, the gate results and the exit class. It is the contract between the run (which
 * writes it) and everything that reads a run afterwards: the HTML report, CI annotations, dashboards.
 * The zod schema is the contract; `docs/ci.md` documents the fields.
 */
import { z } from 'zod'

/** A requirement a test checks (conformance tests), parsed from its name `<id> [<level> <document> §<section>]`. */
export const TestRequirementSchema = z.object({
  id: z.string(),
  level: z.string().optional(),
  document: z.string().optional(),
  section: z.string().optional(),
})

/** An attachment or annotation a test recorded (a recording, a plot, a note). */
export const TestAnnotationSchema = z.object({
  type: z.string(),
  message: z.string(),
  /** File path, relative to the report directory when it lies inside it. */
  path: z.string().optional(),
  contentType: z.string().optional(),
})

/** One test's outcome. */
export const TestSummarySchema = z.object({
  /** Stable id: `<file>::<full name>`. */
  id: z.string(),
  /** The spec file, relative to the working directory. */
  file: z.string(),
  /** The full name, with the describe blocks joined by ` > `. */
  name: z.string(),
  state: z.enum(['passed', 'failed', 'skipped']),
  durationMs: z.number().nonnegative(),
  /** Why it was skipped (the skip note), when it was. */
  skipReason: z.string().optional(),
  /** What failed; `code` is the `RtcspecError` code when the error was one (e.g. `TOOL_MISSING`). */
  errors: z.array(z.object({ message: z.string(), stack: z.string().optional(), diff: z.string().optional(), code: z.string().optional() })),
  requirement: TestRequirementSchema.optional(),
  annotations: z.array(TestAnnotationSchema).optional(),
  /** Line of the test in its file, for CI annotations. */
  line: z.number().int().optional(),
  /** Set when the test passed only after failing first (Vitest `retry`); the `tests.flaky` gate counts these. */
  flaky: z.literal(true).optional(),
  /** How many times the test was retried, when it was. */
  retries: z.number().int().nonnegative().optional(),
})

/** One gate: a threshold on a metric over the run's call records. */
export const GateResultSchema = z.object({
  /** The metric, e.g. `audio.loss`, `audio.jitterMs`, `mos`, `setup.connectMs`. */
  metric: z.string(),
  /** The threshold as declared, e.g. `< 0.01`. */
  threshold: z.string(),
  /** The worst value seen over the records the metric applies to; absent when no record had it. */
  actual: z.number().optional(),
  /** How many call records gave a value. */
  samples: z.number().int().nonnegative(),
  pass: z.boolean(),
  /** The call record (and its test) that gave the worst value. */
  worst: z.object({ callId: z.string(), test: z.string().optional() }).optional(),
  /** Why it failed when no value was seen, or anything else to know. */
  note: z.string().optional(),
})

/** Exit classes and codes live in src/exit-codes.ts (every layer uses them); re-exported here for the reporters. */
export { EXIT_CODES, type ExitClass } from '../exit-codes.ts'

/** The whole `summary.json`. */
export const RunSummarySchema = z.object({
  schema: z.literal('rtcspec.run-summary/v1'),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
  durationMs: z.number().nonnegative(),
  /** Machine and versions: `{ node, platform, cpus, rtcspec }`. */
  environment: z.record(z.string(), z.unknown()),
  /** Seed of impairment used by every call, when one was given. */
  seed: z.string().optional(),
  totals: z.object({ passed: z.number().int(), failed: z.number().int(), skipped: z.number().int() }),
  tests: z.array(TestSummarySchema),
  callRecords: z.object({ file: z.string(), count: z.number().int().nonnegative(), invalid: z.array(z.string()) }),
  gates: z.object({ source: z.string().optional(), passed: z.boolean(), results: z.array(GateResultSchema) }).optional(),
  /** Problems outside the specs themselves: a missing tool, a port in use, a file that failed to load. */
  infrastructureErrors: z.array(
    z.object({
      message: z.string(),
      hint: z.string().optional(),
      /** The spec file concerned, when there is one. */
      file: z.string().optional(),
      /** The test concerned (its summary `id`), when there is one. */
      test: z.string().optional(),
      /** The `RtcspecError` code or Node error code that classified it (e.g. `TOOL_MISSING`, `EADDRINUSE`). */
      code: z.string().optional(),
    }),
  ),
  /** Set when the run was stopped by a signal before it ended: what stopped it and the tests that did not finish. */
  interrupted: z
    .object({
      /** `SIGINT`, `SIGTERM` or `SIGHUP` (`cancelled` when Vitest's run was cancelled some other way). */
      signal: z.string(),
      /** When the signal came. */
      at: z.iso.datetime(),
      /** Ids of the tests that were running or not started yet (they are `skipped` in `tests`). */
      unfinished: z.array(z.string()),
    })
    .optional(),
  exit: z.object({ class: z.enum(['ok', 'test-failure', 'usage', 'gate-failure', 'infrastructure', 'interrupted']), code: z.number().int() }),
})

/** `summary.json`: every test's outcome, the gates and the exit class of one run (or of merged shards). */
export type RunSummary = z.infer<typeof RunSummarySchema>
/** One test of a {@link RunSummary}: its id, file, name, state, duration, errors and, when retried, whether it was flaky. */
export type TestSummary = z.infer<typeof TestSummarySchema>
/** One gate of `rtcspec.config.*` evaluated over a run: the metric, its threshold, the worst value and where it was seen. */
export type GateResult = z.infer<typeof GateResultSchema>
