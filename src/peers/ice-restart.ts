/**
 * ICE restart on a connected back-to-back call, with the media gap it caused measured from the packets.
 *
 * ```ts
 * const r = await restartIce(call, { watch: [call.b.inbound[0]!] })
 * r.gapMs        // longest silence on the watched tracks around the restart, ms
 * r.reconnectMs  // from the restart offer to both peers connected again with media flowing
 * await restartIce(call, { by: 'b' })   // the answerer of the call restarts this time
 * ```
 * Works for any pair of peers (werift, Chromium). The result is also appended to `call.iceRestarts`.
 */
import { RtcspecError, TimeoutError } from '../errors.ts'
import { rewriteSdpCandidates, type BackToBackCall, type CandidatePath, type IceRestartRecord } from './back-to-back.ts'
import type { ArrivalGapMeasurement, InboundTrack, ReceivedRtp } from './types.ts'

/** Options of {@link restartIce}. */
export interface RestartIceOptions {
  /**
   * Inbound tracks whose media gap is measured (e.g. both directions' audio). Default: every inbound track that has
   * received packets. Tracks that expose packets are measured from them; a Chromium track from the browser's
   * getStats (`packetsReceived`, `lastPacketReceivedTimestamp`), which bounds the gap (see `gaps[].lowerBoundMs`).
   */
  watch?: InboundTrack[]
  /** Which side restarts (creates the ICE-restart offer): `'a'` (the call's offerer, default) or `'b'`. */
  by?: 'a' | 'b'
  /** For non-trickle peers, the path to rewrite SDP candidates through. Default: the call's own path (its relay). */
  path?: CandidatePath
  /** How long the restart may take until media flows again on every watched track. Default 10 s. */
  timeoutMs?: number
  /**
   * How long to wait for both peers to nominate a pair of the new generation before counting packets as "after the
   * restart", ms (bounded by `timeoutMs`). A peer may keep its old pair while it still works (Chromium as the
   * controlled side through the relay sometimes does: see docs/network.md); `renominated` then says so. Default 3000.
   */
  nominationTimeoutMs?: number
  /**
   * Packets each watched track must receive after both peers nominated a pair of the new ICE generation to call
   * media "flowing again" (until then packets may still use the old pair). Default 5.
   */
  packetsAfter?: number
}

/** What an ICE restart did. */
export interface RestartIceResult {
  /** When the restart began, performance.now() ms. */
  startedAt: number
  /** Which side restarted. */
  by: 'a' | 'b'
  /** Offer/answer round trip of the restart, ms. */
  signalingMs: number
  /** From the restart offer to both peers on a new pair with media flowing again on every watched track, ms. */
  reconnectMs: number
  /**
   * Longest interval between two packets on any watched track from 1 s before the restart (packet tracks) or from the
   * restart (browser tracks) until media flowed again, ms. For a browser track this is an upper bound.
   */
  gapMs: number
  /** The same per watched track, in `watch` order. */
  gapsMs: number[]
  /** Per watched track: name, gap, how it was measured, and for browser tracks the lower bound. */
  gaps: IceRestartRecord['gaps']
  /** Whether the ICE credentials (ufrag) of both sides changed (a real restart: RFC 8839 §4.4.1.1.1). */
  newCredentials: boolean
  /** Whether each side's ufrag changed. */
  newUfrag: { a: boolean; b: boolean }
  /** Whether each side nominated (selected) a pair after the restart; undefined for a peer that records no nominations. */
  renominated: { a?: boolean; b?: boolean }
}

const UFRAG = /^a=ice-ufrag:(\S+)/m

/** The ufrag of the last SDP `name` sent in this call. */
function lastUfrag(call: BackToBackCall, name: string): string | undefined {
  return UFRAG.exec(call.signaling.findLast((m) => m.from === name && m.sdp !== undefined)?.sdp ?? '')?.[1]
}

interface Watched {
  track: InboundTrack
  label: string
  /** Packet tracks: last arrival, longest gap, packets since the restart. */
  last: number | undefined
  gap: number
  after: number
  /** Browser tracks: the running sampler and the count at the restart. */
  browser?: { watch: ArrivalGapMeasurement; baseline: number }
}

