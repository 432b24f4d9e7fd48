/**
 * Exit classes and their process exit codes, the same for every rtcspec command (docs/ci.md). Data only, at
 * the bottom of the layer picture so that every layer (the load runner, the fuzzer, the reporters, the CLI)
 * speaks the same codes.
 */

/**
 * Exit classes and their process exit codes: 0 ok, 1 a test (or a check, a fuzz invariant, a load call) failed,
 * 2 usage, 3 a gate failed, 4 infrastructure (nothing could be tested: a tool missing, a target unreachable, a
 * connection refused), 130 interrupted (SIGINT, SIGTERM or SIGHUP; the reports of what ran are still written).
 */
export const EXIT_CODES = { ok: 0, 'test-failure': 1, usage: 2, 'gate-failure': 3, infrastructure: 4, interrupted: 130 } as const

/** What a run ended as. */
export type ExitClass = keyof typeof EXIT_CODES
