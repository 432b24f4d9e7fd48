/**
 * Free loopback ports from the OS (bind to port 0), for services that must be told a port up front
 * (coturn's listening ports and relay range, FFmpeg's RTP destination). The port is released before it
 * is returned, so another process could take it in between: callers that start a server on it should
 * treat "address in use" as retryable.
 */
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'

/** Which protocols the port must be free on. */
export interface FreePortOptions {
  /** Default true. */
  udp?: boolean
  /** Default false. */
  tcp?: boolean
  /** Default `127.0.0.1`. */
  host?: string
}

function bindUdp(port: number, host: string): Promise<{ port: number; close: () => Promise<void> } | undefined> {
  return new Promise((resolve) => {
    const s = createSocket(host.includes(':') ? 'udp6' : 'udp4')
    s.once('error', () => {
      s.close()
      resolve(undefined)
    })
    s.bind(port, host, () => resolve({ port: s.address().port, close: () => new Promise<void>((r) => s.close(() => r())) }))
  })
}

function bindTcp(port: number, host: string): Promise<{ port: number; close: () => Promise<void> } | undefined> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(undefined))
    s.listen({ port, host, exclusive: true }, () => {
      const a = s.address()
      resolve(a && typeof a === 'object' ? { port: a.port, close: () => new Promise<void>((r) => s.close(() => r())) } : undefined)
    })
  })
}

/** A port the OS says is free right now on loopback (on UDP, and on TCP too when asked). Tries at most 50 times. */
export async function freePort(options: FreePortOptions = {}): Promise<number> {
  const host = options.host ?? '127.0.0.1'
  const udp = options.udp ?? true
  const tcp = options.tcp ?? false
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = udp ? await bindUdp(0, host) : await bindTcp(0, host)
    if (!first) continue
    const other = udp && tcp ? await bindTcp(first.port, host) : undefined
    await first.close()
    await other?.close()
    if (udp && tcp && !other) continue
    return first.port
  }
  throw new Error(`no free ${udp ? 'UDP' : ''}${udp && tcp ? '+' : ''}${tcp ? 'TCP' : ''} port on ${host} after 50 attempts`)
}

/** `count` consecutive UDP ports that are free right now on loopback (the first one from the OS). Tries at most 50 times. */
export async function freeUdpPortRange(count: number, host = '127.0.0.1'): Promise<{ min: number; max: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await bindUdp(0, host)
    if (!first) continue
    const held = [first]
    let ok = first.port + count - 1 <= 65535
    for (let p = first.port + 1; ok && p < first.port + count; p++) {
      const s = await bindUdp(p, host)
      if (s) held.push(s)
      else ok = false
    }
    await Promise.all(held.map((h) => h.close()))
    if (ok) return { min: first.port, max: first.port + count - 1 }
  }
  throw new Error(`no ${count} consecutive free UDP ports on ${host} after 50 attempts`)
}
