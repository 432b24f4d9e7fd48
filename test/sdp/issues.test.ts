import { describe, it, expect } from 'vitest'
import { parseSdp, sdpIssues, serializeSdp } from '../../src/sdp/index.ts'
import { corpusFiles, load } from './corpus.ts'

const HEAD = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0']
const sdp = (...lines: string[]) => `${lines.join('\r\n')}\r\n`
const codes = (text: string) => sdpIssues(parseSdp(text)).map((i) => `${i.code}@${i.lineNumber ?? '-'}`)

describe('sdpIssues', () => {
  it.each(corpusFiles.filter((f) => !f.startsWith('handwritten-')))('finds nothing in %s', (file) => {
    expect(sdpIssues(parseSdp(load(file)))).toEqual([])
  })

  it('lists what the sloppy hand-written SDP gets wrong, with line numbers', () => {
    expect(codes(load('handwritten-sloppy-lf.sdp'))).toEqual(['lf-line-endings@-', 'trailing-whitespace@4', 'trailing-whitespace@17', 'empty-session-name@3'])
  })

  it('flags lines out of RFC 8866 order', () => {
    expect(codes(sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'c=IN IP4 127.0.0.1'))).toEqual(['line-order@5'])
    expect(codes(sdp(...HEAD, 'm=audio 9 RTP/AVP 0', 'a=sendrecv', 'c=IN IP4 127.0.0.1'))).toEqual(['line-order@8'])
  })

  it('flags a media section without any c=', () => {
    expect(codes(sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'm=audio 9 RTP/AVP 0', 'm=audio 10 RTP/AVP 0', 'c=IN IP4 0.0.0.0'))).toEqual([
      'missing-connection@5',
    ])
  })

  it('flags payload types without rtpmap and attributes for formats not on the m= line', () => {
    expect(codes(sdp(...HEAD, 'm=audio 9 RTP/AVP 0 96', 'a=rtpmap:97 opus/48000/2', 'a=fmtp:98 x=1', 'a=rtcp-fb:* nack'))).toEqual([
      'unmapped-payload-type@6',
      'format-not-on-mline@7',
      'format-not-on-mline@8',
    ])
  })

  it('flags known attributes that do not fit their grammar', () => {
    expect(codes(sdp(...HEAD, 'a=setup:sideways', 'm=audio 9 RTP/AVP 0', 'a=rtcp-mux:yes', 'a=x-unknown:whatever'))).toEqual([
      'malformed-attribute@6',
      'malformed-attribute@8',
    ])
  })

  it('flags duplicate mids, BUNDLE mids without a section, and several directions', () => {
    const text = sdp(...HEAD, 'a=group:BUNDLE a b z', 'm=audio 9 RTP/AVP 0', 'a=mid:a', 'a=sendrecv', 'a=recvonly', 'm=audio 9 RTP/AVP 0', 'a=mid:a')
    expect(codes(text)).toEqual(['multiple-directions@-', 'duplicate-mid@11', 'bundle-unknown-mid@-', 'bundle-unknown-mid@-'])
    const issues = sdpIssues(parseSdp(text))
    expect(issues.find((i) => i.code === 'duplicate-mid')?.message).toContain('line 7')
    expect(issues.filter((i) => i.code === 'bundle-unknown-mid').map((i) => i.message)).toEqual([
      'a=group:BUNDLE names mid "b", but no media section has it',
      'a=group:BUNDLE names mid "z", but no media section has it',
    ])
  })

  it('flags mixed line endings on the first differing line', () => {
    const text = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n'
    expect(codes(text)).toEqual(['mixed-line-endings@3'])
    expect(serializeSdp(parseSdp(text))).toBe(text)
  })
})
