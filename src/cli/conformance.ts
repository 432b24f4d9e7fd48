/**
 * `rtcspec conformance whip|whep --url URL`: runs the WHIP (RFC 9725) or WHEP (draft-ietf-wish-whep-03)
 * conformance suite against a server, prints a table, writes DIR/conformance.json (ConformanceReportSchema)
 * and DIR/conformance-junit.xml, and exits 1 when a MUST failed (with --strict: also a SHOULD failed or
 * warned), 2 for bad arguments, 4 when nothing could be tested. `--embedded` tests rtcspec's own reference
 * server instead of a URL.
 */
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseCommandArgs } from './args.ts'
import { writeFileAtomic } from '../atomic-write.ts'
import { listenForInterrupts } from './interrupt.ts'
import { requirementsOf } from '../conformance/catalog.ts'
import { exitCodeOf, formatJunit, formatTable } from '../conformance/report.ts'
import { runConformance, type RunConformanceOptions } from '../conformance/runner.ts'
import { startMediaServer, type MediaServer } from '../whip/media-server.ts'
import type { IceServerConfig } from '../ice/server-url.ts'
import { safeParseIceServer } from '../ice/server-url.ts'
import { parseIceServerLinkArg } from './ice-server-arg.ts'

/**
 * An `--ice-server` value: `URL[,username,credential]` as `rtcspec serve` takes it, or a URL with inline
 * credentials (`turn:user:pass@host:port`, `turn://host?username=U&credential=C`).
 */
function iceServerArg(text: string): IceServerConfig {
  try {
    const l = parseIceServerLinkArg(text)
    return { urls: l.url, ...(l.username !== undefined ? { username: l.username } : {}), ...(l.credential !== undefined ? { credential: l.credential } : {}) }
  } catch (e) {
    const inline = text.includes(',') ? undefined : safeParseIceServer(text)
    if (inline?.ok && (inline.value.credential !== undefined || /^stuns?:/i.test(String(inline.value.urls)))) return inline.value
    throw e
  }
}

export const CONFORMANCE_USAGE = `usage: rtcspec conformance whip|whep --url URL [options]

Runs every WHIP (RFC 9725) or WHEP (draft-ietf-wish-whep-03) check against the endpoint URL, prints a
table, writes DIR/conformance.json and DIR/conformance-junit.xml. Exit code 1 when a MUST failed, 4 when
nothing could be tested (the endpoint never answered, or refused every session from the start); blocked checks
(a precondition failed) do not count. How to read a run: docs/conformance.md.
The media check publishes a 440 Hz tone offering Opus, PCMU, PCMA (werift: with VP8/H.264 video),
reports the codecs the answer took, and when media does not flow names why (no codec in common, the
answer's candidates, pairs left out, ICE/DTLS states).

options:
  --url URL            the WHIP or WHEP endpoint (e.g. http://127.0.0.1:8080/whip/live)
  --token T            Bearer token the endpoint requires (also enables the 401 checks)
  --report-dir DIR     where reports go (default reports/conformance-<suite>)
  --strict             also exit 1 when a SHOULD fails or warns
  --no-media           skip the media checks (no peer connection)
  --whep-url URL       (whip) play the published tone back from this WHEP endpoint and detect it
  --publish-url URL    (whep) publish a tone to this WHIP endpoint first, then detect it in playback
  --peer werift|chromium  peer of the media checks (default werift; chromium: see rtcspec doctor)
  --ice-server SPEC    ICE server of the media checks' peers; repeatable. SPEC: stun:host:port or
                       turn:host:port?transport=udp,username,credential (or turn:user:pass@host:port)
  --relay-only         media checks relay through the --ice-server TURN server only (iceTransportPolicy relay)
  --remote-addresses loopback|any
                       server candidates the werift peer accepts (default: any with --url, gathering on
                       every interface; loopback with --embedded)
  --timeout MS         timeout of each HTTP request (default 5000)
  --only ID[,ID…]      run only these requirement ids
  --embedded           test rtcspec's own reference server (started on a free port) instead of --url
  --fault ID           with --embedded: inject this fault into the reference server
  --json               print the JSON report instead of the table
  -h, --help           this text

SIGINT/SIGTERM stops the run: the check running is abandoned (its sessions deleted), the reports hold the
checks that finished (conformance.json says "interrupted" and which checks did not run), exit 130.
`

