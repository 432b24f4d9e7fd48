/**
 * The media checks: real peers (werift in-process, or a headless Chromium) publish a 440 Hz tone to a WHIP
 * endpoint or play a WHEP stream, and the tone is detected in the decoded audio. Split from the HTTP checks
 * (`checks.ts`) because they own peers and browsers, not just requests.
 */
import { detectTone } from '../media/analysis.ts'
import { tone } from '../media/sources.ts'
import type { HttpExchange } from '../whip/http.ts'
import { createChromiumPeer } from '../peers/chromium/peer.ts'
import type { Peer } from '../peers/types.ts'
import { publish } from '../whip/client.ts'
import { play } from '../whep/client.ts'
import { bad, ok } from './check-kit.ts'
import type { CheckContext, CheckOutcome, CheckTarget } from './context.ts'


/** The `media` requirement of either suite. */
export async function mediaCheck(ctx: CheckContext): Promise<CheckOutcome> {
  return ctx.target.suite === 'whip' ? whipMedia(ctx) : whepMedia(ctx)
}
const TONE_HZ = 440
/** Codecs the media checks offer: Opus first (what WHIP/WHEP servers usually require), then G.711. */
const MEDIA_CODECS = ['opus', 'PCMU', 'PCMA']

/**
 * A peer for a media check: `undefined` for werift (the WHIP/WHEP client then creates and owns its own werift
 * peer), or a Chromium peer the caller must close.
 */
async function chromiumFor(t: CheckTarget, role: 'publisher' | 'viewer'): Promise<Peer | undefined> {
  if ((t.peer ?? 'werift') === 'werift') return undefined
  return createChromiumPeer({ name: `rtcspec-${role}-chromium`, audio: role === 'publisher' ? 'sendonly' : 'recvonly', codecs: MEDIA_CODECS })
}

/** What to say when a peer could not even be created (e.g. no Chromium installed). */
function peerFailure(t: CheckTarget, e: unknown): string {
  const msg = (e as Error).message.split('\n')[0] ?? String(e)
  return t.peer === 'chromium' ? `could not start the Chromium peer: ${msg} (install chromium, e.g. scripts/install-system-deps.sh, or use --peer werift)` : msg
}

/** Publishes the tone to `url` with the target's peer kind; the returned close() also closes a Chromium peer. */
async function publishTone(url: string, t: CheckTarget): Promise<Awaited<ReturnType<typeof publish>> & { closeAll(): Promise<void> }> {
  const peer = await chromiumFor(t, 'publisher')
  try {
    const pub = await publish(url, {
      ...(t.token !== undefined ? { token: t.token } : {}),
      requestTimeoutMs: t.timeoutMs,
      ...(peer ? { peer } : { peerOptions: { name: 'rtcspec-publisher', audio: 'sendonly', codecs: MEDIA_CODECS } }),
      audio: (sr) => tone(TONE_HZ, { sampleRate: sr }),
    })
    return Object.assign(pub, {
      async closeAll() {
        await pub.close().catch(() => undefined)
        await peer?.close().catch(() => undefined)
      },
    })
  } catch (e) {
    await peer?.close().catch(() => undefined)
    throw e
  }
}

async function whipMedia(ctx: CheckContext): Promise<CheckOutcome> {
  const t = ctx.target
  const kind = t.peer ?? 'werift'
  let pub: Awaited<ReturnType<typeof publishTone>> | undefined
  try {
    try {
      pub = await publishTone(t.url, t)
    } catch (e) {
      const exchange = (e as { exchange?: HttpExchange }).exchange
      return bad(`publishing failed: ${peerFailure(t, e)}`, exchange ? [exchange] : [])
    }
    await pub.peer.waitForConnected(kind === 'chromium' ? 15_000 : 8_000)
    const started = performance.now()
    while ((pub.audio?.stats.packetsSent ?? 0) < 50 && performance.now() - started < 8_000) await new Promise((r) => setTimeout(r, 50))
    const sent = pub.audio?.stats.packetsSent ?? 0
    const measured: Record<string, number | string | boolean> = { peer: kind, packetsSent: sent }
    if (sent < 50) return { ...bad(`connected but only ${sent} packets were sent`, [...pub.exchanges]), measured }
    if (t.whepUrl) {
      const v = await viewTone(t.whepUrl, t)
      Object.assign(measured, v.measured)
      if (!v.detected) return { ...bad(`published, but the tone was not detected at ${t.whepUrl}: ${v.reason}`, [...pub.exchanges, ...v.exchanges]), measured }
      return { ...ok(`published from ${kind}; ${TONE_HZ} Hz detected at the WHEP viewer`, [...pub.exchanges, ...v.exchanges]), measured }
    }
    return { ...ok(`${kind}: ICE+DTLS connected, ${sent} packets sent`, [...pub.exchanges]), measured }
  } catch (e) {
    return bad(`publishing failed: ${(e as Error).message.split('\n')[0]}`, pub ? [...pub.exchanges] : [])
  } finally {
    await pub?.closeAll()
  }
}

