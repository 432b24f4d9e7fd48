/**
 * An ITU-T G.107 E-model estimate: transmission rating R and the MOS (conversational quality, CQE)
 * it maps to, from codec, packet loss (with burstiness), jitter and one-way delay.
 *
 * **This is an estimate**, not a measurement of what a listener would say: the E-model is a
 * transmission-planning tool. rtcspec feeds it what it measures on the wire and labels every result
 * `estimate: true`.
 *
 * What is implemented (G.107 (06/2015) §3; the same equations as every edition since 2005):
 * - `R = Ro − Is − Id − Ie,eff + A` (§3.1), with `A = 0` (no advantage factor for wired/VoIP use);
 * - `Ro` basic signal-to-noise ratio (§3.2) and `Is` simultaneous impairments (§3.3: Iolr, Ist, Iq)
 *   from the loudness ratings and noise parameters, all at the G.107 default values (§3.7, Table 3)
 *   unless overridden;
 * - `Id` delay impairment (§3.4: Idte talker echo, Idle listener echo, Idd absolute delay) with
 *   `T = Ta = one-way delay` and `Tr = 2·T` (a four-wire VoIP path with echo control, TELR 65 dB);
 * - `Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl)` (§3.5) with Ppl in percent;
 * - MOS from R per G.107 Annex B: 1 for R < 0, 4.5 for R > 100,
 *   `1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶` in between.
 *
 * With every default the model gives R = 93.2 and MOS = 4.41 (the G.711 "best case" of G.107).
 *
 * Codec values (`EMODEL_CODECS`), from ITU-T G.113 (11/2007) Appendix I, Tables I.1 and I.3:
 * - G.711 (PCMU/PCMA) with packet loss concealment: Ie = 0, Bpl = 25.1 (G.711 Appendix I PLC);
 * - G.711 without PLC (zero-stuffed gaps): Ie = 0, Bpl = 4.3;
 * - G.729A + VAD: Ie = 11, Bpl = 19.0.
 * - **Opus is not in G.113.** rtcspec uses Ie = 0 and Bpl = 25.1 as a stand-in: on the narrowband
 *   E-model scale, Opus at telephony bit rates (≥ 16 kbit/s) is at least as good as G.711, and its
 *   built-in concealment is at least as good as G.711 Appendix I PLC. Override with `{ ie, bpl }`
 *   when you have better numbers for your configuration.
 *
 * Jitter enters as delay: a receiver's adaptive jitter buffer holds about twice the RFC 3550
 * interarrival jitter (`jitterBufferMs = 2 × jitterMs`, overridable), and packets that arrive too late
 * for it are counted as lost by the caller, not here. Mouth-to-ear delay is
 * `networkDelayMs + jitterBufferMs + codecDelayMs` where `codecDelayMs` defaults to the packet time
 * (20 ms) plus the codec's look-ahead (G.711: 0; Opus: 6.5 ms).
 *
 * @module
 */

/** The impairment values of one codec for the E-model (G.113 Appendix I). */
export interface EModelCodec {
  /** Equipment impairment factor without loss, Ie. */
  ie: number
  /** Packet-loss robustness factor, Bpl. */
  bpl: number
  /** Algorithmic look-ahead of the codec, ms (added to the packet time as codec delay). */
  lookaheadMs: number
  /** Where the numbers come from. */
  source: string
}

/**
 * Codec impairment values by (lower-case) encoding name. `pcmu`, `pcma` and `g711` mean G.711 with
 * packet loss concealment (what a decent receiver does); `g711-noplc` is without.
 */
