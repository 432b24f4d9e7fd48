/**
 * Harness for rtcspec's own wire-format parsers (SDP, ICE candidate, trickle sdpfrag, SIP).
 * Invariants: a parser never throws anything but its typed `ParseError`; valid generated input parses, and
 * serializes back to exactly the same text (SDP, SIP) or to an equivalent model (candidate, sdpfrag).
 */
import fc from 'fast-check'
import { ParseError } from '../../errors.ts'
import { parseCandidate, serializeCandidate } from '../../ice/candidate.ts'
import { parseSdpFrag, serializeSdpFrag } from '../../ice/sdpfrag.ts'
import { parseSdp } from '../../sdp/parse.ts'
import { serializeSdp } from '../../sdp/serialize.ts'
import { parseSipMessage, serializeSipMessage } from '../../sip/message.ts'
import { candidateArb, sdpFragArb } from '../arbitraries/ice.ts'
import { buildMutatedOffer, mutatedOffer } from '../arbitraries/sdp-mutation.ts'
import { buildSipRequest, buildSipResponse, sipMessageText, sipRequest, sipResponse } from '../arbitraries/sip.ts'
import { mutatedCandidateText, trickleFragment, buildMutatedTrickleFragment, mutatedTrickleFragment } from '../arbitraries/trickle.ts'
import { buildWebrtcOffer, webrtcOffer } from '../arbitraries/webrtc-offer.ts'
import { decodedPayload, hasRawBytes } from '../payload.ts'
import type { FuzzCase, FuzzOutcome, FuzzTarget } from '../target.ts'

/** The formats this harness fuzzes. */
export type ParserFormat = 'sdp' | 'candidate' | 'sdpfrag' | 'sip'

/** One parser input: the format, the text, and whether it was generated valid (then it must round-trip). */
export interface ParserInput {
  format: ParserFormat
  text: string
  valid: boolean
}

const session = { ufrag: 'fuzz', pwd: 'fuzzfuzzfuzzfuzzfuzzfu', mids: ['0', '1'] }

/** Inputs for every parser, valid and mutated. `formats` narrows it. */
export function parserInput(formats: readonly ParserFormat[] = ['sdp', 'candidate', 'sdpfrag', 'sip']): fc.Arbitrary<ParserInput> {
  const by: Record<ParserFormat, fc.Arbitrary<ParserInput>[]> = {
    sdp: [
      webrtcOffer().map((o) => ({ format: 'sdp' as const, text: buildWebrtcOffer(o), valid: true })),
      mutatedOffer({ maxMutations: 4 }).map((m) => ({ format: 'sdp' as const, text: buildMutatedOffer(m), valid: false })),
    ],
    candidate: [
      candidateArb.map((c) => ({ format: 'candidate' as const, text: serializeCandidate(c), valid: true })),
      mutatedCandidateText.map((text) => ({ format: 'candidate' as const, text, valid: false })),
    ],
    sdpfrag: [
      fc
        .oneof(
          sdpFragArb.map((f) => serializeSdpFrag(f)),
          trickleFragment.map((f) => buildMutatedTrickleFragment(session, { fragment: f, mutations: [] })),
        )
        .map((text) => ({ format: 'sdpfrag' as const, text, valid: true })),
      mutatedTrickleFragment.map((m) => ({ format: 'sdpfrag' as const, text: buildMutatedTrickleFragment(session, m), valid: m.mutations.length === 0 })),
    ],
    sip: [
      fc.oneof(sipRequest.map(buildSipRequest), sipResponse.map(buildSipResponse)).map((text) => ({ format: 'sip' as const, text, valid: true })),
      sipMessageText.map((text) => ({ format: 'sip' as const, text, valid: false })),
    ],
  }
  return fc.oneof(...formats.flatMap((f) => by[f]))
}

function roundTrip(format: ParserFormat, text: string): string | undefined {
  switch (format) {
    case 'sdp': {
      const out = serializeSdp(parseSdp(text))
      return out === text ? undefined : 'serializeSdp(parseSdp(x)) !== x'
    }
    case 'candidate': {
      const c = parseCandidate(text)
      return JSON.stringify(parseCandidate(serializeCandidate(c))) === JSON.stringify(c) ? undefined : 'candidate does not survive serialize → parse'
    }
    case 'sdpfrag': {
      const f = parseSdpFrag(text)
      return JSON.stringify(parseSdpFrag(serializeSdpFrag(f))) === JSON.stringify(f) ? undefined : 'sdpfrag does not survive serialize → parse'
    }
    case 'sip': {
      const out = serializeSipMessage(parseSipMessage(text))
      return out === text ? undefined : 'serializeSipMessage(parseSipMessage(x)) !== x'
    }
  }
}

function parseOnly(format: ParserFormat, text: string): void {
  if (format === 'sdp') parseSdp(text)
  else if (format === 'candidate') parseCandidate(text)
  else if (format === 'sdpfrag') parseSdpFrag(text)
  else parseSipMessage(text)
}

/** Runs one parser case and checks the invariants. Exported for replay and regression specs. */
export function runParserCase(c: FuzzCase): FuzzOutcome {
  const format = (c.fields.format ?? 'sdp') as ParserFormat
  const text = c.fields.text ?? ''
  const valid = c.fields.valid === 'true'
  const violations: string[] = []
  let response = `${format}:ok`
  // Both what a caller may hand over (the string, lone surrogates included) and what a server decodes from the wire.
  const inputs = hasRawBytes(text) ? [text, decodedPayload(text)] : [text]
  for (const input of inputs) {
    try {
      const problem = roundTrip(format, input)
      if (problem && valid) violations.push(`valid ${format} input: ${problem}`)
    } catch (e) {
      if (e instanceof ParseError) {
        response = `${format}:ParseError`
        if (valid) violations.push(`valid ${format} input rejected: ${e.message.split('\n')[0]}`)
        try {
          parseOnly(format, input) // a round-trip error must come from the parse, not the serializer
        } catch (e2) {
          if (!(e2 instanceof ParseError)) violations.push(`${format} parser threw ${(e2 as Error)?.name}: ${(e2 as Error)?.message}`)
        }
      } else {
        response = `${format}:crash`
        violations.push(`${format} parser threw ${(e as Error)?.name ?? typeof e} (not ParseError): ${(e as Error)?.message ?? String(e)}`)
      }
    }
  }
  return { response, violations }
}

/** The parser harness as a campaign target. */
export function parserTarget(formats: readonly ParserFormat[] = ['sdp', 'candidate', 'sdpfrag', 'sip']): FuzzTarget<ParserInput> {
  return {
    name: 'parsers',
    description: `rtcspec's own parsers (${formats.join(', ')})`,
    invariants: [
      'a parser never throws anything but ParseError',
      'valid generated input parses and round-trips (SDP and SIP byte-exactly, candidates and sdpfrag to the same model)',
    ],
    arbitrary: parserInput(formats),
    toCase: (i) => ({ kind: 'parser', fields: { format: i.format, text: i.text, valid: String(i.valid) } }),
    run: async (c) => runParserCase(c),
  }
}
