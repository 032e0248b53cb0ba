import { FoldedHashTable } from '../mapping/folded-hash-table.js';
import type { Directory, DirectoryUser } from '../provision/backends.js';

/** What the user rules ask the directory about a batch; the directory answers by searching, a snapshot from memory. */
export interface UserLookupView {
  findUsers(usernames: readonly string[]): Promise<Map<string, DirectoryUser>>;
  addressOwners(addresses: readonly string[]): Promise<Map<string, string>>;
}

/**
 * Reads every user's name, mail and aliases once (paged), for a large dry run:
 * one pass over the directory instead of a search per batch. Gives up, returning
 * undefined, when the directory holds more than `maxUsers` users — then searching
 * per batch is the cheaper way, and memory stays bounded. The users it answers
 * carry only their mail and mail server: enough for the rules of a dry run.
 */
export async function snapshotDirectory(dir: Directory, maxUsers: number): Promise<(UserLookupView & { size: number }) | undefined> {
  // Names and addresses as 64-bit hashes (see FoldedHashTable) pointing into two arrays:
  // about 60 bytes a user instead of a few hundred for Maps of strings.
  const uids: string[] = [];
  const mails: string[] = [];
  // The mail server of each user: few distinct values, each held once.
  const servers: (string | undefined)[] = [];
  const serverNames = new Map<string, string>();
  const byName = new FoldedHashTable();
  const byAddress = new FoldedHashTable();
  for await (const page of dir.scanUsers(1000)) {
    for (const u of page) {
      const index = uids.length;
      uids.push(u.username);
      mails.push(u.mail);
      if (u.imapServer !== undefined && !serverNames.has(u.imapServer)) serverNames.set(u.imapServer, u.imapServer);
      servers.push(u.imapServer === undefined ? undefined : serverNames.get(u.imapServer));
      byName.setIfAbsent(u.username, index);
      for (const a of u.addresses) byAddress.setIfAbsent(a, index);
    }
    if (uids.length > maxUsers) return undefined;
  }
  return {
    size: uids.length,
    findUsers: async (names) => {
      const out = new Map<string, DirectoryUser>();
      for (const n of names) {
        const i = byName.get(n);
        if (i !== undefined) {
          const server = servers[i];
          out.set(n.toLowerCase(), { dn: '', username: uids[i], attributes: { ...(mails[i] ? { mail: [mails[i]] } : {}), ...(server !== undefined ? { imapServer: [server] } : {}) } });
        }
      }
      return out;
    },
    addressOwners: async (addresses) => {
      const out = new Map<string, string>();
      for (const a of addresses) {
        const i = byAddress.get(a);
        if (i !== undefined) out.set(a.toLowerCase(), uids[i]);
      }
      return out;
    },
  };
}
