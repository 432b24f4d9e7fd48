import { describe, it, expect } from 'vitest'
import { SipLog } from '../../src/sipua/sip-log.ts'

const msg = (method: string, callId: string, cseq: number) =>
  `${method} sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK${callId}${cseq}\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: ${callId}\r\nCSeq: ${cseq} ${method}\r\nContent-Length: 0\r\n\r\n`

describe('SipLog Call-ID index', () => {
  it('finds one call’s messages in log order, without the others, malformed or keep-alives', () => {
    const log = new SipLog()
    log.add('out', 'UDP', '127.0.0.1:5060', msg('INVITE', 'c1', 1))
    log.add('out', 'UDP', '127.0.0.1:5060', msg('INVITE', 'c2', 1))
    log.add('in', 'UDP', '127.0.0.1:5060', 'garbage\r\n\r\n')
    log.add('in', 'UDP', '127.0.0.1:5060', '\r\n\r\n')
    log.add('out', 'UDP', '127.0.0.1:5060', msg('BYE', 'c1', 2))
    expect(log.forCallId('c1').map((e) => e.summary)).toEqual(['INVITE sip:bob@127.0.0.1', 'BYE sip:bob@127.0.0.1'])
    expect(log.forCallId('c2')).toHaveLength(1)
    expect(log.forCallId('nope')).toEqual([])
    // A copy: changing it does not change the log.
    log.forCallId('c1').pop()
    expect(log.forCallId('c1')).toHaveLength(2)
  })

  it('drops the oldest entries from the index too when the log is full', () => {
    const log = new SipLog(3)
    log.add('out', 'UDP', 'x', msg('INVITE', 'c1', 1))
    log.add('out', 'UDP', 'x', msg('INVITE', 'c2', 1))
    log.add('out', 'UDP', 'x', msg('BYE', 'c1', 2))
    log.add('out', 'UDP', 'x', msg('BYE', 'c2', 2))
    expect(log.dropped).toBe(1)
    expect(log.forCallId('c1').map((e) => e.summary)).toEqual(['BYE sip:bob@127.0.0.1'])
    log.add('out', 'UDP', 'x', msg('ACK', 'c3', 1))
    log.add('out', 'UDP', 'x', msg('ACK', 'c3', 2))
    expect(log.forCallId('c1')).toEqual([])
    expect(log.forCallId('c2').map((e) => e.summary)).toEqual(['BYE sip:bob@127.0.0.1'])
    expect(log.forCallId('c3')).toHaveLength(2)
    expect(log.entries).toHaveLength(3)
  })
})
