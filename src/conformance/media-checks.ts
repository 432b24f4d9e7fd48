/**
 * The media checks: real peers (werift in-process, or a headless Chromium) publish a 440 Hz tone to a WHIP
 * endpoint or play a WHEP stream, and the tone is detected in the decoded audio. Split from the HTTP checks
 * (`checks.ts`) because they own peers and browsers, not just requests.
 *
 * The offer carries Opus, PCMU and PCMA (in that order) and, from a werift peer, a video section (VP8,
 * H.264) in the same MediaStream: `measured` says which codecs the answer took. A server that refuses an
 * offer with video gets an audio-only one. When media does not flow, the fail reason names the cause
 * (`media-diagnosis.ts`): no codec in common, the candidates in the answer, pairs left out by the loopback
 * rule, the ICE/DTLS states.
 */
import { detectTone } from '../media/analysis.ts'
import { tone } from '../media/sources.ts'
import type { HttpExchange } from '../http/http.ts'
import { createChromiumPeer } from '../peers/chromium/peer.ts'
import { allHostAddresses } from '../peers/host-addresses.ts'
import { isLoopbackAddress } from '../net/loopback.ts'
import type { Peer } from '../peers/types.ts'
import { createWeriftPeer, type RemoteAddresses, type VideoCodecName } from '../peers/werift/peer.ts'
import { waitFor } from '../wait.ts'
import { publish } from '../whip/client.ts'
import { SessionHttpError, withIceServersApplied, type ClientSession, type SessionClientOptions } from '../whip/session-client.ts'
import { SessionRecorder } from '../whip/session-record.ts'
import { play } from '../whep/client.ts'
import { bad, ok } from './check-kit.ts'
import type { CheckContext, CheckOutcome, CheckTarget } from './context.ts'
import { describeNegotiation, diagnoseMedia, negotiation, type MediaDiagnosis } from './media-diagnosis.ts'

/** The `media` requirement of either suite. */
export async function mediaCheck(ctx: CheckContext): Promise<CheckOutcome> {
  return ctx.target.suite === 'whip' ? whipMedia(ctx) : whepMedia(ctx)
}

const TONE_HZ = 440
/** Audio codecs the media checks offer: Opus first (what WHIP/WHEP servers usually require), then G.711. */
export const MEDIA_CODECS = ['opus', 'PCMU', 'PCMA']
/** Video codecs the werift peer of a media check offers alongside the audio (negotiation only: no frames are sent). */
export const MEDIA_VIDEO_CODECS: VideoCodecName[] = ['VP8', 'H264']

type Measured = Record<string, number | string | boolean>

/** Whether a URL's host is this machine's loopback (`localhost`, 127.0.0.0/8, ::1). */
function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '')
  return host === 'localhost' || isLoopbackAddress(host)
}

/**
 * Which remote candidates the media checks' werift peers accept: the target's `remoteAddresses`, else
 * `'loopback'` when every URL of the target is on loopback and `'any'` when one is not (the URL names the
 * server the user chose to test).
 */
export function remoteAddressesOf(t: CheckTarget): RemoteAddresses {
  if (t.remoteAddresses) return t.remoteAddresses
  const urls = [t.url, t.whepUrl, t.publishUrl].filter((u): u is string => u !== undefined)
  return urls.every(isLoopbackUrl) ? 'loopback' : 'any'
}

/**
 * Host addresses of a peer talking to `url`: with `'any'`, loopback only for a server on loopback (a server on
 * this machine never needs the other interfaces, and tests keep to loopback), every interface otherwise.
 */
function hostAddressesFor(url: string, mode: RemoteAddresses): string[] | undefined {
  if (mode === 'loopback') return undefined
  return isLoopbackUrl(url) ? ['127.0.0.1'] : allHostAddresses()
}

/** One WHIP/WHEP session a media check opened (or tried to): its peer, exchanges, and the session or the error. */
interface Attempt {
  peer: Peer
  remoteAddresses: RemoteAddresses
  recorder: SessionRecorder
  session?: ClientSession
  /** The audio being published (WHIP sessions). */
  audio?: { readonly stats: { packetsSent: number } } | undefined
  /** Resolves with the first inbound audio track (WHEP sessions). */
  track?: (timeoutMs: number) => ReturnType<Peer['waitForTrack']>
  error?: unknown
  /** What became of the video offer when it was refused and retried without. */
  videoNote?: string
  close(): Promise<void>
}

/** Statuses after which an offer with video is retried audio-only (the server may not take video). */
function refusedOffer(e: unknown): number | undefined {
  const status = e instanceof SessionHttpError ? e.exchange.response?.status : undefined
  if (status === undefined || status < 400 || [401, 403, 404, 409, 429].includes(status)) return undefined
  return status
}

