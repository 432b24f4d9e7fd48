/**
 * Asserting on what was heard: tones, level, silence, resemblance to a speech fixture, delay and an
 * E-model MOS estimate, on the recordings of back-to-back calls. A failing audio assertion attaches
 * the recording (WAV) and a waveform/spectrum picture to the test result.
 * Run: npx rtcspec run specs/examples/audio-assertions.spec.ts
 */
import { test, expect } from 'rtcspec'
import { noise, readAll, readWavFile, speechFixturePath } from 'rtcspec/media'

test('bob hears alice’s 440 Hz tone over PCMU, loud, and estimated toll quality', async ({ b2b, tone }) => {
  const call = await b2b({ codec: 'PCMU', send: { a: tone(440) } })
  await expect(call.b).toReceiveRtp({ packets: 50, within: '5s' })

  expect(call.b).toContainTone(440, { toleranceHz: 2 }) // the peer's first inbound audio track's recording
  expect(call.b).not.toContainTone(880)
  expect(call.b).toHaveLevelAbove(-20)
  expect(call.b).not.toBeSilent()
  expect(call.b).toHaveMosAbove(4) // ITU-T G.107 estimate from the measured loss and jitter
})

test('the speech fixture sent over Opus resembles the original, not the other sentence', async ({ b2b, speech }) => {
  const call = await b2b({ codec: 'opus', send: { a: speech('speech-en-1') } })
  await expect(call.b).toReceiveRtp({ packets: 220, within: '10s' }) // the 4.46 s sentence: 223 packets of 20 ms

  const original = readWavFile(speechFixturePath('speech-en-1'))
  const other = readWavFile(speechFixturePath('speech-en-2'))
  expect(call.b).toResemble(original) // score ≥ 0.7 (log mel spectrogram correlation, after alignment)
  expect(call.b).not.toResemble(other)
})

test('80 ms of added path delay is measured from the audio', async ({ b2b }) => {
  const call = await b2b({ codec: 'PCMU', network: { toB: { delayMs: 80 } } })
  // the reference: the same seeded noise the sender plays (noise has a unique alignment; a tone does not)
  const reference = { sampleRate: 8000, samples: readAll(noise({ seed: 7, sampleRate: 8000 }), 16000) }
  const sender = call.a.sendAudio((rate) => noise({ seed: 7, sampleRate: rate }))
  await expect(call.b).toReceiveRtp({ packets: 60, within: '5s' })

  // wall-clock delay: from the sender's first packet to where that audio sits in bob's recording
  expect(call.b).toHaveDelayBelow(120, { reference, sender })
  expect(call.b).not.toHaveDelayBelow(75, { reference, sender }) // a delay line is never (much) early
})
