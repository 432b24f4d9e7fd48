import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { openBackToBack, recordAndClose, sources } from '../../src/calls/open.ts'
import { CallRecordSchema } from '../../src/peers/call-record.ts'
import { decodeWav } from '../../src/media/wav.ts'
import { detectTone } from '../../src/media/analysis.ts'
import { detectDtmf } from '../../src/media/dtmf.ts'
import { readPcap } from '../../src/rtp/pcap.ts'
import { requireTool } from '../support/requires.ts'
import { waitFor } from '../../src/wait.ts'

let dir: string
const previous = process.env.RTCSPEC_REPORT_DIR
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtcspec-rec-'))
  process.env.RTCSPEC_REPORT_DIR = dir
})
afterAll(() => {
  if (previous === undefined) delete process.env.RTCSPEC_REPORT_DIR
  else process.env.RTCSPEC_REPORT_DIR = previous
  rmSync(dir, { recursive: true, force: true })
})

describe('recordings on disk and in the call record', () => {
  it('record: true saves a WAV and a pcap per inbound track, referenced from the call record', async () => {
    const call = await openBackToBack({ codec: 'PCMA', record: true, send: { a: sources.tone(440), b: sources.tone(1000) } })
    let saved
    try {
      const [inA, inB] = await Promise.all([call.a.waitForTrack('audio', 5000), call.b.waitForTrack('audio', 5000)])
      await Promise.all([inA.waitForPackets(60, 5000), inB.waitForPackets(60, 5000)])
    } finally {
      saved = await recordAndClose(call, 'webrtc-b2b', { file: 'recording.test.ts', name: 'record true', result: 'unknown' })
    }
    expect(saved).toHaveLength(2)
    for (const r of saved) {
      expect(r.path.startsWith(join(dir, 'recordings', 'recording.test.ts', 'record-true'))).toBe(true)
      expect(existsSync(r.path)).toBe(true)
      expect(existsSync(r.pcap!)).toBe(true)
      expect(r.durationMs).toBeGreaterThan(1100)
    }
    // The WAV holds what the other side sent.
    const bobWav = decodeWav(readFileSync(saved.find((r) => r.path.includes('bob'))!.path))
    expect(bobWav.sampleRate).toBe(8000)
    expect(detectTone(bobWav.samples, 8000, 440).present).toBe(true)
    expect(detectTone(bobWav.samples, 8000, 1000).present).toBe(false)
    // The track knows where it was saved.
    const bobTrack = call.b.inbound[0]!
    expect(bobTrack.recording().wavPath).toBe(saved.find((r) => r.path.includes('bob'))!.path)
    // The pcap holds every packet the track received, in arrival order, with arrival times.
    const pcap = readPcap(readFileSync(bobTrack.recording().pcapPath!))
    expect(pcap.linkType).toBe(101)
    expect(pcap.records).toHaveLength(bobTrack.packets().length)
    const t0 = performance.timeOrigin + bobTrack.packets()[0]!.arrivalMs
    expect(Math.abs(pcap.records[0]!.epochMs - t0)).toBeLessThan(0.01)
    // The call record references both recordings.
    const lines = readFileSync(join(dir, 'call_records.jsonl'), 'utf8').trim().split('\n')
    const record = CallRecordSchema.parse(JSON.parse(lines.at(-1)!))
    const bob = record.peers.find((p) => p.name === 'bob')!
    expect(bob.recordings).toEqual([expect.objectContaining({ kind: 'audio', path: saved.find((r) => r.path.includes('bob'))!.path, sampleRate: 8000 })])
    expect(record.peers.find((p) => p.name === 'alice')!.recordings).toHaveLength(1)
  })

  it('without record, nothing is written and the record has no recordings', async () => {
    const call = await openBackToBack({ codec: 'PCMU', send: { a: sources.tone(440) } })
    try {
      const inB = await call.b.waitForTrack('audio', 5000)
      await inB.waitForPackets(10, 5000)
      expect(inB.recording().samples.length).toBeGreaterThan(0) // in memory regardless
    } finally {
      expect(await recordAndClose(call, 'webrtc-b2b', { name: 'no record', result: 'unknown' })).toEqual([])
    }
    expect(existsSync(join(dir, 'recordings', 'no-record'))).toBe(false)
  })

  it('in-band DTMF sent over PCMU is detected in the recording', async () => {
    const call = await openBackToBack({ codec: 'PCMU', send: { a: sources.dtmf('123#', { durationMs: 100, gapMs: 100 }) } })
    try {
      const inB = await call.b.waitForTrack('audio', 5000)
      // 4 × 200 ms of audio = 40 packets
      await inB.waitForPackets(40, 5000)
      const rec = inB.recording()
      const digits = detectDtmf(rec.samples, rec.sampleRate)
      expect(digits.map((d) => d.digit).join('')).toBe('123#')
      // spaced as sent: one digit every 200 ms (checked when the sender's timestamps ran without a skipped frame,
      // which a pacer does only after a >200 ms stall of an overloaded machine)
      const pk = inB.packets()
      const continuous = pk.every((p, i) => i === 0 || (p.timestamp - pk[i - 1]!.timestamp) >>> 0 === 160)
      if (continuous) for (let i = 1; i < digits.length; i++) expect(Math.abs(digits[i]!.startMs - digits[i - 1]!.startMs - 200)).toBeLessThanOrEqual(13)
    } finally {
      await call.close()
    }
  })

  describe.skipIf(requireTool('tshark'))('tshark', () => {
    it('decodes the pcap as RTP with the expected packet count', async () => {
      const call = await openBackToBack({ codec: 'opus', record: true, send: { a: sources.tone(440) } })
      let saved
      try {
        const inB = await call.b.waitForTrack('audio', 5000)
        await inB.waitForPackets(40, 5000)
        await call.a.sendDtmf('5', { durationMs: 60 })
        // 3 event packets + 2 end retransmissions, all sent: wait for them to arrive
        await waitFor(() => inB.packets().filter((p) => p.payloadType === 110).length >= 5, { timeoutMs: 3000, label: "bob's 5 telephone-event packets" })
      } finally {
        saved = await recordAndClose(call, 'webrtc-b2b', { name: 'tshark', result: 'unknown' })
      }
      const bob = saved.find((r) => r.path.includes('bob'))!
      const packets = call.b.inbound[0]!.packets()
      // the flow is the selected pair: find the destination port tshark must decode as RTP
      const ports = spawnSync('tshark', ['-r', bob.pcap!, '-T', 'fields', '-e', 'udp.dstport', '-c', '1'], { encoding: 'utf8', timeout: 20_000 })
      expect(ports.status).toBe(0)
      const port = ports.stdout.trim()
      expect(Number(port)).toBeGreaterThan(0)
      const r = spawnSync(
        'tshark',
        ['-r', bob.pcap!, '-d', `udp.port==${port},rtp`, '-Y', 'rtp', '-T', 'fields', '-e', 'rtp.seq', '-e', 'rtp.p_type', '-e', 'rtp.marker'],
        {
          encoding: 'utf8',
          timeout: 20_000,
        },
      )
      expect(r.status, r.stderr).toBe(0)
      const rows = r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t'))
      expect(rows).toHaveLength(packets.length)
      expect(rows.map((x) => Number(x[0]))).toEqual(packets.map((p) => p.sequenceNumber))
      expect(new Set(rows.map((x) => x[1]))).toEqual(new Set(['111', '110']))
      // no malformed packets or bad checksums
      const bad = spawnSync(
        'tshark',
        ['-r', bob.pcap!, '-o', 'udp.check_checksum:TRUE', '-d', `udp.port==${port},rtp`, '-Y', '_ws.malformed || _ws.expert.severity >= error'],
        { encoding: 'utf8', timeout: 20_000 },
      )
      expect(bad.stdout.trim()).toBe('')
    })
  })
})
