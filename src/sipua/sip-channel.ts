/**
 * A raw SIP channel to one far end over UDP, TCP (Content-Length framing) or WebSocket (RFC 7118,
 * Node's global WebSocket): sends text, logs every message, hands received text to a listener. Used by
 * the call-flow engine, which builds and checks messages itself instead of going through sip.js.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { connect as tcpConnect, isIP, type Socket as TcpSocket } from 'node:net'
import { RtcspecError } from '../errors.ts'
import { isLoopbackAddress } from '../net/loopback.ts'
import { bindAddressFor, localAddressToward, resolveSipHost, unbracket } from './resolve.ts'
import { SipStreamDecoder } from '../sip/index.ts'
import type { SipLog } from './sip-log.ts'

/** Where a channel goes. A UDP `port` of 0 means: answer whoever sends first (UAS role). */
export type SipChannelTarget = { transport: 'udp' | 'tcp'; host: string; port: number } | { transport: 'ws'; url: string }

/** An open channel. */
export interface SipChannel {
  /** `UDP`, `TCP` or `WS` as written in Via. */
  readonly transport: 'UDP' | 'TCP' | 'WS'
  readonly localHost: string
  readonly localPort: number
  readonly remoteHost: string
  readonly remotePort: number
  send(text: string): void
  close(): Promise<void>
}

/** Opens a channel; `onText` gets every received message (or stream frame) as text. */
export async function openSipChannel(target: SipChannelTarget, log: SipLog, onText: (text: string, error?: string) => void): Promise<SipChannel> {
  if (target.transport === 'udp') {
    const ip = await resolveSipHost(target.host, 'SIP flow target')
    const sock: UdpSocket = createSocket(isIP(ip) === 6 ? 'udp6' : 'udp4')
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject)
      sock.bind(0, bindAddressFor(ip), () => resolve())
    })
    const advertised = isLoopbackAddress(ip) ? undefined : await localAddressToward(ip)
    sock.on('error', () => {})
    // Port 0: no far end yet; answer whoever sends first (a flow in the UAS role).
    let dest = target.port === 0 ? undefined : { host: ip, port: target.port }
    sock.on('message', (buf, rinfo) => {
      const text = buf.toString('utf8')
      dest ??= { host: rinfo.address, port: rinfo.port }
      log.add('in', 'UDP', `${rinfo.address}:${rinfo.port}`, text)
      onText(text)
    })
    const a = sock.address()
    let sending = 0
    const flushed: Array<() => void> = []
    return {
      transport: 'UDP',
      localHost: advertised ?? a.address,
      localPort: a.port,
      remoteHost: ip,
      get remotePort() {
        return dest?.port ?? 0
      },
      send(text) {
        if (!dest)
          throw new RtcspecError('SIP_TRANSPORT', 'nothing to send to yet: the flow has no target port and nobody has sent to it', {
            hint: 'give target.port, or start the flow with an expect step',
          })
        log.add('out', 'UDP', `${dest.host}:${dest.port}`, text)
        sending++
        sock.send(text, dest.port, dest.host, () => {
          if (--sending === 0) for (const f of flushed.splice(0)) f()
        })
      },
      // A datagram still queued when the socket closes is never sent: let the last answer (e.g. 200 to BYE) leave first.
      close: async () => {
        if (sending > 0) await new Promise<void>((r) => flushed.push(r))
        await new Promise<void>((r) => sock.close(() => r()))
      },
    }
  }
  if (target.transport === 'tcp') {
    const ip = await resolveSipHost(target.host, 'SIP flow target')
    const socket: TcpSocket = tcpConnect({ host: ip, port: target.port })
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (e) => reject(new RtcspecError('SIP_TRANSPORT', `TCP connect to ${target.host}:${target.port} failed: ${e.message}`)))
      socket.once('connect', () => resolve())
    })
    const remote = `${ip}:${target.port}`
    const decoder = new SipStreamDecoder()
    socket.on('data', (d: Buffer) => {
      for (const ev of decoder.push(d)) {
        if (ev.kind === 'keep-alive') continue
        const entry = log.add('in', 'TCP', remote, ev.text)
        if (ev.kind === 'error') {
          // What was buffered is dropped; the flow sees it as a malformed message and decides.
          entry.error ??= ev.error
          onText(ev.text, entry.error)
        } else onText(ev.text)
      }
    })
    socket.on('error', () => {})
    return {
      transport: 'TCP',
      localHost: socket.localAddress ?? '127.0.0.1',
      localPort: socket.localPort ?? 0,
      remoteHost: ip,
      remotePort: target.port,
      send(text) {
        log.add('out', 'TCP', remote, text)
        socket.write(text)
      },
      close: async () => {
        socket.destroy()
      },
    }
  }
  return openWs(target as Extract<SipChannelTarget, { transport: 'ws' }>, log, onText)
}

async function openWs(
  target: Extract<SipChannelTarget, { transport: 'ws' }>,
  log: SipLog,
  onText: (text: string, error?: string) => void,
): Promise<SipChannel> {
  const url = new URL(target.url)
  const host = unbracket(url.hostname)
  await resolveSipHost(host, `SIP flow WebSocket target ${target.url}`)
  const ws = new WebSocket(target.url, 'sip')
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true })
    ws.addEventListener('error', () => reject(new RtcspecError('SIP_TRANSPORT', `WebSocket connect to ${target.url} failed`)), { once: true })
  })
  ws.addEventListener('message', (ev) => {
    const text = typeof ev.data === 'string' ? ev.data : Buffer.from(ev.data as ArrayBuffer).toString('utf8')
    log.add('in', 'WS', target.url, text)
    onText(text)
  })
  const port = Number(url.port || 80)
  return {
    transport: 'WS',
    localHost: `${Math.random().toString(36).slice(2, 10)}.invalid`,
    localPort: 0,
    remoteHost: host,
    remotePort: port,
    send(text) {
      log.add('out', 'WS', target.url, text)
      ws.send(text)
    },
    close: async () => {
      ws.close()
    },
  }
}
