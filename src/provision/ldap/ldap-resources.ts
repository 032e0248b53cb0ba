import type { LdapConfig } from '../../config/config.js';
import type { DirectoryResources, ResourceKind } from '../backends.js';
import { list } from './entry-values.js';
import { escapeDnValue, escapeFilterValue } from '../../model/ldap-escape.js';
import { ldapError, ldapResultCode } from './ldap-errors.js';
import { anyEqual, inChunks, searchEntries } from './ldap-search.js';
import { changeValues, deleteEntry, readValuesOrNone } from './member-values.js';
import type { LdapConnection } from './ldap-connection.js';

const CLASS: Record<ResourceKind, string> = { resource: 'OXResourceObject', resourcegroup: 'OXResourceGroupObject' };

/**
 * Resources (OXResourceObject) and resource groups (OXResourceGroupObject with
 * resourceMember), the paper's chapter 4, in one name space under `ou=resources`.
 */
export class LdapResources implements DirectoryResources {
  constructor(private readonly client: LdapConnection, private readonly config: Readonly<LdapConfig>) {}

  private dn(name: string): string {
    return `cn=${escapeDnValue(name)},${this.config.resourcesDn}`;
  }

  async find(kind: ResourceKind, names: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const unique = [...new Set(names.map((n) => n.toLowerCase()))];
    await inChunks(unique, 200, async (chunk) => {
      const filter = anyEqual(chunk.map((n) => ['cn', n] as const));
      for (const e of await searchEntries(this.client, this.config.resourcesDn, filter, ['cn', 'objectClass'], `looking up ${kind} names`)) {
        if (!list(e.objectClass).some((c) => String(c).toLowerCase() === CLASS[kind].toLowerCase())) continue;
        for (const cn of list(e.cn).map(String)) if (chunk.includes(cn.toLowerCase())) found.set(cn.toLowerCase(), cn);
      }
    });
    return found;
  }

  create(name: string, attrs: { mail?: string; description?: string }): Promise<'created' | 'exists'> {
    const entry: Record<string, string[]> = { objectClass: ['top', CLASS.resource], cn: [name], resourceAvailable: ['TRUE'] };
    if (attrs.mail) entry.mail = [attrs.mail];
    if (attrs.description) entry.description = [attrs.description];
    return this.add(name, entry, `resource ${name}`);
  }

  createGroup(name: string, members: readonly string[], description?: string): Promise<'created' | 'exists'> {
    const entry: Record<string, string[]> = { objectClass: ['top', CLASS.resourcegroup], cn: [name] };
    if (members.length) entry.resourceMember = [...new Set(members)];
    if (description) entry.description = [description];
    return this.add(name, entry, `resource group ${name}`);
  }

  async groupsOf(resource: string): Promise<string[]> {
    const filter = `(&(objectClass=${CLASS.resourcegroup})(resourceMember=${escapeFilterValue(resource)}))`;
    const entries = await searchEntries(this.client, this.config.resourcesDn, filter, ['cn'], `resource groups of ${resource}`);
    return entries.map((e) => String(list(e.cn)[0]));
  }

  addMembers(group: string, members: readonly string[]): Promise<string[]> {
    return changeValues(this.client, this.dn(group), 'resourceMember', members, 'add', `resource group ${group}`);
  }

  removeMembers(group: string, members: readonly string[]): Promise<string[]> {
    return changeValues(this.client, this.dn(group), 'resourceMember', members, 'delete', `resource group ${group}`);
  }

  members(group: string): Promise<string[]> {
    return readValuesOrNone(this.client, this.dn(group), 'resourceMember', `resource group ${group}`);
  }

  delete(name: string): Promise<'deleted' | 'gone'> {
    return deleteEntry(this.client, this.dn(name), `${name}`);
  }


  private async add(name: string, entry: Record<string, string[]>, what: string): Promise<'created' | 'exists'> {
    try {
      await this.client.add(this.dn(name), entry);
      return 'created';
    } catch (err) {
      if (ldapResultCode(err) === 68) return 'exists';
      throw ldapError(err, `adding ${what}`);
    }
  }
}
