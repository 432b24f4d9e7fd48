/**
 * Real headless Chromium peers calling werift peers (both directions) and each other, on loopback,
 * with Opus (and PCMU); tones detected on both sides; stats from both; no Chromium left behind.
 */
import { describe, it, afterAll } from 'vitest'
import { expect } from '../../../src/dsl/expect.ts'
import { networkInterfaces, tmpdir } from 'node:os'
import { createChromiumPeer, type ChromiumPeer } from '../../../src/peers/chromium/peer.ts'
import { chromiumDescendants, launchedBrowserPids, liveBrowserProcesses } from '../../../src/peers/chromium/index.ts'
import { createWeriftPeer } from '../../../src/peers/werift/peer.ts'
import { connectBackToBack } from '../../../src/peers/back-to-back.ts'
import { openBackToBack } from '../../../src/calls/open.ts'
import { buildCallRecord } from '../../../src/peers/call-record.ts'
import { saveCallRecordings } from '../../../src/peers/recording-files.ts'
import { decodeWav } from '../../../src/media/wav.ts'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tone } from '../../../src/media/sources.ts'
import { detectTone } from '../../../src/media/analysis.ts'
import type { AudioRecording } from '../../../src/media/types.ts'
import type { InboundTrack, Peer, PeerStats } from '../../../src/peers/types.ts'
import { waitFor } from '../../../src/wait.ts'
import { holdBrowserForFile } from '../../support/browser.ts'
import { requireTool } from '../../support/requires.ts'

const skip = process.env.RTCSPEC_CHROMIUM ? false : requireTool('chromium')

const toneAt = (hz: number) => (rate: number) => tone(hz, { sampleRate: rate, dbfs: -12 })

/** The last `seconds` of a recording (the start holds the silence before the first packet). */
function tail(r: AudioRecording, seconds: number): Int16Array {
  return r.samples.subarray(Math.max(0, r.samples.length - Math.round(r.sampleRate * seconds)))
}

/** Waits until the track's recording holds `seconds` of audio after its first non-silent sample. */
async function waitForAudio(track: InboundTrack, seconds: number, timeoutMs: number): Promise<AudioRecording> {
  let rec = track.recording()
  await waitFor(
    () => {
      rec = track.recording()
      const first = rec.samples.findIndex((s) => Math.abs(s) > 64)
      return first >= 0 && rec.samples.length - first >= rec.sampleRate * seconds
    },
    { timeoutMs, label: `${seconds} s of audio recorded on ${track.peerName}'s inbound track`, intervalMs: 50 },
  )
  return rec
}

function expectTone(rec: AudioRecording, hz: number): void {
  const d = detectTone(tail(rec, 1), rec.sampleRate, hz, { toleranceHz: 2 })
  expect(d.present, `${rec.label}: ${hz} Hz → ${JSON.stringify(d)}`).toBe(true)
  expect(Math.abs(d.measuredHz - hz)).toBeLessThanOrEqual(2)
}

function expectLoopbackCandidates(p: Peer): void {
  expect(p.timeline.localCandidates.length).toBeGreaterThan(0)
  for (const c of p.timeline.localCandidates) expect(c.candidate).toMatch(/ 127\.0\.0\.1 \d+ typ host/)
}

/** This machine's own addresses: loopback plus every interface address (traffic to them never leaves the host). */
const ownAddresses = new Set(['127.0.0.1', '::1', ...Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((i) => i.address))])

/**
 * The selected pair is on this host. Chromium runs ICE checks from sockets on every interface of the machine
 * towards the (loopback-only) signalled candidates and often selects the pair whose local side is the machine's
 * own non-loopback address; a remote peer-reflexive address is hidden by the browser (empty).
 */
function expectOnHostPair(s: PeerStats): void {
  const pair = s.selectedPair
  expect(pair, `${s.peer} has a selected candidate pair`).toBeDefined()
  expect(ownAddresses.has(pair!.local.address), `${s.peer} local ${pair!.local.address}`).toBe(true)
  if (pair!.remote.address !== '' || pair!.remote.type !== 'prflx')
    expect(ownAddresses.has(pair!.remote.address), `${s.peer} remote ${pair!.remote.address}`).toBe(true)
  expect(pair!.local.protocol).toBe('udp')
}