/**
 * A peer of a media check: werift (or, with `peer: 'chromium'`, a Chromium) offering the media codecs, sending or
 * receiving by `role`, with a video section (VP8, H.264) when `video`, and the target's ICE servers and addresses.
 */
export async function createMediaPeer(
  t: CheckTarget,
  role: 'publisher' | 'viewer',
  url: string,
  video: boolean,
): Promise<{ peer: Peer; remoteAddresses: RemoteAddresses; sessionOptions?: (o: SessionClientOptions) => SessionClientOptions }> {
  const mode = remoteAddressesOf(t)
  const hosts = hostAddressesFor(url, mode)
  const audio = role === 'publisher' ? 'sendonly' : 'recvonly'
  const common = {
    codecs: MEDIA_CODECS,
    audio,
    ...(t.iceServers?.length ? { iceServers: t.iceServers } : {}),
    ...(t.relayOnly ? { relayOnly: true } : {}),
    ...(hosts ? { hostAddresses: hosts } : {}),
  } as const
  if ((t.peer ?? 'werift') === 'chromium') {
    return { peer: await createChromiumPeer({ name: `rtcspec-${role}-chromium`, ...common }), remoteAddresses: mode }
  }
  const peer = createWeriftPeer({
    name: `rtcspec-${role}`,
    ...common,
    // 'any', or 'loopback' when the target asks for it; a derived 'loopback' leaves the peer its own default
    // (the same rule, except that with ICE servers relayed paths are accepted).
    ...(t.remoteAddresses !== undefined || mode === 'any' ? { remoteAddresses: mode } : {}),
    // One transport for audio and video (max-bundle): the video section only negotiates, so a server that does
    // not bundle it must not leave a second transport unconnected and hold the audio back.
    ...(video ? { video: audio, videoCodecs: MEDIA_VIDEO_CODECS, config: { bundlePolicy: 'max-bundle' as const } } : {}),
  })
  // werift takes Link-header ICE servers into its configuration at once (before it gathers).
  return { peer, remoteAddresses: peer.remoteAddresses, sessionOptions: (o) => withIceServersApplied(o, peer) }
}

/**
 * Opens a WHIP (publishing the tone) or WHEP session at `url` with a fresh peer; never throws for what the
 * server does (the error is kept in the attempt), only when the peer itself cannot be created.
 */
async function openAttempt(protocol: 'whip' | 'whep', url: string, t: CheckTarget, video: boolean): Promise<Attempt> {
  const { peer, remoteAddresses, sessionOptions } = await createMediaPeer(t, protocol === 'whip' ? 'publisher' : 'viewer', url, video)
  const recorder = new SessionRecorder(protocol)
  const base: SessionClientOptions = { ...(t.token !== undefined ? { token: t.token } : {}), requestTimeoutMs: t.timeoutMs, recorder }
  const options = sessionOptions ? sessionOptions(base) : base
  const attempt: Attempt = {
    peer,
    remoteAddresses,
    recorder,
    async close() {
      await attempt.session?.close().catch(() => undefined)
      await peer.close().catch(() => undefined)
    },
  }
  try {
    if (protocol === 'whip') {
      const s = await publish(url, { ...options, peer, audio: (sr) => tone(TONE_HZ, { sampleRate: sr }) })
      attempt.session = s
      attempt.audio = s.audio
    } else {
      const s = await play(url, { ...options, peer })
      attempt.session = s
      attempt.track = (ms) => s.audio(ms)
    }
  } catch (e) {
    attempt.error = e
  }
  return attempt
}

/** {@link openAttempt} with video offered (werift), retried audio-only when the server refuses that offer. */
async function open(protocol: 'whip' | 'whep', url: string, t: CheckTarget): Promise<Attempt> {
  const video = (t.peer ?? 'werift') === 'werift'
  const first = await openAttempt(protocol, url, t, video)
  const status = video ? refusedOffer(first.error) : undefined
  if (status === undefined) return first
  await first.close()
  const second = await openAttempt(protocol, url, t, false)
  second.videoNote = `the offer with video was refused (${status}); the audio-only offer was used`
  return second
}

/** The offer and answer SDP of an attempt: the session's, or the POST exchange's when the session did not start. */
function sdpOf(a: Attempt): { offer?: string; answer?: string } {
  if (a.session) return { offer: a.session.offer, answer: a.session.answer }
  const post = a.recorder.exchanges
    .map((x) => x.exchange)
    .find((x) => x.request.method === 'POST' && /^application\/sdp/i.test(x.response?.headers['content-type'] ?? ''))
  return { ...(post?.request.body !== undefined ? { offer: post.request.body } : {}), ...(post?.response ? { answer: post.response.body } : {}) }
}

