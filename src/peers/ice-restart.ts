/**
 * ICE restart on a connected back-to-back call, with the media gap it caused measured from the packets.
 *
 * ```ts
 * const r = await restartIce(call, { watch: [call.b.inbound[0]!] })
 * r.gapMs        // longest silence on the watched tracks around the restart, ms
 * r.reconnectMs  // from the restart offer to both peers connected again with media flowing
 * ```
 */
import { RtcspecError, TimeoutError } from '../errors.ts'
import { rewriteSdpCandidates, type BackToBackCall, type CandidatePath } from './back-to-back.ts'
import type { InboundTrack, ReceivedRtp } from './types.ts'

/** Options of {@link restartIce}. */
export interface RestartIceOptions {
  /** Inbound tracks whose media gap is measured (e.g. both directions' audio). Default: every inbound track that has received packets. */
  watch?: InboundTrack[]
  /** For non-trickle peers, the path to rewrite SDP candidates through (the same one the call was made with). */
  path?: CandidatePath
  /** How long the restart may take until media flows again on every watched track. Default 10 s. */
  timeoutMs?: number
  /** Packets each watched track must receive after the restart to call media "flowing again". Default 5. */
  packetsAfter?: number
}

/** What an ICE restart did. */
export interface RestartIceResult {
  /** When the restart began, performance.now() ms. */
  startedAt: number
  /** Offer/answer round trip of the restart, ms. */
  signalingMs: number
  /** From the restart offer to media flowing again on every watched track, ms. */
  reconnectMs: number
  /** Longest interval between two packets on any watched track from 1 s before the restart to the end, ms. */
  gapMs: number
  /** The same per watched track, in `watch` order. */
  gapsMs: number[]
  /** Whether the ICE credentials (ufrag) in the new offer differ from the old one (a real restart). */
  newCredentials: boolean
}

const UFRAG = /^a=ice-ufrag:(\S+)/m

/**
 * Restarts ICE on `call`: peer a creates an offer with `iceRestart: true`, b answers, a applies the answer; trickled
 * candidates keep flowing through the call's forwarding (and its relay path). Resolves when every watched track has
 * received `packetsAfter` packets since the restart, with the longest gap measured from arrival times.
 * Records the offer and answer in `call.signaling`.
 * @throws TimeoutError naming the tracks that stayed silent.
 */
export async function restartIce(call: BackToBackCall, options: RestartIceOptions = {}): Promise<RestartIceResult> {
  const watch = options.watch ?? [...call.a.inbound, ...call.b.inbound].filter((t) => t.rtp.snapshot().received > 0)
  const timeoutMs = options.timeoutMs ?? 10_000
  const packetsAfter = options.packetsAfter ?? 5
  const startedAt = performance.now()
  const lookbackMs = 1000
  const arrivals = watch.map((t) => {
    const s = t.rtp.snapshot()
    return { last: s.lastArrivalMs !== undefined && s.lastArrivalMs >= startedAt - lookbackMs ? s.lastArrivalMs : undefined, gap: 0, after: 0 }
  })
  let done!: () => void
  const allFlowing = new Promise<void>((r) => (done = r))
  const check = () => {
    if (arrivals.every((a) => a.after >= packetsAfter)) done()
  }
  const unsubs = watch.map((t, i) =>
    t.onRtp((p: ReceivedRtp) => {
      const a = arrivals[i]!
      if (a.last !== undefined) a.gap = Math.max(a.gap, p.arrivalMs - a.last)
      a.last = p.arrivalMs
      if (p.arrivalMs > startedAt) a.after++
      check()
    }),
  )
  const at = () => performance.now() - call.timings.startedAt
  let held = false
  try {
    const oldUfrag = UFRAG.exec(call.signaling.findLast((m) => m.type.startsWith('offer'))?.sdp ?? '')?.[1]
    // New-generation candidates must reach each peer after the description that introduces them.
    call.holdTrickle('a')
    call.holdTrickle('b')
    held = true
    let offer = await call.a.createOffer({ iceRestart: true })
    if (options.path && !call.a.trickle) offer = { ...offer, sdp: await rewriteSdpCandidates(offer.sdp, options.path, 'a') }
    call.signaling.push({ atMs: at(), from: call.a.name, to: call.b.name, type: 'offer (ICE restart)', sdp: offer.sdp })
    let answer = await call.b.acceptOffer(offer)
    call.releaseTrickle('b')
    if (options.path && !call.b.trickle) answer = { ...answer, sdp: await rewriteSdpCandidates(answer.sdp, options.path, 'b') }
    call.signaling.push({ atMs: at(), from: call.b.name, to: call.a.name, type: 'answer (ICE restart)', sdp: answer.sdp })
    await call.a.acceptAnswer(answer)
    call.releaseTrickle('a')
    held = false
    const signalingMs = performance.now() - startedAt
    const newUfrag = UFRAG.exec(offer.sdp)?.[1]
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const silent = watch.filter((_, i) => arrivals[i]!.after < packetsAfter).map((t) => `${t.peerName}.${t.kind}.in (${arrivals[watch.indexOf(t)]!.after} packets)`)
        reject(new TimeoutError(`media to flow again after the ICE restart on ${silent.join(', ')}`, timeoutMs, 'check the ICE states in the call record; werift needs the new candidates of both sides'))
      }, timeoutMs)
    })
    check()
    try {
      await Promise.race([allFlowing, timeout])
    } finally {
      clearTimeout(timer)
    }
    const gapsMs = arrivals.map((a) => a.gap)
    return {
      startedAt,
      signalingMs,
      reconnectMs: performance.now() - startedAt,
      gapMs: Math.max(0, ...gapsMs),
      gapsMs,
      newCredentials: oldUfrag !== undefined && newUfrag !== undefined && oldUfrag !== newUfrag,
    }
  } catch (e) {
    if (e instanceof RtcspecError) throw e
    throw new RtcspecError('ICE_RESTART_FAILED', `ICE restart ${call.a.name} → ${call.b.name} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
  } finally {
    for (const u of unsubs) u()
    if (held) {
      call.releaseTrickle('a')
      call.releaseTrickle('b')
    }
  }
}

