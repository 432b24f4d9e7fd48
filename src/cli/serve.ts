/**
 * `rtcspec serve whip|whep|media`: starts the embedded reference WHIP/WHEP server (src/whip/media-server.ts)
 * on 127.0.0.1, prints the endpoint URLs and runs until SIGINT/SIGTERM (or the abort signal), then closes
 * every session and the listener.
 */
import { parseCommandArgs } from './args.ts'
import { RtcspecError } from '../errors.ts'
import { SERVER_FAULTS } from '../whip/faults.ts'
import { startMediaServer, type MediaServerOptions } from '../whip/media-server.ts'
import { didYouMean, parsePersonalityList, PERSONALITIES, PERSONALITY_NAMES, type PersonalityOptions } from '../whip/personalities.ts'
import { SERVER_AUDIO_CODECS, type ServerAudioCodecName } from '../whip/server-session.ts'
import { parseIceServerLinkArg } from './ice-server-arg.ts'
import { serveSipCommand } from './serve-sip.ts'
import { untilStopped } from './interrupt.ts'

/** The flags a personality stands for (`--sessions-per-endpoint 1 --busy-status 403`). */
function presetFlags(p: PersonalityOptions): string {
  const flags: string[] = []
  if (p.sessionsPerEndpoint !== undefined) flags.push(`--sessions-per-endpoint ${p.sessionsPerEndpoint}`)
  if (p.busyStatus !== undefined) flags.push(`--busy-status ${p.busyStatus}`)
  if (p.audioCodecs) flags.push(`--audio-codecs ${p.audioCodecs.join(',')}`)
  if (p.iceLite) flags.push('--ice-lite')
  if (p.stuckOnMalformedOffer) flags.push('--stuck-on-malformed-offer')
  if (p.authFailureStatus !== undefined) flags.push(`--auth-failure-status ${p.authFailureStatus}`)
  if (p.adminReset) flags.push('--admin-reset')
  if (p.keyframeOnJoin === false) flags.push('--no-keyframe-on-join')
  if (p.forwardKeyframeRequests === false) flags.push('--no-keyframe-forwarding')
  return flags.join(' ')
}

export const SERVE_USAGE = `usage: rtcspec serve whip|whep|media [options]   (SIP: rtcspec serve sip --help)

Starts the reference WHIP (RFC 9725) / WHEP (draft-ietf-wish-whep-03) server on 127.0.0.1 and prints the
endpoint URLs. Media published with WHIP to /whip/<stream> reaches every WHEP viewer of /whep/<stream>.
"media" serves both (whip and whep only differ in what is printed). Stop it with Ctrl-C.

options:
  --port P             TCP port (default: one the OS chooses)
  --host ADDR          listen and ICE address (default 127.0.0.1)
  --token T            require Authorization: Bearer T
  --stream NAME        stream name to print URLs for (default live)
  --no-trickle         refuse trickle ICE PATCHes (422)
  --no-restart         refuse ICE restart PATCHes (422)
  --ice-server SPEC    advertise an ICE server in Link headers; repeatable.
                       SPEC: stun:host:port or turn:host:port?transport=udp,username,credential
  --cors ORIGIN|off    allowed CORS origin (default: any)
  --redirect           answer POSTs with a 307 to the same endpoint first
  --fault ID           break exactly one conformance requirement (e.g. whip.answer.bundle)
  --list-faults        print every fault id and exit

behave like real servers (explicit flags win over --personality):
  --personality LIST   comma-separated presets: ${PERSONALITY_NAMES.join(', ')}
${PERSONALITY_NAMES.map((n) => `                       ${n.padEnd(12)} = ${presetFlags(PERSONALITIES[n])}`).join('\n')}
  --sessions-per-endpoint N
                       at most N live sessions per endpoint (e.g. /whip/live); a POST to a full
                       endpoint gets --busy-status and "Endpoint ID already in use"
  --busy-status 403|409
                       status of that refusal (default 409)
  --audio-codecs LIST  audio codecs negotiated, in preference order, from ${SERVER_AUDIO_CODECS.join(', ')}
                       (default PCMU,PCMA,opus)
  --ice-lite           ICE-lite server: a=ice-lite, one host candidate (on --host), no checks of its own
  --stuck-on-malformed-offer
                       bug: an offer without a=ice-ufrag gets 500 and the endpoint then refuses every
                       POST as busy until reset (POST /admin/reset with --admin-reset)
  --auth-failure-status 401|403
                       status for a missing or wrong Bearer token (default 401)
  --admin-reset        answer POST /admin/reset (closes every session, clears stuck endpoints) with 204;
                       the URL is printed, e.g. for rtcspec fuzz --reset-url
  --no-keyframe-on-join
                       do not ask the publisher for a keyframe (RTCP PLI) when a WHEP viewer connects:
                       a late viewer waits for the publisher's next periodic keyframe
  --no-keyframe-forwarding
                       do not pass viewers' PLI/FIR on to the publisher
  -h, --help           this text
`

