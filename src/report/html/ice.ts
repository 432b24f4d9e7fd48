/**
 * The ICE timeline of one peer: an SVG with one row per event kind (ICE state, gathering, local and remote
 * candidates, nominations, DTLS and connection states) on a shared time axis, then the selected pair, the
 * connectivity checks and the restarts as tables. Pure: a peer record in, HTML out.
 *
 * @module
 */
import type { PeerRecord } from '../../peers/call-record.ts'
import { niceTicks } from './chart.ts'
import { esc, ms, num } from './escape.ts'

interface Event {
  atMs: number
  text: string
  detail?: string
}

const STATE_COLOURS: Record<string, string> = {
  new: '#9e9e9e',
  checking: '#ff9800',
  gathering: '#ff9800',
  connecting: '#ff9800',
  connected: '#2e7d32',
  completed: '#1b5e20',
  complete: '#2e7d32',
  failed: '#c62828',
  disconnected: '#ef6c00',
  closed: '#616161',
}

function colourOf(text: string): string {
  return STATE_COLOURS[text] ?? '#1565c0'
}

/** Short form of an SDP candidate line: `host 127.0.0.1:42393 udp`. */
export function shortCandidate(c: string): string {
  const f = c
    .replace(/^a=/, '')
    .replace(/^candidate:/, '')
    .split(/\s+/)
  const typ = f.indexOf('typ')
  return f.length >= 8 && typ > 0 ? `${f[typ + 1] ?? ''} ${f[4] ?? ''}:${f[5] ?? ''} ${f[2] ?? ''}` : c.slice(0, 60)
}

