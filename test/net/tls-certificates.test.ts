import { X509Certificate } from 'node:crypto'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, createServer } from 'node:tls'
import { describe, expect, test } from 'vitest'
import { createTestCertificateAuthority, writeServerCertificate } from '../../src/net/tls-certificates.ts'
import { withTimeout } from '../../src/wait.ts'

/** Connects with strict verification to a TLS server on loopback using `cert`; resolves to the handshake's outcome. */
async function handshake(server: { certPem: string; keyPem: string }, ca: string, host: string): Promise<string> {
  const srv = createServer({ cert: server.certPem, key: server.keyPem }, (s) => s.end())
  srv.on('tlsClientError', () => {})
  await new Promise<void>((r) => srv.listen(0, host, r))
  try {
    const socket = connect({ host, port: (srv.address() as AddressInfo).port, ca, servername: undefined, rejectUnauthorized: true })
    try {
      const outcome = new Promise<string>((resolve) => {
        socket.once('secureConnect', () => resolve('ok'))
        socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? String(e)))
      })
      return await withTimeout(outcome, 5000, 'the TLS handshake to finish')
    } finally {
      socket.destroy()
    }
  } finally {
    await new Promise<void>((r) => srv.close(() => r()))
  }
}

describe('loopback TLS certificates (@peculiar/x509)', () => {
  test('a fresh CA issues a loopback server certificate that verifies against it and only it', async () => {
    const ca = await createTestCertificateAuthority()
    const server = await ca.issueServerCertificate()
    const cert = new X509Certificate(server.certPem)
    const caCert = new X509Certificate(ca.certPem)
    expect(caCert.ca).toBe(true)
    expect(cert.ca).toBe(false)
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1')
    expect(cert.checkIP('::1')).toBe('::1')
    expect(cert.checkHost('localhost')).toBe('localhost')
    expect(cert.checkIP('10.0.0.1')).toBeUndefined()
    expect(cert.checkIssued(caCert)).toBe(true)
    expect(cert.verify(caCert.publicKey)).toBe(true)
    const other = new X509Certificate((await createTestCertificateAuthority()).certPem)
    expect(cert.verify(other.publicKey)).toBe(false)
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1') // serverAuth
    expect(Date.parse(cert.validTo) - Date.now()).toBeLessThanOrEqual(86_400_000)
  })

  test('strict TLS clients accept it on 127.0.0.1 and ::1 when they trust the CA, and refuse it otherwise', async () => {
    const ca = await createTestCertificateAuthority()
    const server = await ca.issueServerCertificate()
    expect(await handshake(server, ca.certPem, '127.0.0.1')).toBe('ok')
    expect(await handshake(server, ca.certPem, '::1')).toBe('ok')
    expect(await handshake(server, (await createTestCertificateAuthority()).certPem, '127.0.0.1')).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE')
    const narrow = await ca.issueServerCertificate({ names: ['localhost'] })
    expect(await handshake(narrow, ca.certPem, '127.0.0.1')).toBe('ERR_TLS_CERT_ALTNAME_INVALID')
  })

  test('writeServerCertificate writes the certificate and a private key only its owner reads (coturn cert=/pkey=)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rtcspec-cert-test-'))
    try {
      const files = await writeServerCertificate(dir)
      expect((await stat(files.keyFile)).mode & 0o777).toBe(0o600)
      expect(new X509Certificate(files.certPem).checkIssued(new X509Certificate(files.caPem))).toBe(true)
      expect(await handshake(files, files.caPem, '127.0.0.1')).toBe('ok')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('options are checked: a name that is neither an IP literal nor a DNS name is refused, naming it', async () => {
    const ca = await createTestCertificateAuthority()
    await expect(ca.issueServerCertificate({ names: ['not a host'] })).rejects.toThrow(/names\.0|not an IP literal or a DNS name/)
    await expect(ca.issueServerCertificate({ names: [] })).rejects.toThrow(/names/)
    await expect(createTestCertificateAuthority({ validDays: 0 })).rejects.toThrow(/validDays/)
  })
})
