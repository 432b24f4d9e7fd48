/**
 * Test helpers: plain dgram "peers" on loopback that record what they receive, and synthetic packets.
 * Waiting is event-driven (resolved by 'message' events) and always bounded by a timeout naming the condition.
 */
import dgram from 'node:dgram'
import { performance } from 'node:perf_hooks'
import { TimeoutError } from '../../src/errors.ts'
import type { TransportAddress } from '../../src/net/index.ts'

export interface Received {
  buf: Buffer
  from: TransportAddress
  at: number
}

export interface TestPeer {
  socket: dgram.Socket
  addr: TransportAddress
  received: Received[]
  send(buf: Uint8Array, to: TransportAddress): Promise<void>
  /** Resolves when at least `n` datagrams have arrived in total. */
  waitCount(n: number, label: string, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

export async function testPeer(host = '127.0.0.1'): Promise<TestPeer> {
  const socket = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 1 << 20 })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind({ port: 0, address: host }, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  const received: Received[] = []
  const waiters: { n: number; resolve: () => void }[] = []
  socket.on('message', (buf, rinfo) => {
    received.push({ buf, from: { address: rinfo.address, port: rinfo.port }, at: performance.now() })
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]
      if (w && received.length >= w.n) {
        waiters.splice(i, 1)
        w.resolve()
      }
    }
  })
  const a = socket.address()
  let closed = false
  return {
    socket,
    addr: { address: a.address, port: a.port },
    received,
    send: (buf, to) => new Promise<void>((resolve, reject) => socket.send(buf, to.port, to.address, (err) => (err ? reject(err) : resolve()))),
    waitCount(n, label, timeoutMs = 5000) {
      if (received.length >= n) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new TimeoutError(`${label} (have ${received.length}, want ${n})`, timeoutMs)), timeoutMs)
        waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) })
      })
    },
    close: () =>
      closed
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            closed = true
            // let libuv run the handle's close callback too, so resource counts are settled afterwards
            socket.close(() => setImmediate(() => setImmediate(resolve)))
          }),
  }
}

/** A synthetic RTP packet: 12-byte header (V=2, PT, seq, ts, ssrc) + `payloadLen` bytes. */
export function rtp(seq: number, opts: { ssrc?: number; ts?: number; pt?: number; payloadLen?: number; marker?: boolean } = {}): Buffer {
  const b = Buffer.alloc(12 + (opts.payloadLen ?? 160))
  b[0] = 0x80
  b[1] = ((opts.marker ? 0x80 : 0) | (opts.pt ?? 0)) & 0xff
  b.writeUInt16BE(seq & 0xffff, 2)
  b.writeUInt32BE((opts.ts ?? seq * 160) >>> 0, 4)
  b.writeUInt32BE((opts.ssrc ?? 0x11223344) >>> 0, 8)
  return b
}

/** A STUN-looking Binding request (first byte 0x00) with a 4-byte tag so tests can tell them apart. */
export function stun(tag: number): Buffer {
  const b = Buffer.alloc(20)
  b.writeUInt16BE(0x0001, 0)
  b.writeUInt32BE(0x2112a442, 4)
  b.writeUInt32BE(tag >>> 0, 8)
  return b
}

/** An RTCP receiver report header (PT 201). */
export function rtcp(tag: number): Buffer {
  const b = Buffer.alloc(8)
  b[0] = 0x80
  b[1] = 201
  b.writeUInt16BE(1, 2)
  b.writeUInt32BE(tag >>> 0, 4)
  return b
}

export function seqOf(buf: Buffer): number {
  return buf.readUInt16BE(2)
}
