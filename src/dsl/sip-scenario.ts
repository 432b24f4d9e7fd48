/**
 * SIP call flows in the declarative `scenario()` form: `scenario(name, { sip: { flow: [...] } })`.
 * The spec is data validated by zod; the flow runs on rtcspec's call-flow engine (src/sipua/call-flow.ts)
 * against the embedded registrar (default), an rtcspec user agent that answers (`answerer`), or any SIP
 * SIP server (host names resolved when the flow starts). A failure names the flow step and shows the SIP ladder up to it with the SDPs.
 *
 * ```ts
 * scenario('INVITE is answered within 2 s with PCMU and a 1500 Hz tone', {
 *   sip: {
 *     answerer: { user: 'bob', send: { tone: 1500 } },
 *     flow: [
 *       { send: 'INVITE', sdp: true },
 *       { expect: 100, optional: true },
 *       { expect: 180, optional: true },
 *       { expect: 200, maxResponse: '2s', body: 'RTP/AVP 0' },
 *       { send: 'ACK' },
 *       { media: { send: { tone: 440 }, expect: { packetsAtLeast: 50, tone: 1500 } } },
 *       { send: 'BYE' },
 *       { expect: 200 },
 *     ],
 *   },
 * })
 * ```
 */
import { z } from 'zod'
import { DurationSchema } from '../calls/duration.ts'
import { RatioSchema } from '../calls/ratio.ts'
import { sources } from '../calls/sources.ts'
import { ScenarioError } from '../errors.ts'
import { runSipFlow, SipFlowError, type FlowStep, type SipFlowResult } from '../sipua/call-flow.ts'
import { startSipRegistrar, type SipRegistrar } from '../sipua/registrar.ts'
import { createSipUserAgent, firstRtpSince, type SipUserAgent } from '../sipua/user-agent.ts'
import { sipSignaling, type LoggedSipMessage } from '../sipua/sip-log.ts'
import { getHeader } from '../sip/index.ts'
import { appendCallRecord, buildCallRecord } from '../peers/call-record.ts'
import type { SipChannelTarget } from '../sipua/sip-channel.ts'
import type { AudioSourceSpec, Peer } from '../peers/types.ts'

const ToneSchema = z.object({ tone: z.union([z.number().positive().max(20_000), z.array(z.number().positive().max(20_000)).min(1).max(8)]) }).strict()
const Headers = z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name'), z.string())
const regexString = z.string().refine((s) => {
  try {
    new RegExp(s)
    return true
  } catch {
    return false
  }
}, 'a valid regular expression')

const SendStepSchema = z
  .object({
    send: z.string().regex(/^[A-Za-z]+$/, 'a SIP method such as INVITE'),
    uri: z.string().optional(),
    headers: Headers.optional(),
    body: z.string().optional(),
    contentType: z.string().optional(),
    sdp: z.boolean().optional(),
    retransmit: z.boolean().optional(),
    auth: z
      .object({ username: z.string().min(1), password: z.string() })
      .strict()
      .optional(),
  })
  .strict()
const ReplyStepSchema = z
  .object({
    reply: z.number().int().min(100).max(699),
    reason: z.string().optional(),
    headers: Headers.optional(),
    body: z.string().optional(),
    contentType: z.string().optional(),
    sdp: z.boolean().optional(),
  })
  .strict()
const ExpectStepSchema = z
  .object({
    expect: z.union([z.string().regex(/^[A-Za-z]+$/, 'a SIP method'), z.number().int().min(100).max(699), z.array(z.number().int().min(100).max(699)).min(1)]),
    optional: z.boolean().optional(),
    timeout: DurationSchema.optional(),
    maxResponse: DurationSchema.optional(),
    headers: z.record(z.string(), regexString).optional(),
    body: regexString.optional(),
    capture: z
      .record(
        z.string().regex(/^[A-Za-z_]\w*$/, 'a variable name'),
        z.object({ header: z.string().optional(), startLine: z.boolean().optional(), regex: regexString }).strict(),
      )
      .optional(),
  })
  .strict()
