import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeWav, decodeWav } from '../../src/media/wav.ts'
import { ParseError } from '../../src/errors.ts'
import { encodeMulaw, mulawToLinear } from '../../src/media/g711.ts'

// ---- a small, independent WAV writer for the decoder tests -------------------------------------

interface Chunk {
  id: string
  body: Uint8Array
}

function chunk(id: string, body: Uint8Array): Chunk {
  return { id, body }
}

function riff(chunks: Chunk[]): Uint8Array {
  const parts: number[] = []
  const u32 = (n: number) => parts.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff)
  const str = (s: string) => parts.push(...Array.from(s, (c) => c.charCodeAt(0)))
  str('RIFF')
  u32(0) // patched below
  str('WAVE')
  for (const c of chunks) {
    str(c.id)
    u32(c.body.length)
    parts.push(...c.body)
    if (c.body.length % 2 === 1) parts.push(0) // RIFF pad byte
  }
  const out = Uint8Array.from(parts)
  new DataView(out.buffer).setUint32(4, out.length - 8, true)
  return out
}

function fmtBody(o: { code: number; channels: number; rate: number; bits: number; extensible?: boolean; containerBits?: number }): Uint8Array {
  const container = o.containerBits ?? o.bits
  const blockAlign = (container / 8) * o.channels
  const b = new DataView(new ArrayBuffer(o.extensible ? 40 : 16))
  b.setUint16(0, o.extensible ? 0xfffe : o.code, true)
  b.setUint16(2, o.channels, true)
  b.setUint32(4, o.rate, true)
  b.setUint32(8, o.rate * blockAlign, true)
  b.setUint16(12, blockAlign, true)
  b.setUint16(14, container, true)
  if (o.extensible) {
    b.setUint16(16, 22, true) // cbSize
    b.setUint16(18, o.bits, true) // valid bits
    b.setUint32(20, o.channels === 2 ? 3 : 4, true) // channel mask
    const guid = [o.code & 0xff, o.code >> 8, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]
    guid.forEach((g, i) => b.setUint8(24 + i, g))
  }
  return new Uint8Array(b.buffer)
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0))

/** Sine amplitude and the share of the signal's energy at `hz` (1 = a pure tone), phase-independent. */
function toneFit(x: Int16Array, rate: number, hz: number): { amplitude: number; purity: number } {
  let s = 0
  let c = 0
  let e = 0
  for (let i = 0; i < x.length; i++) {
    const w = (2 * Math.PI * hz * i) / rate
    s += (x[i] as number) * Math.sin(w)
    c += (x[i] as number) * Math.cos(w)
    e += (x[i] as number) ** 2
  }
  const amplitude = (2 / x.length) * Math.hypot(s, c)
  return { amplitude, purity: (amplitude * amplitude) / 2 / (e / x.length) }
}

// ---- tests ---------------------------------------------------------------------------------------

describe('encodeWav', () => {
  it('writes the canonical 44-byte header', () => {
    const w = encodeWav(Int16Array.from([1, -2, 0x1234]), 8000)
    expect(w.length).toBe(44 + 6)
    const hex = Buffer.from(w).toString('hex')
    expect(hex).toBe(
      '52494646' +
        '2a000000' +
        '57415645' + // RIFF, 42, WAVE
        '666d7420' +
        '10000000' +
        '0100' +
        '0100' +
        '401f0000' +
        '803e0000' +
        '0200' +
        '1000' + // fmt: PCM mono 8000 Hz 16000 B/s
        '64617461' +
        '06000000' +
        '0100' +
        'feff' +
        '3412', // data
    )
  })

  it('round-trips any PCM16 at any rate', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 1000 }), fc.integer({ min: 1, max: 192000 }), (xs, rate) => {
        const pcm = Int16Array.from(xs)
        const d = decodeWav(encodeWav(pcm, rate))
        expect(d).toEqual({ sampleRate: rate, channels: 1, samples: pcm, format: 'pcm16' })
      }),
    )
  })

  it('rejects a bad rate', () => {
    expect(() => encodeWav(new Int16Array(1), 0)).toThrow(/sampleRate/)
    expect(() => encodeWav(new Int16Array(1), 8000.5)).toThrow(/sampleRate/)
  })
})

