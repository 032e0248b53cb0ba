import type { ClaimContext } from '../mapping/claim-names.js';
import type { MapResult, PreparedRow, RowMapper } from '../mapping/row-mapper.js';
import type { NameLookupCache } from './name-lookup-cache.js';

/**
 * Decides the names of prepared rows in input order, against the directory:
 * one bulk look-up of every row's first choice, then more only for rows whose
 * derived names clash (the next iterations of that row, in growing windows).
 * Every door that reads rows (the import, the sync) decides names here.
 */
export async function claimRows(mapper: RowMapper, rows: readonly PreparedRow[], lookup: NameLookupCache, contextOf: (row: PreparedRow) => ClaimContext = () => ({})): Promise<MapResult[]> {
  const usernames: string[] = [];
  const addresses: string[] = [];
  for (const r of rows) {
    const s = r.first.spec;
    if (r.first.issues.length || r.first.derived.size === 0 && contextOf(r).identity !== 'sync') continue;
    if (s.username !== undefined) usernames.push(s.username);
    if (s.mail !== undefined) addresses.push(s.mail);
    addresses.push(...(s.aliases ?? []));
  }
  if (usernames.length || addresses.length) await lookup.fetch(usernames, addresses);
  const out: MapResult[] = [];
  for (const row of rows) {
    const ctx = contextOf(row);
    let window = 8;
    for (let asked = 0; ; asked++) {
      const r = mapper.claim(row, { ...ctx, lookup, window });
      if (!('need' in r)) {
        out.push(r);
        break;
      }
      // The names asked for are known after a fetch, so a claim never asks twice for the same ones.
      if (asked > 64) throw new Error(`line ${row.line}: the names of the row could not be decided`);
      await lookup.fetch(r.need.usernames, r.need.addresses);
      window *= 4;
    }
  }
  return out;
}
