/**
 * Decoded pictures for the filmstrip of a failed video assertion on a receiver that does not decode (werift, plain
 * RTP). After the test, the packets the assertion judged are rebuilt into the complete frames (as a recording is),
 * the stretch around the first problem — the first lost, incomplete or undecodable frame — and the longest freeze is
 * decoded with FFmpeg, and a few pictures from there, each with the frame code read from it, are drawn above the
 * frames' fates in the PNG the failure message named; the PNG is then attached to the test result. Bounded in time;
 * when FFmpeg is missing, slow or fails, the fate strip stays as it was and the attachment says why. Never throws.
 *
 * Its own module because it loads the FFmpeg service, which the matchers (and the unit tests that load them) must not.
 *
 * @module
 */
import { writeFileSync } from 'node:fs'
import { basename } from 'node:path'
import { recordArtifact } from 'vitest'
import type { TestArtifactBase, TestContext } from 'vitest'
import type { VideoAnalysis } from '../media/video/analysis.ts'
import { type FilmstripPicture, renderFilmstrip } from '../media/video/filmstrip.ts'
import { type RecordedVideo, recordedVideoFile, recordRtpVideo } from '../media/video/rtp-video-recorder.ts'
import { decodeVideo } from '../services/video-encode.ts'
import { type QueuedVideoFilmstrip, takeVideoFilmstrips } from './video-filmstrip-queue.ts'

/** Pictures a failure's filmstrip shows at most. */
const MAX_PICTURES = 8
/** Width the pictures are decoded at (the frame code reads from 96 pixels up); keeps memory small on long calls. */
const DECODE_WIDTH = 192

/**
 * The filmstrip of a failed video assertion attached to the test result after the test, with decoded pictures when
 * FFmpeg gave them (`pictures` > 0), else the frames' fates alone and the reason in the message.
 */
export interface VideoFilmstripArtifact extends TestArtifactBase {
  type: 'rtcspec:video-filmstrip'
  /** e.g. `toHaveFreezesBelow: bob's inbound video (filmstrip, 8 decoded pictures around the first problem)`. */
  message: string
  matcher: string
  subject: string
  /** Decoded pictures drawn (0: the fate strip only). */
  pictures: number
  /** The frame index read from each picture drawn, in order (null: no code read). */
  codes: Array<number | null>
  /** Why there are no pictures, when there are none. */
  reason?: string
}

declare module 'vitest' {
  interface TestArtifactRegistry {
    'rtcspec:video-filmstrip': VideoFilmstripArtifact
  }
}

/**
 * The positions in `analysis.sequence` of the complete frames worth showing, in order: the two before the first
 * problem and the three from it (the undecodable ones and the recovery), the frames around the end of the longest
 * freeze, then the first, last and middle frames of the stream until six are picked; at most {@link MAX_PICTURES}. Pure.
 */
export function pickFilmstripPositions(analysis: Pick<VideoAnalysis, 'sequence' | 'freezeEnds' | 'freezes'>): number[] {
  const seq = analysis.sequence
  const complete: number[] = []
  for (let i = 0; i < seq.length; i++) if (seq[i] === 'D' || seq[i] === 'U') complete.push(i)
  const picked: number[] = []
  const add = (p: number | undefined) => {
    if (p !== undefined && picked.length < MAX_PICTURES && !picked.includes(p)) picked.push(p)
  }
  const before = (q: number, n: number) => complete.filter((p) => p < q).slice(-n)
  const from = (q: number, n: number) => complete.filter((p) => p >= q).slice(0, n)
  const problem = [...seq].findIndex((c) => c !== 'D')
  if (problem >= 0) for (const p of [...before(problem, 2), ...from(problem, 3)]) add(p)
  const freezes = analysis.freezes.freezes
  if (freezes.length) {
    let longest = 0
    freezes.forEach((f, i) => {
      if (f.durationMs > (freezes[longest]?.durationMs ?? 0)) longest = i
    })
    const end = analysis.freezeEnds[longest]
    if (end !== undefined) for (const p of [...before(end, 1), ...from(end, 2)]) add(p)
  }
  // then the stream's first and last frames and the middle, and between those, until six are picked
  for (const k of [0, 7, 4, 2, 6, 1, 3, 5]) {
    if (picked.length >= 6 || !complete.length) break
    add(complete[Math.round((k * (complete.length - 1)) / 7)])
  }
  return picked.sort((a, b) => a - b)
}

