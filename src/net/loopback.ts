/**
 * The network rule of rtcspec: traffic only to 127.0.0.0/8 and ::1.
 */
import { isIP } from 'node:net'
import { RtcspecError } from '../errors.ts'

/** A UDP transport address. */
export interface TransportAddress {
  /** IP literal, e.g. `127.0.0.1` or `::1`. */
  address: string
  /** UDP port, 1–65535. */
  port: number
}

/**
 * True when `address` is an IP literal in 127.0.0.0/8, `::1`, or an IPv4-mapped `::ffff:127.x.y.z`.
 * Host names (even `localhost`) are not accepted: they could resolve anywhere.
 */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 4) return address.split('.')[0] === '127'
  if (family === 6) {
    const lower = address.toLowerCase()
    if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower)
    return mapped !== null && isIP(mapped[1] as string) === 4 && (mapped[1] as string).startsWith('127.')
  }
  return false
}

/**
 * Throws an RtcspecError (code `NOT_LOOPBACK`) unless `address` is a loopback IP literal.
 * @param what what the address is for, named in the error, e.g. `peer address for side a`.
 */
export function assertLoopback(address: string, what: string): void {
  if (!isLoopbackAddress(address)) {
    throw new RtcspecError('NOT_LOOPBACK', `${what} ${JSON.stringify(address)} is not a loopback address`, {
      hint: 'the impairment relay only binds and forwards on 127.0.0.0/8 and ::1; gather host candidates on loopback (e.g. werift iceInterfaceAddresses / Chromium --force-fieldtrials for loopback) and pass IP literals, not host names',
    })
  }
}

/** Throws an RtcspecError (code `BAD_PORT`) unless `port` is an integer in 1–65535. */
export function assertPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RtcspecError('BAD_PORT', `${what} port ${String(port)} is not an integer in 1..65535`, {
      hint: 'pass the port the peer actually bound (from its ICE candidate or socket.address())',
    })
  }
}