/** Runs `rtcspec conformance`; resolves with the exit code. */
export async function conformanceCommand(argv: string[], io: { out?: (s: string) => void; err?: (s: string) => void } = {}): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(s))
  const err = io.err ?? ((s: string) => process.stderr.write(s))
  const parsed = parseCommandArgs(
    'conformance',
    CONFORMANCE_USAGE,
    argv,
    {
      url: { type: 'string' },
      token: { type: 'string' },
      'report-dir': { type: 'string' },
      strict: { type: 'boolean' },
      'no-media': { type: 'boolean' },
      'whep-url': { type: 'string' },
      'publish-url': { type: 'string' },
      timeout: { type: 'string' },
      only: { type: 'string' },
      embedded: { type: 'boolean' },
      fault: { type: 'string' },
      peer: { type: 'string' },
      'ice-server': { type: 'string', multiple: true },
      'relay-only': { type: 'boolean' },
      'remote-addresses': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    { io: { out, err } },
  )
  if (typeof parsed === 'number') return parsed
  const v = parsed.values
  const suite = parsed.positionals[0]
  if ((suite !== 'whip' && suite !== 'whep') || parsed.positionals.length !== 1) {
    err(`rtcspec conformance: expected "whip" or "whep", got ${JSON.stringify(parsed.positionals.join(' '))}\n\n${CONFORMANCE_USAGE}`)
    return 2
  }
  if (!v.url && !v.embedded) {
    err(`rtcspec conformance: --url is required (or --embedded to test the reference server)\n\n${CONFORMANCE_USAGE}`)
    return 2
  }
  if (v.fault !== undefined && !v.embedded) {
    err('rtcspec conformance: --fault only applies with --embedded\n')
    return 2
  }
  const timeoutMs = v.timeout === undefined ? undefined : Number(v.timeout)
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs >= 100)) {
    err(`rtcspec conformance: --timeout ${JSON.stringify(v.timeout)} must be an integer ≥ 100 (ms)\n`)
    return 2
  }
  if (v.peer !== undefined && v.peer !== 'werift' && v.peer !== 'chromium') {
    err(`rtcspec conformance: --peer ${JSON.stringify(v.peer)} must be werift or chromium\n`)
    return 2
  }
  const remote = v['remote-addresses']
  if (remote !== undefined && remote !== 'loopback' && remote !== 'any') {
    err(`rtcspec conformance: --remote-addresses ${JSON.stringify(remote)} must be loopback or any\n`)
    return 2
  }
  let iceServers: IceServerConfig[] | undefined
  try {
    iceServers = v['ice-server']?.map(iceServerArg)
  } catch (e) {
    err(`rtcspec conformance: ${(e as Error).message}\n`)
    return 2
  }
  if (v['relay-only'] && !iceServers?.some((s) => /^turns?:/i.test(String(s.urls)))) {
    err('rtcspec conformance: --relay-only needs a TURN server: --ice-server "turn:host:port?transport=udp,user,pass"\n')
    return 2
  }
  let server: MediaServer | undefined
  const interrupts = listenForInterrupts({
    command: 'conformance',
    stopping: 'abandoning the check running, deleting its sessions, writing the reports of the checks that finished',
    err,
  })
  try {
    if (v.embedded) {
      server = await startMediaServer({ ...(v.token !== undefined ? { token: v.token } : {}), ...(v.fault !== undefined ? { fault: v.fault } : {}) })
    }
    const url = server ? (suite === 'whip' ? server.whipUrl() : server.whepUrl()) : (v.url ?? '')
    const options: RunConformanceOptions = {
      suite,
      url,
      media: !v['no-media'],
      ...(v.peer !== undefined ? { peer: v.peer } : {}),
      // The URL the user gave names the server they chose: accept its candidates whatever their address.
      remoteAddresses: (remote as 'loopback' | 'any' | undefined) ?? (server ? 'loopback' : 'any'),
      ...(iceServers ? { iceServers } : {}),
      ...(v['relay-only'] ? { relayOnly: true } : {}),
      strict: v.strict ?? false,
      ...(v.token !== undefined ? { token: v.token } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(v.only
        ? {
            only: v.only
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          }
        : {}),
    }
    const whepUrl = v['whep-url'] ?? (server && suite === 'whip' ? server.whepUrl() : undefined)
    const publishUrl = v['publish-url'] ?? (server && suite === 'whep' ? server.whipUrl() : undefined)
    if (whepUrl) options.whepUrl = whepUrl
    if (publishUrl) options.publishUrl = publishUrl
    const report = await runConformance(options, { signal: interrupts.aborted })
    const dir = resolve(v['report-dir'] ?? join('reports', `conformance-${suite}`))
    mkdirSync(dir, { recursive: true })
    const stopped = interrupts.signal
    // An interrupted run: the checks that finished, and which did not run (not a verdict on those).
    const notRun = stopped
      ? requirementsOf(suite)
          .map((r) => r.id)
          .filter((id) => (!options.only || options.only.includes(id)) && !report.results.some((r) => r.id === id))
      : []
    const json = stopped ? { ...report, interrupted: { signal: stopped, notRun } } : report
    writeFileAtomic(join(dir, 'conformance.json'), `${JSON.stringify(json, null, 2)}\n`)
    writeFileAtomic(join(dir, 'conformance-junit.xml'), formatJunit(report))
    if (stopped) {
      out(
        `${v.json ? `${JSON.stringify(json, null, 2)}\n` : formatTable(report)}interrupted by ${stopped}: ${report.results.length} check(s) finished, ${notRun.length} not run; reports: ${join(dir, 'conformance.json')}, ${join(dir, 'conformance-junit.xml')}\n`,
      )
      return 130
    }
    out(
      v.json
        ? `${JSON.stringify(report, null, 2)}\n`
        : `${formatTable(report)}reports: ${join(dir, 'conformance.json')}, ${join(dir, 'conformance-junit.xml')}\n`,
    )
    return exitCodeOf(report, v.strict ?? false)
  } catch (e) {
    err(`rtcspec conformance: ${(e as Error).message}\n`)
    return 2
  } finally {
    interrupts.dispose()
    await server?.close()
  }
}