/** The ICE/DTLS timeline SVG and tables of `peer`. */
export function iceTimeline(peer: PeerRecord): string {
  const ice = peer.ice
  const rows: Array<{ name: string; events: Event[]; kind: 'state' | 'mark' }> = [
    { name: 'ICE state', events: ice.states.map((s) => ({ atMs: s.atMs, text: s.state })), kind: 'state' },
    { name: 'gathering', events: ice.gathering.map((s) => ({ atMs: s.atMs, text: s.state })), kind: 'state' },
    { name: 'local cand.', events: ice.localCandidates.map((c) => ({ atMs: c.atMs, text: shortCandidate(c.candidate), detail: c.candidate })), kind: 'mark' },
    { name: 'remote cand.', events: ice.remoteCandidates.map((c) => ({ atMs: c.atMs, text: shortCandidate(c.candidate), detail: c.candidate })), kind: 'mark' },
    { name: 'nominated', events: (ice.nominations ?? []).map((n) => ({ atMs: n.atMs, text: `${n.local} ⇄ ${n.remote}`, detail: n.protocol })), kind: 'mark' },
    { name: 'DTLS', events: peer.dtls.states.map((s) => ({ atMs: s.atMs, text: s.state })), kind: 'state' },
    { name: 'connection', events: peer.connection.states.map((s) => ({ atMs: s.atMs, text: s.state })), kind: 'state' },
  ]
  const all = rows.flatMap((r) => r.events.map((e) => e.atMs)).filter((x) => Number.isFinite(x))
  const parts: string[] = []
  if (all.length === 0) parts.push('<p class="muted">no ICE events recorded</p>')
  else {
    const width = 900
    const left = 92
    const right = 16
    const rowH = 22
    const top = 6
    const height = top + rows.length * rowH + 22
    const t0 = Math.min(0, ...all)
    const last = Math.max(...all)
    // room after the last event so the final state's bar is visible
    let t1 = Math.max(last + (last - t0) * 0.08, last + 10)
    const ticks = niceTicks(t0, t1, 6)
    t1 = Math.max(t1, ticks.at(-1) ?? t1)
    const sx = (t: number): number => left + ((t - t0) / (t1 - t0)) * (width - left - right)
    const svg: string[] = [
      `<svg class="ice-timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${esc(`ICE timeline of ${peer.name}`)}">`,
    ]
    for (const t of ticks) {
      if (t > t1) continue
      const x = sx(t).toFixed(1)
      svg.push(
        `<line class="grid" x1="${x}" x2="${x}" y1="${top}" y2="${top + rows.length * rowH}"/><text class="tick" x="${x}" y="${height - 6}" text-anchor="middle">${esc(num(t, 0))} ms</text>`,
      )
    }
    rows.forEach((r, i) => {
      const y = top + i * rowH + rowH / 2
      svg.push(
        `<text class="row-name" x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(r.name)}</text><line class="row-line" x1="${left}" x2="${width - right}" y1="${y}" y2="${y}"/>`,
      )
      const evs = [...r.events].sort((a, b) => a.atMs - b.atMs)
      evs.forEach((e, k) => {
        const x = sx(e.atMs)
        const tip = `<title>${esc(`${e.atMs} ms · ${r.name}: ${e.detail ?? e.text}`)}</title>`
        if (r.kind === 'state') {
          const next = evs[k + 1]
          const x2 = next ? sx(next.atMs) : width - right
          svg.push(
            `<g class="ice-event" data-kind="${esc(r.name)}"><rect x="${x.toFixed(1)}" y="${y - 7}" width="${Math.max(2, x2 - x).toFixed(1)}" height="14" rx="3" fill="${colourOf(e.text)}" opacity="0.85">${tip}</rect><text class="state-label" x="${(x + 3).toFixed(1)}" y="${y}" dominant-baseline="middle">${esc(e.text)}</text></g>`,
          )
        } else {
          svg.push(
            `<g class="ice-event" data-kind="${esc(r.name)}"><circle cx="${x.toFixed(1)}" cy="${y}" r="4.5" fill="${r.name === 'nominated' ? '#2e7d32' : '#1565c0'}">${tip}</circle></g>`,
          )
        }
      })
    })
    svg.push('</svg>')
    parts.push(svg.join(''))
  }
  // facts
  const facts: string[] = []
  if (ice.selectedPair) {
    const l = ice.selectedPair.local
    const r = ice.selectedPair.remote
    facts.push(
      `<span class="fact">selected pair <b>${esc(`${l.address}:${l.port} ${l.type}`)}</b> ⇄ <b>${esc(`${r.address}:${r.port} ${r.type}`)}</b> (${esc(l.protocol)})</span>`,
    )
  } else facts.push('<span class="fact warn">no selected pair</span>')
  if (ice.iceRestarts !== undefined) facts.push(`<span class="fact">ICE restarts: <b>${ice.iceRestarts}</b></span>`)
  if (ice.consentFresh !== undefined) facts.push(`<span class="fact">consent ${ice.consentFresh ? 'fresh' : '<b class="bad">expired</b>'}</span>`)
  facts.push(`<span class="fact">${ice.localCandidates.length} local / ${ice.remoteCandidates.length} remote candidate(s)</span>`)
  parts.push(`<div class="facts">${facts.join('')}</div>`)
  const events = [
    ...ice.localCandidates.map((c) => ({ atMs: c.atMs, what: 'local candidate', text: c.candidate })),
    ...ice.remoteCandidates.map((c) => ({ atMs: c.atMs, what: 'remote candidate', text: c.candidate })),
    ...(ice.nominations ?? []).map((n) => ({ atMs: n.atMs, what: 'nominated', text: `${n.local} ⇄ ${n.remote} (${n.protocol})` })),
    ...ice.states.map((s) => ({ atMs: s.atMs, what: 'ICE state', text: s.state })),
    ...ice.gathering.map((s) => ({ atMs: s.atMs, what: 'gathering', text: s.state })),
  ].sort((a, b) => a.atMs - b.atMs)
  if (events.length) {
    parts.push(
      `<details><summary>ICE events (${events.length})</summary><table class="events"><thead><tr><th>at</th><th>event</th><th>value</th></tr></thead><tbody>${events.map((e) => `<tr><td class="num">${esc(ms(e.atMs))}</td><td>${esc(e.what)}</td><td class="mono">${esc(e.text)}</td></tr>`).join('')}</tbody></table></details>`,
    )
  }
  if (ice.checks?.length) {
    parts.push(
      `<table class="checks"><thead><tr><th>local</th><th>remote</th><th>state</th><th>nominated</th><th>req sent / resp recv</th><th>req recv / resp sent</th><th>consent req</th><th>RTT</th></tr></thead><tbody>${ice.checks
        .map(
          (c) =>
            `<tr class="${c.state === 'failed' ? 'bad-row' : ''}"><td class="mono">${esc(c.local)}</td><td class="mono">${esc(c.remote)}</td><td>${esc(c.state)}</td><td>${c.nominated ? '✔' : ''}</td><td class="num">${c.requestsSent} / ${c.responsesReceived}</td><td class="num">${c.requestsReceived} / ${c.responsesSent}</td><td class="num">${c.consentRequestsSent}</td><td class="num">${c.rttMs === undefined ? '–' : esc(`${num(c.rttMs, 1)} ms`)}</td></tr>`,
        )
        .join('')}</tbody></table>`,
    )
  }
  return parts.join('')
}
