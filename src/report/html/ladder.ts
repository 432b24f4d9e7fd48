/**
 * The signaling ladder: one lane per party, one arrow per message in time order (SIP requests and responses,
 * HTTP/WHIP exchanges, offer/answer, trickled candidates), with the SDP or candidate of a message in a
 * `<details>` under its arrow. Each arrow shows the transport addresses (`from → to`, `host:port`, transport) when
 * known; a retransmission is drawn as such (`retransmission #n`, the timer that fired and the gap since the
 * previous copy), and every other message shows the time since the previous message. Pure: messages in, HTML out.
 *
 * @module
 */
import { esc, ms } from './escape.ts'

/** One message on the ladder. */
export interface LadderMessage {
  atMs?: number
  from: string
  to: string
  /** Arrow label, e.g. `INVITE sip:bob@…`, `201 Created`, `offer`. */
  label: string
  /** Transport tag (`UDP`, `WS`, `HTTP`…). */
  transport?: string
  /** Expandable payload: title → text (an SDP, a candidate, headers, a body). */
  details?: ReadonlyArray<{ title: string; text: string }>
  /** Marks an error or failed response (drawn red). */
  error?: boolean
  /** Sender's transport address (`host:port`). */
  fromAddress?: string
  /** Receiver's transport address (`host:port`). */
  toAddress?: string
  /** `n` when the message is the n-th resend of an earlier one of the same transaction. */
  retransmission?: number
  /** For a retransmission: ms since the previous copy. */
  sincePreviousMs?: number
  /** For a retransmission: the timer that fired (`Timer A`, `Timer E`…). */
  timer?: string
}

/** Most messages drawn; the rest are counted. */
const MAX_MESSAGES = 400

function kindOf(label: string): string {
  if (/^\d{3}\b/.test(label)) return /^[4-6]/.test(label) ? 'resp err' : 'resp'
  if (/candidate/i.test(label)) return 'cand'
  if (/ICE restart/i.test(label)) return 'req restart'
  return 'req'
}

/** The ladder of `messages` (lanes in order of first appearance, at most 8; more parties share the last lane). */
export function ladder(messages: ReadonlyArray<LadderMessage>): string {
  if (messages.length === 0) return '<p class="muted">no signaling recorded</p>'
  const lanes: string[] = []
  const laneOf = (p: string): number => {
    let i = lanes.indexOf(p)
    if (i < 0 && lanes.length < 8) i = lanes.push(p) - 1
    return i < 0 ? lanes.length - 1 : i
  }
  const shown = messages.slice(0, MAX_MESSAGES)
  const rows = shown.map((m) => ({ m, a: laneOf(m.from), b: laneOf(m.to) }))
  const n = Math.max(2, lanes.length)
  const cols = `grid-template-columns:5.5em repeat(${n}, minmax(7em, 1fr))`
  const lines = Array.from(
    { length: n },
    (_, i) => `<div class="lane-line" style="left:calc(5.5em + (100% - 5.5em) * ${((i + 0.5) / n).toFixed(4)})"></div>`,
  ).join('')
  const head = `<div class="ladder-row ladder-head" style="${cols}"><div></div>${Array.from({ length: n }, (_, i) => `<div class="lane-name" title="${esc(lanes[i] ?? '')}">${esc(lanes[i] ?? '')}</div>`).join('')}</div>`
  const body = rows
    .map(({ m, a, b }, index) => {
      const lo = Math.min(a, b)
      const hi = Math.max(a, b)
      const span = hi - lo + 1
      const margin = ((0.5 / span) * 100).toFixed(3)
      const dir = a === b ? 'self' : a < b ? 'right' : 'left'
      const cls = `${kindOf(m.label)}${m.error ? ' err' : ''}${m.retransmission ? ' retx' : ''}`
      const label = `${esc(m.label)}${m.transport ? ` <span class="tag">${esc(m.transport)}</span>` : ''}`
      const prev = index > 0 ? shown[index - 1]?.atMs : undefined
      const gap = m.retransmission
        ? `<span class="retx-note">retransmission #${m.retransmission}${m.timer ? ` · ${esc(m.timer)}` : ''}${m.sincePreviousMs !== undefined ? ` · +${esc(ms(m.sincePreviousMs))} since the previous copy` : ''}</span>`
        : prev !== undefined && m.atMs !== undefined
          ? `<span class="gap">+${esc(ms(m.atMs - prev))}</span>`
          : ''
      const addrs =
        m.fromAddress !== undefined || m.toAddress !== undefined
          ? `<span class="addr">${esc(m.fromAddress ?? m.from)} → ${esc(m.toAddress ?? m.to)}${m.transport ? ` ${esc(m.transport)}` : ''}</span>`
          : ''
      const meta = gap || addrs ? `<div class="arrow-meta">${addrs}${gap}</div>` : ''
      const details = (m.details ?? [])
        .filter((d) => d.text !== '')
        .map((d) => `<details class="payload"><summary>${esc(d.title)}</summary><pre>${esc(d.text)}</pre></details>`)
        .join('')
      return `<div class="ladder-row msg ${cls}" style="${cols}"><div class="t">${m.atMs === undefined ? '' : esc(ms(m.atMs))}</div><div class="arrow ${dir}" style="grid-column:${lo + 2} / ${hi + 3};margin-left:${margin}%;margin-right:${margin}%" title="${esc(`${m.from} → ${m.to}`)}"><span class="label">${label}</span></div>${meta ? `<div class="ladder-meta" style="grid-column:${lo + 2} / ${hi + 3}">${meta}</div>` : ''}${details ? `<div class="ladder-details" style="grid-column:${lo + 2} / ${hi + 3}">${details}</div>` : ''}</div>`
    })
    .join('')
  const more = messages.length > shown.length ? `<p class="muted">${messages.length - shown.length} more message(s) not drawn</p>` : ''
  return `<div class="ladder" data-lanes="${n}">${lines}${head}${body}</div>${more}`
}
