/**
 * Saves inbound tracks to disk: the decoded audio as a WAV and the received RTP as a pcap, under
 * `reports/recordings/<test or call>/`. Used when a call ends (the `b2b` fixture, `recordAndClose`), and
 * by anyone who wants a track's files.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { encodeWav } from '../media/wav.ts'
import { recordedVideoFile, recordRtpVideo } from '../media/video/rtp-video-recorder.ts'
import { serializeRtp } from '../rtp/packet.ts'
import { writePcap, type UdpFlow } from '../rtp/pcap.ts'
import { RtcspecError } from '../errors.ts'
import { reportDir } from './call-record.ts'
import { InboundTrackImpl, videoCodecName } from './inbound-track.ts'
import type { InboundTrack, MediaKind, Peer, SelectedPair } from './types.ts'

/** What was saved for one track; the shape the call record keeps (`peers[].recordings`). */
export interface SavedRecording {
  kind: MediaKind
  mid?: string
  /** The WAV file (decoded audio, placed by RTP timestamp; gaps are silence). */
  path: string
  /** The pcap of the received RTP (synthetic IP/UDP headers, arrival times). */
  pcap?: string
  sampleRate: number
  durationMs: number
  /**
   * The file's format: `wav` (audio; the default when absent), `ivf` (VP8), `h264` (H.264 Annex B) or `webm` (a
   * Chromium peer's video, recorded in the page with MediaRecorder).
   */
  format?: 'wav' | 'ivf' | 'h264' | 'webm'
  /** A Chromium peer's video: bytes its recorder produced past the 64 MiB kept (the file stops there). */
  droppedBytes?: number
  /** Video: frames written (the complete ones), and frames left out because a packet was missing. */
  frames?: number
  incompleteFrames?: number
}

/** The synthetic flow used when the real addresses are unknown: 127.0.0.1:40000 → 127.0.0.1:40002. */
export const DEFAULT_PCAP_FLOW: UdpFlow = { srcAddress: '127.0.0.1', srcPort: 40000, dstAddress: '127.0.0.1', dstPort: 40002 }

