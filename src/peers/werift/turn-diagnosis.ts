/**
 * Says why a werift peer got no TURN relay candidate.
 *
 * werift 0.25 swallows TURN allocation errors (it logs them to its debug channel and gathers without a
 * relay candidate), so a relay-only call with wrong credentials would otherwise end in a bare ICE
 * timeout. When gathering completes without a relay candidate, this helper repeats the allocation with
 * rtcspec's own TURN probe against the same server and credentials (werift uses the first turn:/turns:
 * URL), records the answer (e.g. "TURN authentication failed … 401 Unauthorized") in the peer's timeline
 * errors, and, for a relay-only peer, which can never connect without a relay candidate, closes the
 * connection at once so `waitForConnected` fails with that message instead of timing out.
 */
import type { ConnectionOptions } from 'node:tls'
import { turnAllocateProbe, type TurnProbeResult } from '../../net/turn-client.ts'
import type { RTCPeerConnection } from 'werift'
import type { Peer, PeerOptions } from '../types.ts'

/** What the watch uses of a werift peer: its name and timeline, and werift's connection. */
export type TurnWatchedPeer = Pick<Peer, 'name' | 'timeline'> & { readonly pc: RTCPeerConnection }

/** What {@link watchTurnFailures} needs to know about the peer's configuration. */
export interface TurnWatchOptions {
  iceServers?: PeerOptions['iceServers']
  relayOnly?: boolean
  /** werift's `turnTlsOptions` (for turns: URLs). */
  tls?: ConnectionOptions
  /** Probe time budget, default 3000 ms. */
  timeoutMs?: number
}

function firstTurnServer(iceServers: NonNullable<PeerOptions['iceServers']>): { url: string; username: string; credential: string } | undefined {
  for (const s of iceServers) {
    for (const url of Array.isArray(s.urls) ? s.urls : [s.urls]) {
      if (/^turns?:/i.test(url)) return { url, username: s.username ?? '', credential: s.credential ?? '' }
    }
  }
  return undefined
}

/** Parses `turn:H:P?transport=tcp` / `turns:H:P` into what the probe needs. */
export function turnProbeTarget(url: string): { host: string; port: number; transport: 'udp' | 'tcp' | 'tls' } | undefined {
  const m = /^(turns?):(?:\/\/)?(\[[^\]]+\]|[^:?/]+)(?::(\d+))?(?:\?(.*))?$/i.exec(url.trim())
  if (!m) return undefined
  const secure = (m[1] ?? '').toLowerCase() === 'turns'
  const transport = new URLSearchParams(m[4] ?? '').get('transport')
  return {
    host: (m[2] ?? '').replace(/^\[|\]$/g, ''),
    port: m[3] ? Number(m[3]) : secure ? 5349 : 3478,
    transport: secure ? 'tls' : transport === 'tcp' ? 'tcp' : 'udp',
  }
}

/**
 * Watches `peer`'s TURN set-up; see the module comment. A relay-only peer is probed at once (werift
 * takes up to its TURN connect timeout, 8 s per transport, to give up on a server that does not answer); any other
 * peer is probed when its gathering completes without a relay candidate. `diagnosis` resolves with the
 * probe result when a probe ran and failed, else with undefined. Never throws.
 */
export function watchTurnFailures(peer: TurnWatchedPeer, options: TurnWatchOptions): { diagnosis: Promise<TurnProbeResult | undefined>; stop: () => void } {
  const server = options.iceServers?.length ? firstTurnServer(options.iceServers) : undefined
  const target = server ? turnProbeTarget(server.url) : undefined
  if (!server || !target) return { diagnosis: Promise.resolve(undefined), stop: () => {} }
  let stopped = false
  const probe = async (): Promise<TurnProbeResult | undefined> => {
    const result = await turnAllocateProbe({
      ...target,
      username: server.username,
      password: server.credential,
      timeoutMs: options.timeoutMs ?? 3000,
      ...(options.tls ? { tls: options.tls } : {}),
    })
    if (result.ok || stopped) return undefined
    peer.timeline.errors.push({ atMs: Date.now() - peer.timeline.createdAt, message: `${peer.name}: no TURN relay candidate: ${result.message}` })
    if (options.relayOnly && (result.kind === 'auth' || result.kind === 'connect') && peer.pc.connectionState !== 'connected') {
      // A relay-only peer without a relay candidate can never connect: fail now with the reason.
      await peer.pc.close().catch(() => {})
    }
    return result
  }
  if (options.relayOnly) {
    const diagnosis = probe()
    return { diagnosis, stop: () => (stopped = true) }
  }
  let resolveDiagnosis!: (r: TurnProbeResult | undefined) => void
  const diagnosis = new Promise<TurnProbeResult | undefined>((r) => (resolveDiagnosis = r))
  const sub = peer.pc.iceGatheringStateChange.subscribe((state) => {
    if (state !== 'complete' || stopped) return
    sub.unSubscribe()
    const hasRelay = peer.timeline.localCandidates.some((c) => / typ relay\b/.test(c.candidate))
    if (hasRelay) resolveDiagnosis(undefined)
    else void probe().then(resolveDiagnosis)
  })
  return {
    diagnosis,
    stop: () => {
      stopped = true
      sub.unSubscribe()
      resolveDiagnosis(undefined)
    },
  }
}
