/**
 * A minimal TURN client probe (RFC 8656 Allocate with long-term credentials, over UDP, TCP or TLS).
 *
 * It answers two questions with a real protocol exchange rather than a guess:
 * - is this TURN server up and accepting these credentials? (service readiness checks)
 * - why did a peer get no relay candidate? (a 401 means the credentials were refused)
 *
 * On success the allocation is released at once (Refresh with LIFETIME 0). Every wait is bounded.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { randomBytes } from 'node:crypto'
import { connect as tcpConnect, type Socket as TcpSocket } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'
import {
  StunAttr,
  StunMethod,
  decodeStunMessage,
  encodeStunMessage,
  longTermKey,
  looksLikeStun,
  stunErrorCode,
  stunMessageLength,
  stunText,
  stunXorAddress,
  textAttribute,
  u32Attribute,
  type StunAttribute,
  type StunMessage,
} from '../ice/stun.ts'

/** How to reach the TURN server. */
export type TurnTransport = 'udp' | 'tcp' | 'tls'

/** Options of {@link turnAllocateProbe}. */
export interface TurnProbeOptions {
  host: string
  port: number
  transport: TurnTransport
  username: string
  password: string
  /** Overall time budget, default 3000 ms. */
  timeoutMs?: number
  /** TLS options (e.g. `{ rejectUnauthorized: false }` or `{ ca }` for a self-signed server). */
  tls?: ConnectionOptions
}

/** What a TURN Allocate probe found. */
export type TurnProbeResult =
  | { ok: true; relayed: { address: string; port: number }; mapped: { address: string; port: number } | undefined; realm: string; software: string | undefined }
  | {
      ok: false
      /** `auth` (the server refused the credentials: 401 after a nonce), `error` (another STUN error), `timeout`, `connect`. */
      kind: 'auth' | 'error' | 'timeout' | 'connect'
      /** STUN error code when the server answered with one (401, 437, 441, 486, …). */
      code: number | undefined
      message: string
    }

interface StunChannel {
  request(msg: Uint8Array, txid: Uint8Array, deadline: number): Promise<StunMessage | undefined>
  close(): void
}

function sameId(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

async function openUdp(host: string, port: number): Promise<StunChannel> {
  const family = host.includes(':') ? 'udp6' : 'udp4'
  const sock: UdpSocket = createSocket(family)
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject)
    sock.bind(0, family === 'udp6' ? '::1' : '127.0.0.1', () => {
      sock.off('error', reject)
      resolve()
    })
  })
  sock.on('error', () => {})
  let waiter: { txid: Uint8Array; done: (m: StunMessage) => void } | undefined
  sock.on('message', (data) => {
    if (!waiter || !looksLikeStun(data)) return
    try {
      const m = decodeStunMessage(data)
      if (sameId(m.transactionId, waiter.txid)) waiter.done(m)
    } catch {
      // not for us
    }
  })
  return {
    request(msg, txid, deadline) {
      return new Promise((resolve) => {
        let rto = 100
        let timer: NodeJS.Timeout
        const finish = (m: StunMessage | undefined) => {
          clearTimeout(timer)
          waiter = undefined
          resolve(m)
        }
        waiter = { txid, done: finish }
        const send = () => {
          const left = deadline - performance.now()
          if (left <= 0) return finish(undefined)
          sock.send(msg, port, host)
          timer = setTimeout(send, Math.min(rto, left))
          rto = Math.min(rto * 2, 800)
        }
        send()
      })
    },
    close: () => {
      try {
        sock.close()
      } catch {
        // already closed
      }
    },
  }
}

async function openStream(transport: 'tcp' | 'tls', host: string, port: number, tls: ConnectionOptions | undefined, deadline: number): Promise<StunChannel> {
  const sock: TcpSocket = await new Promise((resolve, reject) => {
    const s =
      transport === 'tls'
        ? tlsConnect({ host, port, servername: host.match(/^[\d.:]+$/) ? undefined : host, rejectUnauthorized: false, ...tls }, () => resolve(s))
        : tcpConnect({ host, port }, () => resolve(s))
    const timer = setTimeout(
      () => {
        s.destroy()
        reject(new Error(`${transport.toUpperCase()} connect to ${host}:${port} timed out`))
      },
      Math.max(1, deadline - performance.now()),
    )
    s.once('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    s.once(transport === 'tls' ? 'secureConnect' : 'connect', () => clearTimeout(timer))
  })
  sock.on('error', () => {})
  let pending = Buffer.alloc(0)
  let waiter: { txid: Uint8Array; done: (m: StunMessage | undefined) => void } | undefined
  sock.on('data', (d: Buffer) => {
    pending = Buffer.concat([pending, d])
    for (;;) {
      const len = stunMessageLength(pending)
      if (len === undefined || pending.length < len) break
      const frame = pending.subarray(0, len)
      pending = pending.subarray(len)
      try {
        const m = decodeStunMessage(frame)
        if (waiter && sameId(m.transactionId, waiter.txid)) waiter.done(m)
      } catch {
        // ignore
      }
    }
  })
  sock.on('close', () => waiter?.done(undefined))
  return {
    request(msg, txid, deadline) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => finish(undefined), Math.max(1, deadline - performance.now()))
        const finish = (m: StunMessage | undefined) => {
          clearTimeout(timer)
          waiter = undefined
          resolve(m)
        }
        waiter = { txid, done: finish }
        sock.write(msg)
      })
    },
    close: () => sock.destroy(),
  }
}

