import { createSocket } from 'node:dgram'
import { describe, expect, it } from 'vitest'
import { CallRecordSchema, type CallRecord } from '../../src/peers/call-record.ts'
import { ladder } from '../../src/report/html/index.ts'
import { signalingMessages } from '../../src/report/html/call.ts'
import { formatSipLadder, SipLog, sipSignaling } from '../../src/sipua/sip-log.ts'
import { createSipUserAgent } from '../../src/sipua/user-agent.ts'
import { waitFor } from '../../src/wait.ts'

const register = (cseq: number, branch: string) =>
  `REGISTER sip:rtcspec.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:40000;branch=${branch};rport\r\nFrom: <sip:alice@rtcspec.test>;tag=a1\r\nTo: <sip:alice@rtcspec.test>\r\nCall-ID: reg-1\r\nCSeq: ${cseq} REGISTER\r\nContact: <sip:alice@127.0.0.1:40000>\r\nContent-Length: 0\r\n\r\n`
const ok = (cseq: number, branch: string) =>
  `SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:40000;branch=${branch};rport=40000\r\nFrom: <sip:alice@rtcspec.test>;tag=a1\r\nTo: <sip:alice@rtcspec.test>;tag=r9\r\nCall-ID: reg-1\r\nCSeq: ${cseq} REGISTER\r\nContent-Length: 0\r\n\r\n`

/** Rows of a rendered ladder: label, meta line (addresses, gap or retransmission) and the expandable texts. */
function rows(html: string): Array<{ cls: string; label: string; meta: string; details: string[] }> {
  return html
    .split('<div class="ladder-row msg ')
    .slice(1)
    .map((row) => ({
      cls: row.slice(0, row.indexOf('"')),
      label: /<span class="label">(.*?)<\/span><\/div>/.exec(row)?.[1]?.replace(/<[^>]+>/g, '') ?? '',
      meta: (/<div class="arrow-meta">(.*?)<\/div>/.exec(row)?.[1] ?? '')
        .replace(/<[^>]+>/g, '|')
        .replace(/\|+/g, '|')
        .replace(/^\||\|$/g, ''),
      details: [...row.matchAll(/<details class="payload"><summary>(.*?)<\/summary><pre>([\s\S]*?)<\/pre><\/details>/g)].map((m) => `${m[1]}: ${m[2]}`),
    }))
}

function recordOf(signaling: CallRecord['signaling']): CallRecord {
  return CallRecordSchema.parse({
    schema: 'rtcspec.call-record/v1',
    id: 'sip-ladder',
    kind: 'sip',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:02.000Z',
    durationMs: 2000,
    setup: {},
    peers: [],
    signaling,
    errors: [],
  })
}