function exchangesOf(a: Attempt | undefined): HttpExchange[] {
  return a ? a.recorder.exchanges.map((x) => x.exchange) : []
}

async function diagnose(a: Attempt): Promise<MediaDiagnosis> {
  return diagnoseMedia({ ...sdpOf(a), peer: a.peer, remoteAddresses: a.remoteAddresses })
}

/** What a connected check reports: codecs per kind, the remote-address rule and the selected candidate pair. */
async function negotiated(a: Attempt): Promise<Measured> {
  const { offer, answer } = sdpOf(a)
  const audio = negotiation(offer, answer, 'audio')
  const video = negotiation(offer, answer, 'video')
  const pair = await a.peer.stats().then(
    (s) => s.selectedPair,
    () => undefined,
  )
  return {
    audioCodec: audio.status === 'accepted' ? (audio.codec ?? '') : describeNegotiation(audio),
    videoCodec: a.videoNote ?? (video.status === 'accepted' ? (video.codec ?? '') : describeNegotiation(video)),
    remoteAddresses: a.remoteAddresses,
    ...(pair
      ? { selectedPair: `${pair.local.address}:${pair.local.port} ${pair.local.type} → ${pair.remote.address}:${pair.remote.port} ${pair.remote.type}` }
      : {}),
  }
}

/** What to say when a peer could not even be created (e.g. no Chromium installed). */
function peerFailure(t: CheckTarget, e: unknown): string {
  const msg = (e as Error).message.split('\n')[0] ?? String(e)
  return t.peer === 'chromium' ? `could not start the Chromium peer: ${msg} (install chromium, e.g. scripts/install-system-deps.sh, or use --peer werift)` : msg
}

/** A diagnosis of the other peer as one `measured` value. */
function flat(m: Measured): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ')
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? ''
}

/**
 * Brings an opened attempt up to a connected peer, or says why not: the session error, no codec in common
 * (straight from the answer, without waiting), or the diagnosis of a connection that did not come up.
 */
async function connected(a: Attempt, what: string, t: CheckTarget): Promise<{ fail: string; measured: Measured } | undefined> {
  const { offer, answer } = sdpOf(a)
  const audio = negotiation(offer, answer, 'audio')
  const refused = a.error instanceof SessionHttpError
  if (answer !== undefined && !refused && audio.status !== 'accepted') {
    // The answer itself says media cannot flow (the peer may also have refused to apply it).
    const d = await diagnose(a)
    return { fail: `${what}: ${describeNegotiation(audio)}${a.error !== undefined ? ` (${firstLine(a.error)})` : ''}`, measured: d.measured }
  }
  if (a.error !== undefined) {
    const d = await diagnose(a)
    return { fail: `${what} failed: ${firstLine(a.error)}${d.cause && !refused ? ` — ${d.cause}` : ''}`, measured: d.measured }
  }
  const ms = (t.peer ?? 'werift') === 'chromium' ? 15_000 : 8_000
  try {
    await a.peer.waitForConnected(ms)
    return undefined
  } catch (e) {
    const d = await diagnose(a)
    return { fail: `${what}: no ICE+DTLS connection within ${ms} ms: ${d.cause ?? firstLine(e)} [${d.summary}]`, measured: d.measured }
  }
}

async function whipMedia(ctx: CheckContext): Promise<CheckOutcome> {
  const t = ctx.target
  const kind = t.peer ?? 'werift'
  let pub: Attempt | undefined
  try {
    try {
      pub = await open('whip', t.url, t)
    } catch (e) {
      return bad(`publishing failed: ${peerFailure(t, e)}`, [])
    }
    const failed = await connected(pub, 'publishing', t)
    if (failed) return { ...bad(failed.fail, exchangesOf(pub)), measured: { peer: kind, ...failed.measured } }
    const audio = pub.audio
    const enough = await waitFor(() => (audio?.stats.packetsSent ?? 0) >= 50, { timeoutMs: 8_000, intervalMs: 50, label: '50 audio packets sent' }).then(
      () => true,
      () => false,
    )
    const sent = audio?.stats.packetsSent ?? 0
    const measured: Measured = { peer: kind, packetsSent: sent, ...(await negotiated(pub)) }
    if (!enough) return { ...bad(`connected but only ${sent} packets were sent`, exchangesOf(pub)), measured }
    if (t.whepUrl) {
      const v = await viewTone(t.whepUrl, t)
      Object.assign(measured, v.measured, v.diagnosis ? { viewerDiagnosis: flat(v.diagnosis) } : {})
      const xs = [...exchangesOf(pub), ...v.exchanges]
      if (!v.detected) return { ...bad(`published, but the tone was not detected at ${t.whepUrl}: ${v.reason}`, xs), measured }
      return { ...ok(`published from ${kind} (${measured.audioCodec}); ${TONE_HZ} Hz detected at the WHEP viewer`, xs), measured }
    }
    return { ...ok(`${kind}: ICE+DTLS connected, ${sent} ${measured.audioCodec} packets sent`, exchangesOf(pub)), measured }
  } catch (e) {
    return bad(`publishing failed: ${firstLine(e)}`, exchangesOf(pub))
  } finally {
    await pub?.close()
  }
}

