/** The SIP harness against a scripted UDP endpoint: the profile decides whether silence is a finding. */
import { createSocket, type Socket } from 'node:dgram'
import { afterEach, describe, expect, test } from 'vitest'
import { buildSipRequest, type SipRequestSpec } from '../../src/fuzz/arbitraries/sip.ts'
import { sipTarget } from '../../src/fuzz/targets/sip.ts'
import type { SipProfile } from '../../src/fuzz/targets/sip-rules.ts'

const spec = (method: string): SipRequestSpec => ({
  method,
  user: 'RUN.bob',
  host: 'TARGET',
  branch: 'abc',
  fromTag: 'f',
  callId: `c-${method}`,
  cseq: 1,
  maxForwards: 70,
  compact: false,
  sdpBody: false,
  extraHeaders: [],
})

let endpoint: Socket | undefined
afterEach(async () => {
  const s = endpoint
  endpoint = undefined
  if (s) await new Promise<void>((r) => s.close(() => r()))
})

/** A UDP endpoint that answers OPTIONS 200 (with rport) and nothing else. */
async function silentExceptOptions(): Promise<number> {
  const s = createSocket('udp4')
  endpoint = s
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))
  s.on('message', (b, rinfo) => {
    const text = b.toString('utf8')
    if (!text.startsWith('OPTIONS ')) return
    const keep = text.split('\r\n').filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l))
    s.send(`SIP/2.0 200 OK\r\n${keep.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, rinfo.port, rinfo.address)
  })
  return s.address().port
}

describe('the SIP harness applies the profile', () => {
  for (const profile of ['proxy', 'uas'] as SipProfile[]) {
    test(`a CANCEL matching no transaction, unanswered: ${profile === 'proxy' ? 'permitted silence at a proxy' : 'a finding at a UAS (481 required)'}`, async () => {
      const port = await silentExceptOptions()
      const target = sipTarget({ url: `udp://127.0.0.1:${port}`, profile, timeoutMs: 300, graceMs: 20 })
      try {
        const cancel = await target.run({ kind: 'sip', fields: { text: buildSipRequest(spec('CANCEL')) } })
        if (profile === 'proxy') {
          expect(cancel).toMatchObject({ response: 'silence:cancel-unmatched', violations: [] })
        } else {
          expect(cancel.response).toBe('no-answer')
          expect(cancel.violations).toEqual(['no final response within 300 ms to a well-formed CANCEL, and no rule lets a uas stay silent here'])
        }
        // a well-formed OPTIONS is answered; an unanswered BYE is a finding for every profile
        expect(await target.run({ kind: 'sip', fields: { text: buildSipRequest(spec('OPTIONS')) } })).toMatchObject({ response: '200', violations: [] })
        const bye = await target.run({ kind: 'sip', fields: { text: buildSipRequest(spec('BYE')) } })
        expect(bye.violations[0]).toMatch(/no final response within 300 ms to a well-formed BYE/)
        expect(await target.healthCheck?.()).toEqual([])
      } finally {
        await target.close?.()
      }
    })
  }
})
