/**
 * Audio analysis on mono PCM16: levels, silence, clipping, single-frequency power (Goertzel),
 * the dominant frequency and tone detection (Hann-windowed FFT with log-parabolic interpolation).
 *
 * Every function is pure: it reads `pcm` and returns a value. Levels are dBFS as defined in
 * `levels.ts` (AES17: a full-scale sine is 0 dBFS, so `rmsDbfs(tone(…, { dbfs: -12 }))` ≈ -12).
 *
 * Spectral method (`dominantFrequency`, `detectTone`, `powerSpectrum`): a Hann window over the whole
 * input (up to 32 768 samples), zero-padded to twice the next power of two; longer inputs are
 * averaged over 50 %-overlapping segments of 32 768 samples (Welch). The peak is refined by fitting
 * a parabola to the log power of the three bins around it. Measured accuracy for a clean tone of
 * ≥ 0.5 s (see `test/media/analysis.test.ts`): within 0.05 Hz at 8 kHz and 0.1 Hz at 48 kHz.
 *
 * @module
 */
import { fft, hannWindow, nextPowerOfTwo } from './fft.ts'
import { dbfsForRms, FULL_SCALE } from './levels.ts'

/** Longest segment transformed at once; longer inputs are averaged segment by segment. */
const MAX_SEGMENT = 32768
/** Zero-padding factor of the FFT (bins per Hann bin). */
const PAD = 2
/**
 * Half-width, in padded bins, of the band credited to a tone: ±8 Hann bins. The main lobe is ±2 bins,
 * but 0.05 % of a Hann-windowed tone's energy (-33 dB) leaks beyond it; beyond ±8 bins it is about
 * -60 dB, which sets the highest SNR `detectTone` can report.
 */
const LOBE = 8 * PAD

const scratch = new Map<number, { re: Float64Array; im: Float64Array }>()

function buffers(n: number): { re: Float64Array; im: Float64Array } {
  let b = scratch.get(n)
  if (b === undefined) {
    b = { re: new Float64Array(n), im: new Float64Array(n) }
    scratch.set(n, b)
  }
  return b
}

/** A one-sided power spectrum as computed by `powerSpectrum`. */
export interface PowerSpectrum {
  /** Mean windowed power |X[k]|² per bin, k = 0 … size/2 (not normalised; compare bins with each other). */
  power: Float64Array
  /** FFT size (zero-padded). */
  size: number
  /** Bin spacing in Hz (sampleRate / size). */
  binHz: number
  /** Number of averaged segments. */
  segments: number
  /** Σ w² of the window over one segment (to turn bin sums back into signal power). */
  windowEnergy: number
}

/**
 * The Hann-windowed, zero-padded (×2), Welch-averaged one-sided power spectrum of `pcm`
 * (segments of up to 32 768 samples, 50 % overlap). Returns undefined for empty input.
 */
export function powerSpectrum(pcm: Int16Array, sampleRate: number): PowerSpectrum | undefined {
  checkRate(sampleRate, 'powerSpectrum')
  const len = pcm.length
  if (len === 0) return undefined
  const segLen = Math.min(len, MAX_SEGMENT)
  const size = PAD * nextPowerOfTwo(segLen)
  const w = hannWindow(segLen)
  let windowEnergy = 0
  for (let i = 0; i < segLen; i++) windowEnergy += (w[i] as number) ** 2
  const starts: number[] = []
  if (len <= MAX_SEGMENT) starts.push(0)
  else {
    const hop = MAX_SEGMENT / 2
    for (let s = 0; s + segLen <= len; s += hop) starts.push(s)
    if ((starts[starts.length - 1] as number) + segLen < len) starts.push(len - segLen) // cover the tail
  }
  const { re, im } = buffers(size)
  const half = size >> 1
  const power = new Float64Array(half + 1)
  for (const s of starts) {
    for (let i = 0; i < segLen; i++) re[i] = (pcm[s + i] as number) * (w[i] as number)
    re.fill(0, segLen)
    im.fill(0)
    fft(re, im)
    for (let k = 0; k <= half; k++) power[k] = (power[k] as number) + (re[k] as number) ** 2 + (im[k] as number) ** 2
  }
  const m = starts.length
  for (let k = 0; k <= half; k++) power[k] = (power[k] as number) / m
  return { power, size, binHz: sampleRate / size, segments: m, windowEnergy }
}

