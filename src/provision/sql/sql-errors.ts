import { OxprovError } from '../../errors.js';

const TRANSIENT_SQLSTATE = /^(08|40001|40P01|53|57P0[123])/;

/** Wraps a pg error, keeping the server's SQLSTATE, detail and constraint in the message. */
export function sqlError(err: unknown, what: string): OxprovError {
  if (err instanceof OxprovError) return err;
  const e = err as { code?: string; message?: string; detail?: string; constraint?: string };
  const sys = e.code;
  if (sys === 'ECONNREFUSED' || sys === 'ENOTFOUND') {
    return new OxprovError('SQL_CONNECT', `${what}: cannot reach PostgreSQL (${sys})`, { backend: 'sql', transient: true, cause: err });
  }
  if (sys === '28P01' || sys === '28000') return new OxprovError('SQL_CONNECT', `${what}: PostgreSQL refused the credentials (${sys})`, { backend: 'sql', cause: err });
  const transient = (sys !== undefined && TRANSIENT_SQLSTATE.test(sys)) || sys === 'ECONNRESET' || /terminat|Connection/i.test(e.message ?? '');
  const extra = [e.detail, e.constraint && `constraint ${e.constraint}`].filter(Boolean).join('; ');
  return new OxprovError('SQL_FAILED', `${what}: ${e.message ?? String(err)}${sys ? ` (SQLSTATE ${sys})` : ''}${extra ? ` — ${extra}` : ''}`, { backend: 'sql', transient, cause: err });
}
