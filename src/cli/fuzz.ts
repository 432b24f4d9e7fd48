/**
 * `rtcspec fuzz sdp|whip|whep|trickle|sip [--url URL] [--runs N] [--seconds S] [--seed S] [--reset-url URL]
 * [--reset-cmd CMD] [--replay FILE]`: runs a property-based fuzz campaign against a target (or rtcspec's own
 * parsers for `sdp` without a URL), shows progress on stderr, prints a summary (or `--json`), saves each
 * finding's shrunk counterexample under reports/fuzz/ and exits non-zero when one reproduced. `--replay FILE`
 * re-runs exactly one saved case, from a known-good (reset) endpoint.
 */
import { parseCommandArgs } from './args.ts'
import { runCampaign, replayOnKnownGood, type CampaignProgress, type Finding } from '../fuzz/campaign.ts'
import { violationsOf } from '../fuzz/findings.ts'
import { campaignExitCode, campaignJson, fuzzReportDir, formatCampaignSummary, loadFuzzCaseFile, saveCounterexample } from '../fuzz/report.ts'
import { endpointReset, type ResetHook } from '../fuzz/reset.ts'
import type { FuzzTarget } from '../fuzz/target.ts'
import { httpOfferTarget } from '../fuzz/targets/http-offer.ts'
import { parserTarget } from '../fuzz/targets/parsers.ts'
import { sipTarget } from '../fuzz/targets/sip.ts'
import { trickleTarget } from '../fuzz/targets/trickle.ts'
import { isLoopbackHost } from '../fuzz/loopback.ts'
import { RtcspecError } from '../errors.ts'
import { sipPreflight } from './fuzz-preflight.ts'
import { listenForInterrupts } from './interrupt.ts'

export const FUZZ_USAGE = `usage: rtcspec fuzz <target> [options]

targets:
  sdp       rtcspec's own parsers (SDP, candidates, sdpfrag, SIP); with --url, an HTTP offer/answer endpoint
  whip      a WHIP endpoint (RFC 9725): POST mutated sendonly offers
  whep      a WHEP endpoint: POST mutated recvonly offers
  trickle   trickle ICE PATCHes (RFC 9725 §4.3) on a live session of a WHIP endpoint (--mode whep for WHEP)
  sip       a SIP endpoint: --url udp://host:port or ws://host:port, --profile uas|proxy|registrar

options:
  --url URL           the target (required except for "sdp")
  --runs N            at most N cases (default 1000)
  --seconds S         at most S seconds of generation (default 60; shrinking gets as long again at most)
  --seed S            fast-check seed (default random; printed)
  --rate N            at most N cases per second (default 50 against a URL, 500 for sip, unlimited for parsers)
  --timeout MS        per-request timeout (default 5000; SIP: 2000)
  --publish-url URL   whep/trickle --mode whep: a WHIP endpoint of the same stream, so RTP must reach the viewer
  --mode whip|whep    trickle: which kind of session to open (default whip)
  --profile P         sip: what the endpoint is (uas, proxy, registrar; default proxy): where silence is permitted
  --reset-url URL     POST here (2xx expected) to reset the server before each shrink attempt and replay
  --reset-cmd CMD     run this shell command (exit 0 expected) to reset the server, before --reset-url
  --reset-timeout MS  how long a reset may take (default 30000)
  --replay FILE       re-run exactly the one case saved in FILE (a reports/fuzz/*.json) on a known-good
                      endpoint (sessions deleted, reset run, a valid offer taken) and compare
  --report-dir DIR    where counterexamples go (default reports/fuzz)
  --json              print the campaign as JSON (cases/s, findings with counts and verdicts) instead of text
  -h, --help          this text

After every case a plain valid offer is POSTed (and its session deleted): an endpoint that no longer takes
one is an endpoint-unusable finding of that case. Findings are shrunk and replayed from a known-good endpoint;
one that does not fail again is "not reproduced" and not counted.

Exit code: 0 no finding reproduced, 1 a finding reproduced, or seen but not replayable (the endpoint could not
be reset: give --reset-url or --reset-cmd; the summary labels it), or the health check failed, 2 bad usage,
4 nothing tested (with --replay: the endpoint could not be brought to a known-good state) (the endpoint did not take a valid offer before the first case, the connection was refused, or
a SIP endpoint did not answer an OPTIONS), 130 interrupted (SIGINT/SIGTERM: the findings so far are replayed once,
saved and printed; a second signal forces).
`