describe('decodeWav variants', () => {
  it('PCM8 (unsigned, 128 = 0) mixes stereo down to mono', () => {
    const data = Uint8Array.from([128, 128, 255, 255, 0, 0, 192, 64]) // L/R pairs
    const d = decodeWav(riff([chunk('fmt ', fmtBody({ code: 1, channels: 2, rate: 11025, bits: 8 })), chunk('data', data)]))
    expect(d.sampleRate).toBe(11025)
    expect(d.channels).toBe(2)
    expect(d.format).toBe('pcm8')
    expect(Array.from(d.samples)).toEqual([0, 127 * 256, -128 * 256, 0]) // (64·256 + -64·256)/2 = 0
  })

  it('float32 stereo, scaled by 32768 and clamped, averaged per frame', () => {
    const f = new Float32Array([0.5, 0.5, -1, -1, 1.5, 1.5, 0.25, -0.75, 1, 1])
    const d = decodeWav(riff([chunk('fmt ', fmtBody({ code: 3, channels: 2, rate: 48000, bits: 32 })), chunk('data', new Uint8Array(f.buffer))]))
    expect(d.format).toBe('float32')
    expect(Array.from(d.samples)).toEqual([16384, -32768, 32767, -8192, 32767])
  })

  it('WAVE_FORMAT_EXTENSIBLE 24-bit, 3 channels', () => {
    const frames = [
      [0x7fffff, 0x7fffff, 0x7fffff],
      [-0x800000, -0x800000, -0x800000],
      [0x000100, 0x000200, 0x000300],
      [0x123456, 0, 0],
    ]
    const bytes: number[] = []
    for (const fr of frames) for (const s of fr) bytes.push(s & 0xff, (s >> 8) & 0xff, (s >> 16) & 0xff)
    const d = decodeWav(
      riff([chunk('fmt ', fmtBody({ code: 1, channels: 3, rate: 96000, bits: 24, extensible: true })), chunk('data', Uint8Array.from(bytes))]),
    )
    expect(d.format).toBe('pcm24')
    expect(d.channels).toBe(3)
    expect(Array.from(d.samples)).toEqual([32767, -32768, 2, Math.round(0x123456 / 256 / 3)])
  })

  it('extensible float32 and 24-in-32 containers', () => {
    const f = new Float32Array([0.25, -0.25])
    const d = decodeWav(
      riff([chunk('fmt ', fmtBody({ code: 3, channels: 1, rate: 8000, bits: 32, extensible: true })), chunk('data', new Uint8Array(f.buffer))]),
    )
    expect(Array.from(d.samples)).toEqual([8192, -8192])
    const i32 = new Int32Array([0x40000000, -0x40000000, 0x00018000])
    const d2 = decodeWav(
      riff([
        chunk('fmt ', fmtBody({ code: 1, channels: 1, rate: 8000, bits: 24, containerBits: 32, extensible: true })),
        chunk('data', new Uint8Array(i32.buffer)),
      ]),
    )
    expect(Array.from(d2.samples)).toEqual([16384, -16384, 2]) // 0x18000 / 65536 = 1.5 → 2
  })

  it('G.711 μ-law WAV decodes through the G.711 tables', () => {
    const pcm = Int16Array.from([0, 1000, -1000, 32767])
    const d = decodeWav(riff([chunk('fmt ', fmtBody({ code: 7, channels: 1, rate: 8000, bits: 8 })), chunk('data', encodeMulaw(pcm))]))
    expect(d.format).toBe('mulaw')
    expect(Array.from(d.samples)).toEqual(Array.from(encodeMulaw(pcm), mulawToLinear))
  })

  it('skips LIST/fact chunks and odd-sized chunks with their pad byte, before and after data', () => {
    const pcm = Int16Array.from([100, -100, 200])
    const d = decodeWav(
      riff([
        chunk('LIST', ascii('INFOISFT\x05\x00\x00\x00Lavf\x00')), // 17 bytes → padded
        chunk('fmt ', fmtBody({ code: 1, channels: 1, rate: 16000, bits: 16 })),
        chunk('odd ', ascii('abc')),
        chunk('data', new Uint8Array(pcm.buffer)),
        chunk('LIST', ascii('x')),
      ]),
    )
    expect(Array.from(d.samples)).toEqual([100, -100, 200])
    expect(d.sampleRate).toBe(16000)
  })

  it('reads data chunks placed before fmt, with odd length, and with a streaming size (0 or too big)', () => {
    const pcm = Int16Array.from([1, 2, 3, 4])
    const fmt = chunk('fmt ', fmtBody({ code: 1, channels: 1, rate: 8000, bits: 16 }))
    expect(Array.from(decodeWav(riff([chunk('data', new Uint8Array(pcm.buffer)), fmt])).samples)).toEqual([1, 2, 3, 4])
    expect(Array.from(decodeWav(riff([fmt, chunk('data', new Uint8Array(pcm.buffer).subarray(0, 7))])).samples)).toEqual([1, 2, 3]) // half sample dropped
    for (const fake of [0, 0xffffffff]) {
      const w = riff([fmt, chunk('data', new Uint8Array(pcm.buffer))])
      new DataView(w.buffer).setUint32(w.length - 8 - 4, fake, true)
      expect(Array.from(decodeWav(w).samples), `data size ${fake}`).toEqual([1, 2, 3, 4])
    }
  })

  it('rejects garbage with ParseError("wav") saying what is wrong', () => {
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(0), /0 bytes long/],
      [ascii('OggS\x00\x00\x00\x00WAVEfmt '), /starts with "OggS"/],
      [ascii('RIFF\x04\x00\x00\x00AVI '), /not "WAVE"/],
      [riff([chunk('data', new Uint8Array(4))]), /no "fmt " chunk/],
      [riff([chunk('fmt ', fmtBody({ code: 1, channels: 1, rate: 8000, bits: 16 }))]), /no "data" chunk/],
      [riff([chunk('fmt ', new Uint8Array(10)), chunk('data', new Uint8Array(2))]), /needs at least 16/],
      [riff([chunk('fmt ', fmtBody({ code: 0x55, channels: 1, rate: 8000, bits: 0 })), chunk('data', new Uint8Array(2))]), /format code 0x0055/],
      [riff([chunk('fmt ', fmtBody({ code: 1, channels: 1, rate: 8000, bits: 12 })), chunk('data', new Uint8Array(2))]), /12 bits/],
      [riff([chunk('fmt ', fmtBody({ code: 1, channels: 0, rate: 8000, bits: 16 })), chunk('data', new Uint8Array(2))]), /0 channels/],
    ]
    const truncated = riff([chunk('LIST', new Uint8Array(100)), chunk('fmt ', fmtBody({ code: 1, channels: 1, rate: 8000, bits: 16 }))]).subarray(0, 60)
    cases.push([truncated, /"LIST" at byte 12 says it is 100 bytes long/])
    for (const [bytes, re] of cases) {
      let err: unknown
      try {
        decodeWav(bytes)
      } catch (e) {
        err = e
      }
      expect(err, String(re)).toBeInstanceOf(ParseError)
      expect((err as ParseError).format).toBe('wav')
      expect((err as ParseError).message).toMatch(re)
    }
  })

  it('never throws anything but ParseError on random bytes', () => {
    const header = riff([chunk('fmt ', fmtBody({ code: 1, channels: 2, rate: 8000, bits: 16 })), chunk('data', new Uint8Array(8))])
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (noise, cut) => {
        for (const input of [noise, Uint8Array.from([...header.subarray(0, cut % header.length), ...noise])]) {
          try {
            decodeWav(input)
          } catch (e) {
            expect(e).toBeInstanceOf(ParseError)
          }
        }
      }),
    )
  })
})

