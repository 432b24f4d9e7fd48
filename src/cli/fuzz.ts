/**
 * `rtcspec fuzz sdp|whip|whep|trickle|sip [--url URL] [--runs N] [--seconds S] [--seed S] [--replay FILE]`:
 * runs a property-based fuzz campaign against a target (or rtcspec's own parsers for `sdp` without a URL),
 * shows progress on stderr, prints a summary, saves the shrunk counterexample under reports/fuzz/ and exits
 * non-zero when an invariant was violated. `--replay FILE` re-runs exactly one saved case.
 */
import { parseCommandArgs } from './args.ts'
import { runCampaign, replayCase, type CampaignProgress } from '../fuzz/campaign.ts'
import { fuzzReportDir, formatCampaignSummary, loadFuzzCaseFile, saveCounterexample } from '../fuzz/report.ts'
import type { FuzzTarget } from '../fuzz/target.ts'
import { httpOfferTarget } from '../fuzz/targets/http-offer.ts'
import { parserTarget } from '../fuzz/targets/parsers.ts'
import { sipTarget } from '../fuzz/targets/sip.ts'
import { trickleTarget } from '../fuzz/targets/trickle.ts'
import { isLoopbackHost } from '../fuzz/loopback.ts'
import { RtcspecError } from '../errors.ts'

export const FUZZ_USAGE = `usage: rtcspec fuzz <target> [options]

targets:
  sdp       rtcspec's own parsers (SDP, candidates, sdpfrag, SIP); with --url, an HTTP offer/answer endpoint
  whip      a WHIP endpoint (RFC 9725): POST mutated sendonly offers
  whep      a WHEP endpoint: POST mutated recvonly offers
  trickle   trickle ICE PATCHes (RFC 9725 §4.3) on a live session of a WHIP endpoint (--mode whep for WHEP)
  sip       a SIP endpoint: --url udp://host:port or ws://host:port

options:
  --url URL           the target (required except for "sdp")
  --runs N            at most N cases (default 1000)
  --seconds S         at most S seconds of generation (default 60; shrinking gets as long again at most)
  --seed S            fast-check seed (default random; printed)
  --rate N            at most N cases per second (default 50 against a URL, unlimited for parsers)
  --timeout MS        per-request timeout (default 5000; SIP: 2000)
  --publish-url URL   whep/trickle --mode whep: a WHIP endpoint of the same stream, so RTP must reach the viewer
  --mode whip|whep    trickle: which kind of session to open (default whip)
  --replay FILE       re-run exactly the one case saved in FILE (a reports/fuzz/*.json) and compare
  --report-dir DIR    where counterexamples go (default reports/fuzz)
  -h, --help          this text

Exit code: 0 when no invariant was violated, 1 on a violation, 2 on bad usage.
`

function targetFor(name: string, v: Record<string, string | boolean | undefined>): FuzzTarget<unknown> {
  const url = typeof v.url === 'string' ? v.url : undefined
  const timeoutMs = v.timeout ? Number(v.timeout) : undefined
  const publishUrl = typeof v['publish-url'] === 'string' ? v['publish-url'] : undefined
  const need = (): string => {
    if (!url) throw new RtcspecError('USAGE', `rtcspec fuzz ${name} needs --url`, { hint: name === 'sip' ? 'e.g. --url udp://127.0.0.1:5060' : 'e.g. --url http://127.0.0.1:8080/whip/live' })
    return url
  }
  const common = { allowRemote: true, ...(timeoutMs ? { timeoutMs } : {}) }
  switch (name) {
    case 'sdp':
      return (url ? httpOfferTarget({ mode: 'sdp', url, ...common }) : parserTarget()) as FuzzTarget<unknown>
    case 'whip':
    case 'whep':
      return httpOfferTarget({ mode: name, url: need(), ...common, ...(publishUrl ? { publishUrl } : {}) }) as FuzzTarget<unknown>
    case 'trickle': {
      const mode = v.mode === 'whep' ? 'whep' : 'whip'
      return trickleTarget({ url: need(), mode, ...common, ...(publishUrl ? { publishUrl } : {}) }) as FuzzTarget<unknown>
    }
    case 'sip':
      return sipTarget({ url: need(), ...common }) as FuzzTarget<unknown>
    default:
      throw new RtcspecError('USAGE', `unknown fuzz target ${JSON.stringify(name)}`, { hint: 'use one of sdp, whip, whep, trickle, sip' })
  }
}