const UDP_TRANSPORT: StunAttribute = u32Attribute(StunAttr.requestedTransport, 17 << 24)

/**
 * Allocates a relay on a TURN server with long-term credentials and releases it again.
 * Never throws: the result says what happened (`kind: 'auth'` with code 401 for refused credentials).
 */
export async function turnAllocateProbe(o: TurnProbeOptions): Promise<TurnProbeResult> {
  const timeoutMs = o.timeoutMs ?? 3000
  const deadline = performance.now() + timeoutMs
  const where = `${o.transport === 'tls' ? 'turns' : 'turn'}:${o.host}:${o.port}?transport=${o.transport === 'udp' ? 'udp' : 'tcp'}`
  let ch: StunChannel
  try {
    ch = o.transport === 'udp' ? await openUdp(o.host, o.port) : await openStream(o.transport, o.host, o.port, o.tls, deadline)
  } catch (e) {
    return { ok: false, kind: 'connect', code: undefined, message: `could not connect to ${where}: ${e instanceof Error ? e.message : String(e)}` }
  }
  try {
    const tx1 = randomBytes(12)
    const first = await ch.request(
      encodeStunMessage({ method: StunMethod.allocate, cls: 'request', transactionId: tx1, attributes: [UDP_TRANSPORT] }),
      tx1,
      deadline,
    )
    if (!first) return { ok: false, kind: 'timeout', code: undefined, message: `no answer to a TURN Allocate from ${where} within ${timeoutMs} ms` }
    const realm = stunText(first, StunAttr.realm)
    const nonce = stunText(first, StunAttr.nonce)
    const e1 = stunErrorCode(first)
    if (first.cls !== 'error' || e1?.code !== 401 || realm === undefined || nonce === undefined) {
      return {
        ok: false,
        kind: 'error',
        code: e1?.code,
        message: `unexpected answer to an unauthenticated Allocate from ${where}: ${first.cls}${e1 ? ` ${e1.code} ${e1.reason}` : ''}`,
      }
    }
    const key = longTermKey(o.username, realm, o.password)
    const auth = [textAttribute(StunAttr.username, o.username), textAttribute(StunAttr.realm, realm), textAttribute(StunAttr.nonce, nonce)]
    const tx2 = randomBytes(12)
    const second = await ch.request(
      encodeStunMessage({ method: StunMethod.allocate, cls: 'request', transactionId: tx2, attributes: [UDP_TRANSPORT, ...auth], integrityKey: key }),
      tx2,
      deadline,
    )
    if (!second)
      return { ok: false, kind: 'timeout', code: undefined, message: `no answer to an authenticated TURN Allocate from ${where} within ${timeoutMs} ms` }
    if (second.cls === 'error') {
      const e2 = stunErrorCode(second)
      const code = e2?.code
      if (code === 401) {
        return {
          ok: false,
          kind: 'auth',
          code,
          message: `TURN authentication failed at ${where}: 401 ${e2?.reason || 'Unauthorized'} for username ${JSON.stringify(o.username)} in realm ${JSON.stringify(realm)} (wrong username or password, or an expired REST credential)`,
        }
      }
      return { ok: false, kind: 'error', code, message: `TURN Allocate refused by ${where}: ${code ?? '?'} ${e2?.reason ?? ''}`.trim() }
    }
    const relayed = stunXorAddress(second, StunAttr.xorRelayedAddress)
    if (!relayed) return { ok: false, kind: 'error', code: undefined, message: `TURN Allocate success from ${where} without XOR-RELAYED-ADDRESS` }
    const mapped = stunXorAddress(second, StunAttr.xorMappedAddress)
    // Release the allocation (best effort, bounded by the same deadline).
    const tx3 = randomBytes(12)
    await ch.request(
      encodeStunMessage({
        method: StunMethod.refresh,
        cls: 'request',
        transactionId: tx3,
        attributes: [u32Attribute(StunAttr.lifetime, 0), ...auth],
        integrityKey: key,
      }),
      tx3,
      Math.min(deadline, performance.now() + 500),
    )
    return { ok: true, relayed, mapped, realm, software: stunText(second, StunAttr.software) }
  } finally {
    ch.close()
  }
}