async function viewTone(url: string, t: CheckTarget): Promise<{ detected: boolean; reason: string; exchanges: HttpExchange[]; measured: Record<string, number | string | boolean> }> {
  const kind = t.peer ?? 'werift'
  let peer: Peer | undefined
  let view: Awaited<ReturnType<typeof play>> | undefined
  try {
    try {
      peer = await chromiumFor(t, 'viewer')
      view = await play(url, {
        ...(t.token !== undefined ? { token: t.token } : {}),
        requestTimeoutMs: t.timeoutMs,
        ...(peer ? { peer } : { peerOptions: { name: 'rtcspec-viewer', audio: 'recvonly', codecs: MEDIA_CODECS } }),
      })
    } catch (e) {
      const exchange = (e as { exchange?: HttpExchange }).exchange
      return { detected: false, reason: `playing failed: ${peerFailure(t, e)}`, exchanges: exchange ? [exchange] : [], measured: { viewer: kind } }
    }
    await view.peer.waitForConnected(kind === 'chromium' ? 15_000 : 8_000)
    const track = await view.audio(5_000)
    await track.waitForPackets(75, 8_000)
    // A browser hands its decoded audio over in polls: wait until half a second of it is here.
    const t0 = performance.now()
    while (track.recording().samples.length < track.recording().sampleRate * 0.7 && performance.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 50))
    const rec = track.recording()
    const skip = Math.min(rec.samples.length, Math.round(rec.sampleRate * 0.2))
    const d = detectTone(rec.samples.subarray(skip), rec.sampleRate, TONE_HZ, { toleranceHz: 5 })
    const measured = { viewer: kind, codec: track.codec?.encoding ?? 'unknown', packetsReceived: track.rtp.snapshot().received, measuredHz: Number(d.measuredHz.toFixed(1)), snrDb: Number(d.snrDb.toFixed(1)) }
    return { detected: d.present, reason: d.present ? 'detected' : `no ${TONE_HZ} Hz tone (strongest nearby ${d.measuredHz.toFixed(1)} Hz, SNR ${d.snrDb.toFixed(1)} dB)`, exchanges: [...view.exchanges], measured }
  } catch (e) {
    return { detected: false, reason: (e as Error).message.split('\n')[0] ?? String(e), exchanges: [...(view?.exchanges ?? [])], measured: { viewer: kind } }
  } finally {
    await view?.close().catch(() => undefined)
    await peer?.close().catch(() => undefined)
  }
}

async function whepMedia(ctx: CheckContext): Promise<CheckOutcome> {
  const t = ctx.target
  let pub: Awaited<ReturnType<typeof publishTone>> | undefined
  try {
    if (t.publishUrl) {
      try {
        pub = await publishTone(t.publishUrl, t)
      } catch (e) {
        const exchange = (e as { exchange?: HttpExchange }).exchange
        return bad(`publishing the tone to ${t.publishUrl} failed: ${peerFailure(t, e)}`, exchange ? [exchange] : [])
      }
      await pub.peer.waitForConnected((t.peer ?? 'werift') === 'chromium' ? 15_000 : 8_000)
    }
    const v = await viewTone(t.url, t)
    const xs = [...(pub?.exchanges ?? []), ...v.exchanges]
    if (!t.publishUrl) {
      const got = Number(v.measured.packetsReceived ?? 0)
      return got > 0 ? { ...ok(`received ${got} RTP packets (tone not checked: no --publish-url)`, xs), measured: v.measured } : { ...bad(`no media: ${v.reason}`, xs), measured: v.measured }
    }
    return v.detected ? { ...ok(`${TONE_HZ} Hz tone detected in the played stream (${t.peer ?? 'werift'} peers)`, xs), measured: v.measured } : { ...bad(v.reason, xs), measured: v.measured }
  } catch (e) {
    return bad(`media check failed: ${(e as Error).message.split('\n')[0]}`, [...(pub?.exchanges ?? [])])
  } finally {
    await pub?.closeAll()
  }
}

