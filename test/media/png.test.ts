import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import { encodePng } from '../../src/media/png.ts'
import { audioPlotLayout, plotAudio } from '../../src/media/audio-plot.ts'
import { readAll, tone } from '../../src/media/sources.ts'
import { requireTool } from '../support/requires.ts'

/** Reads a PNG: its chunks and CRCs checked here, its pixels decoded by pngjs's reader (any row filter). */
function decodePng(png: Uint8Array): { width: number; height: number; rgba: Uint8Array; chunks: string[] } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
  const chunks: string[] = []
  for (let off = 8; off < png.length; ) {
    const len = view.getUint32(off)
    const type = String.fromCharCode(...png.subarray(off + 4, off + 8))
    expect(view.getUint32(off + 8 + len), `CRC of ${type}`).toBe(crc32(png.subarray(off + 4, off + 8 + len)))
    // IHDR: 8-bit RGBA, deflate, no interlace
    if (type === 'IHDR') expect([...png.subarray(off + 16, off + 21)]).toEqual([8, 6, 0, 0, 0])
    chunks.push(type)
    off += 12 + len
  }
  const d = PNG.sync.read(Buffer.from(png))
  return { width: d.width, height: d.height, rgba: new Uint8Array(d.data), chunks }
}

describe('encodePng', () => {
  it('writes a valid RGBA PNG that decodes back to the same pixels', () => {
    const w = 7
    const h = 5
    const px = new Uint8Array(w * h * 4).map((_, i) => (i * 37) & 255)
    const d = decodePng(encodePng(w, h, px))
    expect(d.chunks[0]).toBe('IHDR')
    expect(d.chunks.at(-1)).toBe('IEND')
    expect(d.chunks).toContain('IDAT')
    expect([d.width, d.height]).toEqual([w, h])
    expect(d.rgba).toEqual(px)
  })

  it('rejects wrong sizes', () => {
    expect(() => encodePng(2, 2, new Uint8Array(15))).toThrow(/expected 16 bytes/)
    expect(() => encodePng(0, 2, new Uint8Array(0))).toThrow(/width and height/)
  })
})

describe('plotAudio', () => {
  it('draws a waveform and a spectrum whose peak column is at the tone frequency, and marks', () => {
    const pcm = readAll(tone(1000, { sampleRate: 8000 }), 8000)
    const d = decodePng(plotAudio({ sampleRate: 8000, samples: pcm }, { width: 400, height: 200, markHz: [3000] }))
    expect([d.width, d.height]).toEqual([400, 200])
    const { wave, spectrum } = audioPlotLayout(400, 200)
    const at = (x: number, y: number) => [...d.rgba.subarray((y * 400 + x) * 4, (y * 400 + x) * 4 + 3)]
    // spectrum panel: the highest green pixel is in the column of 1000 Hz (a quarter of the way to Nyquist)
    let bestX = -1
    let bestY = 1e9
    for (let x = spectrum.x; x < spectrum.x + spectrum.w; x++) {
      for (let y = spectrum.y; y < spectrum.y + spectrum.h; y++) {
        const [r, g, b] = at(x, y)
        if (r === 44 && g === 160 && b === 44 && y < bestY) {
          bestY = y
          bestX = x
        }
      }
    }
    expect(Math.abs(bestX - (spectrum.x + 0.25 * (spectrum.w - 1)))).toBeLessThanOrEqual(1.5)
    // the red marker at 3000 Hz
    expect(at(Math.round(spectrum.x + 0.75 * (spectrum.w - 1)), spectrum.y + spectrum.h - 2)).toEqual([214, 39, 40])
    // waveform panel: a -12 dBFS tone (amplitude 0.25) reaches about a quarter of the half-panel above the centre
    const centre = wave.y + wave.h / 2
    let topWave = 1e9
    for (let y = wave.y; y < wave.y + wave.h; y++) if (at(wave.x + wave.w / 2, y)[2] === 180) topWave = Math.min(topWave, y)
    expect((centre - topWave) / (wave.h / 2)).toBeGreaterThan(0.2)
    expect((centre - topWave) / (wave.h / 2)).toBeLessThan(0.3)
  })

  it('labels its axes: titles, tick values and axis titles are drawn in the margins (text pixels)', () => {
    const d = decodePng(plotAudio({ sampleRate: 8000, samples: readAll(tone(1000, { sampleRate: 8000 }), 8000) }, { width: 400, height: 200 }))
    const { wave, spectrum } = audioPlotLayout(400, 200)
    const textPixels = (x0: number, y0: number, x1: number, y1: number) => {
      let n = 0
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (d.rgba[(y * 400 + x) * 4] === 60) n++
      return n
    }
    expect(textPixels(wave.x, 0, 400, wave.y), 'waveform title').toBeGreaterThan(20)
    expect(textPixels(0, wave.y, wave.x - 2, wave.y + wave.h), 'amplitude ticks').toBeGreaterThan(10)
    expect(textPixels(wave.x, wave.y + wave.h + 2, 400, spectrum.y - 12), 'time ticks and title').toBeGreaterThan(30)
    expect(textPixels(wave.x, spectrum.y + spectrum.h + 2, 400, 200), 'frequency ticks and title').toBeGreaterThan(30)
  })

  it('copes with empty audio', () => {
    expect(decodePng(plotAudio({ sampleRate: 8000, samples: new Int16Array(0) })).width).toBe(640)
  })
})

describe.skipIf(requireTool('ffmpeg'))('plotAudio output in a real decoder', () => {
  it('ffmpeg decodes the PNG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-png-'))
    try {
      const file = join(dir, 'plot.png')
      writeFileSync(file, plotAudio({ sampleRate: 8000, samples: readAll(tone(440, { sampleRate: 8000 }), 4000) }))
      const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], { timeout: 20_000 })
      expect(r.status, r.stderr?.toString()).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
