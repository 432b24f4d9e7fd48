/**
 * Test certificates for TLS on loopback (the embedded registrar's secure WebSocket, RFC 7118 `wss:`),
 * made in-process with node:crypto — no openssl binary, no extra package. A fresh certificate authority
 * (ECDSA P-256, `CA:TRUE`) issues a server certificate whose subjectAltName covers `127.0.0.1`, `::1` and
 * `localhost`; clients trust the CA's PEM per connection (`ca`), never by turning verification off.
 *
 * node:crypto signs and parses X.509 but does not build it, so this module writes the DER (RFC 5280
 * §4.1) itself: a small, fixed profile, self-checked with `X509Certificate` after issuing.
 *
 * ```ts
 * const ca = createTestCertificateAuthority()
 * const server = ca.issueServerCertificate()          // { certPem, keyPem } for https/tls servers
 * tls.connect({ host: '127.0.0.1', port, ca: ca.certPem })
 * ```
 */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto'
import { isIP } from 'node:net'
import { RtcspecError } from '../errors.ts'

/** A certificate and its private key, PEM encoded. */
export interface TestCertificate {
  certPem: string
  keyPem: string
}

/** A throw-away certificate authority for loopback TLS in tests. */
export interface TestCertificateAuthority {
  /** The CA certificate (PEM): give it to clients as `ca`. */
  readonly certPem: string
  /** Issues a server certificate for `names` (IP literals and DNS names). Default `127.0.0.1`, `::1`, `localhost`. */
  issueServerCertificate(options?: { names?: string[]; commonName?: string; validDays?: number }): TestCertificate
}

// --- DER (X.690) encoding, the few types X.509 needs ---

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content)
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body])
}

const seq = (...c: Buffer[]): Buffer => tlv(0x30, ...c)
const set = (...c: Buffer[]): Buffer => tlv(0x31, ...c)
const octets = (b: Buffer): Buffer => tlv(0x04, b)
const bits = (b: Buffer, unusedBits = 0): Buffer => tlv(0x03, Buffer.from([unusedBits]), b)
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'))
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0x00]))
const explicit = (n: number, c: Buffer): Buffer => tlv(0xa0 | n, c)

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number)
  const out: number[] = [40 * parts[0]! + parts[1]!]
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f]
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f))
    out.push(...chunk)
  }
  return tlv(0x06, Buffer.from(out))
}

function integer(b: Buffer): Buffer {
  let i = 0
  while (i < b.length - 1 && b[i] === 0 && b[i + 1]! < 0x80) i++
  const v = b.subarray(i)
  return tlv(0x02, v[0]! >= 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v)
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z' // YYYYMMDDHHMMSSZ
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii')) : tlv(0x18, Buffer.from(iso, 'ascii'))
}

const name = (commonName: string): Buffer => seq(set(seq(oid('2.5.4.3'), utf8(commonName))))
const extension = (id: string, critical: boolean, value: Buffer): Buffer => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value))
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'))

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number))
  // IPv6: expand `::`, then 8 groups of 16 bits.
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined]
  const h = head ? head.split(':') : []
  const t = tail !== undefined && tail !== '' ? tail.split(':') : []
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t]
  return Buffer.from(groups.flatMap((g) => [(parseInt(g, 16) >> 8) & 0xff, parseInt(g, 16) & 0xff]))
}

function subjectAltName(names: string[]): Buffer {
  return seq(...names.map((n) => (isIP(n) ? tlv(0x87, ipBytes(n)) : tlv(0x82, Buffer.from(n, 'ascii')))))
}

function keyId(spki: Buffer): Buffer {
  // RFC 5280 §4.2.1.2 method 1 is over the BIT STRING of the key; hashing the whole SPKI is an allowed alternative.
  return createHash('sha1').update(spki).digest()
}

interface CertificateParts {
  subject: string
  issuer: string
  spki: Buffer
  issuerSpki: Buffer
  signingKey: KeyObject
  validDays: number
  extensions: Buffer[]
}

function buildCertificate(p: CertificateParts): string {
  const serial = randomBytes(16)
  serial[0] = (serial[0]! & 0x7f) | 0x01 // positive, no leading zero byte
  const now = Date.now()
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    ECDSA_SHA256,
    name(p.issuer),
    seq(time(new Date(now - 3600_000)), time(new Date(now + p.validDays * 86_400_000))),
    name(p.subject),
    p.spki,
    explicit(3, seq(...p.extensions, extension('2.5.29.14', false, octets(keyId(p.spki))), extension('2.5.29.35', false, seq(tlv(0x80, keyId(p.issuerSpki)))))),
  )
  const signature = sign('sha256', tbs, p.signingKey) // DER ECDSA-Sig-Value
  const der = seq(tbs, ECDSA_SHA256, bits(signature))
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`
}

function newKey(): { privateKey: KeyObject; spki: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  return { privateKey, spki: publicKey.export({ type: 'spki', format: 'der' }) }
}

/** The names a loopback server certificate covers by default. */
export const LOOPBACK_CERT_NAMES: readonly string[] = ['127.0.0.1', '::1', 'localhost']

/** Creates a fresh certificate authority (valid 1 day by default) for loopback TLS in tests. */
export function createTestCertificateAuthority(options: { commonName?: string; validDays?: number } = {}): TestCertificateAuthority {
  const caName = options.commonName ?? `rtcspec test CA ${randomBytes(4).toString('hex')}`
  const ca = newKey()
  const certPem = buildCertificate({
    subject: caName,
    issuer: caName,
    spki: ca.spki,
    issuerSpki: ca.spki,
    signingKey: ca.privateKey,
    validDays: options.validDays ?? 1,
    extensions: [
      extension('2.5.29.19', true, seq(bool(true))), // basicConstraints CA:TRUE
      extension('2.5.29.15', true, bits(Buffer.from([0x86]), 1)), // keyUsage digitalSignature, keyCertSign, cRLSign
    ],
  })
  const caCert = new X509Certificate(certPem)
  return {
    certPem,
    issueServerCertificate(o = {}) {
      const names = o.names ?? [...LOOPBACK_CERT_NAMES]
      if (names.length === 0) throw new RtcspecError('INVALID_ARGUMENT', 'a server certificate needs at least one name', { hint: 'pass names like ["127.0.0.1"]' })
      const leaf = newKey()
      const pem = buildCertificate({
        subject: o.commonName ?? names[0]!,
        issuer: caName,
        spki: leaf.spki,
        issuerSpki: ca.spki,
        signingKey: ca.privateKey,
        validDays: o.validDays ?? options.validDays ?? 1,
        extensions: [
          extension('2.5.29.19', true, seq()), // basicConstraints CA:FALSE
          extension('2.5.29.15', true, bits(Buffer.from([0x80]), 7)), // keyUsage digitalSignature
          extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage serverAuth
          extension('2.5.29.17', false, subjectAltName(names)),
        ],
      })
      // Self-check: a certificate this module cannot verify would only fail later, inside a TLS handshake.
      const cert = new X509Certificate(pem)
      if (!cert.checkIssued(caCert) || !cert.verify(createPublicKey(caCert.publicKey.export({ type: 'spki', format: 'pem' })))) {
        throw new RtcspecError('TEST_CERT', 'the generated server certificate does not verify against its CA (bug in test-certificates.ts)')
      }
      return { certPem: pem, keyPem: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }
    },
  }
}
