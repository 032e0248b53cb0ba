import fs from 'node:fs';
import path from 'node:path';
import { runOk } from './process-utils.js';

/** The stack's own certificate: self-signed for 127.0.0.1 and localhost, its own CA. */
export interface StackTls {
  readonly cert: string;
  readonly key: string;
}

/**
 * Makes the certificate once (openssl, ten years), so that slapd (StartTLS,
 * ldaps) and PostgreSQL (sslmode) can be tested with TLS as they run for real.
 * The stack's clients still connect in clear unless a config asks for TLS.
 */
export async function ensureStackTls(root: string): Promise<StackTls> {
  const dir = path.join(root, 'tls');
  const tls = { cert: path.join(dir, 'server.pem'), key: path.join(dir, 'server.key') };
  if (fs.existsSync(tls.cert) && fs.existsSync(tls.key)) return tls;
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  await runOk('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', tls.key, '-out', tls.cert]);
  fs.chmodSync(tls.key, 0o600);
  fs.chmodSync(tls.cert, 0o644);
  return tls;
}