/** A file-name-safe slug: letters, digits, `.`, `_`, `-`; at most `max` characters. */
export function slug(text: string, max = 80): string {
  const s = text
    .normalize('NFKD')
    .replace(/[^\w.-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
  return (s || 'call').slice(0, max)
}

/** The directory recordings of a test (or call) go to: `<reportDir>/recordings/<slug>[/<slug>…]`. */
export function recordingsDir(name: string | readonly string[], root = reportDir()): string {
  const parts = typeof name === 'string' ? [name] : name
  return join(root, 'recordings', ...parts.map((p) => slug(p, 100)))
}

/**
 * Where a test's recordings go, as directory segments: the test file's base name, then the test's name
 * (without the file path Vitest puts in front of full names), e.g. `['calls.spec.ts', 'Opus-call-…']`.
 */
export function testRecordingPath(test: { file?: string; name: string }): string[] {
  const file = test.file
  let name = test.name
  if (file && name.startsWith(file)) name = name.slice(file.length).replace(/^\s*>\s*/, '')
  const base = file?.split(/[\\/]/).pop()
  return base ? [base, name] : [name]
}

/** The UDP flow of packets a peer received on its selected pair (remote → local), if it is an IP flow. */
export function receiveFlow(pair: SelectedPair | undefined): UdpFlow | undefined {
  if (pair?.local.protocol.toLowerCase() !== 'udp') return undefined
  const v4 = (a: string) => /^\d+\.\d+\.\d+\.\d+$/.test(a)
  if (v4(pair.local.address) !== v4(pair.remote.address)) return undefined
  if (!(pair.remote.port > 0 && pair.local.port > 0)) return undefined
  return { srcAddress: pair.remote.address, srcPort: pair.remote.port, dstAddress: pair.local.address, dstPort: pair.local.port }
}

/** The received packets of a track as a pcap (RTP re-serialized from the captured fields; header extensions are not kept). */
export function trackPcap(track: InboundTrack, flow: UdpFlow = DEFAULT_PCAP_FLOW): Uint8Array {
  const origin = performance.timeOrigin
  return writePcap(
    track.packets().map((p) => ({
      epochMs: origin + p.arrivalMs,
      data: serializeRtp({
        payloadType: p.payloadType,
        sequenceNumber: p.sequenceNumber,
        timestamp: p.timestamp,
        ssrc: p.ssrc,
        marker: p.marker,
        payload: p.payload,
      }),
    })),
    flow,
  )
}

/**
 * Writes `<dir>/<basename>.wav` and `<dir>/<basename>.pcap` for one audio track and returns what was saved.
 * The track's `recording()` then reports `wavPath`/`pcapPath`.
 */
export function saveTrackRecording(track: InboundTrack, options: { dir: string; basename: string; flow?: UdpFlow }): SavedRecording {
  mkdirSync(options.dir, { recursive: true })
  const rec = track.recording()
  const path = join(options.dir, `${options.basename}.wav`)
  writeFileSync(path, encodeWav(rec.samples, rec.sampleRate))
  const pcap = join(options.dir, `${options.basename}.pcap`)
  writeFileSync(pcap, trackPcap(track, options.flow))
  if (track instanceof InboundTrackImpl) track.markSaved({ wavPath: path, pcapPath: pcap })
  return {
    kind: track.kind,
    ...(track.mid !== undefined ? { mid: track.mid } : {}),
    path,
    pcap,
    sampleRate: rec.sampleRate,
    durationMs: (rec.samples.length * 1000) / rec.sampleRate,
  }
}

/**
 * Writes `<dir>/<basename>.ivf` (VP8) or `.h264` (H.264 Annex B) and `<dir>/<basename>.pcap` for one video track
 * received over RTP (werift, plain RTP): the complete frames, depacketized (see src/media/video/rtp-video-recorder.ts).
 * @throws {RtcspecError} `VIDEO_RECORDING` when the track's codec is not VP8 or H.264 (or no packet arrived).
 */
export function saveVideoTrackRecording(track: InboundTrack, options: { dir: string; basename: string; flow?: UdpFlow }): SavedRecording {
  const codec = videoCodecName(track.codec?.encoding)
  if (!codec) {
    throw new RtcspecError(
      'VIDEO_RECORDING',
      `cannot record ${track.peerName}'s video track: its codec is ${track.codec?.encoding ?? 'unknown (no packet arrived)'}`,
      {
        hint: 'rtcspec records VP8 (IVF) and H.264 (Annex B) video it receives over RTP',
      },
    )
  }
  mkdirSync(options.dir, { recursive: true })
  const rec = recordRtpVideo(track.packets(), codec)
  const file = recordedVideoFile(rec)
  const path = join(options.dir, `${options.basename}.${file.extension}`)
  writeFileSync(path, file.bytes)
  const pcap = join(options.dir, `${options.basename}.pcap`)
  writeFileSync(pcap, trackPcap(track, options.flow))
  return {
    kind: track.kind,
    ...(track.mid !== undefined ? { mid: track.mid } : {}),
    path,
    pcap,
    sampleRate: 90_000,
    durationMs: rec.durationMs,
    format: file.extension,
    frames: rec.frames.length,
    incompleteFrames: rec.incompleteFrames,
  }
}

/**
 * Writes `<dir>/<basename>.webm` for a browser's inbound video track (a Chromium peer's): what its page recorded
 * with MediaRecorder (the pictures the browser decoded, re-encoded as VP8 or VP9), after asking its recorder for what
 * it still holds. There is no pcap: a page cannot hand out packets. `durationMs` is the time from the first to the
 * last rendered frame, `frames` the coded frames in the file (its WebM blocks).
 * @throws {RtcspecError} `VIDEO_RECORDING` when the track was not recorded (neither `record: true` nor `track.record()`
 * while the page was open) or the recorder produced nothing.
 */
export async function savePageVideoRecording(track: InboundTrack, options: { dir: string; basename: string }): Promise<SavedRecording> {
  const rec = await track.takePageVideoRecording?.()
  if (!rec || rec.bytes.length === 0) {
    throw new RtcspecError(
      'VIDEO_RECORDING',
      `${track.peerName}'s video track has no recording: ${rec ? 'its recorder produced no data' : 'it was not recorded'}`,
      {
        hint: "create the Chromium peer with record: true (or call track.record() while the call runs); the page's MediaRecorder needs rendered frames",
      },
    )
  }
  mkdirSync(options.dir, { recursive: true })
  const path = join(options.dir, `${options.basename}.${rec.format}`)
  writeFileSync(path, rec.bytes)
  return {
    kind: track.kind,
    ...(track.mid !== undefined ? { mid: track.mid } : {}),
    path,
    sampleRate: 90_000,
    durationMs: rec.durationMs,
    format: rec.format,
    frames: rec.frames,
    ...(rec.droppedBytes > 0 ? { droppedBytes: rec.droppedBytes } : {}),
  }
}

/**
 * Saves every inbound audio track of `peer` that asked to be recorded (`track.record()` or the peer option
 * `record: true`), or all of them with `all`. File names: `<peer>-audio-in-<mid>[-<suffix>]`.
 * Never throws: a failure is returned as an error message.
 */
export async function savePeerRecordings(
  peer: Peer,
  options: { dir: string; suffix?: string; all?: boolean },
): Promise<{ saved: SavedRecording[]; errors: string[] }> {
  const saved: SavedRecording[] = []
  const errors: string[] = []
  // Audio tracks, video tracks whose packets rtcspec sees, and a browser's video tracks (recorded in its page).
  const tracks = peer.inbound.filter(
    (t) =>
      (t.kind === 'audio' || t.videoFrames !== undefined || (t.kind === 'video' && t.takePageVideoRecording !== undefined)) &&
      (options.all || t.recordRequested),
  )
  if (tracks.length === 0) return { saved, errors }
  let flow: UdpFlow | undefined
  try {
    flow = receiveFlow((await peer.stats()).selectedPair)
  } catch {
    flow = undefined
  }
  for (const [i, t] of tracks.entries()) {
    try {
      const basename = slug(`${peer.name}-${t.kind}-in-${t.mid ?? i}${options.suffix ? `-${options.suffix}` : ''}`)
      if (t.kind === 'video' && t.takePageVideoRecording !== undefined) {
        saved.push(await savePageVideoRecording(t, { dir: options.dir, basename }))
        continue
      }
      const save = t.kind === 'video' ? saveVideoTrackRecording : saveTrackRecording
      saved.push(save(t, { dir: options.dir, basename, ...(flow ? { flow } : {}) }))
    } catch (e) {
      errors.push(`could not save the recording of ${peer.name}'s ${t.kind} track: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  return { saved, errors }
}

/**
 * Saves the requested recordings of every peer of a call into `recordingsDir(name)`; file names end with a
 * short call id so several calls of one test do not overwrite each other. Never throws.
 */
export async function saveCallRecordings(
  peers: readonly Peer[],
  name: string | readonly string[],
  options: { root?: string; all?: boolean } = {},
): Promise<{ byPeer: Record<string, SavedRecording[]>; saved: SavedRecording[]; errors: Array<{ peer: string; message: string }> }> {
  const dir = recordingsDir(name, options.root)
  const suffix = randomUUID().slice(0, 8)
  const byPeer: Record<string, SavedRecording[]> = {}
  const saved: SavedRecording[] = []
  const errors: Array<{ peer: string; message: string }> = []
  for (const p of peers) {
    const r = await savePeerRecordings(p, { dir, suffix, ...(options.all ? { all: true } : {}) })
    if (r.saved.length) byPeer[p.name] = r.saved
    saved.push(...r.saved)
    for (const message of r.errors) errors.push({ peer: p.name, message })
  }
  return { byPeer, saved, errors }
}
