/**
 * Interop with baresip (Debian `baresip`), a third-party RFC 3261 user agent: it follows the Contact and
 * the route set, so it proves rtcspec's dialogs for real. Over UDP and TCP, baresip calls rtcspec and is
 * called by it, directly and through rtcspec's embedded registrar/proxy; each side hangs up; the dialog must
 * be confirmed (ACK seen), the BYE answered 200, and tones cross both ways: baresip sends a WAV rtcspec
 * made (aufile) and rtcspec detects it; baresip records what it received (sndfile) and rtcspec detects its
 * own tone in that recording.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { describe, test } from 'vitest'
import { expect } from '../../src/dsl/expect.ts'
import { hasTool, requireTool } from '../support/requires.ts'
import { startBaresip, type BaresipService } from '../../src/services/baresip.ts'
import { startSipRegistrar } from '../../src/sipua/registrar.ts'
import { createSipUserAgent, type SipCall } from '../../src/sipua/user-agent.ts'
import { readAll, tone } from '../../src/media/sources.ts'
import { decodeWav, encodeWav } from '../../src/media/wav.ts'
import { detectTone } from '../../src/media/analysis.ts'
import { hasTone } from './support.ts'
import { waitFor } from '../../src/wait.ts'

/** 60 s of `hz` at 8 kHz: baresip's aufile source ends the call when its file ends. */
const wavTone = (hz: number) => encodeWav(readAll(tone(hz, { sampleRate: 8000 }), 8000 * 60), 8000)

/** Whether baresip's recording of what it received (sndfile `…-dec.wav`) holds `hz`. */
async function baresipHeard(bs: BaresipService, hz: number): Promise<boolean> {
  const dec = (await bs.recordings()).find((f) => f.endsWith('-dec.wav'))
  if (!dec) throw new Error(`baresip wrote no -dec.wav recording in ${bs.dir}`)
  const wav = decodeWav(new Uint8Array(await readFile(dec)))
  return detectTone(wav.samples, wav.sampleRate, hz).present
}

async function expectToneAt(call: SipCall, hz: number): Promise<void> {
  const track = await call.peer.waitForTrack('audio', 5000)
  await track.waitForPackets(50, 10_000)
  expect(hasTone(track, hz, 5), `rtcspec hears ${hz} Hz from baresip`).toBe(true)
}

