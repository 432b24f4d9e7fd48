/**
 * Errors rtcspec raises on purpose. Every one says what was wrong, where, and how to fix it.
 * Catch `RtcspecError` to tell rtcspec's own diagnoses apart from bugs.
 */
export class RtcspecError extends Error {
  /** Stable machine-readable code, e.g. `SDP_PARSE`, `TIMEOUT`, `TOOL_MISSING`. */
  readonly code: string
  /** How to fix it, when rtcspec knows. */
  readonly hint: string | undefined

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(options.hint ? `${message}\n  hint: ${options.hint}` : message, { cause: options.cause })
    this.name = 'RtcspecError'
    this.code = code
    this.hint = options.hint
  }
}

/** The input of a wire-format parser was not valid. Names the format, the line and the reason. */
export class ParseError extends RtcspecError {
  /** Which format was being parsed: `sdp`, `candidate`, `sdpfrag`, `ice-server-url`, `sip`, ... */
  readonly format: string
  /** 1-based line number in the input, when the input has lines. */
  readonly lineNumber: number | undefined
  /** The offending line (or fragment), truncated to 200 characters. */
  readonly line: string | undefined
  /** Why it is invalid, in words. */
  readonly reason: string

  constructor(format: string, reason: string, where: { lineNumber?: number; line?: string; hint?: string } = {}) {
    const line = where.line === undefined ? undefined : where.line.length > 200 ? `${where.line.slice(0, 200)}…` : where.line
    const loc = where.lineNumber !== undefined ? ` at line ${where.lineNumber}` : ''
    const shown = line !== undefined ? `: ${JSON.stringify(line)}` : ''
    super(`${format.toUpperCase().replace(/-/g, '_')}_PARSE`, `invalid ${format}${loc}${shown}: ${reason}`, { hint: where.hint })
    this.name = 'ParseError'
    this.format = format
    this.lineNumber = where.lineNumber
    this.line = line
    this.reason = reason
  }
}

/** The result of a `safeParse*` function: never throws for bad input. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: ParseError }

/** Runs a throwing parser and turns a ParseError into a ParseResult. Other errors are bugs and propagate. */
export function safely<T>(parse: () => T): ParseResult<T> {
  try {
    return { ok: true, value: parse() }
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, error: e }
    throw e
  }
}

/** A condition did not become true in time. Names the condition. */
export class TimeoutError extends RtcspecError {
  constructor(condition: string, ms: number, hint?: string) {
    super('TIMEOUT', `timed out after ${ms} ms waiting for ${condition}`, { hint })
    this.name = 'TimeoutError'
  }
}

/**
 * A scenario (declarative WebRTC or SIP call) failed: says which step, with the signalling ladder and the stats
 * at that moment in `message`. Here, next to `RtcspecError`, so that every layer that runs scenarios (the DSL,
 * the load generator) throws and recognises the same class.
 */
export class ScenarioError extends Error {
  /** The step that failed, e.g. `connect`, `validate the spec`, `flow step 3: expect 200`. */
  readonly step: string
  constructor(name: string, step: string, cause: unknown, context: string) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super(`scenario "${name}" failed at step "${step}": ${reason}${context ? `\n\n${context}` : ''}`, { cause })
    this.name = 'ScenarioError'
    this.step = step
  }
}
