import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { writeRecordingFilmstrip } from '../../src/dsl/video-recording-filmstrip.ts'
import { writeIvf } from '../../src/media/video/ivf.ts'
import { type CallRecord, CallRecordSchema } from '../../src/peers/call-record.ts'
import { collectReport } from '../../src/report/collect.ts'
import { recordingsSection } from '../../src/report/html/call.ts'
import { encodeVideoPattern } from '../../src/services/video-encode.ts'
import { requireTool } from '../support/requires.ts'

const dir = mkdtempSync(join(tmpdir(), 'rtcspec-video-rec-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function record(path: string): CallRecord {
  return CallRecordSchema.parse({
    schema: 'rtcspec.call-record/v1',
    id: 'rec1',
    kind: 'webrtc-b2b',
    test: { file: 'v.spec.ts', name: 'v.spec.ts > rec', result: 'passed' },
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:02.000Z',
    durationMs: 2000,
    setup: {},
    peers: [
      {
        name: 'bob',
        kind: 'werift',
        codecs: [],
        ice: { states: [], gathering: [], localCandidates: [], remoteCandidates: [] },
        dtls: { states: [] },
        connection: { states: [] },
        rtp: { inbound: [], outbound: [] },
        recordings: [{ kind: 'video', path, pcap: `${path}.pcap`, sampleRate: 90000, durationMs: 1000, format: 'ivf', frames: 30, incompleteFrames: 2 }],
        errors: [],
      },
    ],
    signaling: [],
    errors: [],
  })
}

describe('video recordings in the report', () => {
  it('a recording gets a filmstrip of its decoded pictures with their codes, which the report collects and shows', async () => {
    requireTool('ffmpeg')
    const video = await encodeVideoPattern({ codec: 'VP8', width: 320, height: 240, fps: 30, seconds: 1, bitrateKbps: 300 })
    const path = join(dir, 'bob-video.ivf')
    writeFileSync(
      path,
      writeIvf({ fourcc: 'VP80', width: 320, height: 240, timebaseNum: 1, timebaseDen: 30, frames: video.frames.map((f, i) => ({ pts: i, data: f.data })) }),
    )
    const png = await writeRecordingFilmstrip({ path, format: 'ivf' }, 'bob received')
    expect(png).toBe(`${path}.filmstrip.png`)
    expect(
      readFileSync(png as string)
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG')
    expect(await writeRecordingFilmstrip({ path: join(dir, 'audio.wav'), format: 'wav' })).toBeUndefined()
    expect(await writeRecordingFilmstrip({ path: join(dir, 'missing.ivf'), format: 'ivf' })).toBeUndefined()

    // the report collects it from the call records of a report directory
    const reportDir = join(dir, 'report')
    mkdirSync(reportDir, { recursive: true })
    writeFileSync(join(reportDir, 'call_records.jsonl'), `${JSON.stringify(record(path))}\n`)
    const data = collectReport(reportDir)
    const entry = data.recordings[path]
    expect(entry?.filmstrip?.length).toBeGreaterThan(100)
    expect(entry?.wav).toBeUndefined()
    const html = recordingsSection(record(path), data.recordings)
    expect(html).toContain('bob received <span class="muted">video, 30 frames (2 incomplete left out), 1 s</span>')
    expect(html).toMatch(/<img alt="filmstrip of bob-video.ivf" src="data:image\/png;base64,/)
    expect(html).not.toContain('cannot decode')
    expect(existsSync(path)).toBe(true)
  })
})
