/**
 * Codec throughput as real-time factor (seconds of audio processed per second of CPU, single thread):
 * encode and decode of PCMU, PCMA and Opus (libopus via opusscript WebAssembly, 20 ms frames, mono 48 kHz,
 * VOIP mode, default bitrate), plus the speech fixture for Opus (speech costs more than a tone).
 * Also: the cost of rendering a recording (`InboundTrack.recording()`), and of the in-band DTMF detector,
 * per minute of audio. Each figure is the median of 3 runs after one warm-up; the input is 20 s of audio.
 */
import { pcmaDecoder, pcmaEncoder, pcmuDecoder, pcmuEncoder } from '../../src/media/g711.ts'
import { opusDecoder, opusEncoder } from '../../src/media/opus.ts'
import { noise, readAll, tone } from '../../src/media/sources.ts'
import { readWavFile, speechFixturePath } from '../../src/media/wav-source.ts'
import { renderRtpAudio, type RecordedRtpPacket } from '../../src/media/rtp-recorder.ts'
import { detectDtmf, dtmfTones } from '../../src/media/dtmf.ts'
import type { AudioDecoder, AudioEncoder } from '../../src/media/types.ts'
import { percentile, type BenchRow, type BenchSuite } from '../row.ts'
import { createCipheriv, randomBytes } from 'node:crypto'
import { RtpHeader, SrtpSession } from 'werift'
import { AesGcm128 } from '../../src/patches/werift/aes-gcm.ts'
import { srtpGcmFastPath, weriftGcmOriginals } from '../../src/patches/werift/srtp-gcm.ts'

const SECONDS = 20
const RUNS = 3

function median(fn: () => void): number {
  fn() // warm-up
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now()
    fn()
    times.push(performance.now() - t0)
  }
  return percentile(times, 50)
}

/** Input audio: a -12 dBFS tone plus -40 dBFS noise, or the speech fixture looped, `SECONDS` long. */
function input(rate: number, kind: 'tone' | 'speech'): Int16Array {
  const n = rate * SECONDS
  if (kind === 'speech') {
    const s = readWavFile(speechFixturePath('speech-en-1'), rate).samples
    const out = new Int16Array(n)
    for (let i = 0; i < n; i++) out[i] = s[i % s.length] as number
    return out
  }
  const t = readAll(tone(1000, { sampleRate: rate, dbfs: -12 }), n, 960)
  const z = readAll(noise({ seed: 1, sampleRate: rate, dbfs: -40 }), n, 960)
  return t.map((v, i) => v + (z[i] as number))
}

function codecRows(name: string, enc: AudioEncoder, dec: AudioDecoder, kind: 'tone' | 'speech'): BenchRow[] {
  const rate = enc.sampleRate
  const frame = rate / 50
  const pcm = input(rate, kind)
  const frames: Int16Array[] = []
  for (let i = 0; i + frame <= pcm.length; i += frame) frames.push(pcm.subarray(i, i + frame))
  let packets: Uint8Array[] = []
  const encMs = median(() => {
    packets = frames.map((f) => enc.encode(f))
  })
  const decMs = median(() => {
    for (const p of packets) dec.decode(p)
  })
  enc.close?.()
  dec.close?.()
  const bytes = packets.reduce((a, p) => a + p.length, 0)
  const note = `${SECONDS} s of ${kind} at ${rate} Hz, 20 ms frames, median of ${RUNS}; ${((bytes * 8) / SECONDS / 1000).toFixed(1)} kbit/s`
  return [
    { suite: 'codecs', metric: `${name} encode (${kind})`, value: (SECONDS * 1000) / encMs, unit: '× real time', note },
    { suite: 'codecs', metric: `${name} decode (${kind})`, value: (SECONDS * 1000) / decMs, unit: '× real time', note },
  ]
}

/**
 * What the hand-written AES-128-GCM (src/patches/werift/aes-gcm.ts) buys: SRTP protect of a 160-byte payload
 * over consecutive sequence numbers, werift's own encryptRtp (a node:crypto cipher context per packet) beside
 * the patched one, and one GCM seal beside node:crypto's createCipheriv. Median of 3 runs of 20 000 packets.
 */
