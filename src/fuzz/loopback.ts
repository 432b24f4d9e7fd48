/**
 * Where fuzz traffic may go. rtcspec's own tests aim only at loopback (127.0.0.0/8, ::1); the CLI aims at
 * the URL the user gives and prints it first. {@link checkFuzzTarget} enforces the rule for library callers.
 */
import { isIP } from 'node:net'
import { RtcspecError } from '../errors.ts'
import { isLoopbackAddress } from '../net/loopback.ts'

/** Whether a URL host is loopback: an address {@link isLoopbackAddress} accepts (bracketed or not), or `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  return h === 'localhost' || isLoopbackAddress(h)
}

/**
 * Validates a fuzz target URL: must parse and use one of `protocols`; unless `allowRemote`, its host must
 * be loopback. Returns the parsed URL.
 *
 * @throws RtcspecError `FUZZ_TARGET` saying what is wrong and how to fix it.
 */
export function checkFuzzTarget(url: string, options: { protocols: string[]; allowRemote?: boolean }): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new RtcspecError('FUZZ_TARGET', `target URL ${JSON.stringify(url)} is not a URL`, { hint: `e.g. ${options.protocols[0]}//127.0.0.1:8080/whip` })
  }
  if (!options.protocols.includes(parsed.protocol)) {
    throw new RtcspecError('FUZZ_TARGET', `target URL ${url} uses ${parsed.protocol}, expected ${options.protocols.join(' or ')}`)
  }
  if (!options.allowRemote && !isLoopbackHost(parsed.hostname)) {
    throw new RtcspecError('FUZZ_TARGET', `target ${url} is not on loopback (127.0.0.0/8 or ::1)`, {
      hint: 'fuzz only servers you own; pass allowRemote: true (the CLI does, after printing the target) to aim elsewhere',
    })
  }
  return parsed
}

/**
 * IP addresses in `a=candidate` lines (and their `raddr`) that are not loopback. The harnesses do not send
 * such a body: a server would run connectivity checks towards those addresses, off this machine.
 */
export function nonLoopbackCandidateAddresses(text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(/candidate:([^\r\n]*)/g)) {
    const f = (m[1] ?? '').split(/\s+/)
    const addrs = [f[4] ?? '']
    const r = f.indexOf('raddr')
    if (r >= 0) addrs.push(f[r + 1] ?? '')
    for (const a of addrs) {
      const ip = isIP(a.replace(/^\[|\]$/g, '')) !== 0
      // numeric forms such as "5000", "0x10" or "10.1" are resolved to IPv4 addresses by inet_aton-style resolvers
      const numeric = /^(0x[0-9a-f]+|[0-9.]+)$/i.test(a)
      if ((ip || numeric) && !isLoopbackHost(a) && !/^0\.0\.0\.0$|^::$/.test(a)) out.push(a)
    }
  }
  return out
}
