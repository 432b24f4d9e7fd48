import { onTestFinished, beforeAll, afterAll } from 'vitest'
import { expect } from '../../src/dsl/expect.ts'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, sources } from '../../src/dsl/fixtures.ts'
import { connectBackToBack } from '../../src/peers/back-to-back.ts'
import type { RecordingArtifact } from '../../src/dsl/fixtures.ts'

let dir: string
const previous = process.env.RTCSPEC_REPORT_DIR
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtcspec-fixture-rec-'))
  process.env.RTCSPEC_REPORT_DIR = dir
})
afterAll(() => {
  if (previous === undefined) delete process.env.RTCSPEC_REPORT_DIR
  else process.env.RTCSPEC_REPORT_DIR = previous
  rmSync(dir, { recursive: true, force: true })
})

test('b2b({ record: true }) attaches each recording (WAV + pcap) to the test result and the call record', async ({ b2b, tone, task }) => {
  // onTestFinished runs after the fixture's teardown, which saves and attaches the recordings.
  onTestFinished(() => {
    const artifacts = task.artifacts.filter((a): a is RecordingArtifact => a.type === 'rtcspec:recording')
    expect(artifacts.map((a) => a.message).sort()).toEqual([
      expect.stringMatching(/^recording alice-audio-in-0-\w+\.wav \(\d+\.\d s, 8000 Hz\)$/),
      expect.stringMatching(/^recording bob-audio-in-0-\w+\.wav/),
    ])
    for (const a of artifacts) {
      expect(a.attachments?.map((x) => x.contentType)).toEqual(['audio/wav', 'application/vnd.tcpdump.pcap'])
      expect(existsSync(a.recording.path)).toBe(true)
      expect(a.recording.path.startsWith(join(dir, 'recordings', 'recording-fixture.test.ts', 'b2b-record-true-attaches'))).toBe(true)
    }
    const record = JSON.parse(readFileSync(join(dir, 'call_records.jsonl'), 'utf8').trim().split('\n').at(-1)!)
    expect(record.peers.map((p: { recordings?: unknown[] }) => p.recordings?.length)).toEqual([1, 1])
  })
  const call = await b2b({ codec: 'PCMU', record: true, send: { a: tone(440), b: tone(880) } })
  await expect(call.b).toReceiveRtp({ packets: 25, within: '5s' })
  await expect(call.a).toReceiveRtp({ packets: 25, within: '5s' })
})

test('peers.werift({ record: true }) saves and attaches the recordings of peers you wire yourself', async ({ peers, task }) => {
  onTestFinished(() => {
    const artifacts = task.artifacts.filter((a): a is RecordingArtifact => a.type === 'rtcspec:recording')
    expect(artifacts.map((a) => a.recording.path.split('/').pop())).toEqual([expect.stringMatching(/^carol-audio-in-0-\w+\.wav$/)])
    expect(artifacts[0]!.recording.sampleRate).toBe(48000)
    expect(existsSync(artifacts[0]!.recording.pcap!)).toBe(true)
  })
  const carol = peers.werift({ name: 'carol', codecs: ['opus'], record: true })
  const dave = peers.werift({ name: 'dave', codecs: ['opus'] })
  await connectBackToBack(dave, carol)
  dave.sendAudio(sources.tone(1000))
  const track = await carol.waitForTrack('audio', 5000)
  await track.waitForPackets(25, 5000)
})