function srtpGcmRows(): BenchRow[] {
  srtpGcmFastPath()
  const key = randomBytes(16)
  const salt = randomBytes(12)
  const session = new SrtpSession({
    keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt },
    profile: 7,
  } as ConstructorParameters<typeof SrtpSession>[0])
  const cipher = (session as unknown as { localContext: { cipher: { encryptRtp(h: RtpHeader, p: Buffer, roc: number): Buffer } } }).localContext.cipher
  const original = weriftGcmOriginals.encryptRtp
  const payload = randomBytes(160)
  const iv = randomBytes(12)
  const aad = randomBytes(12)
  const N = 20_000
  const perPacket = (fn: (i: number) => void) =>
    (median(() => {
      for (let i = 0; i < N; i++) fn(i)
    }) *
      1000) /
    N
  const header = (i: number) => new RtpHeader({ sequenceNumber: i & 0xffff, timestamp: i * 160, ssrc: 1, payloadType: 0 })
  const rows: BenchRow[] = []
  const note = `160-byte payload, ${N} packets, median of ${RUNS}`
  if (original)
    rows.push({
      suite: 'codecs',
      metric: 'SRTP AES-128-GCM protect',
      subject: 'werift (node:crypto)',
      value: perPacket((i) => original.call(cipher as never, header(i), payload, 0)),
      unit: 'µs per packet',
      note,
    })
  rows.push({
    suite: 'codecs',
    metric: 'SRTP AES-128-GCM protect',
    subject: 'rtcspec AesGcm128',
    value: perPacket((i) => cipher.encryptRtp(header(i), payload, 0)),
    unit: 'µs per packet',
    note,
  })
  rows.push({
    suite: 'codecs',
    metric: 'AES-128-GCM seal',
    subject: 'node:crypto createCipheriv',
    value: perPacket(() => {
      const c = createCipheriv('aes-128-gcm', key, iv)
      c.setAAD(aad)
      c.update(payload)
      c.final()
      c.getAuthTag()
    }),
    unit: 'µs per packet',
    note,
  })
  const gcm = new AesGcm128(key)
  rows.push({
    suite: 'codecs',
    metric: 'AES-128-GCM seal',
    subject: 'rtcspec AesGcm128',
    value: perPacket(() => gcm.seal(iv, aad, payload)),
    unit: 'µs per packet',
    note,
  })
  return rows
}

export const codecsSuite: BenchSuite = {
  name: 'codecs',
  description: 'G.711 and Opus encode/decode speed (× real time); SRTP AES-GCM per packet, werift vs rtcspec',
  async run(log) {
    const rows: BenchRow[] = []
    for (const [name, enc, dec] of [
      ['PCMU', pcmuEncoder, pcmuDecoder],
      ['PCMA', pcmaEncoder, pcmaDecoder],
      ['Opus', () => opusEncoder(), opusDecoder],
    ] as const) {
      log(`${name}…`)
      rows.push(...codecRows(name, enc(), dec(), 'tone'))
      if (name === 'Opus') rows.push(...codecRows(name, enc(), dec(), 'speech'))
    }
    // Rendering a recording: one minute of received packets back to PCM (what track.recording() does).
    for (const [name, enc, dec] of [
      ['PCMU', pcmuEncoder, pcmuDecoder],
      ['Opus', () => opusEncoder(), opusDecoder],
    ] as const) {
      const e = enc()
      const rate = e.sampleRate
      const frame = rate / 50
      const pcm = input(rate, 'speech')
      const oneMinute: RecordedRtpPacket[] = []
      for (let k = 0; k < 3; k++) {
        for (let i = 0; i + frame <= pcm.length; i += frame) {
          const idx = oneMinute.length
          oneMinute.push({ ssrc: 1, sequenceNumber: idx & 0xffff, timestamp: idx * frame, payloadType: 0, payload: e.encode(pcm.subarray(i, i + frame)) })
        }
      }
      e.close?.()
      const ms = median(() => renderRtpAudio(oneMinute, { decoderFor: () => dec() }))
      rows.push({
        suite: 'codecs',
        metric: `recording() render, ${name}`,
        value: ms,
        unit: 'ms per minute of audio',
        note: `${oneMinute.length} packets, decode + place by timestamp, median of ${RUNS}`,
      })
    }
    // In-band DTMF detection cost.
    for (const rate of [8000, 48000]) {
      const digits = readAll(dtmfTones('0123456789*#ABCD'.repeat(19), { sampleRate: rate, durationMs: 100, gapMs: 100 }), rate * 60, 960)
      const ms = median(() => detectDtmf(digits, rate))
      rows.push({
        suite: 'codecs',
        metric: `detectDtmf at ${rate} Hz`,
        value: ms,
        unit: 'ms per minute of audio',
        note: `${digits.length / rate} s of digits, median of ${RUNS}`,
      })
    }
    rows.push(...srtpGcmRows())
    return rows
  },
}