/**
 * Restarts ICE on `call`: side `by` (default a) creates an offer with `iceRestart: true`, the other side answers, the
 * restarter applies the answer; trickled candidates keep flowing through the call's forwarding (and its relay path:
 * new-generation candidates, on new ports, are mapped as they come). Resolves when every watched track has received
 * `packetsAfter` packets since the restart, with the longest gap measured. Records the offer and answer in
 * `call.signaling` and the result in `call.iceRestarts` (the call record's `extra.iceRestarts`).
 * @throws TimeoutError naming the tracks that stayed silent.
 */
export async function restartIce(call: BackToBackCall, options: RestartIceOptions = {}): Promise<RestartIceResult> {
  const watch = options.watch ?? [...call.a.inbound, ...call.b.inbound].filter((t) => t.rtp.snapshot().received > 0)
  const timeoutMs = options.timeoutMs ?? 10_000
  const packetsAfter = options.packetsAfter ?? 5
  const by = options.by ?? 'a'
  const other = by === 'a' ? 'b' : 'a'
  const offerer = call[by]
  const answerer = call[other]
  const path = options.path ?? call.path
  const startedAt = performance.now()
  const lookbackMs = 1000
  const at = () => performance.now() - call.timings.startedAt
  const watched: Watched[] = []
  const unsubs: Array<() => void> = []
  let done!: () => void
  const allFlowing = new Promise<void>((r) => (done = r))
  const check = () => {
    if (watched.every((w) => w.after >= packetsAfter)) done()
  }
  let held = false
  /** Packets count as "after the restart" from when both peers nominated a pair of the new generation. */
  let countFrom = Number.POSITIVE_INFINITY
  try {
    for (const t of watch) {
      const label = `${t.peerName}.${t.kind}.in`
      if (t.watchArrivalGap) {
        // A track that cannot hand out its packets (a browser's): sample its own counters through the restart.
        watched.push({
          track: t,
          label,
          last: undefined,
          gap: 0,
          after: 0,
          browser: { watch: await t.watchArrivalGap({ maxMs: timeoutMs + 5000 }), baseline: t.rtp.snapshot().received },
        })
        continue
      }
      const s = t.rtp.snapshot()
      const w: Watched = {
        track: t,
        label,
        last: s.lastArrivalMs !== undefined && s.lastArrivalMs >= startedAt - lookbackMs ? s.lastArrivalMs : undefined,
        gap: 0,
        after: 0,
      }
      watched.push(w)
      unsubs.push(
        t.onRtp((p: ReceivedRtp) => {
          if (w.last !== undefined) w.gap = Math.max(w.gap, p.arrivalMs - w.last)
          w.last = p.arrivalMs
          if (p.arrivalMs > countFrom) w.after++
          check()
        }),
      )
    }
    const oldUfrag = { a: lastUfrag(call, call.a.name), b: lastUfrag(call, call.b.name) }
    const restartAt = { a: Date.now() - call.a.timeline.createdAt, b: Date.now() - call.b.timeline.createdAt }
    // New-generation candidates must reach each peer after the description that introduces them.
    call.holdTrickle('a')
    call.holdTrickle('b')
    held = true
    let offer = await offerer.createOffer({ iceRestart: true })
    if (path && !offerer.trickle) offer = { ...offer, sdp: await rewriteSdpCandidates(offer.sdp, path, by) }
    call.signaling.push({ atMs: at(), from: offerer.name, to: answerer.name, type: 'offer (ICE restart)', sdp: offer.sdp })
    let answer = await answerer.acceptOffer(offer)
    call.releaseTrickle(other)
    if (path && !answerer.trickle) answer = { ...answer, sdp: await rewriteSdpCandidates(answer.sdp, path, other) }
    call.signaling.push({ atMs: at(), from: answerer.name, to: offerer.name, type: 'answer (ICE restart)', sdp: answer.sdp })
    await offerer.acceptAnswer(answer)
    call.releaseTrickle(by)
    held = false
    const signalingMs = performance.now() - startedAt
    const newUfrag = {
      a: oldUfrag.a !== undefined && lastUfrag(call, call.a.name) !== oldUfrag.a,
      b: oldUfrag.b !== undefined && lastUfrag(call, call.b.name) !== oldUfrag.b,
    }
    // Media counts as flowing again only on the new generation: until both peers nominated a new pair, packets may
    // still come over the old one (a browser keeps it until it selects the new pair) and the gap may be yet to come.
    const deadline = performance.now() + timeoutMs
    const renominated = await waitForNewNominations(call, restartAt, Math.min(deadline, performance.now() + (options.nominationTimeoutMs ?? 3000)))
    countFrom = performance.now()
    for (const w of watched) w.after = 0
    // Browser tracks: flowing again once their counters grew by packetsAfter from a fresh reading.
    for (const w of watched) {
      const b = w.browser
      if (!b) continue
      await w.track.waitForPackets(0, 1000) // refreshes the counters once
      b.baseline = w.track.rtp.snapshot().received
      w.track
        .waitForPackets(b.baseline + packetsAfter, Math.max(1, deadline - performance.now()))
        .then(() => {
          w.after = w.track.rtp.snapshot().received - b.baseline
          check()
        })
        .catch(() => undefined)
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => {
          const silent = watched
            .filter((w) => w.after < packetsAfter)
            .map((w) => `${w.label} (${w.browser ? w.track.rtp.snapshot().received - w.browser.baseline : w.after} packets)`)
          const sides = (['a', 'b'] as const).map(
            (k) =>
              `${call[k].name}: ${renominated[k] === undefined ? 'nominations not recorded' : renominated[k] ? 'nominated a new pair' : 'no new nomination'}, ICE ${call[k].timeline.ice.at(-1)?.state ?? 'new'}`,
          )
          reject(
            new TimeoutError(
              `media to flow again after the ICE restart on ${silent.join(', ')} (${sides.join('; ')})`,
              timeoutMs,
              'check the ICE states in the call record; werift needs the new candidates of both sides, and sends nothing until it nominated a pair of the new generation',
            ),
          )
        },
        Math.max(1, deadline - performance.now()),
      )
    })
    check()
    try {
      await Promise.race([allFlowing, timeout])
    } finally {
      clearTimeout(timer)
    }
    const reconnectMs = performance.now() - startedAt
    const gaps: IceRestartRecord['gaps'] = []
    for (const w of watched) {
      if (w.browser) {
        const bounds = await w.browser.watch.stop()
        w.browser = undefined
        gaps.push({ track: w.label, gapMs: bounds.upperMs, method: 'browser-getstats', lowerBoundMs: bounds.lowerMs })
      } else gaps.push({ track: w.label, gapMs: w.gap, method: 'packets' })
    }
    const gapsMs = gaps.map((g) => g.gapMs)
    const result: RestartIceResult = {
      startedAt,
      by,
      signalingMs,
      reconnectMs,
      gapMs: Math.max(0, ...gapsMs),
      gapsMs,
      gaps,
      newCredentials: newUfrag.a && newUfrag.b,
      newUfrag,
      renominated,
    }
    call.iceRestarts.push({ atMs: startedAt - call.timings.startedAt, by, signalingMs, reconnectMs, gapMs: result.gapMs, gaps, newUfrag, renominated })
    return result
  } catch (e) {
    if (e instanceof RtcspecError) throw e
    throw new RtcspecError('ICE_RESTART_FAILED', `ICE restart ${offerer.name} → ${answerer.name} failed: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    })
  } finally {
    for (const u of unsubs) u()
    for (const w of watched) await w.browser?.watch.stop().catch(() => undefined)
    if (held) {
      call.releaseTrickle('a')
      call.releaseTrickle('b')
    }
  }
}

/**
 * Waits (until `deadline`, performance.now() ms) for every peer that records nominations (werift, Chromium) to
 * nominate a pair after the restart (`sinceMs` on its timeline clock). A browser's selected pair is seen by polling
 * its stats, so poll it here. Returns, per side, whether it did (undefined: the peer records no nominations).
 */
async function waitForNewNominations(call: BackToBackCall, sinceMs: { a: number; b: number }, deadline: number): Promise<{ a?: boolean; b?: boolean }> {
  const sides = (['a', 'b'] as const).filter((s) => call[s].timeline.nominations !== undefined)
  const fresh = (s: 'a' | 'b') => (call[s].timeline.nominations ?? []).some((n) => n.atMs >= sinceMs[s])
  for (let i = 0; i < 100_000; i++) {
    const waiting = sides.filter((s) => !fresh(s))
    if (waiting.length === 0 || performance.now() >= deadline) break
    await Promise.all(waiting.filter((s) => call[s].traits?.nominationsSeenOnStats).map((s) => call[s].stats().catch(() => undefined)))
    await new Promise((r) => setTimeout(r, 20))
  }
  return Object.fromEntries(sides.map((s) => [s, fresh(s)]))
}
