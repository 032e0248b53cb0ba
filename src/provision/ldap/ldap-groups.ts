import type { LdapConfig } from '../../config/config.js';
import type { DirectoryGroup, DirectoryGroups } from '../backends.js';
import { first, list } from './entry-values.js';
import type { IdAllocator } from './id-allocator.js';
import { escapeDnValue } from '../../model/ldap-escape.js';
import { ldapError, ldapResultCode } from './ldap-errors.js';
import { anyEqual, inChunks, searchEntries } from './ldap-search.js';
import { changeValues, deleteEntry, readValuesOrNone } from './member-values.js';
import type { LdapConnection } from './ldap-connection.js';

/** Groups as posixGroup entries with memberUid under `ou=groups`; gidNumbers from the id pool. */
export class LdapGroups implements DirectoryGroups {
  constructor(private readonly client: LdapConnection, private readonly config: Readonly<LdapConfig>, private readonly gids: IdAllocator) {}

  private dn(name: string): string {
    return `cn=${escapeDnValue(name)},${this.config.groupsDn}`;
  }

  async find(names: readonly string[]): Promise<Map<string, DirectoryGroup>> {
    const found = new Map<string, DirectoryGroup>();
    const unique = [...new Set(names.map((n) => n.toLowerCase()))];
    await inChunks(unique, 200, async (chunk) => {
      const filter = anyEqual(chunk.map((n) => ['cn', n] as const));
      for (const e of await searchEntries(this.client, this.config.groupsDn, filter, ['cn', 'gidNumber', 'objectClass'], 'looking up groups', 'one')) {
        if (!list(e.objectClass).some((c) => String(c).toLowerCase() === 'posixgroup')) continue;
        const gid = Number(first(e.gidNumber));
        for (const cn of list(e.cn).map(String)) {
          if (chunk.includes(cn.toLowerCase())) found.set(cn.toLowerCase(), { name: cn, gidNumber: Number.isSafeInteger(gid) ? gid : undefined });
        }
      }
    });
    return found;
  }

  async create(name: string, members: readonly string[]): Promise<{ outcome: 'created' | 'exists'; gidNumber?: number }> {
    const gidNumber = await this.gids.allocate();
    const entry: Record<string, string[]> = { objectClass: ['top', 'posixGroup'], cn: [name], gidNumber: [String(gidNumber)] };
    if (members.length) entry.memberUid = [...new Set(members)];
    try {
      await this.client.add(this.dn(name), entry);
    } catch (err) {
      if (ldapResultCode(err) === 68) return { outcome: 'exists', gidNumber: (await this.find([name])).get(name.toLowerCase())?.gidNumber };
      throw ldapError(err, `adding group ${name}`);
    }
    return { outcome: 'created', gidNumber };
  }

  addMembers(group: string, members: readonly string[]): Promise<string[]> {
    return changeValues(this.client, this.dn(group), 'memberUid', members, 'add', `group ${group}`);
  }

  removeMembers(group: string, members: readonly string[]): Promise<string[]> {
    return changeValues(this.client, this.dn(group), 'memberUid', members, 'delete', `group ${group}`);
  }

  members(group: string): Promise<string[]> {
    return readValuesOrNone(this.client, this.dn(group), 'memberUid', `group ${group}`);
  }

  delete(name: string): Promise<'deleted' | 'gone'> {
    return deleteEntry(this.client, this.dn(name), `group ${name}`);
  }

}
