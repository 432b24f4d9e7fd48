/**
 * One call of the HTML report: its header (kind, test, timing, errors), the signaling ladder, the ICE timeline
 * of each peer, the RTP statistics with per-second plots (packets/s, loss, jitter, bitrate per direction) and the
 * recordings (player, waveform, spectrogram). Pure: a call record (and its recordings' bytes) in, HTML out.
 *
 * @module
 */
import { z } from 'zod'
import { decodeWav } from '../../media/wav.ts'
import type { CallRecord, PeerRecord } from '../../peers/call-record.ts'
import { spectrogramFigure, spectrogramPng, waveformSvg } from './audio-visuals.ts'
import { lineChart, type ChartSeries } from './chart.ts'
import { anchorId, esc, ms, num } from './escape.ts'
import { iceTimeline } from './ice.ts'
import { ladder, type LadderMessage } from './ladder.ts'
import { videoSection } from './video.ts'
import type { ReportRecording } from './model.ts'

/** The anchor id of a call. */
export function callAnchor(call: CallRecord): string {
  return anchorId('call', call.id)
}

/** Whether a call failed: its test failed or it recorded errors. */
export function callFailed(call: CallRecord): boolean {
  return call.test?.result === 'failed' || call.errors.length > 0 || call.peers.some((p) => p.errors.length > 0)
}

/** The signaling of a call as ladder messages. */
export function signalingMessages(call: CallRecord): LadderMessage[] {
  return call.signaling.map((s) => ({
    atMs: s.atMs,
    from: s.from,
    to: s.to,
    label: s.type,
    ...(s.transport ? { transport: s.transport } : {}),
    ...(/^no response\b/.test(s.type) || /^malformed\b/.test(s.type) ? { error: true } : {}),
    ...(s.fromAddress !== undefined ? { fromAddress: s.fromAddress } : {}),
    ...(s.toAddress !== undefined ? { toAddress: s.toAddress } : {}),
    ...(s.retransmission !== undefined ? { retransmission: s.retransmission } : {}),
    ...(s.sincePreviousMs !== undefined ? { sincePreviousMs: s.sincePreviousMs } : {}),
    ...(s.timer !== undefined ? { timer: s.timer } : {}),
    details: [
      ...(s.raw ? [{ title: 'message', text: s.raw.replace(/\r\n/g, '\n') }] : []),
      ...(s.sdp ? [{ title: s.sdp.startsWith('v=') ? 'SDP' : 'sdpfrag', text: s.sdp }] : []),
      ...(s.candidate ? [{ title: 'candidate', text: s.candidate }] : []),
      ...(s.headers && Object.keys(s.headers).length
        ? [
            {
              title: 'headers',
              text: Object.entries(s.headers)
                .map(([k, v]) => `${k}: ${v}`)
                .join('\n'),
            },
          ]
        : []),
    ],
  }))
}

function sender(call: CallRecord, receiver: PeerRecord): string {
  const others = call.peers.filter((p) => p !== receiver)
  return others.length === 1 ? (others[0]?.name ?? '?') : 'remote'
}