function inboundOf(s: PeerStats) {
  const i = s.inbound.find((x) => x.kind === 'audio')
  expect(i, `${s.peer} has an inbound audio stream`).toBeDefined()
  return i!
}

async function call(a: Peer, b: Peer, hzA: number, hzB: number, codec: string, during?: () => Promise<void>) {
  await using c = await connectBackToBack(a, b, { connectTimeoutMs: 15_000 })
  a.sendAudio(toneAt(hzA))
  b.sendAudio(toneAt(hzB))
  const [inA, inB] = await Promise.all([a.waitForTrack('audio', 10_000), b.waitForTrack('audio', 10_000)])
  await Promise.all([inA.waitForPackets(100, 15_000), inB.waitForPackets(100, 15_000)])
  const [recA, recB] = await Promise.all([waitForAudio(inA, 1.5, 15_000), waitForAudio(inB, 1.5, 15_000)])
  expectTone(recA, hzB)
  expectTone(recB, hzA)
  // The other side's tone is not what arrived (the detector can fail).
  expect(detectTone(tail(recA, 1), recA.sampleRate, hzA).present).toBe(false)
  await during?.()
  const [sa, sb] = await Promise.all([a.stats(), b.stats()])
  for (const s of [sa, sb]) {
    const i = inboundOf(s)
    expect(i.codec?.encoding.toLowerCase()).toBe(codec.toLowerCase())
    expect(i.rtp.received).toBeGreaterThanOrEqual(100)
    // Loopback: no loss; jitter bounded generously (the machine is shared, 2 cores, often heavily loaded).
    expect(i.rtp.lossFraction).toBeLessThan(0.01)
    expect(i.rtp.jitterMs).toBeLessThan(100)
    expect(s.outbound.find((o) => o.kind === 'audio')?.packetsSent).toBeGreaterThanOrEqual(90)
    expectOnHostPair(s)
    expect(s.iceState).toMatch(/connected|completed/)
  }
  for (const p of [a, b]) {
    expectLoopbackCandidates(p)
    expect(p.timeline.errors, `${p.name} errors`).toEqual([])
  }
  return { sa, sb, signaling: c.signaling }
}