/** Fractional offset (−0.5 … 0.5) of the true peak from bin k, by a parabola through log power. */
function interpolate(power: Float64Array, k: number): number {
  if (k <= 0 || k >= power.length - 1) return 0
  const tiny = 1e-300
  const a = Math.log((power[k - 1] as number) + tiny)
  const b = Math.log((power[k] as number) + tiny)
  const c = Math.log((power[k + 1] as number) + tiny)
  const den = a - 2 * b + c
  if (den >= 0) return 0
  const d = (0.5 * (a - c)) / den
  return d > 0.5 ? 0.5 : Math.max(d, -0.5)
}

function checkRate(sampleRate: number, where: string): void {
  if (!Number.isFinite(sampleRate) || sampleRate <= 0) throw new RangeError(`${where}: sampleRate must be a positive number of Hz, got ${sampleRate}`)
}

/**
 * Power of the component at `hz` (generalised Goertzel = one DFT bin at any frequency, rectangular
 * window), relative to a full-scale sine: a sine of `dbfs` at exactly `hz` gives 10^(dbfs/10), so
 * `10·log10(result)` is its level in dBFS. Leakage from other frequencies is that of a rectangular
 * window of `pcm.length` samples: use frames of whole periods, or long ones. 0 for empty input.
 */
export function goertzelPower(pcm: Int16Array, sampleRate: number, hz: number): number {
  checkRate(sampleRate, 'goertzelPower')
  const n = pcm.length
  if (n === 0) return 0
  const omega = (2 * Math.PI * hz) / sampleRate
  const coeff = 2 * Math.cos(omega)
  let s1 = 0
  let s2 = 0
  for (let i = 0; i < n; i++) {
    const s = (pcm[i] as number) + coeff * s1 - s2
    s2 = s1
    s1 = s
  }
  const mag2 = s1 * s1 + s2 * s2 - coeff * s1 * s2 // |X(ω)|²
  const amp = (2 * Math.sqrt(Math.max(0, mag2))) / n
  return (amp / FULL_SCALE) ** 2
}

/** Options of `dominantFrequency`. */
export interface DominantFrequencyOptions {
  /** Ignore energy below this frequency (DC, hum). Default 20 Hz. */
  minHz?: number
  /** Ignore energy above this frequency. Default sampleRate / 2. */
  maxHz?: number
}

/**
 * The frequency (Hz) of the strongest spectral peak between `minHz` and `maxHz`, refined between
 * bins. NaN when the input is empty or has no energy in that range.
 */
export function dominantFrequency(pcm: Int16Array, sampleRate: number, options: DominantFrequencyOptions = {}): number {
  const spec = powerSpectrum(pcm, sampleRate)
  if (spec === undefined) return Number.NaN
  const { power, binHz } = spec
  const lo = Math.max(1, Math.ceil((options.minHz ?? 20) / binHz))
  const hi = Math.min(power.length - 1, Math.floor((options.maxHz ?? sampleRate / 2) / binHz))
  let best = -1
  let bestP = 0
  for (let k = lo; k <= hi; k++) {
    const p = power[k] as number
    if (p > bestP) {
      bestP = p
      best = k
    }
  }
  if (best < 0) return Number.NaN
  return (best + interpolate(power, best)) * binHz
}

/** Options of `detectTone`. */
export interface DetectToneOptions {
  /** How far the measured frequency may be from the expected one. Default 2 Hz. */
  toleranceHz?: number
  /** How far the peak must stand above the median spectral floor. Default 15 dB. */
  minProminenceDb?: number
  /** Quietest tone that counts as present. Default -60 dBFS. */
  minLevelDbfs?: number
}

/** What `detectTone` found. */
export interface ToneDetection {
  /** A tone within `toleranceHz` of the expected frequency stands out (prominence and level). */
  present: boolean
  /** Frequency of the strongest peak near the expected one (NaN if there is none). */
  measuredHz: number
  /**
   * Power of that peak (its Hann main lobe) against everything else in the signal, in dB: for a tone
   * in white noise this is the broadband SNR. Other tones count as noise. -Infinity if no peak.
   */
  snrDb: number
  /** Level of the peak's component, dBFS (AES17). -Infinity if no peak. */
  levelDbfs: number
  /** Peak bin power over the median bin power, dB. */
  prominenceDb: number
}