/** A one-line progress bar (TTY) or a line every 10 % (pipes). */
function progressPrinter(): (p: CampaignProgress) => void {
  const tty = process.stderr.isTTY === true
  let lastDecile = -1
  return (p) => {
    const frac = Math.min(1, Math.max(p.done / p.total, p.elapsedMs / p.limitMs))
    const top = Object.entries(p.distribution).sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, n]) => `${k}:${n}`).join(' ')
    if (tty) {
      const width = 30
      const filled = Math.round(frac * width)
      process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.done}/${p.total} ${(p.elapsedMs / 1000).toFixed(1)}s ${p.phase === 'shrinking' ? 'shrinking… ' : ''}${top}\x1b[K`)
    } else {
      const decile = Math.floor(frac * 10)
      if (decile !== lastDecile || p.phase === 'shrinking') {
        lastDecile = decile
        process.stderr.write(`fuzz: ${p.done}/${p.total} cases, ${(p.elapsedMs / 1000).toFixed(1)} s${p.phase === 'shrinking' ? ', shrinking' : ''} (${top})\n`)
      }
    }
  }
}

/** Runs `rtcspec fuzz`; resolves to the exit code. */
export async function fuzzCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'fuzz',
    FUZZ_USAGE,
    argv,
    {
      url: { type: 'string' },
      runs: { type: 'string' },
      seconds: { type: 'string' },
      seed: { type: 'string' },
      rate: { type: 'string' },
      timeout: { type: 'string' },
      'publish-url': { type: 'string' },
      mode: { type: 'string' },
      replay: { type: 'string' },
      'report-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  )
  if (typeof parsed === 'number') return parsed
  const { values: v, positionals } = parsed
  const name = positionals[0]
  if (!name || positionals.length > 1) {
    process.stderr.write(`rtcspec fuzz: ${name ? `unexpected argument ${JSON.stringify(positionals[1])}` : 'missing target'}\n\n${FUZZ_USAGE}`)
    return 2
  }
  for (const k of ['runs', 'seconds', 'seed', 'rate', 'timeout'] as const) {
    const x = v[k]
    if (x !== undefined && !(Number.isFinite(Number(x)) && Number(x) >= 0 && /^\d+(\.\d+)?$/.test(x))) {
      process.stderr.write(`rtcspec fuzz: --${k} must be a non-negative number, got ${JSON.stringify(x)}\n`)
      return 2
    }
  }
  let target: FuzzTarget<unknown>
  try {
    target = targetFor(name, v)
  } catch (e) {
    process.stderr.write(`rtcspec fuzz: ${(e as Error).message}\n`)
    return 2
  }
  try {
    if (v.url) {
      const host = (() => {
        try {
          return new URL(v.url).hostname
        } catch {
          return ''
        }
      })()
      process.stderr.write(`rtcspec fuzz ${name}: target ${v.url}${isLoopbackHost(host) ? '' : '  (NOT loopback: fuzz only servers you own)'}\n`)
    }
    if (v.replay) return await replay(v.replay, name, target)
    const seed = v.seed !== undefined ? Number(v.seed) : Math.floor(Math.random() * 2 ** 31)
    const result = await runCampaign(target, {
      runs: v.runs !== undefined ? Number(v.runs) : 1000,
      seconds: v.seconds !== undefined ? Number(v.seconds) : 60,
      seed,
      ratePerSecond: v.rate !== undefined ? Number(v.rate) : name === 'sdp' && !v.url ? 0 : 50,
      onProgress: progressPrinter(),
    })
    if (process.stderr.isTTY) process.stderr.write('\n')
    let file: string | undefined
    if (result.counterexample) {
      file = saveCounterexample(result.counterexample, { dir: typeof v['report-dir'] === 'string' ? v['report-dir'] : fuzzReportDir(), ...(v.url ? { url: v.url } : {}), invariants: result.invariants })
    }
    process.stdout.write(`${formatCampaignSummary(result, file ? { counterexampleFile: file } : {})}\n`)
    if (file) process.stdout.write(`  replay: rtcspec fuzz ${name}${v.url ? ` --url ${v.url}` : ''} --replay ${file}\n`)
    return result.counterexample || result.healthViolations.length ? 1 : 0
  } finally {
    await target.close?.()
  }
}

async function replay(file: string, name: string, target: FuzzTarget<unknown>): Promise<number> {
  let saved
  try {
    saved = loadFuzzCaseFile(file)
  } catch (e) {
    process.stderr.write(`rtcspec fuzz: ${(e as Error).message}\n`)
    return 2
  }
  if (saved.target !== name && !(saved.target === 'parsers' && name === 'sdp')) {
    process.stderr.write(`rtcspec fuzz: ${file} is a "${saved.target}" case; replay it with \`rtcspec fuzz ${saved.target === 'parsers' ? 'sdp' : saved.target}\`\n`)
    return 2
  }
  const outcome = await replayCase(target, saved.case)
  const same = saved.outcome !== undefined && saved.outcome.response === outcome.response && JSON.stringify(saved.outcome.violations) === JSON.stringify(outcome.violations)
  process.stdout.write(`replayed ${file}\n  response: ${outcome.response}\n  violations: ${outcome.violations.length ? outcome.violations.join('; ') : 'none'}\n`)
  if (saved.outcome) process.stdout.write(same ? '  reproduced exactly (same response, same violations)\n' : `  differs from the saved outcome (response ${saved.outcome.response}, violations: ${saved.outcome.violations.join('; ') || 'none'})\n`)
  return outcome.violations.length ? 1 : 0
}
