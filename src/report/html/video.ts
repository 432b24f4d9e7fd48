/**
 * The video part of a call in the HTML report: for every inbound video stream with rtcspec's analysis
 * (`videoAnalysis` of the call record), a table of its figures, per-second plots (decodable frames per second,
 * payload bit rate, frozen time), an events line (keyframes shown, freezes, PLI/FIR/NACK counts), an events strip
 * (keyframes sent and shown, PLI/FIR sent and received, at their times, with the freezes shaded) and a filmstrip of
 * the fate of every frame (decodable, undecodable, incomplete, lost) with the freezes marked. Pure: a call record in,
 * HTML out.
 *
 * @module
 */
import { renderFilmstrip } from '../../media/video/filmstrip.ts'
import type { CallRecord } from '../../peers/call-record.ts'
import { type ChartSeries, lineChart } from './chart.ts'
import { esc, ms, num } from './escape.ts'

type Inbound = CallRecord['peers'][number]['rtp']['inbound'][number]
type Analysis = NonNullable<Inbound['videoAnalysis']>

function label(call: CallRecord, peer: string, i: Inbound): string {
  const others = call.peers.filter((p) => p.name !== peer)
  const from = others.length === 1 ? (others[0]?.name ?? '?') : 'remote'
  return `${from} → ${peer} video${i.mid !== undefined ? ` mid ${i.mid}` : ''}${i.codec ? ` (${i.codec.encoding})` : ''}`
}

/** Frozen ms that fall in each second (a freeze spanning seconds is split between them). */
function frozenPerSecond(a: Analysis): number[] {
  const out = a.perSecond.map(() => 0)
  for (const f of a.freezeList ?? []) {
    let t = f.atMs
    const end = f.atMs + f.durationMs
    for (let guard = 0; t < end && guard < 3600; guard++) {
      const k = Math.floor(t / 1000)
      const next = Math.min(end, (k + 1) * 1000)
      if (k >= 0 && k < out.length) out[k] = (out[k] as number) + (next - t)
      t = next
    }
  }
  return out
}

function row(call: CallRecord, peer: string, i: Inbound, a: Analysis): string {
  const res = a.resolutions.length ? a.resolutions.map((r) => `${r.width}×${r.height}`).join(' → ') : '–'
  const bad = a.freezes.count > 0 || a.lost > 0 || a.firstFrameMs === undefined
  return `<tr class="${bad ? 'bad-row' : ''}"><td>${esc(label(call, peer, i))}</td><td class="num">${a.decodable} / ${a.expected}</td><td class="num">${a.lost}${a.lossBasis === 'truth' ? '' : ` <span class="muted">(${esc(a.lossBasis)})</span>`}</td><td class="num">${esc(a.firstFrameMs === undefined ? 'never' : ms(a.firstFrameMs))}</td><td class="num">${esc(num(a.achievedFps, 1))}</td><td class="num">${a.freezes.count} · ${esc(ms(a.freezes.totalMs))}</td><td>${esc(res)}</td><td class="num">${esc(a.delay ? `${num(a.delay.p50Ms, 0)} / ${num(a.delay.p95Ms, 0)} ms` : '–')}</td><td class="num">${a.keyframes}</td></tr>`
}

function events(i: Inbound, a: Analysis): string {
  const key = (a.keyframesAtMs ?? []).map((t) => num(t / 1000, 2))
  const freezes = (a.freezeList ?? []).map((f) => `${num(f.atMs / 1000, 2)} s (${num(f.durationMs, 0)} ms)`)
  const own = (a.ownStallGaps ?? []).map((f) => `${num(f.atMs / 1000, 2)} s (${num(f.durationMs, 0)} ms)`)
  const ownNote = own.length ? ` · <b>not counted (rtcspec's own process stalled)</b> ${esc(own.slice(0, 20).join(', '))}` : ''
  const fb = i.video
    ? `PLI sent ${i.video.pliSent}, FIR sent ${i.video.firSent}, NACK sent ${i.video.nackSent}`
    : i.nativeVideo
      ? `PLI sent ${i.nativeVideo.pliCount}, FIR sent ${i.nativeVideo.firCount}, NACK sent ${i.nativeVideo.nackCount}`
      : ''
  return `<p class="video-events"><b>keyframes shown at</b> ${key.length ? `${esc(key.slice(0, 40).join(', '))} s${key.length > 40 ? ' …' : ''}` : 'none'} · <b>freezes at</b> ${freezes.length ? esc(freezes.slice(0, 20).join(', ')) : 'none'}${ownNote}${fb ? ` · ${esc(fb)}` : ''}</p>`
}