/**
 * Looks for a tone at `hz`: finds the strongest spectral peak within ±R = ±max(10 × tolerance, 25 Hz, 4 bins)
 * of `hz` that is also the strongest bin within ±R of itself (so not a side lobe of a louder tone
 * nearby), and measures its frequency, level and SNR. It is `present` when it is within `toleranceHz`,
 * at least `minProminenceDb` above the median floor, and at least `minLevelDbfs` loud.
 * Frequency resolution needs length: use ≥ 0.5 s for the default 2 Hz tolerance.
 */
export function detectTone(pcm: Int16Array, sampleRate: number, hz: number, options: DetectToneOptions = {}): ToneDetection {
  const tol = options.toleranceHz ?? 2
  const minProm = options.minProminenceDb ?? 15
  const minLevel = options.minLevelDbfs ?? -60
  const none: ToneDetection = {
    present: false,
    measuredHz: Number.NaN,
    snrDb: Number.NEGATIVE_INFINITY,
    levelDbfs: Number.NEGATIVE_INFINITY,
    prominenceDb: Number.NEGATIVE_INFINITY,
  }
  const spec = powerSpectrum(pcm, sampleRate)
  if (spec === undefined) return none
  const { power, binHz, size, windowEnergy } = spec
  const half = size >> 1
  const reach = Math.max(10 * tol, 25, 4 * binHz)
  const lo = Math.max(1, Math.floor((hz - reach) / binHz))
  const hi = Math.min(half - 1, Math.ceil((hz + reach) / binHz))
  let best = -1
  let bestP = 0
  for (let k = lo; k <= hi; k++) {
    const p = power[k] as number
    if (p > bestP && p >= (power[k - 1] as number) && p >= (power[k + 1] as number)) {
      bestP = p
      best = k
    }
  }
  if (best < 0) return none
  // A main lobe is the strongest bin within ±reach of itself; the strongest "peak" in the window can
  // otherwise be a leakage side lobe of a louder tone just outside it.
  const r = Math.ceil(reach / binHz)
  for (let k = Math.max(0, best - r); k <= Math.min(half, best + r); k++) if ((power[k] as number) > bestP) return none
  const measuredHz = (best + interpolate(power, best)) * binHz
  // energy bookkeeping on the two-sided spectrum (bins 1 … half-1 stand for two)
  let total = (power[0] as number) + (power[half] as number)
  for (let k = 1; k < half; k++) total += 2 * (power[k] as number)
  let lobe = 0
  let lobeBins = 0
  for (let k = Math.max(0, best - LOBE); k <= Math.min(half, best + LOBE); k++) {
    const weight = k === 0 || k === half ? 1 : 2
    lobe += weight * (power[k] as number)
    lobeBins += weight
  }
  // the lobe also holds some noise: remove the average noise per bin of the rest of the spectrum
  const perBin = (total - lobe) / (size - lobeBins)
  const tonePower = Math.max(0, lobe - perBin * lobeBins)
  const noisePower = total - tonePower
  const snrDb = noisePower > 0 ? 10 * Math.log10(tonePower / noisePower) : Number.POSITIVE_INFINITY
  // Parseval: Σ over all bins of |X|² = size · Σ (x·w)²; a sine's mean square ≈ Σ(x·w)² / Σ w²
  const meanSquare = tonePower / size / windowEnergy
  const levelDbfs = dbfsForRms(Math.sqrt(meanSquare))
  const sorted = power.slice(1, half).sort()
  const median = sorted.length > 0 ? (sorted[sorted.length >> 1] as number) : 0
  const prominenceDb = median > 0 ? 10 * Math.log10(bestP / median) : Number.POSITIVE_INFINITY
  const present = Math.abs(measuredHz - hz) <= tol && prominenceDb >= minProm && levelDbfs >= minLevel
  return { present, measuredHz, snrDb, levelDbfs, prominenceDb }
}

