/**
 * Throw-away TLS certificates for loopback servers — the one generator rtcspec has: the embedded SIP
 * registrar's secure WebSocket (RFC 7118 `wss:`), coturn's TURN-over-TLS listener and any test server.
 * A fresh certificate authority (ECDSA P-256, `CA:TRUE`) issues server certificates whose
 * subjectAltName covers `127.0.0.1`, `::1` and `localhost` by default. Clients trust the CA's PEM per
 * connection (`ca`), never by turning verification off.
 *
 * Made in-process, without the openssl binary: node:crypto makes keys and verifies X.509 but cannot
 * build a certificate, so `@peculiar/x509` does (over WebCrypto). It is loaded on the first certificate
 * made, not at import: it needs the `reflect-metadata` polyfill, which patches the global `Reflect`.
 * Measured (Node 24, 2-core machine): loading both takes about 200 ms once per process, then a CA plus one
 * server certificate about 10 ms — against about 2 ms for the hand-written DER builder this replaced; a
 * registrar makes its certificate once per process and coturn once per start, so the difference does not
 * matter and the library's tested encoder is kept.
 * Each issued certificate is checked with node's `X509Certificate` against its CA before it is handed out.
 *
 * ```ts
 * const ca = await createTestCertificateAuthority()
 * const server = await ca.issueServerCertificate()    // { certPem, keyPem } for https/tls servers
 * tls.connect({ host: '127.0.0.1', port, ca: ca.certPem })
 * ```
 */
import { randomBytes, X509Certificate as NodeX509Certificate } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { join } from 'node:path'
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'
import { parseOptions } from '../options.ts'

/** A certificate and its private key, PEM encoded (key in PKCS #8). */
export interface TestCertificate {
  certPem: string
  keyPem: string
}

/** Options of a server certificate. */
export interface ServerCertificateOptions {
  /** IP literals and DNS names the certificate covers. Default {@link LOOPBACK_CERT_NAMES}. */
  names?: string[]
  /** Subject common name. Default the first name. */
  commonName?: string
  /** Validity in days (from an hour ago, to allow for clock skew). Default the CA's. */
  validDays?: number
}

/** A throw-away certificate authority for loopback TLS. */
export interface TestCertificateAuthority {
  /** The CA certificate (PEM): give it to clients as `ca`. */
  readonly certPem: string
  /** Issues a server certificate signed by this CA. */
  issueServerCertificate(options?: ServerCertificateOptions): Promise<TestCertificate>
}

/** The names a loopback server certificate covers by default. */
export const LOOPBACK_CERT_NAMES: readonly string[] = ['127.0.0.1', '::1', 'localhost']

const DNS_NAME = /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/
const CertName = z.string().refine((n) => isIP(n) !== 0 || DNS_NAME.test(n), { message: 'not an IP literal or a DNS name' })
const ValidDays = z.number().int().positive().max(3650)
const AuthorityOptionsSchema = z.object({ commonName: z.string().min(1).max(64).optional(), validDays: ValidDays.optional() }).strict()
const ServerOptionsSchema = z
  .object({ names: z.array(CertName).min(1).optional(), commonName: z.string().min(1).max(64).optional(), validDays: ValidDays.optional() })
  .strict()

type X509Module = typeof import('@peculiar/x509')
let x509Module: Promise<X509Module> | undefined

/** `@peculiar/x509`, loaded once, on first use, after the `reflect-metadata` polyfill it needs. */
function loadX509(): Promise<X509Module> {
  x509Module ??= (async () => {
    await import('reflect-metadata')
    return import('@peculiar/x509')
  })()
  return x509Module
}

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const

function newKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key))
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END PRIVATE KEY-----\n`
}

function validity(validDays: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now()
  return { notBefore: new Date(now - 3_600_000), notAfter: new Date(now + validDays * 86_400_000) }
}

/** Creates a fresh certificate authority (valid 1 day by default) for loopback TLS. */
export async function createTestCertificateAuthority(options: { commonName?: string; validDays?: number } = {}): Promise<TestCertificateAuthority> {
  const o = parseOptions(AuthorityOptionsSchema, options, {
    code: 'TEST_CERT',
    what: 'certificate authority options',
    hint: 'commonName: a short string, validDays: whole days',
  })
  const x509 = await loadX509()
  const caName = o.commonName ?? `rtcspec test CA ${randomBytes(4).toString('hex')}`
  const caDays = o.validDays ?? 1
  const caKeys = await newKeys()
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [caName] }],
    keys: caKeys,
    signingAlgorithm: ECDSA_P256,
    ...validity(caDays),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  })
  const certPem = ca.toString('pem')
  const caCert = new NodeX509Certificate(certPem)
  return {
    certPem,
    async issueServerCertificate(serverOptions = {}) {
      const s = parseOptions(ServerOptionsSchema, serverOptions, {
        code: 'TEST_CERT',
        what: 'server certificate options',
        hint: 'names: IP literals and DNS names, like ["127.0.0.1", "localhost"]',
      })
      const names = s.names ?? [...LOOPBACK_CERT_NAMES]
      const keys = await newKeys()
      const leaf = await x509.X509CertificateGenerator.create({
        subject: [{ CN: [s.commonName ?? names[0]!] }],
        issuer: ca.subject,
        publicKey: keys.publicKey,
        signingKey: caKeys.privateKey,
        signingAlgorithm: ECDSA_P256,
        ...validity(s.validDays ?? caDays),
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: isIP(n) ? ('ip' as const) : ('dns' as const), value: n }))),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
          await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
        ],
      })
      const pem = leaf.toString('pem')
      // A certificate that does not verify would only fail later, inside a TLS handshake: say so here.
      const cert = new NodeX509Certificate(pem)
      if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) {
        throw new RtcspecError('TEST_CERT', 'the generated server certificate does not verify against its CA', {
          hint: 'a defect in src/net/tls-certificates.ts or @peculiar/x509',
        })
      }
      return { certPem: pem, keyPem: await keyPem(keys.privateKey) }
    },
  }
}

/** A server certificate written to files, for servers that read them (coturn's `cert=`/`pkey=`). */
export interface ServerCertificateFiles extends TestCertificate {
  /** `cert.pem`: the server certificate. */
  certFile: string
  /** `key.pem` (mode 0600): its private key. */
  keyFile: string
  /** The PEM of the CA that issued it: what clients trust. */
  caPem: string
}

/** Issues a loopback server certificate from a fresh CA and writes `cert.pem` and `key.pem` into `dir`. */
export async function writeServerCertificate(dir: string, options: ServerCertificateOptions = {}): Promise<ServerCertificateFiles> {
  const ca = await createTestCertificateAuthority({
    commonName: 'rtcspec loopback CA',
    ...(options.validDays !== undefined ? { validDays: options.validDays } : {}),
  })
  const issued = await ca.issueServerCertificate(options)
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  await writeFile(certFile, issued.certPem, { mode: 0o644 })
  await writeFile(keyFile, issued.keyPem, { mode: 0o600 })
  return { ...issued, certFile, keyFile, caPem: ca.certPem }
}