type Outbound = CallRecord['peers'][number]['rtp']['outbound'][number]

/** One row of the events strip: its label, its colour and its times (s from the stream's first packet). */
interface EventRow {
  label: string
  color: string
  times: number[]
}

const MAX_MARKS_PER_ROW = 4000

/**
 * The stream's keyframe and feedback events, in s from its analysis start (its first packet): keyframes shown
 * (the analysis), PLI/FIR this receiver sent, and — when the sender is a peer of the same call whose times are on
 * the same process clock (a werift receiver's packet times, a werift sender) — keyframes sent and PLI/FIR received.
 */
export function streamEvents(call: CallRecord, peer: string, i: Inbound, a: Analysis): EventRow[] {
  const rel = (atMs: number): number => (atMs - a.startMs) / 1000
  const own = i.video?.events?.events ?? []
  // A browser's rendered frames are on its page's clock, not the process's: only a stream assembled from its packets
  // (it has `video`) shares the sender's clock.
  const senders: Outbound[] = i.video
    ? call.peers
        .filter((p) => p.name !== peer)
        .flatMap((p) => p.rtp.outbound)
        .filter((o) => o.kind === 'video' && o.video?.events && (o.mid === undefined || i.mid === undefined || o.mid === i.mid))
    : []
  const sent = senders.length === 1 ? (senders[0]?.video?.events?.events ?? []) : []
  const of = (list: ReadonlyArray<{ atMs: number; type: string }>, ...types: string[]): number[] =>
    list.filter((e) => types.includes(e.type)).map((e) => rel(e.atMs))
  const rows: EventRow[] = [
    { label: 'keyframe sent', color: '#2ca02c', times: of(sent, 'keyframe-sent') },
    { label: 'PLI/FIR received', color: '#ff7f0e', times: of(sent, 'pli-received', 'fir-received') },
    { label: 'PLI/FIR sent', color: '#d62728', times: of(own, 'pli-sent', 'fir-sent') },
    { label: 'keyframe shown', color: '#1f77b4', times: (a.keyframesAtMs ?? []).map((t) => t / 1000) },
  ]
  return rows.map((r) => ({ ...r, times: r.times.slice(0, MAX_MARKS_PER_ROW) }))
}

