/**
 * `rtcspec serve sip [--port P] [--transports udp,tcp,ws,wss]`: starts the embedded SIP registrar/proxy
 * (src/sipua/registrar.ts) on 127.0.0.1, prints the URIs user agents and `rtcspec fuzz sip` can use, and runs
 * until SIGINT/SIGTERM (or the abort signal), then closes every listener.
 */
import { writeFileSync } from 'node:fs'
import { parseCommandArgs } from './args.ts'
import { RtcspecError } from '../errors.ts'
import { startSipRegistrar, type SipRegistrar, type SipRegistrarOptions } from '../sipua/registrar.ts'
import { untilStopped } from './interrupt.ts'

export const SERVE_SIP_USAGE = `usage: rtcspec serve sip [options]

Starts rtcspec's embedded SIP registrar and proxy on 127.0.0.1 and prints its URIs: REGISTER binds an
address-of-record (sip:user@<domain>), other requests are forwarded to the registered user agents. Stop it
with Ctrl-C.

options:
  --port P             UDP and TCP port (default: one the OS chooses)
  --ws-port P          WebSocket port (default: one the OS chooses)
  --wss-port P         secure WebSocket port (default: one the OS chooses; a throw-away test CA signs it)
  --transports LIST    comma-separated, from udp, tcp, ws, wss (default all four)
  --ca-file PATH       write the PEM of the test CA that signed the wss certificate to PATH (clients trust it)
  --domain D           SIP domain users register in (default rtcspec.test)
  --user NAME:PASS     require Digest authentication for NAME (repeatable)
  -h, --help           this text
`

const TRANSPORTS = ['udp', 'tcp', 'ws', 'wss'] as const
type Transport = (typeof TRANSPORTS)[number]

function portArg(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new RtcspecError('INVALID_OPTIONS', `${flag} ${JSON.stringify(value)} is not a port 1..65535`)
  return n
}

function transportsArg(value: string | undefined): Transport[] {
  if (value === undefined) return [...TRANSPORTS]
  const list = value
    .split(',')
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean)
  const bad = list.filter((x) => !(TRANSPORTS as readonly string[]).includes(x))
  if (bad.length || list.length === 0)
    throw new RtcspecError('INVALID_OPTIONS', `--transports ${JSON.stringify(value)}: use a comma-separated list of ${TRANSPORTS.join(', ')}`)
  return [...new Set(list as Transport[])]
}

/** The lines `serve sip` prints: one URI per transport, then how to use them. */
export function describeRegistrar(r: SipRegistrar, transports: readonly Transport[]): string[] {
  const lines = [`rtcspec SIP registrar/proxy for domain ${r.domain}`]
  if (transports.includes('udp')) lines.push(`UDP: sip:${r.udp.host}:${r.udp.port};transport=udp   (fuzz: udp://${r.udp.host}:${r.udp.port})`)
  if (transports.includes('tcp')) lines.push(`TCP: sip:${r.tcp.host}:${r.tcp.port};transport=tcp`)
  if (transports.includes('ws')) lines.push(`WS:  ${r.wsUrl}`)
  if (transports.includes('wss')) lines.push(`WSS: ${r.wssUrl}   (certificate from a throw-away test CA: --ca-file PATH writes it)`)
  lines.push(`register as sip:<user>@${r.domain} through any of them`)
  return lines
}

/** Runs `rtcspec serve sip`; resolves with the exit code once stopped. */
export async function serveSipCommand(argv: string[], io: { signal?: AbortSignal; out?: (s: string) => void } = {}): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(s))
  const parsed = parseCommandArgs(
    'serve sip',
    SERVE_SIP_USAGE,
    argv,
    {
      port: { type: 'string' },
      'ws-port': { type: 'string' },
      'wss-port': { type: 'string' },
      transports: { type: 'string' },
      domain: { type: 'string' },
      'ca-file': { type: 'string' },
      user: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    { io: { out } },
  )
  if (typeof parsed === 'number') return parsed
  const v = parsed.values
  if (parsed.positionals.length) {
    process.stderr.write(`rtcspec serve sip: unexpected argument ${JSON.stringify(parsed.positionals[0])}\n\n${SERVE_SIP_USAGE}`)
    return 2
  }
  let options: SipRegistrarOptions
  let transports: Transport[]
  try {
    transports = transportsArg(v.transports)
    const port = portArg('--port', v.port)
    const ws = portArg('--ws-port', v['ws-port'])
    const wss = portArg('--wss-port', v['wss-port'])
    const users: Record<string, string> = {}
    for (const u of v.user ?? []) {
      const i = u.indexOf(':')
      if (i <= 0) throw new RtcspecError('INVALID_OPTIONS', `--user ${JSON.stringify(u)}: write NAME:PASSWORD`)
      users[u.slice(0, i)] = u.slice(i + 1)
    }
    options = {
      transports,
      ...(v.domain !== undefined ? { domain: v.domain } : {}),
      ...(Object.keys(users).length ? { users } : {}),
      ports: { ...(port !== undefined ? { udp: port, tcp: port } : {}), ...(ws !== undefined ? { ws } : {}), ...(wss !== undefined ? { wss } : {}) },
    }
  } catch (e) {
    process.stderr.write(`rtcspec serve sip: ${(e as Error).message}\n`)
    return 2
  }
  let registrar: SipRegistrar
  try {
    registrar = await startSipRegistrar(options)
  } catch (e) {
    process.stderr.write(`rtcspec serve sip: ${(e as Error).message}\n`)
    return 1
  }
  if (v['ca-file'] !== undefined) {
    if (!transports.includes('wss')) {
      await registrar.close()
      process.stderr.write('rtcspec serve sip: --ca-file needs the wss transport\n')
      return 2
    }
    writeFileSync(v['ca-file'], registrar.ca)
  }
  out(`${describeRegistrar(registrar, transports).join('\n')}\n`)
  if (v['ca-file'] !== undefined) out(`test CA written to ${v['ca-file']}\n`)
  await untilStopped(io.signal)
  await registrar.close()
  out('stopped\n')
  return 0
}
