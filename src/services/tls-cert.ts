/**
 * A throw-away self-signed TLS certificate for 127.0.0.1 (and `localhost`), made with `openssl req -x509`
 * at service start. Node's crypto can make keys but not X.509 certificates, and openssl is on every
 * Debian machine that has coturn; the certificate lives one day and only in the service's temp dir.
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RtcspecError } from '../errors.ts'

/** A generated certificate and key, as files and PEM text. */
export interface SelfSignedCert {
  certFile: string
  keyFile: string
  certPem: string
  keyPem: string
}

/** Writes `cert.pem` and `key.pem` into `dir` (EC P-256, CN=127.0.0.1, SAN IP:127.0.0.1, DNS:localhost, 1 day). */
export async function makeSelfSignedCert(dir: string, timeoutMs = 15_000): Promise<SelfSignedCert> {
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  const args = [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]
  await new Promise<void>((resolve, reject) => {
    execFile('openssl', args, { timeout: timeoutMs }, (err, _out, stderr) => {
      if (err) {
        reject(
          new RtcspecError('TLS_CERT', `could not generate a self-signed certificate with openssl: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'openssl not found' : String(stderr || err.message).trim()}`, {
            hint: 'sudo apt-get install -y openssl (or start coturn with { tls: false })',
          }),
        )
      } else resolve()
    })
  })
  return { certFile, keyFile, certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') }
}