/** The events strip: one row per event kind, a tick per event, the freezes shaded across all rows, on the stream's time axis. */
function eventsStrip(rows: EventRow[], a: Analysis, title: string): string {
  const marks = rows.reduce((n, r) => n + r.times.length, 0)
  if (marks === 0 && !(a.freezeList ?? []).length) return ''
  const all = rows.flatMap((r) => r.times)
  const lo = Math.min(0, ...all)
  const hi = Math.max(a.perSecond.length, a.durationMs / 1000, ...all, lo + 1)
  const left = 110
  const width = 640
  const rowH = 16
  const height = rows.length * rowH + 20
  const x = (t: number): number => left + ((t - lo) / (hi - lo)) * (width - left - 10)
  const freezes = (a.freezeList ?? [])
    .map((f) => {
      const x0 = x(f.atMs / 1000)
      const x1 = x((f.atMs + f.durationMs) / 1000)
      return `<rect class="freeze" x="${x0.toFixed(1)}" y="0" width="${Math.max(1, x1 - x0).toFixed(1)}" height="${rows.length * rowH}" fill="#d62728" fill-opacity="0.12"><title>${esc(`freeze at ${num(f.atMs / 1000, 2)} s, ${num(f.durationMs, 0)} ms`)}</title></rect>`
    })
    .join('')
  const body = rows
    .map((r, k) => {
      const y = k * rowH
      const ticks = r.times
        .map(
          (t) =>
            `<line class="event" data-type="${esc(r.label)}" x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${y + 2}" y2="${y + rowH - 2}" stroke="${r.color}" stroke-width="2"><title>${esc(`${r.label} at ${num(t, 3)} s`)}</title></line>`,
        )
        .join('')
      return `<text x="0" y="${y + rowH - 4}" font-size="11">${esc(`${r.label} (${r.times.length})`)}</text>${ticks}`
    })
    .join('')
  const axisY = rows.length * rowH
  const ticks = Array.from({ length: 6 }, (_, k) => lo + ((hi - lo) * k) / 5)
    .map((t) => `<text x="${x(t).toFixed(1)}" y="${axisY + 14}" font-size="10" text-anchor="middle">${esc(num(t, 1))}</text>`)
    .join('')
  return `<figure class="video-events-strip" data-events="${marks}"><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(`keyframes and PLI/FIR of ${title}`)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${freezes}${body}<line x1="${left}" x2="${width - 10}" y1="${axisY}" y2="${axisY}" stroke="#888"/>${ticks}</svg><figcaption class="muted">keyframes and PLI/FIR on the stream's timeline (s from its first packet); freezes shaded</figcaption></figure>`
}

function filmstrip(a: Analysis, title: string): string {
  if (!a.sequence) return ''
  const png = renderFilmstrip({ title, sequence: a.sequence, freezeAt: a.freezeEnds ?? [], width: 640 })
  return `<figure class="filmstrip"><img alt="${esc(`filmstrip of ${title}`)}" src="data:image/png;base64,${Buffer.from(png).toString('base64')}" width="640"><figcaption class="muted">every expected frame: decodable, undecodable (a frame it depends on was lost), incomplete, lost; the frame that ended each freeze marked</figcaption></figure>`
}

/** The video section of a call: empty when no inbound video stream has an analysis. */
export function videoSection(call: CallRecord): string {
  const streams = call.peers.flatMap((p) =>
    p.rtp.inbound.filter((i) => i.kind === 'video' && i.videoAnalysis).map((i) => ({ p, i, a: i.videoAnalysis as Analysis })),
  )
  if (streams.length === 0) return ''
  const table = `<table class="stats video"><thead><tr><th>direction</th><th>decodable / expected</th><th>lost</th><th>first frame</th><th>fps</th><th>freezes</th><th>resolution</th><th>delay p50 / p95</th><th>keyframes</th></tr></thead><tbody>${streams.map((s) => row(call, s.p.name, s.i, s.a)).join('')}</tbody></table>`
  const series = (f: (a: Analysis, k: number) => number): ChartSeries[] =>
    streams.map(({ p, i, a }) => ({ label: label(call, p.name, i), points: a.perSecond.map((s, k) => [s.second, f(a, k)] as const) }))
  const frozen = new Map(streams.map((s) => [s.a, frozenPerSecond(s.a)]))
  const charts = [
    lineChart(
      series((a, k) => a.perSecond[k]?.fps ?? 0),
      { title: 'decodable frames', unit: 'frames/s' },
    ),
    lineChart(
      series((a, k) => a.perSecond[k]?.kbps ?? 0),
      { title: 'video bitrate (payload)', unit: 'kbit/s' },
    ),
    lineChart(
      series((a, k) => frozen.get(a)?.[k] ?? 0),
      { title: 'frozen', unit: 'ms per s' },
    ),
  ]
  const per = streams
    .map(
      ({ p, i, a }) =>
        `<div class="video-stream"><h5>${esc(label(call, p.name, i))}</h5>${events(i, a)}${eventsStrip(streamEvents(call, p.name, i, a), a, label(call, p.name, i))}${filmstrip(a, label(call, p.name, i))}</div>`,
    )
    .join('')
  return `${table}<div class="plots">${charts.map((c) => `<figure class="plot">${c}</figure>`).join('')}</div>${per}`
}
