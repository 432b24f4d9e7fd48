/**
 * Speech for audio-analysis tests: sentences spoken by espeak-ng into a private temporary directory
 * (removed right after decoding). Deterministic: espeak-ng's output depends only on text and voice.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeWav } from '../../src/media/wav.ts'
import type { PcmAudio } from '../../src/media/types.ts'

/** The two test sentences. */
export const SENTENCES = [
  'The quick brown fox jumps over the lazy dog, and rtcspec listens to every call.',
  'Please leave a message after the tone, and we will call you back tomorrow morning.',
] as const

/** Speaks `text` with espeak-ng and returns the decoded audio (22 050 Hz mono). */
export function speak(text: string): PcmAudio {
  const dir = mkdtempSync(join(tmpdir(), 'rtcspec-speech-'))
  try {
    const file = join(dir, 'speech.wav')
    const r = spawnSync('espeak-ng', ['-w', file, text], { timeout: 20_000 })
    if (r.status !== 0) throw new Error(`espeak-ng failed (${r.status}): ${r.stderr?.toString()}`)
    const wav = decodeWav(readFileSync(file))
    return { sampleRate: wav.sampleRate, samples: wav.samples }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
