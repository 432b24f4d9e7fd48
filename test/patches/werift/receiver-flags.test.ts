import { describe, expect, it } from 'vitest'
import { RTCRtpReceiver } from 'werift'
import { installWeriftPatches } from '../../../src/patches/werift/index.ts'
import { weriftReceiverFlagOriginals, weriftReceiverFlags } from '../../../src/patches/werift/receiver-flags.ts'

type Flags = { codecs: Record<string, unknown>; twccEnabled: unknown; nackEnabled: unknown; pliEnabled: unknown }

const codec = (payloadType: number, ...feedback: Array<{ type: string; parameter?: string }>) => ({ payloadType, rtcpFeedback: feedback })
const TWCC = { type: 'transport-cc' }
const NACK = { type: 'nack' }
const PLI = { type: 'nack', parameter: 'pli' }

/** Codec maps as werift's receivers hold them (keyed by payload type), and odd ones its getters must agree on too. */
const CASES: Array<[string, Record<string, unknown>]> = [
  ['no codecs', {}],
  ['PCMU and telephone-event at two rates (a werift audio call)', { 0: codec(0), 101: codec(101), 110: codec(110) }],
  ['video with every feedback', { 96: codec(96, PLI, NACK, TWCC), 97: codec(97, NACK) }],
  ['the lowest payload type has none, a higher one has all', { 8: codec(8), 96: codec(96, NACK, PLI, TWCC) }],
  ['PLI listed before plain NACK', { 100: codec(100, PLI, TWCC, NACK) }],
  ['keys that are not the payload types', { a: codec(111, TWCC), b: codec(9), c: codec(9, NACK) }],
]

describe('werift/receiver-flags', () => {
  it('is installed on the werift it was written for', () => {
    installWeriftPatches()
    expect(weriftReceiverFlags()).toBe('installed')
    expect(Object.getOwnPropertyDescriptor(RTCRtpReceiver.prototype, 'twccEnabled')?.get).not.toBe(weriftReceiverFlagOriginals.twccEnabled)
  })

  it.each(CASES)('twccEnabled, nackEnabled and pliEnabled return what werift returns: %s', (_name, codecs) => {
    installWeriftPatches()
    const r = Object.create(RTCRtpReceiver.prototype) as Flags
    r.codecs = codecs
    for (const flag of ['twccEnabled', 'nackEnabled', 'pliEnabled'] as const) {
      const original = weriftReceiverFlagOriginals[flag]!.call(r as never)
      // the same entry object (or undefined), not just an equal one
      expect(r[flag], flag).toBe(original)
    }
  })

  it('follows the codecs werift negotiates later: prepareReceive, resyncCodecs and a replaced codecs object', () => {
    installWeriftPatches()
    const r = new RTCRtpReceiver({} as never, 'audio', 1) as unknown as Flags & {
      prepareReceive(p: unknown): void
      resyncCodecs(p: unknown, ssrc?: number): void
    }
    const same = (what: string) => {
      for (const flag of ['twccEnabled', 'nackEnabled', 'pliEnabled'] as const)
        expect(r[flag], `${what}: ${flag}`).toBe(weriftReceiverFlagOriginals[flag]!.call(r as never))
    }
    same('no codecs')
    r.prepareReceive({ codecs: [codec(96)], encodings: [] })
    same('one codec without feedback')
    expect(r.twccEnabled).toBeUndefined()
    // a codec with a lower payload type arrives: it is the first one now
    r.prepareReceive({ codecs: [codec(90, TWCC, NACK)], encodings: [] })
    same('a lower payload type added')
    expect(r.twccEnabled).toBe(TWCC)
    r.resyncCodecs({ codecs: [{ ...codec(100, PLI), name: 'PCMU' }], encodings: [] })
    same('after a resync')
    expect(r.twccEnabled).toBeUndefined()
    r.codecs = { 5: codec(5, TWCC) }
    same('a replaced codecs object')
    expect(r.twccEnabled).toEqual(TWCC)
  })
})