/** What playing the tone back found; `diagnosis` when the viewer did not connect. */
interface Viewed {
  detected: boolean
  reason: string
  exchanges: HttpExchange[]
  measured: Measured
  diagnosis?: Measured
}

async function viewTone(url: string, t: CheckTarget): Promise<Viewed> {
  const kind = t.peer ?? 'werift'
  let view: Attempt | undefined
  try {
    try {
      view = await open('whep', url, t)
    } catch (e) {
      return { detected: false, reason: `playing failed: ${peerFailure(t, e)}`, exchanges: [], measured: { viewer: kind } }
    }
    const failed = await connected(view, 'playing', t)
    if (failed) return { detected: false, reason: failed.fail, exchanges: exchangesOf(view), measured: { viewer: kind }, diagnosis: failed.measured }
    const track = await (view.track as NonNullable<Attempt['track']>)(5_000)
    await track.waitForPackets(75, 8_000)
    // A browser hands its decoded audio over in polls: wait until 0.7 s of it is here.
    await waitFor(() => track.recording().samples.length >= track.recording().sampleRate * 0.7, {
      timeoutMs: 5_000,
      intervalMs: 50,
      label: '0.7 s of decoded audio',
    }).catch(() => undefined)
    const rec = track.recording()
    const skip = Math.min(rec.samples.length, Math.round(rec.sampleRate * 0.2))
    const d = detectTone(rec.samples.subarray(skip), rec.sampleRate, TONE_HZ, { toleranceHz: 5 })
    const n = await negotiated(view)
    const measured: Measured = {
      viewer: kind,
      codec: track.codec?.encoding ?? 'unknown',
      packetsReceived: track.rtp.snapshot().received,
      measuredHz: Number(d.measuredHz.toFixed(1)),
      snrDb: Number(d.snrDb.toFixed(1)),
      viewerAudioCodec: n.audioCodec ?? '',
      viewerVideoCodec: n.videoCodec ?? '',
      ...(n.selectedPair !== undefined ? { viewerSelectedPair: n.selectedPair } : {}),
      remoteAddresses: n.remoteAddresses ?? '',
    }
    return {
      detected: d.present,
      reason: d.present ? 'detected' : `no ${TONE_HZ} Hz tone (strongest nearby ${d.measuredHz.toFixed(1)} Hz, SNR ${d.snrDb.toFixed(1)} dB)`,
      exchanges: exchangesOf(view),
      measured,
    }
  } catch (e) {
    const diag = view ? await diagnose(view) : undefined
    return { detected: false, reason: `${firstLine(e)}${diag?.cause ? ` — ${diag.cause}` : ''}`, exchanges: exchangesOf(view), measured: { viewer: kind } }
  } finally {
    await view?.close()
  }
}

async function whepMedia(ctx: CheckContext): Promise<CheckOutcome> {
  const t = ctx.target
  const kind = t.peer ?? 'werift'
  let pub: Attempt | undefined
  try {
    if (t.publishUrl) {
      try {
        pub = await open('whip', t.publishUrl, t)
      } catch (e) {
        return bad(`publishing the tone to ${t.publishUrl} failed: ${peerFailure(t, e)}`, [])
      }
      const failed = await connected(pub, `publishing the tone to ${t.publishUrl}`, t)
      if (failed) return { ...bad(failed.fail, exchangesOf(pub)), measured: { peer: kind, publisherDiagnosis: flat(failed.measured) } }
    }
    const v = await viewTone(t.url, t)
    const xs = [...exchangesOf(pub), ...v.exchanges]
    if (v.diagnosis) return { ...bad(v.reason, xs), measured: { ...v.measured, ...v.diagnosis } }
    if (!t.publishUrl) {
      const got = Number(v.measured.packetsReceived ?? 0)
      return got > 0
        ? { ...ok(`received ${got} RTP packets (tone not checked: no --publish-url)`, xs), measured: v.measured }
        : { ...bad(`no media: ${v.reason}`, xs), measured: v.measured }
    }
    return v.detected
      ? { ...ok(`${TONE_HZ} Hz tone detected in the played stream (${kind} peers)`, xs), measured: v.measured }
      : { ...bad(v.reason, xs), measured: v.measured }
  } catch (e) {
    return bad(`media check failed: ${firstLine(e)}`, exchangesOf(pub))
  } finally {
    await pub?.close()
  }
}