function targetFor(name: string, v: Record<string, string | boolean | undefined>): FuzzTarget<unknown> {
  const url = typeof v.url === 'string' ? v.url : undefined
  const timeoutMs = v.timeout ? Number(v.timeout) : undefined
  const publishUrl = typeof v['publish-url'] === 'string' ? v['publish-url'] : undefined
  const need = (): string => {
    if (!url)
      throw new RtcspecError('USAGE', `rtcspec fuzz ${name} needs --url`, {
        hint: name === 'sip' ? 'e.g. --url udp://127.0.0.1:5060' : 'e.g. --url http://127.0.0.1:8080/whip/live',
      })
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
    case 'sip': {
      const profile = v.profile ?? 'proxy'
      if (profile !== 'uas' && profile !== 'proxy' && profile !== 'registrar')
        throw new RtcspecError('USAGE', `--profile must be uas, proxy or registrar, got ${JSON.stringify(profile)}`)
      return sipTarget({ url: need(), profile, ...common }) as FuzzTarget<unknown>
    }
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
    const top = Object.entries(p.distribution)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([k, n]) => `${k}:${n}`)
      .join(' ')
    if (tty) {
      const width = 30
      const filled = Math.round(frac * width)
      process.stderr.write(
        `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.done}/${p.total} ${(p.elapsedMs / 1000).toFixed(1)}s ${p.phase === 'shrinking' ? 'shrinking… ' : ''}${top}\x1b[K`,
      )
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
  const parsed = parseCommandArgs('fuzz', FUZZ_USAGE, argv, {
    url: { type: 'string' },
    runs: { type: 'string' },
    seconds: { type: 'string' },
    seed: { type: 'string' },
    rate: { type: 'string' },
    timeout: { type: 'string' },
    'publish-url': { type: 'string' },
    mode: { type: 'string' },
    profile: { type: 'string' },
    replay: { type: 'string' },
    'report-dir': { type: 'string' },
    'reset-url': { type: 'string' },
    'reset-cmd': { type: 'string' },
    'reset-timeout': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  })
  if (typeof parsed === 'number') return parsed
  const { values: v, positionals } = parsed
  const name = positionals[0]
  if (!name || positionals.length > 1) {
    process.stderr.write(`rtcspec fuzz: ${name ? `unexpected argument ${JSON.stringify(positionals[1])}` : 'missing target'}\n\n${FUZZ_USAGE}`)
    return 2
  }
  for (const k of ['runs', 'seconds', 'seed', 'rate', 'timeout', 'reset-timeout'] as const) {
    const x = v[k]
    if (x !== undefined && !(Number.isFinite(Number(x)) && Number(x) >= 0 && /^\d+(\.\d+)?$/.test(x))) {
      process.stderr.write(`rtcspec fuzz: --${k} must be a non-negative number, got ${JSON.stringify(x)}\n`)
      return 2
    }
  }
  let target: FuzzTarget<unknown>
  let reset: ResetHook | undefined
  const resetUrl = typeof v['reset-url'] === 'string' ? v['reset-url'] : undefined
  const resetCmd = typeof v['reset-cmd'] === 'string' ? v['reset-cmd'] : undefined
  try {
    reset = endpointReset({
      ...(resetUrl !== undefined ? { url: resetUrl } : {}),
      ...(resetCmd !== undefined ? { cmd: resetCmd } : {}),
      ...(v['reset-timeout'] !== undefined ? { timeoutMs: Math.max(1, Number(v['reset-timeout'])) } : {}),
      allowRemote: true,
    })
    target = targetFor(name, v)
  } catch (e) {
    process.stderr.write(`rtcspec fuzz: ${(e as Error).message}\n`)
    return 2
  }
  const interrupts = listenForInterrupts({
    command: 'fuzz',
    stopping: 'stopping the campaign, saving the findings so far',
    onForce: () => void target.close?.(),
  })
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
    if (v.url && name === 'sip') {
      const pre = await sipPreflight(v.url, v.timeout ? Number(v.timeout) : 2000)
      if (!pre.ok) {
        process.stderr.write(`rtcspec fuzz: nothing tested (exit 4): ${pre.cause}\n`)
        return 4
      }
    }
    if (v.replay) return await replay(v.replay, name, target, reset)
    const seed = v.seed !== undefined ? Number(v.seed) : Math.floor(Math.random() * 2 ** 31)
    const result = await runCampaign(target, {
      runs: v.runs !== undefined ? Number(v.runs) : 1000,
      seconds: v.seconds !== undefined ? Number(v.seconds) : 60,
      seed,
      ratePerSecond: v.rate !== undefined ? Number(v.rate) : name === 'sdp' && !v.url ? 0 : name === 'sip' ? 500 : 50,
      ...(reset ? { reset } : {}),
      onProgress: progressPrinter(),
      signal: interrupts.aborted,
    })
    if (process.stderr.isTTY) process.stderr.write('\n')
    // Every finding but those that did not reproduce is saved, its verdict in the file.
    const files = new Map<Finding, string>()
    const replayArgs = [resetUrl !== undefined ? `--reset-url ${shellWord(resetUrl)}` : '', resetCmd !== undefined ? `--reset-cmd ${shellWord(resetCmd)}` : '']
      .filter(Boolean)
      .join(' ')
    for (const f of result.findings) {
      if (f.verdict === 'not reproduced') continue
      files.set(
        f,
        saveCounterexample(f.counterexample, {
          dir: typeof v['report-dir'] === 'string' ? v['report-dir'] : fuzzReportDir(),
          ...(v.url ? { url: v.url } : {}),
          invariants: result.invariants,
          finding: f,
          ...(replayArgs ? { replayArgs } : {}),
        }),
      )
    }
    if (v.json) process.stdout.write(`${JSON.stringify(campaignJson(result, files), null, 2)}\n`)
    else {
      process.stdout.write(`${formatCampaignSummary(result, { files })}\n`)
      for (const file of files.values())
        process.stdout.write(`  replay: rtcspec fuzz ${name}${v.url ? ` --url ${v.url}` : ''}${replayArgs ? ` ${replayArgs}` : ''} --replay ${file}\n`)
    }
    if (result.blocked && !result.interrupted) process.stderr.write(`rtcspec fuzz: nothing tested (exit 4): ${result.blocked}\n`)
    return campaignExitCode(result)
  } finally {
    interrupts.dispose()
    await target.close?.()
  }
}

