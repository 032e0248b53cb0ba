import { OxprovError } from '../errors.js';
import type { Backend } from '../model/backends.js';

/**
 * Runs `work` on all items; on failure splits them in halves until the failing
 * ones are alone, so one bad user never fails the others (pgloader's batch
 * retry). A back-end that cannot be reached fails everyone alike: no splitting.
 */
export async function bisect<T>(items: readonly T[], work: (part: readonly T[]) => Promise<void>, onFail: (item: T, err: unknown) => void): Promise<void> {
  if (items.length === 0) return;
  try {
    await work(items);
  } catch (err) {
    if (items.length === 1 || (err instanceof OxprovError && err.unreachable)) {
      for (const i of items) onFail(i, err);
      return;
    }
    const mid = Math.ceil(items.length / 2);
    await bisect(items.slice(0, mid), work, onFail);
    await bisect(items.slice(mid), work, onFail);
  }
}

const FAILED_CODE = { ldap: 'LDAP_FAILED', sql: 'SQL_FAILED', groupware: 'SQL_FAILED', imap: 'IMAP_FAILED' } as const;

/** Any thrown value as an OxprovError of the back-end that threw it. */
export function asBackendError(err: unknown, backend: Backend): OxprovError {
  return err instanceof OxprovError ? err : new OxprovError(FAILED_CODE[backend], err instanceof Error ? err.message : String(err), { backend, cause: err });
}
