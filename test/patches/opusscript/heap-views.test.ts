/**
 * `opusscript/heap-views`: rtcspec's Opus encoders and decoders keep working when the WebAssembly memory grows
 * (many codecs in one process, as concurrent conformance runs create) and when codecs are created and closed in
 * any order. Without the patch the first case throws from `encode` (its views of the heap are detached) and the
 * second corrupts the heap ("memory access out of bounds").
 */
import { createRequire } from 'node:module'
import { describe, expect, test } from 'vitest'
import { detectTone } from '../../../src/media/analysis.ts'
import { opusDecoder, opusEncoder } from '../../../src/media/opus.ts'
import { readAll, tone } from '../../../src/media/sources.ts'
import type { AudioDecoder, AudioEncoder } from '../../../src/media/types.ts'
import { opusscriptHeapViewsPatch } from '../../../src/patches/opusscript/heap-views.ts'
import { patchStatus } from '../../../src/patches/index.ts'
import { mulberry32Unit } from '../../../src/random.ts'

interface RawOpusScript {
  inPCM: Uint16Array
  delete(): void
}
type RawOpusScriptClass = new (rate: number, channels: number, application: number) => RawOpusScript

const FRAME = 960

/** `pcm` through `enc` and `dec` frame by frame (20 ms frames at 48 kHz). */
function roundTrip(enc: AudioEncoder, dec: AudioDecoder, pcm: Int16Array): Int16Array {
  const out = new Int16Array(pcm.length)
  for (let i = 0; i + FRAME <= pcm.length; i += FRAME) {
    const decoded = dec.decode(enc.encode(pcm.subarray(i, i + FRAME)))
    expect(decoded.length).toBe(FRAME)
    out.set(decoded, i)
  }
  return out
}

/** The 1 kHz tone comes back: present, at its level, with little else (the encoder's first 100 ms skipped). */
function expectTone(out: Int16Array): void {
  const det = detectTone(out.subarray(4800), 48000, 1000, { toleranceHz: 0.5 })
  expect(det.present).toBe(true)
  expect(Math.abs(det.levelDbfs - -12)).toBeLessThan(0.5)
  expect(det.snrDb).toBeGreaterThan(25)
}

const second = readAll(tone(1000, { sampleRate: 48000, dbfs: -12 }), 48000, FRAME)

describe('opusscript/heap-views', () => {
  test("rtcspec's Opus factories install it before their first codec", () => {
    const enc = opusEncoder()
    try {
      expect(patchStatus(opusscriptHeapViewsPatch)).toMatchObject({ state: 'installed', reason: null })
    } finally {
      enc.close?.()
    }
  })

  test('after the WebAssembly memory grew, the first encoder and decoder still round-trip a tone', () => {
    const enc = opusEncoder()
    const dec = opusDecoder()
    const OpusScript = createRequire(import.meta.url)('opusscript') as RawOpusScriptClass & { Application: { VOIP: number } }
    const others: RawOpusScript[] = []
    try {
      expectTone(roundTrip(enc, dec, second))
      // Each codec holds ~100 KiB of the heap (16 MiB at first): create them until the heap has grown, which the
      // views the first of them made at construction show (detached: no bytes left).
      const probe = new OpusScript(48000, 1, OpusScript.Application.VOIP)
      others.push(probe)
      for (let i = 0; i < 1000 && probe.inPCM.byteLength > 0; i++) others.push(new OpusScript(48000, 1, OpusScript.Application.VOIP))
      expect(probe.inPCM.byteLength, 'the WebAssembly memory grew (the views made before are detached)').toBe(0)
      expectTone(roundTrip(enc, dec, second))
    } finally {
      for (const o of others) o.delete()
      enc.close?.()
      dec.close?.()
    }
  })

  test('codecs created and closed in any order: every round trip stays right and the heap intact', () => {
    const random = mulberry32Unit(7)
    const live: Array<{ enc: AudioEncoder; dec: AudioDecoder }> = []
    const frame = second.subarray(0, FRAME)
    try {
      for (let step = 0; step < 300; step++) {
        if (live.length < 4 || random() < 0.5) live.push({ enc: opusEncoder(), dec: opusDecoder() })
        else {
          const [gone] = live.splice(Math.floor(random() * live.length), 1)
          gone?.enc.close?.()
          gone?.dec.close?.()
        }
        for (const { enc, dec } of live) expect(dec.decode(enc.encode(frame)).length).toBe(FRAME)
      }
      const survivor = live[0]
      expect(survivor).toBeDefined()
      if (survivor) expectTone(roundTrip(survivor.enc, survivor.dec, second))
    } finally {
      for (const { enc, dec } of live) {
        enc.close?.()
        dec.close?.()
      }
    }
  })
})