/** Quotes a word for a POSIX shell when it needs it. */
function shellWord(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`
}

async function replay(file: string, name: string, target: FuzzTarget<unknown>, reset: ResetHook | undefined): Promise<number> {
  let saved
  try {
    saved = loadFuzzCaseFile(file)
  } catch (e) {
    process.stderr.write(`rtcspec fuzz: ${(e as Error).message}\n`)
    return 2
  }
  if (saved.target !== name && !(saved.target === 'parsers' && name === 'sdp')) {
    process.stderr.write(
      `rtcspec fuzz: ${file} is a "${saved.target}" case; replay it with \`rtcspec fuzz ${saved.target === 'parsers' ? 'sdp' : saved.target}\`\n`,
    )
    return 2
  }
  const { ready, outcome } = await replayOnKnownGood(target, saved.case, reset ? { reset } : {})
  if (!ready.ok || !outcome) {
    process.stdout.write(`replayed ${file}\n  not replayed: could not bring the endpoint to a known-good state: ${ready.ok ? 'no outcome' : ready.reason}\n`)
    return 4
  }
  const now = violationsOf(outcome)
  process.stdout.write(`replayed ${file}\n  response: ${outcome.response}\n  violations: ${now.length ? now.map((x) => x.message).join('; ') : 'none'}\n`)
  if (saved.outcome) {
    const before = violationsOf(saved.outcome)
    const exact = saved.outcome.response === outcome.response && JSON.stringify(before.map((x) => x.message)) === JSON.stringify(now.map((x) => x.message))
    const same =
      saved.outcome.response === outcome.response &&
      JSON.stringify(before.map((x) => x.signature).sort()) === JSON.stringify(now.map((x) => x.signature).sort())
    process.stdout.write(
      exact
        ? '  reproduced exactly (same response, same violations)\n'
        : same
          ? '  reproduced (same response, same violations up to ids and numbers)\n'
          : `  differs from the saved outcome (response ${saved.outcome.response}, violations: ${before.map((x) => x.message).join('; ') || 'none'})\n`,
    )
  }
  return now.length ? 1 : 0
}
