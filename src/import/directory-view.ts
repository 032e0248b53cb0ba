import { FoldedHashTable } from '../mapping/folded-hash-table.js';
import type { LdapDirectory } from '../provision/ldap/ldap-directory.js';
import { first, list } from '../provision/ldap/entry-values.js';

/**
 * What the importer asks the directory about a batch of rows: which user names
 * exist (lower-cased name → lower-cased mail) and who owns these addresses
 * (lower-cased address → user name). `LdapDirectory` answers by searching;
 * a snapshot answers from memory.
 */
export interface DirectoryView {
  existingUsers(usernames: readonly string[]): Promise<Map<string, string>>;
  addressOwners(addresses: readonly string[]): Promise<Map<string, string>>;
}

/**
 * Reads every user's name, mail and aliases once (paged), for a large dry run:
 * one pass over the directory instead of a search per batch. Gives up, returning
 * undefined, when the directory holds more than `maxUsers` users — then searching
 * per batch is the cheaper way, and memory stays bounded.
 */
export async function snapshotDirectory(dir: LdapDirectory, maxUsers: number): Promise<(DirectoryView & { size: number }) | undefined> {
  // Names and addresses as 64-bit hashes (see FoldedHashTable) pointing into two arrays:
  // about 60 bytes a user instead of a few hundred for Maps of strings.
  const uids: string[] = [];
  const mails: string[] = [];
  const byName = new FoldedHashTable();
  const byAddress = new FoldedHashTable();
  const pages = dir.client.searchPaginated(dir.config.ldap.peopleDn, {
    scope: 'sub', filter: '(objectClass=posixAccount)', attributes: ['uid', 'mail', 'alias'], paged: { pageSize: 1000 },
  });
  for await (const page of pages) {
    for (const e of page.searchEntries) {
      const index = uids.length;
      uids.push(String(first(e.uid) ?? ''));
      mails.push(String(first(e.mail) ?? '').toLowerCase());
      byName.setIfAbsent(uids[index], index);
      for (const a of [...list(e.mail), ...list(e.alias)]) byAddress.setIfAbsent(String(a), index);
    }
    if (uids.length > maxUsers) return undefined;
  }
  return {
    size: uids.length,
    existingUsers: async (names) => pick(byName, names, (i) => mails[i]),
    addressOwners: async (addresses) => pick(byAddress, addresses, (i) => uids[i]),
  };
}

function pick(table: FoldedHashTable, keys: readonly string[], value: (index: number) => string): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of keys) {
    const index = table.get(k);
    if (index !== undefined) out.set(k.toLowerCase(), value(index));
  }
  return out;
}

