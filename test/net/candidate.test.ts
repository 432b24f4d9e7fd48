import { describe, it, expect } from 'vitest'
import { rewriteCandidate } from '../../src/net/index.ts'
import { RtcspecError } from '../../src/errors.ts'

const proxy = { address: '127.0.0.1', port: 40001 }

describe('rewriteCandidate', () => {
  it('replaces address and port and keeps every other token', () => {
    const line = 'candidate:842163049 1 udp 1677729535 127.0.0.1 54321 typ host generation 0 ufrag abcd network-cost 999'
    expect(rewriteCandidate(line, proxy)).toBe('candidate:842163049 1 udp 1677729535 127.0.0.1 40001 typ host generation 0 ufrag abcd network-cost 999')
  })
  it('keeps an a= prefix, raddr/rport and trailing CRLF, and accepts IPv6', () => {
    const line = 'a=candidate:1 1 UDP 2122260223 ::1 5000 typ srflx raddr ::1 rport 6000\r\n'
    expect(rewriteCandidate(line, { address: '::1', port: 7 })).toBe('a=candidate:1 1 UDP 2122260223 ::1 7 typ srflx raddr ::1 rport 6000\r\n')
  })
  it('rewrites an mDNS host name too (the relay address replaces it)', () => {
    expect(rewriteCandidate('candidate:2 1 udp 100 abc.local 9 typ host', proxy)).toBe('candidate:2 1 udp 100 127.0.0.1 40001 typ host')
  })
  it('refuses TCP candidates and non-candidates with a hint', () => {
    expect(() => rewriteCandidate('candidate:1 1 tcp 100 127.0.0.1 9 typ host tcptype passive', proxy)).toThrow(/only udp/)
    expect(() => rewriteCandidate('m=audio 9 UDP/TLS/RTP/SAVPF 111', proxy)).toThrow(RtcspecError)
    expect(() => rewriteCandidate('candidate:1 1 udp 100 127.0.0.1 9', proxy)).toThrow(/hint/)
  })
})
