/**
 * Evidence the audio matchers leave behind: every analysis result goes into the test's metadata
 * (`task.meta.rtcspecAudio`, which reporters read), and a failing assertion also writes the audio as
 * WAV plus a waveform/spectrum PNG under `<report dir>/attachments/` and attaches both to the test
 * result (`context.annotate`).
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { MatcherState } from 'vitest'
import { encodeWav } from '../media/wav.ts'
import { summarizeAudio, type AudioSummary } from '../media/summary.ts'
import type { PcmAudio } from '../media/types.ts'
import { reportDir } from '../peers/call-record.ts'
import { plotAudio } from '../media/audio-plot.ts'
import { type Annotatable, evidenceBaseName, jsonSafe } from './evidence-files.ts'

/** One audio analysis as stored in `task.meta.rtcspecAudio`. */
export interface AudioAnalysisRecord {
  /** The matcher, e.g. `toContainTone`. */
  matcher: string
  /** What was analysed, e.g. `bob's inbound audio (PCMU)`. */
  subject: string
  /** Whether the assertion (including `.not`) held. */
  passed: boolean
  /** The measured values (JSON-safe). */
  measured: Record<string, unknown>
  /** Files written for a failed assertion. */
  attachments?: string[]
  /** For a failed assertion on audio: level, silence, gaps, clipping, dominant frequency (`summarizeAudio`). */
  summary?: AudioSummary
}

/** Writes `audio` as WAV and its plot as PNG; returns the two paths. */
export function writeAudioEvidence(
  audio: PcmAudio,
  baseName: string,
  options: { markHz?: readonly number[]; dir?: string } = {},
): { wav: string; png: string } {
  const dir = options.dir ?? join(reportDir(), 'attachments')
  mkdirSync(dir, { recursive: true })
  const wav = join(dir, `${baseName}.wav`)
  const png = join(dir, `${baseName}.png`)
  writeFileSync(wav, encodeWav(audio.samples, audio.sampleRate))
  writeFileSync(png, plotAudio(audio, options.markHz ? { markHz: options.markHz } : {}))
  return { wav, png }
}

/**
 * Records an analysis on the running test, and on failure writes and attaches the audio (WAV, or the
 * recording's existing WAV) and a picture. Never throws: evidence must not hide the real failure.
 * Returns the paths written (empty when none), for the failure message.
 */
export function recordAudioEvidence(
  state: MatcherState,
  entry: {
    matcher: string
    subject: string
    passed: boolean
    measured: Record<string, unknown>
    audio?: PcmAudio
    wavPath?: string
    markHz?: readonly number[]
  },
): string[] {
  const written: string[] = []
  try {
    const task = state.task
    let summary: AudioSummary | undefined
    if (!entry.passed && entry.audio !== undefined) {
      summary = summarizeAudio(entry.audio, entry.markHz ? { toneHz: entry.markHz } : {})
      const base = evidenceBaseName(state.currentTestName ?? 'audio', entry.matcher)
      const files = writeAudioEvidence(entry.audio, base, entry.markHz ? { markHz: entry.markHz } : {})
      written.push(entry.wavPath ?? files.wav, files.png)
      const ctx = (task as { context?: Annotatable } | undefined)?.context
      if (ctx?.annotate) {
        const rel = (p: string) => relative(process.cwd(), p) || p
        ctx.annotate(`${entry.matcher}: ${entry.subject} (audio)`, { path: rel(written[0] as string), contentType: 'audio/wav' }).catch(() => {})
        ctx.annotate(`${entry.matcher}: ${entry.subject} (waveform and spectrum)`, { path: rel(files.png), contentType: 'image/png' }).catch(() => {})
      }
    }
    if (task) {
      const meta = task.meta as Record<string, unknown>
      const list = (meta.rtcspecAudio ??= []) as AudioAnalysisRecord[]
      list.push({
        matcher: entry.matcher,
        subject: entry.subject,
        passed: entry.passed,
        measured: jsonSafe(entry.measured) as Record<string, unknown>,
        ...(written.length ? { attachments: written.map((p) => relative(process.cwd(), p) || p) } : {}),
        ...(summary ? { summary } : {}),
      })
    }
  } catch {
    // evidence is best effort
  }
  return written
}
