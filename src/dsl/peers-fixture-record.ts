/**
 * The call record of the `peers` fixture: peers a test created with `peers.werift()` / `peers.chromium()` and
 * connected itself (e.g. with `connectBackToBack`) make a call like the `b2b` fixture's, so it is recorded the
 * same way — one record of kind `webrtc-peers` with every peer that connected, its tracks (with the video
 * analysis the video gates read), its recordings and the set-up times read from the peers' own timelines.
 * A plain RTP peer has no connection to set up: it made a call when RTP arrived. Peers that did neither write
 * nothing (a test that only built a peer made no call).
 */
import { appendCallRecord, buildCallRecord, type CallRecord, type RecordingRecord } from '../peers/call-record.ts'
import type { Peer } from '../peers/types.ts'

/** When the peer's connection first reached `connected` (epoch ms), if it did. */
function connectedAtMs(peer: Peer): number | undefined {
  const t = peer.timeline
  const c = t.connection.find((s) => s.state === 'connected') ?? t.ice.find((s) => s.state === 'connected' || s.state === 'completed')
  return c === undefined ? undefined : t.createdAt + c.atMs
}

/**
 * Set-up times of the peers as one call: from the first peer's creation to the last one connected (absent when none
 * connects: plain RTP), and to the first RTP packet any of them received (on the epoch clock; a track's first
 * arrival is on `performance.now()`).
 */
export function peersSetup(peers: readonly Peer[], nowEpochMs = Date.now(), nowPerfMs = performance.now()): { startedAt: number; setup: CallRecord['setup'] } {
  const startedAt = Math.min(...peers.map((p) => p.timeline.createdAt))
  const connected = peers.map(connectedAtMs).filter((x): x is number => x !== undefined)
  const firsts = peers.flatMap((p) => p.inbound.map((t) => t.rtp.snapshot().firstArrivalMs)).filter((x): x is number => x !== undefined)
  const perfToEpoch = nowEpochMs - nowPerfMs
  return {
    startedAt,
    setup: {
      ...(connected.length ? { connectMs: Math.max(...connected) - startedAt } : {}),
      ...(firsts.length ? { firstRtpMs: Math.max(0, Math.min(...firsts) + perfToEpoch - startedAt) } : {}),
    },
  }
}

/**
 * Writes the call record of the peers a test made and connected, before they are closed; never throws (a failure
 * to record is reported on stderr). `recordings` are the saved recordings by peer name.
 */
export async function recordFixturePeers(peers: readonly Peer[], test: CallRecord['test'], recordings: Record<string, RecordingRecord[]> = {}): Promise<void> {
  const connected = peers.filter((p) => connectedAtMs(p) !== undefined || p.inbound.some((t) => t.rtp.snapshot().firstArrivalMs !== undefined))
  if (connected.length === 0) return
  try {
    const { startedAt, setup } = peersSetup(connected)
    const record = await buildCallRecord({
      kind: 'webrtc-peers',
      peers: [...connected],
      startedAt: new Date(startedAt),
      setup,
      ...(test ? { test } : {}),
      ...(Object.keys(recordings).length ? { recordings } : {}),
    })
    appendCallRecord(record)
  } catch (e) {
    process.stderr.write(`rtcspec: could not write the call record of the test's peers: ${e instanceof Error ? e.message : String(e)}\n`)
  }
}
