/**
 * Host names of SIP far ends (a registrar, proxy or SUT given as `localhost`, `pbx.example.net`, …) resolved
 * with the system resolver (`dns.lookup`, so /etc/hosts applies) when a transport connects or a message is
 * sent; and the local address to bind and advertise toward an address. Loopback far ends keep every socket on
 * loopback; another address binds the wildcard and advertises the interface the system routes it through.
 */
import { createSocket } from 'node:dgram'
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { RtcspecError } from '../errors.ts'
import { isLoopbackAddress } from '../net/loopback.ts'

/** `host` without IPv6 brackets. */
export function unbracket(host: string): string {
  return host.replace(/^\[|\]$/g, '')
}

/** A resolver with the shape of `dns.promises.lookup(host, { all: true })`. */
export type SipHostLookup = (host: string, options: { all: true }) => Promise<Array<{ address: string; family: number }>>

/**
 * The IP address of `host`: itself when it is an IP literal, else the system resolver's answer (its first
 * IPv4 address when it has one, as most SIP servers listen on IPv4). Throws `SIP_UNRESOLVABLE` naming the
 * host, what it was for and the fix.
 * @param what what the host is for, e.g. `SIP UDP remote`.
 * @param resolver the lookup to use; default `dns.lookup` (so /etc/hosts applies).
 */
export async function resolveSipHost(host: string, what: string, resolver: SipHostLookup = lookup): Promise<string> {
  const h = unbracket(host)
  if (isIP(h)) return h
  try {
    const all = await resolver(h, { all: true })
    const pick = all.find((a) => a.family === 4) ?? all[0]
    if (!pick) throw Object.assign(new Error('no address'), { code: 'ENOTFOUND' })
    return pick.address
  } catch (e) {
    const code = (e as { code?: string }).code ?? (e instanceof Error ? e.message : String(e))
    throw new RtcspecError('SIP_UNRESOLVABLE', `${what}: cannot resolve the host name "${h}" (${code})`, {
      hint: `check the spelling and that the name resolves on this machine (DNS or /etc/hosts, e.g. \`getent hosts ${h}\`), or give its IP address instead`,
    })
  }
}

/** The address to bind a socket that talks to `ip`: loopback for a loopback far end, else the wildcard. */
export function bindAddressFor(ip: string | undefined): string {
  if (ip === undefined || isLoopbackAddress(ip)) return ip !== undefined && isIP(ip) === 6 ? '::1' : '127.0.0.1'
  return isIP(ip) === 6 ? '::' : '0.0.0.0'
}

/**
 * The local address the system would send to `ip` from (a connected UDP socket's address; nothing is sent).
 * Loopback far ends get the loopback address.
 */
export async function localAddressToward(ip: string): Promise<string> {
  if (isLoopbackAddress(ip)) return isIP(ip) === 6 ? '::1' : '127.0.0.1'
  const sock = createSocket(isIP(ip) === 6 ? 'udp6' : 'udp4')
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject)
      sock.connect(9, ip, () => resolve())
    })
    return sock.address().address
  } finally {
    sock.close()
  }
}
