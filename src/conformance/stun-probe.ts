/**
 * ICE consent probe (RFC 7675 / RFC 8445 §7.2): sends STUN Binding requests with a session's ICE
 * credentials straight to a server candidate and reports whether an authenticated success response comes
 * back. Used to show that a deleted WHIP/WHEP session stopped granting consent.
 */
import { createSocket } from 'node:dgram'
import { randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'
import {
  encodeStunMessage,
  decodeStunMessage,
  looksLikeStun,
  verifyMessageIntegrity,
  StunAttr,
  StunMethod,
  textAttribute,
  u32Attribute,
  type StunAttribute,
} from '../ice/stun.ts'

/** Where and with which credentials to probe. */
export interface ConsentProbeTarget {
  address: string
  port: number
  /** The server's (remote) ufrag and pwd, from its answer. */
  remoteUfrag: string
  remotePwd: string
  /** Our ufrag, from our offer. */
  localUfrag: string
}

/** Result of {@link probeConsent}. */
export interface ConsentProbeResult {
  /** An authenticated-looking Binding success response arrived. */
  answered: boolean
  attempts: number
  /** What came back, in words (success, error code, nothing). */
  outcome: string
}

const ICE_CONTROLLING = 0x802a
const PRIORITY = 0x0024

function fingerprint(msg: Uint8Array): StunAttribute {
  // FINGERPRINT is CRC-32 of the message up to it, XOR 0x5354554e, with the length covering it.
  const buf = Buffer.from(msg)
  buf.writeUInt16BE(buf.readUInt16BE(2) + 8, 2)
  const crc = (crc32(buf) ^ 0x5354554e) >>> 0
  const v = Buffer.alloc(4)
  v.writeUInt32BE(crc, 0)
  return { type: StunAttr.fingerprint, value: v }
}

/**
 * Sends up to `attempts` Binding requests (one every `intervalMs`) and resolves as soon as a success
 * response arrives, or after the last interval. Bounded in count and time; the socket is always closed.
 */
export async function probeConsent(t: ConsentProbeTarget, options: { attempts?: number; intervalMs?: number } = {}): Promise<ConsentProbeResult> {
  const attempts = options.attempts ?? 4
  const intervalMs = options.intervalMs ?? 250
  const sock = createSocket(t.address.includes(':') ? 'udp6' : 'udp4')
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject)
    sock.bind(0, t.address.includes(':') ? '::1' : '127.0.0.1', () => resolve())
  })
  const ids = new Set<string>()
  let outcome = 'no response'
  try {
    return await new Promise<ConsentProbeResult>((resolve) => {
      let sent = 0
      let timer: NodeJS.Timeout | undefined
      sock.on('message', (msg) => {
        if (!looksLikeStun(msg)) return
        try {
          const m = decodeStunMessage(msg)
          if (!ids.has(Buffer.from(m.transactionId).toString('hex'))) return
          if (m.cls === 'success') {
            // Only the session's own ICE agent signs with its password; another agent that took the port over
            // since (the OS reuses freed ports) answers with its own key, which says nothing about this session.
            if (!verifyMessageIntegrity(msg, Buffer.from(t.remotePwd, 'utf8'))) {
              outcome = 'a Binding success response signed with another key (another ICE agent on that port)'
              return
            }
            clearTimeout(timer)
            resolve({ answered: true, attempts: sent, outcome: 'Binding success response' })
          } else if (m.cls === 'error') outcome = 'Binding error response'
        } catch {
          /* not a message we sent */
        }
      })
      const fire = () => {
        if (sent >= attempts) {
          resolve({ answered: false, attempts: sent, outcome })
          return
        }
        sent++
        const id = randomBytes(12)
        ids.add(id.toString('hex'))
        const tieBreaker = randomBytes(8)
        const base = encodeStunMessage({
          method: StunMethod.binding,
          cls: 'request',
          transactionId: id,
          attributes: [
            textAttribute(StunAttr.username, `${t.remoteUfrag}:${t.localUfrag}`),
            u32Attribute(PRIORITY, 1853824767),
            { type: ICE_CONTROLLING, value: tieBreaker },
          ],
          integrityKey: Buffer.from(t.remotePwd, 'utf8'),
        })
        const fp = fingerprint(base)
        const full = Buffer.concat([Buffer.from(base), Buffer.from([0x80, 0x28, 0, 4]), fp.value])
        full.writeUInt16BE(full.length - 20, 2)
        sock.send(full, t.port, t.address)
        timer = setTimeout(fire, intervalMs)
      }
      fire()
    })
  } finally {
    sock.close()
  }
}
