/**
 * An Opus call whose received audio is recorded (WAV + pcap under reports/recordings/, attached to the test
 * and referenced from the call record), with RFC 4733 digits and in-band DTMF.
 * Run: npx rtcspec run specs/examples/opus-recording-dtmf.spec.ts
 */
import { test, expect } from 'rtcspec'
import { detectDtmf, detectTone } from 'rtcspec/media'

test('Opus call: the recorded audio holds the tone, and RFC 4733 digits arrive', async ({ b2b, tone }) => {
  const call = await b2b({ codec: 'opus', record: true, send: { a: tone(440) } })
  await expect(call.b).toReceiveRtp({ packets: 50, within: '5s' })

  await call.a.sendDtmf('123#', { durationMs: 100, gapMs: 50 })
  const track = call.b.inbound[0]!
  await expect
    .poll(
      () =>
        track
          .dtmf()
          .filter((d) => d.ended)
          .map((d) => d.digit)
          .join(''),
      { timeout: 3000 },
    )
    .toBe('123#')

  const recording = track.recording() // decoded Opus, 48 kHz, placed by RTP timestamp
  expect(recording.sampleRate).toBe(48000)
  const tone440 = detectTone(recording.samples.subarray(4800), recording.sampleRate, 440)
  expect(tone440.present).toBe(true)
  expect(Math.abs(tone440.measuredHz - 440)).toBeLessThanOrEqual(2)
})

test('PCMU call carrying in-band DTMF: the digits are found in the recording', async ({ b2b, dtmf }) => {
  const call = await b2b({ codec: 'PCMU', send: { a: dtmf('159#', { durationMs: 80, gapMs: 80 }) } })
  await expect(call.b).toReceiveRtp({ packets: 32, within: '5s' })
  const rec = call.b.inbound[0]!.recording()
  expect(
    detectDtmf(rec.samples, rec.sampleRate)
      .map((d) => d.digit)
      .join(''),
  ).toBe('159#')
})
