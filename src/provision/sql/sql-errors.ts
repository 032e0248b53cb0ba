import { OxprovError } from '../../errors.js';

const TRANSIENT_SQLSTATE = /^(08|40001|40P01|53|57P0[123])/;
/** Connection exceptions (08…) and the server shutting down or restarting (57P01–57P03). */
const UNREACHABLE_SQLSTATE = /^(08|57P0[123])/;
const UNREACHABLE_NET = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** Wraps a pg error, keeping the server's SQLSTATE, detail and constraint as fields (and in the message). */
export function sqlError(err: unknown, what: string): OxprovError {
  if (err instanceof OxprovError) return err;
  const e = err as { code?: string; message?: string; detail?: string; constraint?: string };
  const sys = e.code;
  const isSqlState = sys !== undefined && /^[0-9A-Z]{5}$/.test(sys);
  const server = isSqlState ? { sqlState: sys, constraint: e.constraint, detail: e.detail } : undefined;
  if (sys === 'ECONNREFUSED' || sys === 'ENOTFOUND') {
    return new OxprovError('SQL_CONNECT', `${what}: cannot reach PostgreSQL (${sys})`, { backend: 'sql', transient: true, unreachable: true, cause: err });
  }
  if (sys === '28P01' || sys === '28000') return new OxprovError('SQL_CONNECT', `${what}: PostgreSQL refused the credentials (${sys})`, { backend: 'sql', server, cause: err });
  const lost = /terminat|Connection|timeout/i.test(e.message ?? '');
  const unreachable = (isSqlState && UNREACHABLE_SQLSTATE.test(sys)) || (sys !== undefined && UNREACHABLE_NET.has(sys)) || (!isSqlState && lost);
  const transient = unreachable || (isSqlState && TRANSIENT_SQLSTATE.test(sys));
  const extra = [e.detail, e.constraint && `constraint ${e.constraint}`].filter(Boolean).join('; ');
  return new OxprovError(unreachable ? 'SQL_CONNECT' : 'SQL_FAILED', `${what}: ${e.message ?? String(err)}${isSqlState ? ` (SQLSTATE ${sys})` : ''}${extra ? ` — ${extra}` : ''}`,
    { backend: 'sql', transient, unreachable, server, cause: err });
}
