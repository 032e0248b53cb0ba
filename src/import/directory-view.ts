import type { LdapDirectory } from '../provision/ldap/ldap-directory.js';

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
  const users = new Map<string, string>();
  const owners = new Map<string, string>();
  const pages = dir.client.searchPaginated(dir.config.ldap.peopleDn, {
    scope: 'sub', filter: '(objectClass=posixAccount)', attributes: ['uid', 'mail', 'alias'], paged: { pageSize: 1000 },
  });
  for await (const page of pages) {
    for (const e of page.searchEntries) {
      const uid = String(first(e.uid) ?? '');
      users.set(uid.toLowerCase(), String(first(e.mail) ?? '').toLowerCase());
      for (const a of [...list(e.mail), ...list(e.alias)]) {
        const key = String(a).toLowerCase();
        if (!owners.has(key)) owners.set(key, uid);
      }
    }
    if (users.size > maxUsers) return undefined;
  }
  return {
    size: users.size,
    existingUsers: async (names) => pick(users, names),
    addressOwners: async (addresses) => pick(owners, addresses),
  };
}

function pick(map: ReadonlyMap<string, string>, keys: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of keys) {
    const key = k.toLowerCase();
    const v = map.get(key);
    if (v !== undefined) out.set(key, v);
  }
  return out;
}

function list(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}
