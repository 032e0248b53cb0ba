import { EqualityFilter, OrFilter, type Entry, type Filter } from 'ldapts';
import { ldapError, ldapResultCode } from './ldap-errors.js';
import type { LdapConnection } from './ldap-connection.js';

/** Searches of one lookup in flight at once; with a few batches in flight this stays far below the ~1,000 operations after which slapd drops the connection. */
const CHUNKS_IN_FLIGHT = 4;

/** Runs `each` on consecutive chunks of `items`, a few at a time; rejects with the first failure. */
export async function inChunks<T>(items: readonly T[], size: number, each: (chunk: readonly T[]) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const chunk = items.slice(next, next + size);
      next += size;
      await each(chunk);
    }
  };
  const workers = Math.min(CHUNKS_IN_FLIGHT, Math.ceil(items.length / size));
  await Promise.all(Array.from({ length: workers }, worker));
}

/**
 * `(|(a=v)(b=w)…)` built as filter objects: no escaping, and nothing for ldapts
 * to parse again (parsing a 500-term filter string cost as much as the search).
 * ldapts also builds a debug line with JSON.stringify of every request, whether
 * debugging is on or not; `toJSON` keeps that line short.
 */
export function anyEqual(terms: readonly (readonly [attribute: string, value: string])[]): Filter {
  const filter = new OrFilter({ filters: terms.map(([attribute, value]) => new EqualityFilter({ attribute, value })) });
  return Object.assign(filter, { toJSON: () => `(|${terms.length} equality terms)` });
}

/** A subtree search; a base that does not exist is an empty result. */
export async function searchEntries(client: LdapConnection, base: string, filter: Filter | string, attributes: string[], what: string, scope: 'base' | 'one' | 'sub' = 'sub'): Promise<Entry[]> {
  try {
    return (await client.search(base, { scope, filter, attributes })).searchEntries;
  } catch (err) {
    if (ldapResultCode(err) === 32) return [];
    throw ldapError(err, what);
  }
}
