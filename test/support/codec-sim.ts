/**
 * Offline codec round trips for analysis tests: what a signal sounds like after G.711 or Opus,
 * without a call. Opus uses opusscript (libopus in WebAssembly) at 48 kHz, 20 ms frames, VOIP mode.
 */
import { createRequire } from 'node:module'
import { decodeAlaw, decodeMulaw, encodeAlaw, encodeMulaw } from '../../src/media/g711.ts'
import { resample } from '../../src/media/resample.ts'
import type { PcmAudio } from '../../src/media/types.ts'

interface OpusCodec {
  encode(pcm: Buffer, frameSize: number): Buffer
  decode(packet: Buffer): Buffer
  setBitrate(bitrate: number): void
  delete(): void
}
interface OpusCtor {
  new (rate: number, channels: number, application: number): OpusCodec
  Application: { VOIP: number }
}
const require = createRequire(import.meta.url)

/** `audio` through G.711 μ-law (PCMU) at 8 kHz. */
export function viaPcmu(audio: PcmAudio): PcmAudio {
  const x = resample(audio.samples, audio.sampleRate, 8000)
  return { sampleRate: 8000, samples: decodeMulaw(encodeMulaw(x)) }
}

/** `audio` through G.711 A-law (PCMA) at 8 kHz. */
export function viaPcma(audio: PcmAudio): PcmAudio {
  const x = resample(audio.samples, audio.sampleRate, 8000)
  return { sampleRate: 8000, samples: decodeAlaw(encodeAlaw(x)) }
}

/** `audio` through Opus (48 kHz mono, 20 ms frames, `bitrate` bit/s), as decoded 48 kHz PCM. */
export function viaOpus(audio: PcmAudio, bitrate = 24000): PcmAudio {
  const Opus = require('opusscript') as OpusCtor
  const x = resample(audio.samples, audio.sampleRate, 48000)
  const codec = new Opus(48000, 1, Opus.Application.VOIP)
  try {
    codec.setBitrate(bitrate)
    const out = new Int16Array(x.length)
    const frame = new Int16Array(960)
    for (let i = 0; i < x.length; i += 960) {
      frame.fill(0)
      frame.set(x.subarray(i, Math.min(i + 960, x.length)))
      const packet = codec.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), 960)
      const dec = codec.decode(packet)
      const bytes = Uint8Array.from(dec) // copy: the decoder's buffer may be reused and unaligned
      const pcm = new Int16Array(bytes.buffer, 0, bytes.length >> 1)
      out.set(pcm.subarray(0, Math.min(pcm.length, out.length - i)), i)
    }
    return { sampleRate: 48000, samples: out }
  } finally {
    codec.delete()
  }
}