describe.skipIf(requireTool('baresip'))('baresip (third-party UA) against rtcspec', () => {
  test.each(['udp', 'tcp'] as const)('%s: rtcspec calls baresip (auto-answer); tones both ways; rtcspec hangs up, the BYE is answered 200', async (kind) => {
    await using bs = await startBaresip({ provider: 'local', autoAnswer: true, wav: wavTone(1200), transport: kind })
    await using alice = await createSipUserAgent({ uri: 'sip:alice@127.0.0.1', transport: { kind }, media: 'rtp' })
    const call = await alice.call(bs.uri, { send: tone(700) })
    expect(call.dialogEvidence()).toMatchObject({ answered: true, ack: true })
    await bs.waitForEvent('CALL_ESTABLISHED')
    await expectToneAt(call, 1200)
    await call.hangup()
    expect(call.dialogEvidence().bye).toEqual({ by: 'local', status: 200 })
    await bs.waitForEvent('CALL_CLOSED')
    expect(await baresipHeard(bs, 700)).toBe(true)
    expect(call.messages().every((m) => m.transport === kind.toUpperCase())).toBe(true)
  })

  test.each(['udp', 'tcp'] as const)(
    '%s: baresip calls rtcspec; accept() resolves on its ACK; baresip hangs up and rtcspec answers the BYE 200',
    async (kind) => {
      await using bob = await createSipUserAgent({ uri: 'sip:bob@127.0.0.1', transport: { kind }, media: 'rtp' })
      await using bs = await startBaresip({ provider: 'local', wav: wavTone(1500), transport: kind })
      const incoming = bob.waitForIncoming(10_000)
      await bs.dial(`sip:bob@127.0.0.1:${bob.local!.port};transport=${kind}`)
      const call = await (await incoming).accept({ send: tone(600), timeoutMs: 5000 })
      expect(call.ackedAt).toBeDefined()
      expect(call.dialogEvidence()).toMatchObject({ answered: true, ack: true })
      await bs.waitForEvent('CALL_ESTABLISHED')
      await expectToneAt(call, 1500)
      await bs.hangup()
      await call.waitForEnd(5000)
      expect(call.dialogEvidence().bye).toEqual({ by: 'remote', status: 200 })
      await bs.waitForEvent('CALL_CLOSED')
      expect(await baresipHeard(bs, 600)).toBe(true)
      // rtcspec's 200 was not retransmitted: the ACK came at once.
      expect(call.messages().filter((m) => m.direction === 'out' && m.summary === '200 OK (INVITE)')).toHaveLength(1)
    },
  )

  test('baresip registers at the embedded registrar; rtcspec calls it through the proxy and hangs up; baresip calls rtcspec and hangs up', async () => {
    await using registrar = await startSipRegistrar({ transports: ['udp'], users: { baresip: 'pw-b', bob: 'pw-bob' } })
    await using bs = await startBaresip({ provider: 'local', registrar: registrar.udp, password: 'pw-b', autoAnswer: true, wav: wavTone(1100) })
    // baresip registers while it starts, before its control channel is up: watch the registrar instead.
    await waitFor(() => registrar.bindings().some((b) => b.aor === 'baresip@rtcspec.test'), {
      timeoutMs: 10_000,
      label: "baresip's registration at the registrar",
    })
    await using bob = await createSipUserAgent({
      uri: 'sip:bob@rtcspec.test',
      transport: { kind: 'udp', remote: registrar.udp },
      media: 'rtp',
      auth: { password: 'pw-bob' },
    })
    await bob.register()
    // rtcspec → proxy → baresip (auto-answer); in-dialog requests follow the Record-Route through the proxy.
    const out = await bob.call('sip:baresip@rtcspec.test', { send: tone(800) })
    expect(out.dialogEvidence()).toMatchObject({ answered: true, ack: true })
    await expectToneAt(out, 1100)
    await out.hangup()
    expect(out.dialogEvidence().bye).toEqual({ by: 'local', status: 200 })
    const closed = bs.events.length
    await bs.waitForEvent('CALL_CLOSED')
    // baresip → proxy → rtcspec; baresip hangs up.
    const since = bs.events.length
    const incoming = bob.waitForIncoming(10_000)
    await bs.dial(`sip:bob@127.0.0.1:${registrar.udp.port}`)
    const inCall = await (await incoming).accept({ timeoutMs: 5000 })
    expect(inCall.dialogEvidence()).toMatchObject({ answered: true, ack: true })
    await bs.waitForEvent('CALL_ESTABLISHED', { since })
    await bs.hangup()
    await inCall.waitForEnd(5000)
    expect(inCall.dialogEvidence().bye).toEqual({ by: 'remote', status: 200 })
    expect(closed).toBeGreaterThan(0)
    // The proxy stayed in the path of every in-dialog request (Record-Route).
    const viaProxy = registrar.log.entries.filter((e) => e.direction === 'in' && /^(ACK|BYE) /.test(e.summary)).map((e) => e.summary.split(' ')[0])
    expect(viaProxy).toEqual(expect.arrayContaining(['ACK', 'BYE']))
    expect(viaProxy.filter((m) => m === 'BYE').length).toBeGreaterThanOrEqual(2)
  })
})

/** The docker provider needs an engine and the rtcspec/baresip image: skipped locally without them, a failure in CI. */
function skipDocker(): boolean {
  const ok = hasTool('docker') && spawnSync('docker', ['image', 'inspect', 'rtcspec/baresip'], { stdio: 'ignore', timeout: 10_000 }).status === 0
  if (ok) return false
  const msg = 'no Docker engine or rtcspec/baresip image: sudo bash scripts/docker-setup.sh'
  if (process.env.CI === 'true') throw new Error(`baresip docker provider is required in CI: ${msg}`)
  process.stderr.write(`[rtcspec] skipping baresip docker-provider tests: ${msg}\n`)
  return true
}

describe.skipIf(skipDocker())('baresip in its container (provider docker)', () => {
  test('baresip calls rtcspec over UDP and hangs up; tones both ways; its folder is gone after close', async () => {
    await using bob = await createSipUserAgent({ uri: 'sip:bob@127.0.0.1', transport: { kind: 'udp' }, media: 'rtp' })
    const bs = await startBaresip({ provider: 'docker', wav: wavTone(1300) })
    try {
      expect(bs.provider).toBe('docker')
      const incoming = bob.waitForIncoming(10_000)
      await bs.dial(`sip:bob@127.0.0.1:${bob.local!.port}`)
      const call = await (await incoming).accept({ send: tone(650), timeoutMs: 5000 })
      expect(call).toBeEstablished()
      await expectToneAt(call, 1300)
      await bs.hangup()
      await call.waitForEnd(5000)
      expect(call).toHaveEnded({ by: 'remote', status: 200 })
      await bs.waitForEvent('CALL_CLOSED')
      expect(await baresipHeard(bs, 650)).toBe(true)
    } finally {
      await bs.close()
    }
    expect(existsSync(bs.dir)).toBe(false)
  })
})
