/**
 * A headless Chromium peer (real browser WebRTC, Opus) calls a werift peer; each hears the other's tone.
 * Needs Chromium (`sudo apt-get install chromium`, or RTCSPEC_CHROMIUM=/path/to/chrome); skipped without it.
 * Run: npx rtcspec run specs/examples/chromium-call.spec.ts
 */
import { existsSync } from 'node:fs'
import { test, expect } from 'rtcspec'
import { detectTone } from 'rtcspec/media'
import { chromiumExecutable } from 'rtcspec/peers'

const noChromium = !existsSync(chromiumExecutable()) && process.env.CI !== 'true'

test.skipIf(noChromium)('Chromium calls werift with Opus and each side hears the other', { timeout: 60_000 }, async ({ b2b, tone }) => {
  const call = await b2b({ a: { kind: 'chromium' }, codec: 'opus', send: { a: tone(440), b: tone(1000) } })

  // werift counts the browser's packets itself (RFC 3550, from the packets)…
  await expect(call.b).toReceiveRtp({ packets: 100, within: '10s' })
  expect(call.b).toHaveLossBelow(0.01)
  // …and for the browser side the figures are Chromium's own getStats counters.
  await expect(call.a).toReceiveRtp({ packets: 100, within: '10s' })
  expect(call.a).toHaveLossBelow(0.01)
  expect(call.a.inbound[0]?.codec?.encoding).toBe('opus')

  // The browser recorded what it played out (48 kHz): the last second holds werift's 1000 Hz tone.
  const heard = call.a.inbound[0]!.recording()
  const lastSecond = heard.samples.subarray(heard.samples.length - heard.sampleRate)
  expect(detectTone(lastSecond, heard.sampleRate, 1000).present).toBe(true)

  const sent = call.b.inbound[0]!.recording()
  expect(detectTone(sent.samples.subarray(sent.samples.length - sent.sampleRate), sent.sampleRate, 440).present).toBe(true)
})