export const EMODEL_CODECS: Readonly<Record<string, EModelCodec>> = Object.freeze({
  g711: { ie: 0, bpl: 25.1, lookaheadMs: 0, source: 'ITU-T G.113 (11/2007) App. I Table I.3: G.711 with PLC' },
  pcmu: { ie: 0, bpl: 25.1, lookaheadMs: 0, source: 'ITU-T G.113 (11/2007) App. I Table I.3: G.711 with PLC' },
  pcma: { ie: 0, bpl: 25.1, lookaheadMs: 0, source: 'ITU-T G.113 (11/2007) App. I Table I.3: G.711 with PLC' },
  'g711-noplc': { ie: 0, bpl: 4.3, lookaheadMs: 0, source: 'ITU-T G.113 (11/2007) App. I Table I.3: G.711 without PLC' },
  g729: { ie: 11, bpl: 19, lookaheadMs: 5, source: 'ITU-T G.113 (11/2007) App. I Table I.3: G.729A + VAD' },
  opus: {
    ie: 0,
    bpl: 25.1,
    lookaheadMs: 6.5,
    source: 'rtcspec stand-in (Opus is not in G.113): Ie and Bpl of G.711 with PLC; look-ahead 6.5 ms (RFC 6716 default)',
  },
})

/** The G.107 §3.7 (Table 3) parameters other than delay and loss. Defaults give R = 93.2. */
export interface EModelTransmission {
  /** Send loudness rating, dB. Default 8. */
  slr?: number
  /** Receive loudness rating, dB. Default 2. */
  rlr?: number
  /** Sidetone masking rating, dB. Default 15. */
  stmr?: number
  /** Listener sidetone rating, dB. Default 18. */
  lstr?: number
  /** D-value of the telephone, send side. Default 3. */
  ds?: number
  /** D-value of the telephone, receive side. Default 3. */
  dr?: number
  /** Talker echo loudness rating, dB. Default 65. */
  telr?: number
  /** Weighted echo path loss, dB. Default 110. */
  wepl?: number
  /** Number of quantizing distortion units. Default 1. */
  qdu?: number
  /** Circuit noise referred to the 0 dBr point, dBm0p. Default -70. */
  nc?: number
  /** Noise floor at the receive side, dBmp. Default -64. */
  nfor?: number
  /** Room noise at the send side, dB(A). Default 35. */
  ps?: number
  /** Room noise at the receive side, dB(A). Default 35. */
  pr?: number
  /** Advantage factor A. Default 0. */
  a?: number
}

/** What the E-model is computed from. */
export interface EModelInput {
  /** Codec name (see `EMODEL_CODECS`, case-insensitive). Default `'PCMU'`. */
  codec?: string
  /** Override the codec's Ie. */
  ie?: number
  /** Override the codec's Bpl. */
  bpl?: number
  /** Packet loss as a fraction 0..1 (e.g. `RtpStatsSnapshot.lossFraction`). Default 0. */
  lossFraction?: number
  /**
   * G.107 BurstR: 1 for random loss, > 1 for bursty loss (see `burstRatio`). Default 1.
   */
  burstR?: number
  /** One-way network delay, ms (e.g. RTT / 2). Default 0. */
  networkDelayMs?: number
  /** RFC 3550 interarrival jitter, ms; becomes jitter-buffer delay. Default 0. */
  jitterMs?: number
  /** Jitter-buffer delay, ms. Default `2 × jitterMs`. */
  jitterBufferMs?: number
  /** Packet time, ms (the sender's frame size, buffered before sending). Default 20. */
  packetTimeMs?: number
  /** Codec delay, ms. Default `packetTimeMs + lookahead of the codec`. */
  codecDelayMs?: number
  /**
   * Use this as the absolute one-way (mouth-to-ear) delay T = Ta instead of adding up network,
   * jitter-buffer and codec delay.
   */
  oneWayDelayMs?: number
  /** Non-default transmission parameters (G.107 §3.7). */
  transmission?: EModelTransmission
}

/** An E-model estimate with its parts. */
export interface EModelEstimate {
  /** Always true: the E-model predicts; it does not measure. */
  estimate: true
  /** Transmission rating R (clamped to 0..100 only for the MOS mapping; reported unclamped). */
  r: number
  /** Estimated conversational MOS (1 … 4.5), G.107 Annex B. */
  mos: number
  /** The parts of R. */
  ro: number
  is: number
  id: number
  ieEff: number
  a: number
  /** Mouth-to-ear delay used (T = Ta), ms. */
  oneWayDelayMs: number
  /** Ppl used, percent. */
  packetLossPercent: number
  burstR: number
  /** Codec values used. */
  codec: { name: string; ie: number; bpl: number; source: string }
}