/** The ACK of the 2xx the flow sent to an INVITE arrives within `within` (default 64·T1); the 2xx is retransmitted over UDP meanwhile. */
const ExpectAckStepSchema = z.object({ expectAck: z.literal(true), within: DurationSchema.optional() }).strict()
const PauseStepSchema = z.object({ pause: DurationSchema }).strict()
const MediaStepSchema = z
  .object({
    media: z
      .object({
        send: ToneSchema.optional(),
        expect: z
          .object({
            packetsAtLeast: z.number().int().positive(),
            within: DurationSchema.optional(),
            tone: z.number().positive().optional(),
            lossBelow: RatioSchema.optional(),
          })
          .strict()
          .optional(),
      })
      .strict(),
  })
  .strict()

/** The `sip` part of a SIP scenario. */
export const SipScenarioSchema = z
  .object({
    /** Where the flow goes: the embedded registrar (default, over UDP) or a host (name or IP address) and port, or a WebSocket URL. */
    target: z
      .union([
        z.literal('embedded'),
        z.object({ transport: z.enum(['udp', 'tcp']), host: z.string(), port: z.number().int().min(1).max(65535) }).strict(),
        z.object({ transport: z.literal('ws'), url: z.string().regex(/^wss?:\/\//) }).strict(),
      ])
      .default('embedded'),
    /** An rtcspec user agent (UDP, plain RTP) that answers every call; the flow then calls it. */
    answerer: z
      .object({ user: z.string().regex(/^[\w.-]+$/), send: ToneSchema.optional() })
      .strict()
      .optional(),
    vars: z.record(z.string(), z.string()).optional(),
    timers: z.object({ t1: DurationSchema.optional(), t2: DurationSchema.optional() }).strict().optional(),
    flow: z
      .array(z.union([SendStepSchema, ReplyStepSchema, ExpectStepSchema, ExpectAckStepSchema, PauseStepSchema, MediaStepSchema]))
      .min(1)
      .max(10_000),
  })
  .strict()

/** A scenario whose body is a SIP call flow. */
export const SipScenarioSpecSchema = z.object({ sip: SipScenarioSchema }).strict()
/** A declarative SIP scenario, as `scenario()` and {@link runSipScenario} take it. */
export type SipScenarioSpec = z.input<typeof SipScenarioSpecSchema>

export { isSipScenarioSpec } from './scenario-kind.ts'

function toneSource(t: z.output<typeof ToneSchema>): AudioSourceSpec {
  return Array.isArray(t.tone) ? sources.tones(t.tone) : sources.tone(t.tone)
}

/** The call-flow engine's steps for a scenario's `flow` (validated; throws a ScenarioError naming every problem). */
export function sipFlowSteps(name: string, flow: unknown): FlowStep[] {
  const parsed = SipScenarioSchema.shape.flow.safeParse(flow)
  if (!parsed.success) throw new ScenarioError(name, 'validate the spec', new Error(`invalid SIP flow:\n${z.prettifyError(parsed.error)}`), '')
  return toSteps(parsed.data)
}

function toSteps(flow: z.output<typeof SipScenarioSchema>['flow']): FlowStep[] {
  return flow.map((s): FlowStep => {
    if ('expect' in s) {
      const { timeout, maxResponse, ...rest } = s
      return {
        ...rest,
        ...(timeout !== undefined ? { timeoutMs: timeout } : {}),
        ...(maxResponse !== undefined ? { maxResponseMs: maxResponse } : {}),
      } as FlowStep
    }
    if ('pause' in s) return { pause: s.pause }
    if ('expectAck' in s) return { expectAck: true, ...(s.within !== undefined ? { withinMs: s.within } : {}) }
    if ('media' in s) {
      const e = s.media.expect
      return {
        media: {
          ...(s.media.send ? { send: toneSource(s.media.send) } : {}),
          ...(e
            ? {
                expect: {
                  packetsAtLeast: e.packetsAtLeast,
                  ...(e.within !== undefined ? { withinMs: e.within } : {}),
                  ...(e.tone !== undefined ? { tone: e.tone } : {}),
                  ...(e.lossBelow !== undefined ? { lossBelow: e.lossBelow } : {}),
                },
              }
            : {}),
        },
      }
    }
    return s as FlowStep
  })
}

/** `connectMs`: from the first INVITE on the wire to the first 2xx answering an INVITE, when both are in the log. */
function connectMsOf(entries: ReadonlyArray<LoggedSipMessage>): { connectMs?: number } {
  const invite = entries.find((e) => e.parsed?.kind === 'request' && e.parsed.method === 'INVITE')
  if (!invite) return {}
  const ok = entries.find(
    (e) =>
      e.at >= invite.at &&
      e.parsed?.kind === 'response' &&
      e.parsed.status >= 200 &&
      e.parsed.status < 300 &&
      /^\s*\d+\s+INVITE\s*$/i.test(getHeader(e.parsed, 'CSeq') ?? ''),
  )
  return ok ? { connectMs: ok.at - invite.at } : {}
}

/** Runs a SIP scenario (without Vitest). Throws a ScenarioError naming the step. Writes a `sip` call record. */
export async function runSipScenario(name: string, spec: unknown, test?: { file?: string; name: string }): Promise<SipFlowResult> {
  const parsed = SipScenarioSpecSchema.safeParse(spec)
  if (!parsed.success) throw new ScenarioError(name, 'validate the spec', new Error(`invalid SIP scenario spec:\n${z.prettifyError(parsed.error)}`), '')
  const s = parsed.data.sip
  const startedAt = new Date()
  let registrar: SipRegistrar | undefined
  let answerer: SipUserAgent | undefined
  let result: SipFlowResult | undefined
  let failed = false
  let flowError: SipFlowError | undefined
  let step = 'start the far end'
  try {
    let target: SipChannelTarget
    const vars: Record<string, string> = { ...s.vars }
    if (s.answerer) {
      answerer = await createSipUserAgent({
        uri: `sip:${s.answerer.user}@127.0.0.1`,
        transport: { kind: 'udp' },
        media: 'rtp',
        name: s.answerer.user,
        callRecords: false,
      })
      answerer.autoAnswer(s.answerer.send ? { send: toneSource(s.answerer.send) } : {})
      target = { transport: 'udp', host: '127.0.0.1', port: answerer.local!.port }
      vars.service ??= s.answerer.user
    } else if (s.target === 'embedded') {
      registrar = await startSipRegistrar({ transports: ['udp'] })
      target = { transport: 'udp', ...registrar.udp }
      vars.service ??= registrar.domain
    } else target = s.target
    step = 'run the flow'
    result = await runSipFlow({
      name,
      target,
      steps: toSteps(s.flow),
      vars,
      ...(s.timers ? { timers: { ...(s.timers.t1 !== undefined ? { t1: s.timers.t1 } : {}), ...(s.timers.t2 !== undefined ? { t2: s.timers.t2 } : {}) } } : {}),
    })
    return result
  } catch (e) {
    failed = true
    if (e instanceof SipFlowError) flowError = e
    if (e instanceof SipFlowError) throw new ScenarioError(name, `flow step ${e.stepIndex + 1}: ${e.stepLabel}`, new Error(e.reason), e.ladder)
    throw new ScenarioError(name, step, e, '')
  } finally {
    const peers: Peer[] = [...(result?.media ? [result.media] : []), ...(answerer?.calls.flatMap((c) => (c.sdh ? [c.sdh.peer] : [])) ?? [])]
    try {
      const record = await buildCallRecord({
        kind: 'sip',
        peers,
        startedAt,
        signaling: sipSignaling(result?.log.entries ?? flowError?.log?.entries ?? [], startedAt.getTime(), 'flow'),
        setup: { ...connectMsOf(result?.log.entries ?? flowError?.log?.entries ?? []), ...firstRtpSince(peers, startedAt.getTime()) },
        extra: { sipScenario: { timings: result?.timings ?? [], skipped: result?.skipped ?? [] } },
        ...(test ? { test: { ...test, result: failed ? 'failed' : 'passed' } } : {}),
      })
      appendCallRecord(record)
    } catch {
      // a record that cannot be built must not hide the scenario's own outcome
    }
    await answerer?.close()
    await registrar?.close()
  }
}
