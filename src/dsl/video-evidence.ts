/**
 * Evidence the video matchers leave behind: every analysis goes into the test's metadata
 * (`task.meta.rtcspecVideo`, which reporters read), and a failing assertion also writes a filmstrip PNG (decoded
 * pictures with their frame codes, and the fate of every expected frame) under `<report dir>/attachments/` and
 * attaches it to the test result (`context.annotate`), as the audio matchers attach their pictures. A receiver that
 * does not decode (werift, plain RTP) has no pictures during the test: in a test using rtcspec's fixtures its
 * failing assertion queues a decode of its packets (`video-filmstrip-queue.ts`), and the fixtures' teardown rewrites
 * the same PNG with decoded pictures and attaches it (`video-failure-filmstrip.ts`).
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import type { MatcherState } from 'vitest'
import type { VideoAnalysis } from '../media/video/analysis.ts'
import { digestVideoAnalysis, type VideoAnalysisDigest } from '../media/video/analysis-digest.ts'
import { type FilmstripPicture, renderFilmstrip } from '../media/video/filmstrip.ts'
import type { AssemblerPacket } from '../media/video/frame-assembler.ts'
import type { VideoCodecName } from '../media/video/types.ts'
import { reportDir } from '../peers/call-record.ts'
import { collectsVideoFilmstrips, queueVideoFilmstrip } from './video-filmstrip-queue.ts'
import { type Annotatable, evidenceBaseName, jsonSafe } from './evidence-files.ts'

/** One video assertion as stored in `task.meta.rtcspecVideo`. */
export interface VideoAssertionRecord {
  /** The matcher, e.g. `toHaveFrameRateAbove`. */
  matcher: string
  /** What was analysed, e.g. `bob's inbound video`. */
  subject: string
  /** Whether the assertion (including `.not`) held. */
  passed: boolean
  /** The figures the assertion compared (JSON-safe). */
  measured: Record<string, unknown>
  /** The analysis it read, without per-frame lists. */
  analysis?: VideoAnalysisDigest
  /** Files written for a failed assertion. */
  attachments?: string[]
}

/** The analysis without its per-frame lists, for metadata and call records. */
export const digestOf = digestVideoAnalysis

/** Writes the filmstrip of an analysis (and pictures) as a PNG; returns its path. */
export function writeFilmstrip(
  analysis: VideoAnalysis | undefined,
  baseName: string,
  options: { title?: string; pictures?: readonly FilmstripPicture[]; dir?: string } = {},
): string {
  const dir = options.dir ?? join(reportDir(), 'attachments')
  mkdirSync(dir, { recursive: true })
  const png = join(dir, `${baseName}.png`)
  writeFileSync(
    png,
    renderFilmstrip({
      ...(options.title ? { title: options.title } : {}),
      ...(options.pictures ? { pictures: options.pictures } : {}),
      ...(analysis ? { sequence: analysis.sequence, freezeAt: analysis.freezeEnds } : {}),
    }),
  )
  return png
}

/** The codec and packets of a receiver of RTP video (werift, plain RTP), whose frames an FFmpeg decode can show. */
function rtpVideoOf(source: unknown): { codec: VideoCodecName; packets: readonly AssemblerPacket[] } | undefined {
  const t = source as { kind?: unknown; codec?: { encoding?: unknown }; packets?: () => readonly AssemblerPacket[] } | undefined
  if (typeof t?.packets !== 'function' || (t.kind !== undefined && t.kind !== 'video')) return undefined
  const e = String(t.codec?.encoding ?? '').toUpperCase()
  const codec = e === 'VP8' ? 'VP8' : e === 'H264' ? 'H264' : undefined
  if (!codec) return undefined
  const packets = t.packets()
  return packets.length ? { codec, packets: packets.slice() } : undefined
}

/**
 * Records a video assertion on the running test, and on failure writes and attaches its filmstrip. Never throws:
 * evidence must not hide the real failure. Returns the paths written (empty when none), for the failure message.
 */
export function recordVideoEvidence(
  state: MatcherState,
  entry: {
    matcher: string
    subject: string
    passed: boolean
    measured: Record<string, unknown>
    analysis?: VideoAnalysis
    pictures?: readonly FilmstripPicture[]
    /** The receiver judged: a receiver of RTP video gets decoded pictures after the test (see the module notes). */
    source?: unknown
  },
): string[] {
  const written: string[] = []
  try {
    const task = state.task
    if (!entry.passed && (entry.analysis !== undefined || entry.pictures?.length)) {
      const base = evidenceBaseName(state.currentTestName ?? 'video', entry.matcher)
      const title = `${entry.subject} ${entry.matcher}`
      written.push(writeFilmstrip(entry.analysis, base, { title, ...(entry.pictures ? { pictures: entry.pictures } : {}) }))
      const rtp = !entry.pictures?.length && entry.analysis && collectsVideoFilmstrips(task) ? rtpVideoOf(entry.source) : undefined
      // queued: the teardown rewrites the strip with decoded pictures and attaches it then (once, whatever happens)
      const queued =
        rtp !== undefined &&
        entry.analysis !== undefined &&
        queueVideoFilmstrip(task, { png: written[0] as string, title, matcher: entry.matcher, subject: entry.subject, analysis: entry.analysis, ...rtp })
      const ctx = (task as { context?: Annotatable } | undefined)?.context
      if (!queued && ctx?.annotate) {
        const rel = relative(process.cwd(), written[0] as string) || (written[0] as string)
        ctx.annotate(`${entry.matcher}: ${entry.subject} (filmstrip)`, { path: rel, contentType: 'image/png' }).catch(() => {})
      }
    }
    if (task) {
      const meta = task.meta as Record<string, unknown>
      const list = (meta.rtcspecVideo ??= []) as VideoAssertionRecord[]
      list.push({
        matcher: entry.matcher,
        subject: entry.subject,
        passed: entry.passed,
        measured: jsonSafe(entry.measured) as Record<string, unknown>,
        ...(entry.analysis ? { analysis: jsonSafe(digestOf(entry.analysis)) as VideoAnalysisDigest } : {}),
        ...(written.length ? { attachments: written.map((p) => relative(process.cwd(), p) || p) } : {}),
      })
    }
  } catch {
    // evidence is best effort
  }
  return written
}