describe('the SIP ladder', () => {
  it('marks copies of a message of the same transaction as numbered retransmissions, with the timer and the gap', () => {
    const log = new SipLog()
    const a = log.add('out', 'UDP', '127.0.0.1:5060', register(1, 'z9hG4bKr1'))
    const b = log.add('out', 'UDP', '127.0.0.1:5060', register(1, 'z9hG4bKr1'))
    const c = log.add('out', 'UDP', '127.0.0.1:5060', register(1, 'z9hG4bKr1'))
    const d = log.add('in', 'UDP', '127.0.0.1:5060', ok(1, 'z9hG4bKr1'))
    const e = log.add('in', 'UDP', '127.0.0.1:5060', ok(1, 'z9hG4bKr1'))
    const f = log.add('out', 'UDP', '127.0.0.1:5060', register(2, 'z9hG4bKr2'))
    expect([a, b, c, d, e, f].map((x) => x.retransmission)).toEqual([undefined, 1, 2, undefined, 1, undefined])
    expect(b.timer).toBe('Timer E')
    expect(e.timer).toBeUndefined() // the far end's timer: we only see the copy
    expect(b.sincePreviousMs).toBeGreaterThanOrEqual(0)
    // our address, from our own Via, on what we send and what we receive
    expect([a.local, d.local]).toEqual(['127.0.0.1:40000', '127.0.0.1:40000'])
    expect(formatSipLadder([a, b, c])).toMatch(/REGISTER sip:rtcspec\.test {2}\(retransmission #2, Timer E, \+\d+ ms\)/)
  })

  it('a rendered ladder shows each message with its addresses, its full text escaped, and retransmissions as such', () => {
    const log = new SipLog()
    const entries = [
      log.add('out', 'UDP', '127.0.0.1:5060', register(1, 'z9hG4bKr1')),
      log.add('out', 'UDP', '127.0.0.1:5060', register(1, 'z9hG4bKr1')),
      log.add('out', 'UDP', '127.0.0.1:5060', register(1, 'z9hG4bKr1')),
      log.add('in', 'UDP', '127.0.0.1:5060', ok(1, 'z9hG4bKr1').replace('200 OK', '200 OK <b>x</b>')),
    ]
    entries[1]!.at = entries[0]!.at + 500
    entries[1]!.sincePreviousMs = 500
    entries[2]!.at = entries[0]!.at + 1500
    entries[2]!.sincePreviousMs = 1000
    entries[3]!.at = entries[0]!.at + 1600
    const html = ladder(signalingMessages(recordOf(sipSignaling(entries, entries[0]!.at, 'alice'))))
    const r = rows(html)
    expect(r).toHaveLength(4)
    expect(r.map((x) => x.label)).toEqual([
      'REGISTER sip:rtcspec.test UDP',
      'REGISTER sip:rtcspec.test UDP',
      'REGISTER sip:rtcspec.test UDP',
      '200 OK &lt;b&gt;x&lt;/b&gt; (REGISTER) UDP',
    ])
    expect(r.map((x) => x.cls.includes('retx'))).toEqual([false, true, true, false])
    expect(r[0]!.meta).toBe('127.0.0.1:40000 → 127.0.0.1:5060 UDP')
    expect(r[1]!.meta).toBe('127.0.0.1:40000 → 127.0.0.1:5060 UDP|retransmission #1 · Timer E · +500 ms since the previous copy')
    expect(r[2]!.meta).toContain('retransmission #2 · Timer E · +1000 ms since the previous copy')
    expect(r[3]!.meta).toBe('127.0.0.1:5060 → 127.0.0.1:40000 UDP|+100 ms')
    // every message's whole text is expandable, escaped
    expect(r[0]!.details[0]).toMatch(
      /^message: REGISTER sip:rtcspec\.test SIP\/2\.0\nVia: SIP\/2\.0\/UDP 127\.0\.0\.1:40000;branch=z9hG4bKr1;rport\nFrom: &lt;sip:alice@rtcspec\.test&gt;;tag=a1\n/,
    )
    expect(r[3]!.details[0]).toContain('SIP/2.0 200 OK &lt;b&gt;x&lt;/b&gt;')
    expect(html).not.toContain('<b>x</b>')
  })

  it('a REGISTER to a dead UDP port shows every retransmission on the ladder, not one line', async () => {
    // a port nothing listens on: bind one, then close it
    const dead = createSocket('udp4')
    await new Promise<void>((resolve) => dead.bind(0, '127.0.0.1', () => resolve()))
    const port = dead.address().port
    await new Promise<void>((resolve) => dead.close(() => resolve()))
    await using alice = await createSipUserAgent({
      uri: 'sip:alice@rtcspec.test',
      transport: { kind: 'udp', remote: { host: '127.0.0.1', port }, timers: { t1: 40, t2: 160 } },
      media: 'rtp',
    })
    await expect(alice.register({ timeoutMs: 600 })).rejects.toThrow()
    const sent = alice.log.entries.filter((e) => e.direction === 'out' && e.summary.startsWith('REGISTER'))
    const retx = sent.filter((e) => e.retransmission !== undefined)
    expect(retx.length).toBeGreaterThanOrEqual(2)
    expect(retx.map((e) => e.retransmission)).toEqual(retx.map((_, i) => i + 1))
    expect(retx.every((e) => e.timer === 'Timer E' && e.remote === `127.0.0.1:${port}`)).toBe(true)
    const r = rows(ladder(signalingMessages(recordOf(sipSignaling(alice.log.entries, alice.log.entries[0]!.at, alice.name)))))
    const marked = r.filter((x) => x.label.startsWith('REGISTER') && /retransmission #\d+ · Timer E/.test(x.meta))
    expect(marked.length).toBe(retx.length)
    expect(r.filter((x) => x.label.startsWith('REGISTER')).every((x) => x.meta.includes(` → 127.0.0.1:${port} UDP`))).toBe(true)
    // end the transaction (503 to the next retransmission), so closing the user agent does not wait for its timeout
    const answerer = createSocket('udp4')
    try {
      await new Promise<void>((resolve, reject) => {
        answerer.once('error', reject)
        answerer.bind(port, '127.0.0.1', () => resolve())
      })
      const answered = new Promise<void>((resolve) => {
        answerer.on('message', (buf, rinfo) => {
          const copy = buf
            .toString('utf8')
            .split('\r\n')
            .filter((l) => /^(via|from|to|call-id|cseq):/i.test(l))
            .map((l) => (/^to:/i.test(l) ? `${l};tag=x1` : l))
          answerer.send(`SIP/2.0 503 Service Unavailable\r\n${copy.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, rinfo.port, rinfo.address, () => resolve())
        })
      })
      await Promise.race([
        answered,
        new Promise((_, reject) => setTimeout(() => reject(new Error('no REGISTER retransmission reached the re-bound port within 2 s')), 2000)),
      ])
      await waitFor(() => alice.log.entries.some((e) => e.direction === 'in' && e.summary.startsWith('503')), {
        timeoutMs: 2000,
        label: 'alice to receive the 503',
      })
    } finally {
      await new Promise<void>((resolve) => answerer.close(() => resolve()))
    }
  }, 20_000)
})