/** `--busy-status 403`: one of the allowed statuses, or a usage error naming them. */
function statusArg<const S extends number>(flag: string, value: string, allowed: readonly S[]): S {
  const n = Number(value)
  const hit = allowed.find((a) => a === n)
  if (hit === undefined) throw new RtcspecError('INVALID_OPTIONS', `${flag} ${JSON.stringify(value)}: use ${allowed.join(' or ')}`)
  return hit
}

/** `opus,PCMU`: the server audio codecs, matched case-insensitively, with a did-you-mean on a typo. */
function parseAudioCodecs(list: string): ServerAudioCodecName[] {
  const names = list
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
  if (names.length === 0) throw new RtcspecError('INVALID_OPTIONS', `--audio-codecs needs at least one of ${SERVER_AUDIO_CODECS.join(', ')}`)
  const out: ServerAudioCodecName[] = []
  for (const n of names) {
    const hit = SERVER_AUDIO_CODECS.find((c) => c.toLowerCase() === n.toLowerCase())
    if (!hit) {
      const guess = didYouMean(n, SERVER_AUDIO_CODECS)
      throw new RtcspecError(
        'INVALID_OPTIONS',
        `--audio-codecs: unknown codec ${JSON.stringify(n)}${guess ? ` (did you mean ${guess}?)` : ''}; use ${SERVER_AUDIO_CODECS.join(', ')}`,
      )
    }
    if (!out.includes(hit)) out.push(hit)
  }
  return out
}