const DEFAULTS: Required<EModelTransmission> = {
  slr: 8,
  rlr: 2,
  stmr: 15,
  lstr: 18,
  ds: 3,
  dr: 3,
  telr: 65,
  wepl: 110,
  qdu: 1,
  nc: -70,
  nfor: -64,
  ps: 35,
  pr: 35,
  a: 0,
}

const log10 = Math.log10
const p10 = (x: number): number => 10 ** (x / 10)

/** MOS (G.107 Annex B, CQE) for a transmission rating R. */
export function mosFromR(r: number): number {
  if (Number.isNaN(r)) return Number.NaN
  if (r <= 0) return 1
  if (r >= 100) return 4.5
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6
}

/**
 * G.107 BurstR for a two-state (Gilbert) loss process: `1 / (p + q)` where `p` is the probability
 * that a packet is lost after a received one and `q` that it is received after a lost one.
 * Equivalently `meanBurstLength × (1 − lossFraction)`. 1 for random loss; > 1 for bursty loss.
 */
export function burstRatio(p: number, q: number): number {
  if (!(p >= 0 && p <= 1 && q > 0 && q <= 1)) throw new RangeError(`burstRatio: p must be in 0..1 and q in (0..1], got p=${p}, q=${q}`)
  if (p === 0) return 1
  return 1 / (p + q)
}

/**
 * BurstR measured from a loss pattern (true = lost), e.g. a relay's ground truth: mean length of
 * runs of lost packets × (1 − loss fraction). 1 when nothing (or everything) was lost.
 */
export function burstRatioOf(lost: ArrayLike<boolean>): number {
  let lostCount = 0
  let runs = 0
  for (let i = 0; i < lost.length; i++) {
    if (lost[i]) {
      lostCount++
      if (i === 0 || !lost[i - 1]) runs++
    }
  }
  if (lostCount === 0 || lostCount === lost.length) return 1
  const meanBurst = lostCount / runs
  return meanBurst * (1 - lostCount / lost.length)
}

function codecOf(input: EModelInput): { name: string; ie: number; bpl: number; lookaheadMs: number; source: string } {
  const name = (input.codec ?? 'PCMU').toLowerCase()
  const known = EMODEL_CODECS[name]
  if (known === undefined && (input.ie === undefined || input.bpl === undefined)) {
    throw new RangeError(
      `eModel: no Ie/Bpl values for codec '${input.codec}'; known: ${Object.keys(EMODEL_CODECS).join(', ')}. Pass { ie, bpl } (ITU-T G.113 Appendix I) for other codecs.`,
    )
  }
  return {
    name,
    ie: input.ie ?? known!.ie,
    bpl: input.bpl ?? known!.bpl,
    lookaheadMs: known?.lookaheadMs ?? 0,
    source: input.ie !== undefined || input.bpl !== undefined ? 'caller-supplied' : known!.source,
  }
}

function finite(name: string, v: number | undefined, min: number, max = Number.POSITIVE_INFINITY): void {
  if (v === undefined) return
  if (!Number.isFinite(v) || v < min || v > max) throw new RangeError(`eModel: ${name} must be a number in ${min}..${max}, got ${v}`)
}

/** The one-way delay T = Ta (ms) the estimate uses for `input` (see the module notes). */
export function mouthToEarDelayMs(input: EModelInput): number {
  if (input.oneWayDelayMs !== undefined) return input.oneWayDelayMs
  const codec = codecOf(input)
  const jitterBuffer = input.jitterBufferMs ?? 2 * (input.jitterMs ?? 0)
  const codecDelay = input.codecDelayMs ?? (input.packetTimeMs ?? 20) + codec.lookaheadMs
  return (input.networkDelayMs ?? 0) + jitterBuffer + codecDelay
}

/**
 * The G.107 transmission rating R and estimated MOS for `input`. Throws a RangeError naming the
 * field for out-of-range input (negative delay, loss outside 0..1, unknown codec without Ie/Bpl).
 */
