/**
 * Which of rtcspec's own test files are pure unit tests, in one place.
 *
 * The `unit` project (vitest.config.ts) runs these files in shared worker processes (`isolate: false`): no fresh
 * process and no fresh module graph per file, which is most of what such a file costs. Everything else — files that
 * open sockets, start processes, browsers or containers, or wait on real time — is the `real` project, one fresh
 * process per file as before.
 *
 * A file belongs here only when nothing it loads can do I/O beyond reading files: test/architecture/test-projects.test.ts
 * walks each file's imports (its own, its helpers' and the sources', transitively) and fails, naming the import
 * chain, when one reaches a module in {@link UNIT_FORBIDDEN_MODULES} or {@link UNIT_FORBIDDEN_SOURCES}, or when a file
 * does something that would leak into the next file of a shared worker ({@link UNIT_FORBIDDEN_CALLS}). A folder
 * glob admits the files added to that folder later, and the check holds them to the same rule.
 */

/** Globs (relative to the repository root) of the files of the `unit` project. */
export const UNIT_TESTS: readonly string[] = [
  // Wire formats: parsers and writers, no I/O.
  'test/sdp/**/*.test.ts',
  'test/ice/**/*.test.ts',
  'test/sip/**/*.test.ts',
  'test/rtp/**/*.test.ts',
  'test/conformance/trace/**/*.test.ts',
  // Media arithmetic (codecs, analysis, sources) on samples in memory.
  'test/media/analysis.test.ts',
  'test/media/dtmf.test.ts',
  'test/media/emodel.test.ts',
  'test/media/fft.test.ts',
  'test/media/g711.test.ts',
  'test/media/opus.test.ts',
  'test/media/resample.test.ts',
  'test/media/rtp-recorder.test.ts',
  'test/media/sources.test.ts',
  'test/media/summary.test.ts',
  'test/media/wav-source.test.ts',
  'test/media/video/analysis*.test.ts',
  'test/media/video/frame-code.test.ts',
  'test/media/video/pattern.test.ts',
  'test/media/video/containers.test.ts',
  'test/media/video/frame-assembler*.test.ts',
  // Data and text checks.
  'test/architecture/layers.test.ts',
  'test/calls/network.test.ts',
  'test/conformance/docs.test.ts',
  'test/dsl/matchers.test.ts',
  'test/http/link.test.ts',
  'test/patches/werift/aes-gcm.test.ts',
  'test/peers/audio-sender.test.ts',
  'test/peers/audio-sender-errors.test.ts',
  'test/peers/audio-senders.test.ts',
  'test/peers/inbound-track.test.ts',
  'test/report/ci-output.test.ts',
  'test/report/config.test.ts',
  'test/report/gates.test.ts',
  'test/report/workflow-example.test.ts',
  'test/sipua/sip-log.test.ts',
  'test/smoke.test.ts',
]

/** Every test file of the suite: the `unit` project takes {@link UNIT_TESTS}, the `real` project the rest. */
export const ALL_TESTS: readonly string[] = ['test/**/*.test.ts', 'specs/**/*.spec.ts']

/**
 * Modules a unit test must not reach: sockets, processes, worker threads, the inspector, the peer stacks and the
 * container client. Node built-ins are matched with and without the `node:` prefix; packages with their subpaths.
 */
export const UNIT_FORBIDDEN_MODULES: readonly string[] = [
  'net',
  'dgram',
  'child_process',
  'worker_threads',
  'cluster',
  'http',
  'https',
  'http2',
  'tls',
  'inspector',
  'werift',
  'puppeteer-core',
  'sip.js',
  'ws',
  'testcontainers',
  'vitest/node',
]

/** Source folders a unit test must not reach (the peer implementations and the service runners). */
export const UNIT_FORBIDDEN_SOURCES: readonly string[] = ['src/peers/werift/', 'src/peers/chromium/', 'src/peers/rtp/', 'src/services/']

/**
 * What a unit test file (or a test helper it imports) must not do, because in a shared worker it would outlive the file or cannot be
 * checked: module mocks and stubbed globals or environment, a changed working directory, assignments to
 * `process.env`, network requests, and `import()` of a computed specifier (whose target the import walk cannot see).
 */
export const UNIT_FORBIDDEN_CALLS: ReadonlyArray<{ readonly pattern: RegExp; readonly what: string }> = [
  {
    pattern: /\bvi\.(mock|doMock|unmock|stubGlobal|stubEnv)\s*\(/,
    what: 'a module mock or stubbed global/environment (leaks into the next file of a shared worker)',
  },
  { pattern: /\bprocess\.chdir\s*\(/, what: 'process.chdir (leaks into the next file of a shared worker)' },
  { pattern: /\bprocess\.env(\.\w+|\[[^\]]+\])\s*=[^=]/, what: 'an assignment to process.env (leaks into the next file of a shared worker)' },
  { pattern: /\bdelete\s+process\.env\b/, what: 'a deletion from process.env (leaks into the next file of a shared worker)' },
  { pattern: /\bfetch\s*\(/, what: 'a network request (fetch)' },
  { pattern: /\bimport\s*\(\s*[^'"\s)]/, what: 'import() of a computed specifier (the import walk cannot follow it)' },
]