describe.skipIf(skip)('Chromium peer calls', { timeout: 60_000 }, () => {
  // The tests' peers open pages in one browser instead of each launching their own.
  const held = holdBrowserForFile()
  afterAll(async () => {
    await held.release()
    // No Chromium outlives this file: every browser it launched is gone, and no chromium child remains.
    await waitFor(() => liveBrowserProcesses().length === 0 && chromiumDescendants().length === 0, {
      timeoutMs: 10_000,
      label: 'every Chromium process of this file to exit',
      intervalMs: 50,
    })
    expect(launchedBrowserPids().length).toBeGreaterThan(0)
  })

  it('Chromium calls werift with Opus: tones both ways, stats from both', async () => {
    const chromium = await createChromiumPeer({ name: 'chrome-alice', codecs: ['opus'] })
    const werift = createWeriftPeer({ name: 'werift-bob', codecs: ['opus'] })
    const { sa } = await call(chromium, werift, 440, 1000, 'opus', async () => {
      // Cross-check: Chromium's packetsSent (getStats) lies between what werift counted from the packets just
      // before and just after asking the browser (give or take a packet in flight).
      const track = werift.inbound[0]!
      const before = track.rtp.snapshot().received
      const s = await chromium.stats()
      const after = track.rtp.snapshot().received
      const sent = s.outbound.find((o) => o.kind === 'audio')!.packetsSent
      expect(sent).toBeGreaterThanOrEqual(before - 2)
      expect(sent).toBeLessThanOrEqual(after + 2)
    })
    expect(inboundOf(sa).native?.packetsReceived).toBe(inboundOf(sa).rtp.received)
    expect(inboundOf(sa).origin).toBe('browser-getstats')
    // The call record says whose figures they are (and stays schema-valid).
    const record = await buildCallRecord({ kind: 'chromium-test', peers: [chromium, werift], startedAt: new Date() })
    expect(record.peers.map((p) => [p.kind, p.rtp.inbound[0]?.origin])).toEqual([
      ['chromium', 'browser-getstats'],
      ['werift', undefined],
    ])
  })

  it('werift calls Chromium with Opus: tones both ways, stats from both', async () => {
    const werift = createWeriftPeer({ name: 'werift-alice', codecs: ['opus'] })
    const chromium = await createChromiumPeer({ name: 'chrome-bob' })
    const { signaling } = await call(werift, chromium, 700, 1300, 'opus')
    expect(signaling.some((m) => m.type === 'candidate' && m.from === 'chrome-bob')).toBe(true)
  })

  it('werift calls Chromium with PCMU (the browser accepts what werift offers)', async () => {
    const werift = createWeriftPeer({ name: 'werift-pcmu' })
    const chromium = await createChromiumPeer({ name: 'chrome-pcmu' })
    await call(werift, chromium, 500, 900, 'PCMU')
    // rtcspec's audio matchers work on what the browser recorded; RTP matchers say the figures are the browser's.
    const heard = chromium.inbound[0]!
    expect(heard).toContainTone(500)
    expect(heard).not.toContainTone(900)
    expect(() => expect(heard).toHaveLossBelow(0)).toThrow(/chrome-pcmu's inbound audio \(browser getStats counters\)/)
  })

  it('two Chromium peers call each other (full gathering: candidates in the SDP)', async () => {
    const a = await createChromiumPeer({ name: 'chrome-a', trickle: false })
    const b = await createChromiumPeer({ name: 'chrome-b', trickle: false })
    expect(b.browserPid).toBe(a.browserPid) // one browser per process, one page per peer
    const { signaling } = await call(a, b, 600, 1100, 'opus')
    const offer = signaling.find((m) => m.type === 'offer')!.sdp!
    expect(offer).toMatch(/a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 /)
    // Only loopback host candidates leave the page (the machine's other interfaces are filtered).
    for (const line of offer.split('\r\n').filter((l) => l.startsWith('a=candidate:'))) expect(line).toMatch(/ (127\.0\.0\.1) \d+ typ host/)
    expect(signaling.some((m) => m.type === 'candidate')).toBe(false)
  })

  it("through the impairment relay, the browser's own loss counters agree with the relay's ground truth", async () => {
    const call = await openBackToBack({
      a: { kind: 'chromium', name: 'chrome-lossy' },
      b: { name: 'werift-lossy' },
      codec: 'opus',
      network: { seed: 11, toA: { loss: 0.05 } },
    })
    try {
      const send = call.b.sendAudio(toneAt(1000))
      const track = await call.a.waitForTrack('audio', 10_000)
      await track.waitForPackets(200, 20_000)
      send.stop()
      // Once the sender stopped, everything the relay delivered is what the browser received.
      const truth = () => call.relay!.summary('toA')
      await waitFor(() => truth().pending === 0, { timeoutMs: 5000, label: 'the relay to drain' })
      await waitFor(() => track.rtp.snapshot().received === truth().delivered, {
        timeoutMs: 5000,
        label: 'the browser to count every delivered packet',
        intervalMs: 100,
      })
      await call.a.stats() // one more getStats round trip for the final counters
      const { dropped, delivered, sent } = truth()
      const snap = track.rtp.snapshot()
      expect(dropped).toBeGreaterThan(0)
      expect(snap.received).toBe(delivered)
      // The browser counts gaps below the highest sequence number it saw: losses after the last delivered packet are not (yet) gaps.
      expect(snap.lost).toBeLessThanOrEqual(dropped)
      expect(snap.lost).toBeGreaterThanOrEqual(dropped - 3)
      expect(Math.abs(snap.expected - sent)).toBeLessThanOrEqual(3)
      // The per-second timeline (from the polled counters) adds up to the same figures.
      const tl = track.rtp.timeline()
      expect(tl.length).toBeGreaterThanOrEqual(3)
      expect(tl.reduce((n, b) => n + b.packets, 0)).toBe(snap.received)
      expect(tl.at(-1)!.lostSoFar).toBe(snap.lost)
      // a full second in the middle holds about 50 packets less 5 % loss (the counters are polled every 200 ms)
      for (const b of tl.slice(1, -1)) expect(b.packets, `second ${b.second}`).toBeGreaterThan(30)
      const s = await call.a.stats()
      expect(s.selectedPair?.local.address).toBe('127.0.0.1') // the relay only forwards loopback sources
    } finally {
      await call.close()
    }
  })

  it('Chromium sends DTMF (RTCDTMFSender, RFC 4733) that werift decodes', async () => {
    const chromium = await createChromiumPeer({ name: 'chrome-dtmf', codecs: ['opus'] })
    const werift = createWeriftPeer({ name: 'werift-dtmf', codecs: ['opus'] })
    await using call = await connectBackToBack(chromium, werift, { connectTimeoutMs: 15_000 })
    chromium.sendAudio(toneAt(440))
    const track = await werift.waitForTrack('audio', 10_000)
    await track.waitForPackets(20, 10_000)
    await chromium.sendDtmf('19#', { durationMs: 100, gapMs: 70 })
    await waitFor(() => track.dtmf().filter((d) => d.ended).length === 3, { timeoutMs: 5000, label: '3 ended DTMF events at werift' })
    expect(
      track
        .dtmf()
        .map((d) => d.digit)
        .join(''),
    ).toBe('19#')
    expect(track.dtmf().every((d) => d.method === 'rfc4733')).toBe(true)
    void call
    await expect(chromium.sendDtmf('12x')).rejects.toThrow(/not a DTMF digit string/)
  })

  it("a Chromium peer's recording is saved as a WAV that holds the tone (record: true)", async () => {
    const root = mkdtempSync(join(tmpdir(), 'rtcspec-chromium-wav-'))
    try {
      const call = await openBackToBack({ a: { kind: 'chromium', name: 'chrome-wav' }, codec: 'opus', record: true, send: { b: toneAt(1000) } })
      try {
        const track = await call.a.waitForTrack('audio', 10_000)
        expect(track.recordRequested).toBe(true)
        await waitForAudio(track, 1.5, 15_000)
        const { saved } = await saveCallRecordings([call.a], 'chromium-wav', { root })
        expect(saved).toHaveLength(1)
        const wav = decodeWav(readFileSync(saved[0]!.path))
        expect(wav.sampleRate).toBe(48000)
        expectTone({ sampleRate: wav.sampleRate, samples: wav.samples, label: saved[0]!.path }, 1000)
      } finally {
        await call.close()
      }
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('browser console errors go into the peer timeline', async () => {
    await using p: ChromiumPeer = await createChromiumPeer({ name: 'chrome-console' })
    await p.page!.evaluate(() => console.error('rtcspec test: deliberate console error'))
    await waitFor(() => p.timeline.errors.some((e) => e.message.includes('deliberate console error')), {
      timeoutMs: 5000,
      label: 'the console error in the timeline',
    })
    expect(p.timeline.errors[0]!.message).toBe('console.error: rtcspec test: deliberate console error')
  })

  it('bad input fails with a clear error, not a crash', async () => {
    await expect(createChromiumPeer({ pollIntervalMs: 1 } as never)).rejects.toThrow(/pollIntervalMs/)
    await expect(createChromiumPeer({ executablePath: '/nonexistent/chromium' })).rejects.toThrow(
      /Chromium not found at \/nonexistent\/chromium[\s\S]*apt-get install chromium/,
    )
    await expect(createChromiumPeer({ codecs: ['nope'] })).rejects.toThrow(/none of the codecs \[nope\]/)
    await using p = await createChromiumPeer({ name: 'chrome-bad-sdp' })
    await expect(p.acceptOffer({ type: 'offer', sdp: 'v=0\r\nnot sdp\r\n' })).rejects.toThrow(/chrome-bad-sdp: could not apply the remote offer/)
  })
})
