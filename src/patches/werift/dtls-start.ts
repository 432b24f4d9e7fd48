/**
 * werift 0.25's `RTCDtlsTransport.start()` (lib/webrtc/src/transport/dtls.js) waits a fixed 100 ms
 * (`await setTimeout(100)`) before a DTLS client sends its ClientHello. On loopback that sleep was about two
 * thirds of a back-to-back call's set-up time (ICE ≈ 40 ms, handshake crypto ≈ 15 ms, sleep 100 ms).
 *
 * This changes two things, leaving the handshake itself as it is (same flights, certificate and fingerprint
 * checks, retransmissions, SRTP keying):
 * - a client starts its handshake at once: right after werift has built its `DtlsClient` (synchronously, inside
 *   `start()`), `connect()` is called and the instance's `connect` returns that same promise, so werift's own
 *   later call (after its sleep) neither sends a second ClientHello nor loses the error handling it attaches;
 * - a server listens from the moment it has the remote DTLS parameters, as browsers do: DTLS records that reach
 *   the ICE connection before werift starts the server (werift drops them; the client's first retransmission
 *   comes 500 ms later) are kept (at most {@link MAX_EARLY_RECORDS}) and handed to the server once it exists.
 *
 * Declared in the patch registry (src/patches) as `werift/dtls-start`: applied only when werift's `start` and
 * `setRemoteParams` are the source it was written for; otherwise it changes nothing and says `unsupported`.
 */
import { DtlsClient, RTCDtlsTransport } from 'werift'
import { RtcspecError } from '../../errors.ts'
import { installPatch } from '../install.ts'
import type { PatchDefinition } from '../types.ts'
import { WRITTEN_FOR } from '../versions.ts'

const counters = { earlyClientHellos: 0, replayedRecords: 0 }

/** How often the early start acted in this process: handshakes started without the sleep, records replayed to a server. */
export function dtlsEarlyStartStats(): { earlyClientHellos: number; replayedRecords: number } {
  return { ...counters }
}

const proto = (): TransportInternals | undefined => RTCDtlsTransport?.prototype as unknown as TransportInternals | undefined

/** The early DTLS start, as the patch registry lists it. */
export const dtlsStartPatch: PatchDefinition = {
  id: 'werift/dtls-start',
  package: 'werift',
  version: WRITTEN_FOR.werift,
  fixes: 'a DTLS client waits a fixed 100 ms before its ClientHello, and records reaching a server before it starts are dropped',
  targets: [
    { name: 'RTCDtlsTransport.prototype.start', hash: '8d4797fba97cc56d', source: () => proto()?.start },
    { name: 'RTCDtlsTransport.prototype.setRemoteParams', hash: '6b6b05d44dacdbc2', source: () => proto()?.setRemoteParams },
  ],
  apply: install,
}

/** Installs the early ClientHello once; `installed`, or `unsupported` when werift's internals did not match. */
export function dtlsEarlyStart(): 'installed' | 'unsupported' {
  return installPatch(dtlsStartPatch).state === 'installed' ? 'installed' : 'unsupported'
}

/** DTLS records kept per transport while its server is not started yet. */
export const MAX_EARLY_RECORDS = 8

interface TransportInternals {
  dtls?: { udpOnMessage?: (data: Buffer) => void }
  state?: string
  iceTransport?: { connection?: { onData?: { subscribe(fn: (data: Buffer) => void): { unSubscribe(): void } } } }
  start(): Promise<void>
  setRemoteParams(params: unknown): void
}

interface EarlyRecords {
  records: Buffer[]
  stop(): void
}

const early = new WeakMap<object, EarlyRecords>()

/** RFC 7983 demultiplexing: a first byte of 20..63 is DTLS. */
function isDtlsRecord(data: Buffer): boolean {
  const b = data[0]
  return b !== undefined && b >= 20 && b <= 63
}

function keepEarlyRecords(transport: TransportInternals): void {
  if (early.has(transport) || transport.state !== 'new') return
  const onData = transport.iceTransport?.connection?.onData
  if (!onData || typeof onData.subscribe !== 'function') return
  const records: Buffer[] = []
  const sub = onData.subscribe((data) => {
    if (transport.state === 'new' && records.length < MAX_EARLY_RECORDS && isDtlsRecord(data)) records.push(data)
  })
  early.set(transport, { records, stop: () => sub.unSubscribe() })
}

function install(): void {
  const p = proto()
  if (!p || typeof DtlsClient?.prototype?.connect !== 'function') throw new RtcspecError('PATCH_UNSUPPORTED', 'werift exports no DtlsClient with connect()')
  const originalStart = p.start
  const originalSetRemoteParams = p.setRemoteParams
  p.setRemoteParams = function setRemoteParamsAndListen(this: TransportInternals, params: unknown): void {
    originalSetRemoteParams.call(this, params)
    keepEarlyRecords(this)
  }
  p.start = function startWithEarlyClientHello(this: TransportInternals): Promise<void> {
    const kept = early.get(this)
    early.delete(this)
    kept?.stop()
    const before = this.dtls
    const started = originalStart.call(this)
    const socket = this.dtls
    if (socket && socket !== before) {
      const client: unknown = socket
      if (client instanceof DtlsClient) {
        const connecting = client.connect()
        // werift attaches its handler when it calls connect() itself; until then the rejection is observed here.
        connecting.catch(() => {})
        client.connect = () => connecting
        counters.earlyClientHellos++
      }
      if (kept && typeof socket.udpOnMessage === 'function') {
        for (const record of kept.records) socket.udpOnMessage(record)
        counters.replayedRecords += kept.records.length
      }
    }
    return started
  }
}