// ---- files written by real tools -----------------------------------------------------------------

const CI = process.env.CI === 'true'

function available(bin: string, versionArg: string): boolean {
  const r = spawnSync(bin, [versionArg], { stdio: 'ignore' })
  return r.error === undefined && r.status === 0
}

/** Runs when the tool exists; in CI (CI=true) a missing tool fails the test; locally it is skipped. */
function withTool(bin: string, versionArg: string, name: string, fn: (dir: string) => void): void {
  const has = available(bin, versionArg)
  if (!has && !CI) {
    it.skip(`${name} (skipped: ${bin} not on PATH; with CI=true this fails)`, () => {})
    return
  }
  it(name, () => {
    if (!has) throw new Error(`${bin} is required in CI (CI=true) but was not found on PATH; install it`)
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-wav-'))
    try {
      fn(dir)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
}

function run(bin: string, args: string[]): void {
  const r = spawnSync(bin, args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
}

describe('decodeWav on files written by sox and ffmpeg', () => {
  withTool('sox', '--version', 'sox: 16-bit stereo 16 kHz 1 kHz sine at half scale', (dir) => {
    const f = join(dir, 'sox.wav')
    run('sox', ['-n', '-r', '16000', '-c', '2', '-b', '16', f, 'synth', '0.5', 'sine', '1000', 'vol', '0.5'])
    const d = decodeWav(readFileSync(f))
    expect([d.sampleRate, d.channels, d.format, d.samples.length]).toEqual([16000, 2, 'pcm16', 8000])
    const fit = toneFit(d.samples, 16000, 1000)
    expect(Math.abs(fit.amplitude / 16384 - 1)).toBeLessThan(0.01)
    expect(fit.purity).toBeGreaterThan(0.999)
  })

  withTool('sox', '--version', 'sox: 8-bit unsigned and 32-bit float at 44.1 kHz', (dir) => {
    for (const enc of [
      ['-e', 'unsigned-integer', '-b', '8'],
      ['-e', 'floating-point', '-b', '32'],
    ]) {
      const f = join(dir, `sox-${enc[3]}.wav`)
      run('sox', ['-n', '-r', '44100', '-c', '1', ...enc, f, 'synth', '0.25', 'sine', '440', 'vol', '0.5'])
      const d = decodeWav(readFileSync(f))
      expect(d.sampleRate).toBe(44100)
      expect(d.format).toBe(enc[3] === '8' ? 'pcm8' : 'float32')
      expect(d.samples.length).toBe(11025)
      const fit = toneFit(d.samples, 44100, 440)
      expect(Math.abs(fit.amplitude / 16384 - 1), enc.join(' ')).toBeLessThan(0.02)
      expect(fit.purity, enc.join(' ')).toBeGreaterThan(enc[3] === '8' ? 0.99 : 0.999)
    }
  })

  withTool('ffmpeg', '-version', 'ffmpeg: s16 with LIST metadata, s24 (extensible), f32, μ-law', (dir) => {
    for (const [codec, format] of [
      ['pcm_s16le', 'pcm16'],
      ['pcm_s24le', 'pcm24'],
      ['pcm_f32le', 'float32'],
      ['pcm_mulaw', 'mulaw'],
      ['pcm_u8', 'pcm8'],
    ] as const) {
      const f = join(dir, `${codec}.wav`)
      const rate = codec === 'pcm_mulaw' ? 8000 : 48000
      // ffmpeg's sine source has amplitude 1/8 of full scale; pan copies it to both channels unscaled (-ac 2 would apply -3 dB)
      run('ffmpeg', [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        'lavfi',
        '-i',
        `sine=frequency=440:sample_rate=${rate}:duration=0.5`,
        '-af',
        'pan=stereo|c0=c0|c1=c0',
        '-metadata',
        'title=rtcspec',
        '-c:a',
        codec,
        '-y',
        f,
      ])
      const bytes = readFileSync(f)
      expect(Buffer.from(bytes).includes(Buffer.from('LIST')), codec).toBe(true) // the metadata chunk is there to skip
      if (codec === 'pcm_s24le') expect(new DataView(bytes.buffer, bytes.byteOffset).getUint16(20, true)).toBe(0xfffe) // WAVE_FORMAT_EXTENSIBLE
      const d = decodeWav(bytes)
      expect([d.sampleRate, d.channels, d.format, d.samples.length], codec).toEqual([rate, 2, format, rate / 2])
      const fit = toneFit(d.samples, rate, 440)
      expect(Math.abs(fit.amplitude / 4096 - 1), codec).toBeLessThan(0.02)
      expect(fit.purity, codec).toBeGreaterThan(codec === 'pcm_u8' ? 0.98 : 0.999)
    }
  })

  withTool('sox', '--version', 'sox reads what encodeWav writes', (dir) => {
    const f = join(dir, 'ours.wav')
    const pcm = Int16Array.from({ length: 8000 }, (_, i) => Math.round(10000 * Math.sin((2 * Math.PI * 500 * i) / 8000)))
    writeFileSync(f, encodeWav(pcm, 8000))
    const r = spawnSync('sox', ['--i', f], { encoding: 'utf8' })
    expect(r.stdout).toMatch(/Channels\s*:\s*1/)
    expect(r.stdout).toMatch(/Sample Rate\s*:\s*8000/)
    expect(r.stdout).toMatch(/Precision\s*:\s*16-bit/)
    expect(r.stdout).toMatch(/8000 samples/)
  })
})