/** The per-second plots of a call: one chart per metric, one series per inbound stream (direction). */
export function rtpPlots(call: CallRecord): string {
  const streams = call.peers.flatMap((p) => p.rtp.inbound.map((i) => ({ p, i })))
  const withTimeline = streams.filter((s) => s.i.timeline?.length)
  if (withTimeline.length === 0) {
    return streams.length
      ? '<p class="muted">no per-second data for this call (no packet arrived, or the record was written before the timeline existed)</p>'
      : ''
  }
  const firsts = withTimeline.map((s) => s.i.firstArrivalMs).filter((x): x is number => x !== undefined)
  const base = firsts.length ? Math.min(...firsts) : 0
  type Bucket = NonNullable<(typeof withTimeline)[number]['i']['timeline']>[number]
  /** `f(bucket, lost so far before it, fraction of the second the bucket covers)` per stream. */
  const series = (f: (b: Bucket, prevLost: number, covered: number) => number): ChartSeries[] =>
    withTimeline.map(({ p, i }) => {
      const off = i.firstArrivalMs === undefined ? 0 : (i.firstArrivalMs - base) / 1000
      const spanS = i.firstArrivalMs !== undefined && i.lastArrivalMs !== undefined ? (i.lastArrivalMs - i.firstArrivalMs) / 1000 : undefined
      let prevLost = 0
      let end: number | undefined
      const points: Array<readonly [number, number]> = []
      for (const b of i.timeline ?? []) {
        // the last bucket ends with the stream: rates are per covered time; a sliver (< 250 ms) is left out
        const covered = spanS === undefined ? 1 : Math.max(0, Math.min(1, spanS + 0.02 - b.second))
        if (covered >= 0.25) {
          points.push([off + b.second, f(b, prevLost, covered)] as const)
          end = off + b.second + covered // each value holds over the time its bucket covers
        }
        prevLost = b.lostSoFar
      }
      return {
        label: `${sender(call, p)} → ${p.name} ${i.kind}${i.mid !== undefined && streams.length > 2 ? ` ${i.mid}` : ''}`,
        points,
        ...(end !== undefined ? { end } : {}),
      }
    })
  const charts = [
    lineChart(
      series((b, _, covered) => b.packets / covered),
      { title: 'packets received', unit: 'packets/s' },
    ),
    lineChart(
      series((b, prev) => {
        const lost = Math.max(0, b.lostSoFar - prev)
        return b.packets + lost > 0 ? (100 * lost) / (b.packets + lost) : 0
      }),
      { title: 'loss', unit: '% per s' },
    ),
    lineChart(
      series((b) => b.jitterMs),
      { title: 'jitter', unit: 'ms' },
    ),
    lineChart(
      series((b, _, covered) => (b.bytes * 8) / 1000 / covered),
      { title: 'bitrate (payload)', unit: 'kbit/s' },
    ),
  ]
  return `<div class="plots">${charts.map((c) => `<figure class="plot">${c}</figure>`).join('')}</div>`
}

