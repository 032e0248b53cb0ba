import { ResultCodeError } from 'ldapts';
import { OxprovError } from '../../errors.js';

const UNREACHABLE_NET = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'ENETUNREACH']);

/** Numeric LDAP result code of an ldapts error, if it is one. */
export function ldapResultCode(err: unknown): number | undefined {
  if (err instanceof ResultCodeError) return err.code;
  if (err instanceof OxprovError) return err.server?.ldapResultCode;
  return undefined;
}

/**
 * Wraps any ldapts or socket error in an OxprovError of the LDAP layer. The
 * server's result code is kept as a field (`server.ldapResultCode`); a refused
 * or broken connection is marked `unreachable`.
 */
export function ldapError(err: unknown, what: string): OxprovError {
  if (err instanceof OxprovError) return err;
  const code = ldapResultCode(err);
  const message = err instanceof Error ? err.message : String(err);
  const context = { backend: 'ldap' as const, cause: err, server: code === undefined ? undefined : { ldapResultCode: code } };
  if (code === 49) return new OxprovError('LDAP_AUTH', `${what}: invalid credentials`, context);
  if (code === 32) return new OxprovError('LDAP_NO_SUCH_OBJECT', `${what}: no such entry`, context);
  if (code === 68) return new OxprovError('LDAP_CONFLICT', `${what}: the entry exists already`, context);
  if (code === 17 || code === 21 || code === 65) return new OxprovError('LDAP_SCHEMA', `${what}: ${message} (LDAP result ${code})`, context);
  if (code === undefined) {
    const sys = (err as NodeJS.ErrnoException)?.code;
    // ldapts reports a lost connection as "Connection closed" / a timeout without an errno.
    const unreachable = (sys !== undefined && UNREACHABLE_NET.has(sys)) || /timeout|closed|socket|connect/i.test(message);
    return new OxprovError(sys === 'ECONNREFUSED' ? 'LDAP_CONNECT' : 'LDAP_FAILED', `${what}: ${message}`, { ...context, transient: unreachable, unreachable });
  }
  // 51 busy, 52 unavailable, 80 other: worth another try.
  return new OxprovError('LDAP_FAILED', `${what}: ${message} (LDAP result ${code})`, { ...context, transient: [51, 52, 80].includes(code), unreachable: code === 52 });
}