/** Runs `rtcspec serve`; resolves with the exit code once stopped. */
export async function serveCommand(argv: string[], io: { signal?: AbortSignal; out?: (s: string) => void } = {}): Promise<number> {
  if (argv[0] === 'sip') return serveSipCommand(argv.slice(1), io)
  const out = io.out ?? ((s: string) => process.stdout.write(s))
  const parsed = parseCommandArgs(
    'serve',
    SERVE_USAGE,
    argv,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      stream: { type: 'string' },
      'no-trickle': { type: 'boolean' },
      'no-restart': { type: 'boolean' },
      'ice-server': { type: 'string', multiple: true },
      cors: { type: 'string' },
      redirect: { type: 'boolean' },
      fault: { type: 'string' },
      'list-faults': { type: 'boolean' },
      personality: { type: 'string', multiple: true },
      'sessions-per-endpoint': { type: 'string' },
      'busy-status': { type: 'string' },
      'audio-codecs': { type: 'string' },
      'ice-lite': { type: 'boolean' },
      'stuck-on-malformed-offer': { type: 'boolean' },
      'auth-failure-status': { type: 'string' },
      'admin-reset': { type: 'boolean' },
      'no-keyframe-on-join': { type: 'boolean' },
      'no-keyframe-forwarding': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    { io: { out } },
  )
  if (typeof parsed === 'number') return parsed
  const v = parsed.values
  if (v['list-faults']) {
    out(`${SERVER_FAULTS.join('\n')}\n`)
    return 0
  }
  const kind = parsed.positionals[0] ?? 'media'
  if (!['whip', 'whep', 'media'].includes(kind) || parsed.positionals.length > 1) {
    process.stderr.write(`rtcspec serve: expected whip, whep or media, got ${JSON.stringify(parsed.positionals.join(' '))}\n\n${SERVE_USAGE}`)
    return 2
  }
  const options: MediaServerOptions = {}
  try {
    if (v.port !== undefined) {
      const port = Number(v.port)
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new RtcspecError('INVALID_OPTIONS', `--port ${JSON.stringify(v.port)} is not a port 0..65535`)
      options.port = port
    }
    if (v.host !== undefined) options.host = v.host
    if (v.token !== undefined) options.token = v.token
    if (v['no-trickle']) options.trickle = false
    if (v['no-restart']) options.restart = false
    if (v['ice-server']) options.iceServers = v['ice-server'].map(parseIceServerLinkArg)
    if (v.cors !== undefined) options.cors = v.cors === 'off' ? false : v.cors
    if (v.redirect) options.redirect = true
    if (v.fault !== undefined) options.fault = v.fault
    if (v.stream !== undefined) options.streams = ['live', v.stream]
    if (v.personality) options.personalities = v.personality.flatMap(parsePersonalityList)
    if (v['sessions-per-endpoint'] !== undefined) {
      const n = Number(v['sessions-per-endpoint'])
      if (!Number.isInteger(n) || n < 1)
        throw new RtcspecError('INVALID_OPTIONS', `--sessions-per-endpoint ${JSON.stringify(v['sessions-per-endpoint'])} is not a whole number ≥ 1`)
      options.sessionsPerEndpoint = n
    }
    if (v['busy-status'] !== undefined) options.busyStatus = statusArg('--busy-status', v['busy-status'], [403, 409] as const)
    if (v['auth-failure-status'] !== undefined) options.authFailureStatus = statusArg('--auth-failure-status', v['auth-failure-status'], [401, 403] as const)
    if (v['audio-codecs'] !== undefined) options.audioCodecs = parseAudioCodecs(v['audio-codecs'])
    if (v['ice-lite']) options.iceLite = true
    if (v['stuck-on-malformed-offer']) options.stuckOnMalformedOffer = true
    if (v['admin-reset']) options.adminReset = true
    if (v['no-keyframe-on-join']) options.keyframeOnJoin = false
    if (v['no-keyframe-forwarding']) options.forwardKeyframeRequests = false
  } catch (e) {
    process.stderr.write(`rtcspec serve: ${(e as Error).message}\n`)
    return 2
  }
  let server
  try {
    server = await startMediaServer(options)
  } catch (e) {
    process.stderr.write(`rtcspec serve: ${(e as Error).message}\n`)
    return 1
  }
  const stream = v.stream ?? 'live'
  const eff = server.options
  const lines = [`rtcspec reference server on ${server.url}${options.fault ? ` (fault: ${options.fault})` : ''}`]
  if (kind !== 'whep') lines.push(`WHIP endpoint: ${server.whipUrl(stream)}`)
  if (kind !== 'whip') lines.push(`WHEP endpoint: ${server.whepUrl(stream)}`)
  if (options.token) lines.push(`Bearer token required${eff.authFailureStatus === 403 ? ' (403 when missing or wrong)' : ''}`)
  if (eff.personalities.length) lines.push(`personalities: ${eff.personalities.join(', ')}`)
  const traits = [
    eff.sessionsPerEndpoint !== undefined ? `at most ${eff.sessionsPerEndpoint} session(s) per endpoint (busy: ${eff.busyStatus})` : '',
    `audio codecs ${eff.audioCodecs.join(', ')}`,
    eff.iceLite ? 'ICE-lite' : '',
    eff.stuckOnMalformedOffer ? 'stuck after an offer without a=ice-ufrag (500)' : '',
  ].filter(Boolean)
  lines.push(traits.join('; '))
  if (eff.adminReset) lines.push(`reset URL: ${server.resetUrl} (POST)`)
  out(`${lines.join('\n')}\n`)
  await untilStopped(io.signal)
  await server.close()
  out('stopped\n')
  return 0
}