export function eModel(input: EModelInput = {}): EModelEstimate {
  finite('lossFraction', input.lossFraction, 0, 1)
  finite('burstR', input.burstR, 1)
  finite('networkDelayMs', input.networkDelayMs, 0)
  finite('jitterMs', input.jitterMs, 0)
  finite('jitterBufferMs', input.jitterBufferMs, 0)
  finite('packetTimeMs', input.packetTimeMs, 0)
  finite('codecDelayMs', input.codecDelayMs, 0)
  finite('oneWayDelayMs', input.oneWayDelayMs, 0)
  finite('ie', input.ie, 0, 95)
  finite('bpl', input.bpl, 1e-9)
  const codec = codecOf(input)
  const t = { ...DEFAULTS, ...input.transmission }
  const T = mouthToEarDelayMs(input)
  const Ta = T
  const Tr = 2 * T

  // §3.2 basic signal-to-noise ratio
  const olr = t.slr + t.rlr
  const nos = t.ps - t.slr - t.ds - 100 + 0.004 * (t.ps - olr - t.ds - 14) ** 2
  const pre = t.pr + 10 * log10(1 + p10(10 - t.lstr))
  const nor = t.rlr - 121 + pre + 0.008 * (pre - 35) ** 2
  const nfo = t.nfor + t.rlr
  const no = 10 * log10(p10(t.nc) + p10(nos) + p10(nor) + p10(nfo))
  const ro = 15 - 1.5 * (t.slr + no)

  // §3.3 simultaneous impairment factor
  const xolr = olr + 0.2 * (64 + no - t.rlr)
  const iolr = 20 * ((1 + (xolr / 8) ** 8) ** (1 / 8) - xolr / 8)
  const stmro = -10 * log10(p10(-t.stmr) + Math.exp(-T / 4) * p10(-t.telr))
  const ist =
    12 * (1 + ((stmro - 13) / 6) ** 8) ** (1 / 8) - 28 * (1 + ((stmro + 1) / 19.4) ** 35) ** (1 / 35) - 13 * (1 + ((stmro - 3) / 33) ** 13) ** (1 / 13) + 29
  const q = 37 - 15 * log10(t.qdu)
  const g = 1.07 + 0.258 * q + 0.0602 * q * q
  const y = (ro - 100) / 15 + 46 / 8.4 - g / 9
  const z = 46 / 30 - g / 40
  const iq = 15 * log10(1 + 10 ** y + 10 ** z)
  const is = iolr + ist + iq

  // §3.4 delay impairment factor
  let terv = t.telr - 40 * log10((1 + T / 10) / (1 + T / 150)) + 6 * Math.exp(-0.3 * T * T)
  if (t.stmr < 9) terv += ist / 2
  const roe = -1.5 * (no - t.rlr)
  const re = 80 + 2.5 * (terv - 14)
  const idte = ((roe - re) / 2 + Math.sqrt((roe - re) ** 2 / 4 + 100) - 1) * (1 - Math.exp(-T))
  const rle = 10.5 * (t.wepl + 7) * (Tr + 1) ** -0.25
  const idle = (ro - rle) / 2 + Math.sqrt((ro - rle) ** 2 / 4 + 169)
  let idd = 0
  if (Ta > 100) {
    const x = log10(Ta / 100) / log10(2)
    idd = 25 * ((1 + x ** 6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2)
  }
  const id = idte + idle + idd

  // §3.5 effective equipment impairment factor
  const ppl = 100 * (input.lossFraction ?? 0)
  const burstR = input.burstR ?? 1
  const ieEff = codec.ie + ((95 - codec.ie) * ppl) / (ppl / burstR + codec.bpl)

  const r = ro - is - id - ieEff + t.a
  return {
    estimate: true,
    r,
    mos: mosFromR(r),
    ro,
    is,
    id,
    ieEff,
    a: t.a,
    oneWayDelayMs: T,
    packetLossPercent: ppl,
    burstR,
    codec: { name: codec.name, ie: codec.ie, bpl: codec.bpl, source: codec.source },
  }
}
