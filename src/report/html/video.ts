/**
 * The video part of a call in the HTML report: for every inbound video stream with rtcspec's analysis
 * (`videoAnalysis` of the call record), a table of its figures, per-second plots (decodable frames per second,
 * payload bit rate, frozen time), an events line (keyframes shown, freezes, PLI/FIR/NACK counts) and a filmstrip of
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
  const fb = i.video
    ? `PLI sent ${i.video.pliSent}, FIR sent ${i.video.firSent}, NACK sent ${i.video.nackSent}`
    : i.nativeVideo
      ? `PLI sent ${i.nativeVideo.pliCount}, FIR sent ${i.nativeVideo.firCount}, NACK sent ${i.nativeVideo.nackCount}`
      : ''
  return `<p class="video-events"><b>keyframes shown at</b> ${key.length ? `${esc(key.slice(0, 40).join(', '))} s${key.length > 40 ? ' …' : ''}` : 'none'} · <b>freezes at</b> ${freezes.length ? esc(freezes.slice(0, 20).join(', ')) : 'none'}${fb ? ` · ${esc(fb)}` : ''}</p>`
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
    .map(({ p, i, a }) => `<div class="video-stream"><h5>${esc(label(call, p.name, i))}</h5>${events(i, a)}${filmstrip(a, label(call, p.name, i))}</div>`)
    .join('')
  return `${table}<div class="plots">${charts.map((c) => `<figure class="plot">${c}</figure>`).join('')}</div>${per}`
}
