/**
 * `rtcspec serve whip|whep|media`: starts the embedded reference WHIP/WHEP server (src/whip/media-server.ts)
 * on 127.0.0.1, prints the endpoint URLs and runs until SIGINT/SIGTERM (or the abort signal), then closes
 * every session and the listener.
 */
import { parseCommandArgs } from './args.ts'
import { RtcspecError } from '../errors.ts'
import { SERVER_FAULTS } from '../whip/faults.ts'
import { startMediaServer, type MediaServerOptions } from '../whip/media-server.ts'
import { parseIceServerLinkArg } from './ice-server-arg.ts'

export const SERVE_USAGE = `usage: rtcspec serve whip|whep|media [options]

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
  -h, --help           this text
`

/** Runs `rtcspec serve`; resolves with the exit code once stopped. */
export async function serveCommand(argv: string[], io: { signal?: AbortSignal; out?: (s: string) => void } = {}): Promise<number> {
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
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RtcspecError('INVALID_OPTIONS', `--port ${JSON.stringify(v.port)} is not a port 0..65535`)
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
  const lines = [`rtcspec reference server on ${server.url}${options.fault ? ` (fault: ${options.fault})` : ''}`]
  if (kind !== 'whep') lines.push(`WHIP endpoint: ${server.whipUrl(stream)}`)
  if (kind !== 'whip') lines.push(`WHEP endpoint: ${server.whepUrl(stream)}`)
  if (options.token) lines.push('Bearer token required')
  out(`${lines.join('\n')}\n`)
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    io.signal?.addEventListener('abort', stop, { once: true })
  })
  await server.close()
  out('stopped\n')
  return 0
}
