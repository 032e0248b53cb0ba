import { ResultCodeError } from 'ldapts';
import { OxprovError } from '../../errors.js';

const TRANSIENT_NET = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** Numeric LDAP result code of an ldapts error, if it is one. */
export function ldapResultCode(err: unknown): number | undefined {
  return err instanceof ResultCodeError ? err.code : undefined;
}

/** Wraps any ldapts or socket error in an OxprovError of the LDAP layer, keeping the server's result code in the message. */
export function ldapError(err: unknown, what: string): OxprovError {
  if (err instanceof OxprovError) return err;
  const code = ldapResultCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === 49) return new OxprovError('LDAP_AUTH', `${what}: invalid credentials`, { backend: 'ldap', cause: err });
  if (code === 32) return new OxprovError('LDAP_NO_SUCH_OBJECT', `${what}: no such entry`, { backend: 'ldap', cause: err });
  if (code === 17 || code === 21 || code === 65) return new OxprovError('LDAP_SCHEMA', `${what}: ${message} (LDAP result ${code})`, { backend: 'ldap', cause: err });
  if (code === undefined) {
    const sys = (err as NodeJS.ErrnoException)?.code;
    const transient = (sys !== undefined && TRANSIENT_NET.has(sys)) || /timeout|closed|socket/i.test(message);
    return new OxprovError(sys === 'ECONNREFUSED' ? 'LDAP_CONNECT' : 'LDAP_FAILED', `${what}: ${message}`, { backend: 'ldap', transient, cause: err });
  }
  // 51 busy, 52 unavailable, 80 other: worth another try.
  return new OxprovError('LDAP_FAILED', `${what}: ${message} (LDAP result ${code})`, { backend: 'ldap', transient: [51, 52, 80].includes(code), cause: err });
}