function statsTables(call: CallRecord): string {
  const inbound = call.peers.flatMap((p) =>
    p.rtp.inbound.map(
      (i) =>
        `<tr class="${i.lossFraction > 0.05 ? 'bad-row' : ''}"><td>${esc(`${sender(call, p)} → ${p.name}`)}</td><td>${esc(i.kind)}${i.mid !== undefined ? ` <span class="muted">mid ${esc(i.mid)}</span>` : ''}</td><td>${esc(i.codec ? `${i.codec.encoding}/${i.codec.clockRate}` : '–')}</td><td class="num">${i.received}</td><td class="num">${i.lost}</td><td class="num">${esc(num(i.lossFraction * 100, 2))} %</td><td class="num">${esc(num(i.jitterMs, 2))} ms</td><td class="num">${esc(num(i.bitrateBps / 1000, 1))} kbit/s</td><td class="num">${esc(ms(i.longestArrivalGapMs))}</td><td>${esc(i.origin ?? 'packets')}</td></tr>`,
    ),
  )
  const outbound = call.peers.flatMap((p) =>
    p.rtp.outbound.map(
      (o) =>
        `<tr><td>${esc(p.name)}</td><td>${esc(o.kind)}</td><td>${esc(o.codec ? `${o.codec.encoding}/${o.codec.clockRate}` : '–')}</td><td class="num">${o.packetsSent}</td><td class="num">${o.bytesSent}</td><td class="num">${o.lateTicks}</td></tr>`,
    ),
  )
  const parts: string[] = []
  if (inbound.length)
    parts.push(
      `<table class="stats"><thead><tr><th>direction</th><th>media</th><th>codec</th><th>received</th><th>lost</th><th>loss</th><th>jitter</th><th>bitrate</th><th>longest gap</th><th>from</th></tr></thead><tbody>${inbound.join('')}</tbody></table>`,
    )
  if (outbound.length)
    parts.push(
      `<details><summary>sent (${outbound.length} stream(s))</summary><table class="stats"><thead><tr><th>sender</th><th>media</th><th>codec</th><th>packets</th><th>bytes</th><th>late ticks</th></tr></thead><tbody>${outbound.join('')}</tbody></table></details>`,
    )
  return parts.join('')
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/** The recordings of a call: a player, the waveform and the spectrogram of each. */
export function recordingsSection(call: CallRecord, recordings: Readonly<Record<string, ReportRecording>>): string {
  const items = call.peers.flatMap((p) => (p.recordings ?? []).map((r) => ({ p, r })))
  if (items.length === 0) return ''
  return items
    .map(({ p, r }) => {
      const got = Object.hasOwn(recordings, r.path) ? recordings[r.path] : undefined
      const name = r.path.split(/[\\/]/).pop() ?? r.path
      if (r.format === 'ivf' || r.format === 'h264' || r.format === 'webm') return videoRecording(p.name, r, got, name)
      const head = `<h5>${esc(p.name)} heard <span class="muted">${esc(r.kind)}${r.mid !== undefined ? ` mid ${esc(r.mid)}` : ''}, ${esc(num(r.durationMs / 1000, 2))} s at ${r.sampleRate} Hz</span></h5>`
      if (!got) return `<div class="recording">${head}<p class="muted">recording not collected: ${esc(r.path)}</p></div>`
      const src = got.embed && got.wav ? `data:audio/wav;base64,${base64(got.wav)}` : got.href
      const player = `<audio controls preload="metadata" src="${esc(src)}" data-embedded="${got.embed && got.wav ? 'true' : 'false'}"></audio> <a class="file" href="${esc(got.href)}">${esc(name)}</a>${r.pcap ? ` · <a class="file" href="${esc(relativeSibling(got.href, r.pcap))}">pcap</a>` : ''}`
      let pictures = ''
      if (got.wav) {
        try {
          const audio = decodeWav(got.wav)
          const spec = spectrogramPng(audio, { width: 640, height: 128 })
          pictures = `${waveformSvg(audio, { width: 640, height: 110, label: name })}${spectrogramFigure(spec, `spectrogram of ${name}`, base64(spec.png))}`
        } catch (e) {
          pictures = `<p class="warn">cannot decode ${esc(name)}: ${esc((e as Error).message)}</p>`
        }
      }
      return `<div class="recording">${head}<div class="player">${player}</div>${got.note ? `<p class="muted">${esc(got.note)}</p>` : ''}${pictures}</div>`
    })
    .join('')
}

/** A video recording: its link (IVF or Annex B) and pcap, frame counts, and the filmstrip of decoded pictures. */
function videoRecording(peer: string, r: NonNullable<PeerRecord['recordings']>[number], got: ReportRecording | undefined, name: string): string {
  const head = `<h5>${esc(peer)} received <span class="muted">video${r.mid !== undefined ? ` mid ${esc(r.mid)}` : ''}, ${r.frames ?? '?'} frames${r.incompleteFrames ? ` (${r.incompleteFrames} incomplete left out)` : ''}, ${esc(num(r.durationMs / 1000, 2))} s</span></h5>`
  if (!got) return `<div class="recording">${head}<p class="muted">recording not collected: ${esc(r.path)}</p></div>`
  const links = `<a class="file" href="${esc(got.href)}">${esc(name)}</a>${r.pcap ? ` · <a class="file" href="${esc(relativeSibling(got.href, r.pcap))}">pcap</a>` : ''}`
  const strip = got.filmstrip
    ? `<figure class="filmstrip"><img alt="${esc(`filmstrip of ${name}`)}" src="data:image/png;base64,${base64(got.filmstrip)}"><figcaption class="muted">pictures decoded from the recording, with the frame code read from each</figcaption></figure>`
    : '<p class="muted">no filmstrip (FFmpeg decodes one when the call closes)</p>'
  return `<div class="recording">${head}<div class="player">${links}</div>${got.note ? `<p class="muted">${esc(got.note)}</p>` : ''}${strip}</div>`
}

/** The pcap's link: next to the WAV's link (same folder), by file name. */
function relativeSibling(wavHref: string, pcapPath: string): string {
  const dir = wavHref.includes('/') ? wavHref.slice(0, wavHref.lastIndexOf('/') + 1) : ''
  return `${dir}${pcapPath.split(/[\\/]/).pop() ?? pcapPath}`
}

/** The shape of `extra.iceRestarts[]` the report reads (see docs/call-records.md); anything else is ignored. */
const RestartsSchema = z.array(
  z.object({
    atMs: z.number(),
    by: z.string(),
    signalingMs: z.number().optional(),
    reconnectMs: z.number().optional(),
    gapMs: z.number().optional(),
    gaps: z.array(z.object({ track: z.string(), gapMs: z.number(), method: z.string(), lowerBoundMs: z.number().optional() })).optional(),
    newUfrag: z.record(z.string(), z.union([z.string(), z.boolean()])).optional(),
  }),
)

/** The ICE restarts of a call (`extra.iceRestarts`) as a table; empty when there are none. */
export function restartsTable(call: CallRecord): string {
  const parsed = RestartsSchema.safeParse(call.extra?.iceRestarts)
  if (!parsed.success || parsed.data.length === 0) return ''
  const rows = parsed.data
    .map((r) => {
      const by = r.by === 'a' || r.by === 'b' ? (call.peers[r.by === 'a' ? 0 : 1]?.name ?? r.by) : r.by
      const gaps = (r.gaps ?? [])
        .map((g) => `${g.track}: ${g.lowerBoundMs !== undefined ? `${num(g.lowerBoundMs, 0)}–` : ''}${num(g.gapMs, 0)} ms (${g.method})`)
        .join('; ')
      const ufrags = Object.entries(r.newUfrag ?? {})
        .map(([k, v]) => `${k === 'a' || k === 'b' ? (call.peers[k === 'a' ? 0 : 1]?.name ?? k) : k}: ${v === true ? 'yes' : v === false ? 'no' : v}`)
        .join(', ')
      return `<tr><td class="num">${esc(ms(r.atMs))}</td><td>${esc(by)}</td><td class="num">${esc(ms(r.signalingMs))}</td><td class="num">${esc(ms(r.reconnectMs))}</td><td class="num">${esc(ms(r.gapMs))}</td><td>${esc(gaps)}</td><td class="mono">${esc(ufrags)}</td></tr>`
    })
    .join('')
  return `<h5>ICE restarts</h5><table class="restarts"><thead><tr><th>at (call time)</th><th>by</th><th>signaling</th><th>reconnect</th><th>media gap</th><th>gap per track</th><th>new ICE credentials</th></tr></thead><tbody>${rows}</tbody></table>`
}

/** One call as an `<article>`. */
export function callSection(call: CallRecord, recordings: Readonly<Record<string, ReportRecording>>): string {
  const failed = callFailed(call)
  const errs = [
    ...call.errors.map((e) => `${e.peer ? `${e.peer}: ` : ''}${e.message}`),
    ...call.peers.flatMap((p) => p.errors.map((e) => `${p.name} at ${e.atMs} ms: ${e.message}`)),
  ]
  const setup = [
    call.setup.connectMs !== undefined ? `connected in <b>${esc(ms(call.setup.connectMs))}</b>` : '',
    call.setup.firstRtpMs !== undefined ? `first RTP after <b>${esc(ms(call.setup.firstRtpMs))}</b>` : '',
  ]
    .filter(Boolean)
    .join(', ')
  const peers = call.peers
    .map((p) => `${esc(p.name)} <span class="muted">(${esc(p.kind)}${p.codecs.length ? `, ${esc(p.codecs.join(' '))}` : ''})</span>`)
    .join(' ⇄ ')
  const ice = call.peers.map((p) => `<div class="ice-peer"><h5>${esc(p.name)}</h5>${iceTimeline(p)}</div>`).join('')
  const recs = recordingsSection(call, recordings)
  const video = videoSection(call)
  const extra =
    call.extra && Object.keys(call.extra).length
      ? `<details><summary>extra data</summary><pre>${esc(JSON.stringify(call.extra, null, 2).slice(0, 20000))}</pre></details>`
      : ''
  return `<article class="call ${failed ? 'failed' : 'passed'}" id="${callAnchor(call)}" data-call-id="${esc(call.id)}">
<header><a class="anchor" href="#${callAnchor(call)}">#</a> <span class="badge ${failed ? 'fail' : 'pass'}">${failed ? 'failed' : 'ok'}</span> <b>${esc(call.kind)}</b> ${peers}<span class="when">${esc(call.startedAt)} · ${esc(ms(call.durationMs))}${setup ? ` · ${setup}` : ''}</span></header>
${errs.length ? `<ul class="errors">${errs.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>` : ''}
<details class="sec" open><summary>Signaling ladder (${call.signaling.length})</summary>${ladder(signalingMessages(call))}</details>
<details class="sec" open><summary>ICE timeline</summary>${ice || '<p class="muted">no peers recorded</p>'}${restartsTable(call)}</details>
<details class="sec" open><summary>RTP</summary>${statsTables(call)}${rtpPlots(call)}</details>
${video ? `<details class="sec" open><summary>Video</summary>${video}</details>` : ''}
${recs ? `<details class="sec" open><summary>Recordings</summary>${recs}</details>` : ''}
${extra}
</article>`
}