/** Draws the decoded pictures of `job` into its PNG; returns their codes' indices, or throws with the reason. */
async function decodeInto(job: QueuedVideoFilmstrip, timeoutMs: number): Promise<{ codes: Array<number | null>; where: string }> {
  const rec = recordRtpVideo(job.packets, job.codec)
  if (!rec.frames.length) throw new Error('no complete frame arrived to decode')
  const positions = pickFilmstripPositions(job.analysis)
  // The n-th complete frame of the sequence is the n-th frame of the rebuilt recording (both in RTP order).
  const complete: number[] = []
  for (let i = 0; i < job.analysis.sequence.length; i++) if (job.analysis.sequence[i] === 'D' || job.analysis.sequence[i] === 'U') complete.push(i)
  const paired = complete.length === rec.frames.length
  const n = Math.min(MAX_PICTURES, rec.frames.length)
  const wanted: number[] = paired
    ? positions.map((p) => complete.indexOf(p))
    : Array.from({ length: n }, (_, k) => Math.round((k * (rec.frames.length - 1)) / Math.max(1, n - 1)))
  // Decode from the keyframe before the first picture wanted to the last one: the decoder's state is the receiver's.
  let first = Math.min(...wanted)
  while (first > 0 && !rec.frames[first]?.keyframe) first--
  const last = Math.max(...wanted)
  const part: RecordedVideo = { ...rec, frames: rec.frames.slice(first, last + 1) }
  const sized = part.frames.find((f) => f.width !== undefined && f.height !== undefined)
  const scale =
    sized?.width && sized.height && sized.width > DECODE_WIDTH
      ? { width: DECODE_WIDTH, height: Math.max(2, 2 * Math.round((DECODE_WIDTH * sized.height) / sized.width / 2)) }
      : {}
  const file = recordedVideoFile(part)
  const decoded = await decodeVideo({ data: file.bytes, format: file.extension }, { pictures: true, timeoutMs, ...scale })
  if (!decoded.frames.length) throw new Error('FFmpeg decoded no picture')
  const exact = decoded.frames.length === part.frames.length
  const chosen = exact ? wanted.map((w) => decoded.frames[w - first]) : decoded.frames
  const pictures: FilmstripPicture[] = chosen.flatMap((f) => (f?.picture ? [{ frame: f.picture, ...(f.code ? { code: f.code } : {}) }] : []))
  if (!pictures.length) throw new Error('FFmpeg decoded no picture')
  const around = [/[^D]/.test(job.analysis.sequence) ? 'the first problem' : '', job.analysis.freezes.count ? 'the longest freeze' : ''].filter(Boolean)
  const where = paired && exact && around.length ? `around ${around.join(' and ')}` : 'spread over the stream'
  writeFileSync(
    job.png,
    renderFilmstrip({
      title: `${job.title} - pictures ${where}`,
      pictures,
      sequence: job.analysis.sequence,
      freezeAt: job.analysis.freezeEnds,
    }),
  )
  return { codes: pictures.map((p) => p.code?.index ?? null), where }
}

function reasonOf(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e)
  return (m.split('\n')[0] ?? m).slice(0, 200)
}

/**
 * Decodes the pictures of every failed video assertion queued on `task` (see the module notes) and attaches each
 * filmstrip to the test result; all of them within `timeoutMs` (default 10 s). Never throws, never waits longer.
 */
export async function settleVideoFilmstrips(task: TestContext['task'], timeoutMs = 10_000): Promise<VideoFilmstripArtifact[]> {
  const jobs = takeVideoFilmstrips(task)
  const deadline = performance.now() + timeoutMs
  const out: VideoFilmstripArtifact[] = []
  for (const job of jobs) {
    let codes: Array<number | null> = []
    let where = ''
    let reason: string | undefined
    const left = Math.floor(deadline - performance.now())
    if (left < 1000) reason = `no time left to decode (${timeoutMs} ms for every filmstrip of the test)`
    else {
      let timer: NodeJS.Timeout | undefined
      try {
        ;({ codes, where } = await Promise.race([
          decodeInto(job, left),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`decoding took longer than ${left + 2000} ms`)), left + 2000)
          }),
        ]))
      } catch (e) {
        reason = reasonOf(e)
      } finally {
        clearTimeout(timer)
      }
    }
    const pictures = codes.length
    const artifact: VideoFilmstripArtifact = {
      type: 'rtcspec:video-filmstrip',
      message: `${job.matcher}: ${job.subject} (filmstrip, ${pictures ? `${pictures} decoded pictures ${where}` : `frame fates only: no pictures, ${reason}`})`,
      matcher: job.matcher,
      subject: job.subject,
      pictures,
      codes,
      ...(reason ? { reason } : {}),
      attachments: [{ path: job.png, contentType: 'image/png' }],
    }
    out.push(artifact)
    try {
      await recordArtifact(task, artifact)
    } catch (e) {
      process.stderr.write(`rtcspec: could not attach ${basename(job.png)} to the test: ${reasonOf(e)}\n`)
    }
  }
  return out
}
