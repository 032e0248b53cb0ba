import { FoldedHashTable } from '../mapping/folded-hash-table.js';
import { PackedStrings } from '../mapping/packed-strings.js';
import type { Directory, DirectoryUser } from '../provision/backends.js';

/** What the user rules ask the directory about a batch; the directory answers by searching, a snapshot from memory. */
export interface UserLookupView {
  findUsers(usernames: readonly string[]): Promise<Map<string, DirectoryUser>>;
  addressOwners(addresses: readonly string[]): Promise<Map<string, string>>;
}

/** The directory's users read once: the look-ups of the user rules, and which names are there. */
export interface DirectorySnapshot extends UserLookupView {
  readonly size: number;
  /** Which of these names a user has, lower-cased (as Directory.existingUsers, from memory; a user's first uid only). */
  existingUsers(usernames: readonly string[]): Promise<Set<string>>;
}

/**
 * Reads every user's name, mail and aliases once (paged), for a large dry run:
 * one pass over the directory instead of a search per batch. Gives up, returning
 * undefined, when the directory holds more than `maxUsers` users — then searching
 * per batch is the cheaper way, and memory stays bounded. The users it answers
 * carry only their mail and mail server: enough for the rules of a dry run.
 */
export async function snapshotDirectory(dir: Directory, maxUsers: number): Promise<DirectorySnapshot | undefined> {
  // Names and addresses as 64-bit hashes (see FoldedHashTable) pointing into lists kept off the heap
  // (PackedStrings): about 60 bytes a user, none of it on the heap the collector traces and grows.
  const uids = new PackedStrings();
  const mails = new PackedStrings();
  // The mail server of each user, as a number into its few distinct names (0: none).
  let serverOf = new Uint16Array(1024);
  const serverIds = new Map<string, number>();
  const serverNames: string[] = [''];
  const byName = new FoldedHashTable();
  const byAddress = new FoldedHashTable();
  for await (const page of dir.scanUsers(1000)) {
    for (const u of page) {
      const index = uids.push(u.username);
      mails.push(u.mail);
      if (index === serverOf.length) {
        const grown = new Uint16Array(serverOf.length * 2);
        grown.set(serverOf);
        serverOf = grown;
      }
      if (u.imapServer !== undefined) {
        let id = serverIds.get(u.imapServer);
        if (id === undefined && serverNames.length < 0xffff) {
          id = serverNames.push(u.imapServer) - 1;
          serverIds.set(u.imapServer, id);
        }
        // More than 65,534 mail servers: the rest are answered without one (a dry run's mail routing then says so).
        serverOf[index] = id ?? 0;
      }
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
          const mail = mails.get(i);
          const server = serverOf[i] ? serverNames[serverOf[i]] : undefined;
          out.set(n.toLowerCase(), { dn: '', username: uids.get(i), attributes: { ...(mail ? { mail: [mail] } : {}), ...(server !== undefined ? { imapServer: [server] } : {}) } });
        }
      }
      return out;
    },
    existingUsers: async (names) => {
      const out = new Set<string>();
      for (const n of names) if (byName.get(n) !== undefined) out.add(n.toLowerCase());
      return out;
    },
    addressOwners: async (addresses) => {
      const out = new Map<string, string>();
      for (const a of addresses) {
        const i = byAddress.get(a);
        if (i !== undefined) out.set(a.toLowerCase(), uids.get(i));
      }
      return out;
    },
  };
}