/** RMS level of `pcm` in dBFS (AES17: a full-scale sine is 0 dBFS); -Infinity for silence or empty input. */
export function rmsDbfs(pcm: Int16Array): number {
  return dbfsForRms(rmsOf(pcm, 0, pcm.length))
}

function rmsOf(pcm: Int16Array, from: number, to: number): number {
  if (to <= from) return 0
  let s = 0
  for (let i = from; i < to; i++) {
    const v = pcm[i] as number
    s += v * v
  }
  return Math.sqrt(s / (to - from))
}

/** Options of `silenceRatio` and `silentGaps`. */
export interface SilenceOptions {
  /** A window is silent when its RMS level is below this. Default -50 dBFS. */
  thresholdDbfs?: number
  /** Window length. Default 20 ms. The last, shorter window counts for its own length. */
  windowMs?: number
}

/** Options of `silentGaps`. */
export interface SilentGapOptions extends SilenceOptions {
  /** Only report gaps at least this long. Default 0 (every silent window or run of windows). */
  minDurationMs?: number
}

/** A run of silent windows. */
export interface SilentGap {
  /** Start of the gap from the start of the input, ms. */
  startMs: number
  /** Length of the gap, ms. */
  durationMs: number
}

function windowSamples(sampleRate: number, windowMs: number, where: string): number {
  checkRate(sampleRate, where)
  const w = Math.round((windowMs * sampleRate) / 1000)
  if (!Number.isFinite(w) || w < 1) throw new RangeError(`${where}: windowMs ${windowMs} is shorter than one sample at ${sampleRate} Hz`)
  return w
}

/** Calls `visit(start, end, silent)` per window. Allocation-free. */
function forEachWindow(pcm: Int16Array, w: number, thresholdDbfs: number, visit: (start: number, end: number, silent: boolean) => void): void {
  for (let start = 0; start < pcm.length; start += w) {
    const end = Math.min(pcm.length, start + w)
    visit(start, end, dbfsForRms(rmsOf(pcm, start, end)) < thresholdDbfs)
  }
}

/**
 * Fraction (0 … 1) of the input's duration that lies in silent windows (RMS below `thresholdDbfs`).
 * 0 for empty input.
 */
export function silenceRatio(pcm: Int16Array, sampleRate: number, options: SilenceOptions = {}): number {
  const w = windowSamples(sampleRate, options.windowMs ?? 20, 'silenceRatio')
  if (pcm.length === 0) return 0
  let silent = 0
  forEachWindow(pcm, w, options.thresholdDbfs ?? -50, (start, end, isSilent) => {
    if (isSilent) silent += end - start
  })
  return silent / pcm.length
}

/**
 * The silent stretches of the input: runs of consecutive silent windows (RMS below `thresholdDbfs`),
 * each as start and duration in ms, at window resolution.
 */
export function silentGaps(pcm: Int16Array, sampleRate: number, options: SilentGapOptions = {}): SilentGap[] {
  const w = windowSamples(sampleRate, options.windowMs ?? 20, 'silentGaps')
  const minMs = options.minDurationMs ?? 0
  const gaps: SilentGap[] = []
  let runStart = -1
  const close = (end: number): void => {
    const durationMs = ((end - runStart) * 1000) / sampleRate
    if (durationMs >= minMs) gaps.push({ startMs: (runStart * 1000) / sampleRate, durationMs })
    runStart = -1
  }
  forEachWindow(pcm, w, options.thresholdDbfs ?? -50, (start, _end, silent) => {
    if (silent && runStart < 0) runStart = start
    else if (!silent && runStart >= 0) close(start)
  })
  if (runStart >= 0) close(pcm.length)
  return gaps
}

/**
 * Fraction (0 … 1) of samples at or beyond `threshold` in magnitude (default 32767, i.e. samples
 * equal to 32767, -32767 or -32768). 0 for empty input.
 */
export function clippingRatio(pcm: Int16Array, threshold = 32767): number {
  if (pcm.length === 0) return 0
  let n = 0
  for (let i = 0; i < pcm.length; i++) {
    const v = pcm[i] as number
    if (v >= threshold || v <= -threshold) n++
  }
  return n / pcm.length
}
