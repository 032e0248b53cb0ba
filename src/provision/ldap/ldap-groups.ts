import { Attribute, Change } from 'ldapts';
import { OxprovError } from '../../errors.js';
import type { LdapDirectory } from './ldap-directory.js';
import { escapeDnValue, escapeFilterValue } from './ldap-escape.js';
import { ldapError, ldapResultCode } from './ldap-errors.js';

/**
 * Groups (posixGroup with memberUid) and resources in the directory. Adding a
 * member twice or removing one that is gone are results, not errors.
 */
export class LdapGroups {
  constructor(private readonly dir: LdapDirectory) {}

  groupDn(name: string): string {
    return `cn=${escapeDnValue(name)},${this.dir.config.ldap.groupsDn}`;
  }

  resourceDn(name: string): string {
    return `cn=${escapeDnValue(name)},${this.dir.config.ldap.resourcesDn}`;
  }

  async groupExists(name: string): Promise<boolean> {
    return (await this.dir.search(this.dir.config.ldap.groupsDn, `(&(objectClass=posixGroup)(cn=${escapeFilterValue(name)}))`, ['cn'], `looking up group ${name}`)).length > 0;
  }

  /** Creates the group with these members, or adds them to an existing one. */
  async ensureGroup(name: string, members: readonly string[]): Promise<{ outcome: 'created' | 'exists' | 'updated'; gidNumber?: number }> {
    if (await this.groupExists(name)) {
      const added = await this.addMembers(name, members);
      return { outcome: added.length ? 'updated' : 'exists' };
    }
    const gidNumber = await this.dir.allocateGid();
    const entry: Record<string, string[]> = { objectClass: ['top', 'posixGroup'], cn: [name], gidNumber: [String(gidNumber)] };
    if (members.length) entry.memberUid = [...new Set(members)];
    try {
      await this.dir.client.add(this.groupDn(name), entry);
    } catch (err) {
      if (ldapResultCode(err) === 68) return { outcome: (await this.addMembers(name, members)).length ? 'updated' : 'exists' };
      throw ldapError(err, `adding group ${name}`);
    }
    return { outcome: 'created', gidNumber };
  }

  async deleteGroup(name: string): Promise<'deleted' | 'gone'> {
    return this.deleteEntry(this.groupDn(name), `group ${name}`);
  }

  /** Adds members one value at a time so that one already present does not reject the others. Returns those added. */
  addMembers(group: string, members: readonly string[]): Promise<string[]> {
    return this.changeValues(this.groupDn(group), 'memberUid', members, 'add', `group ${group}`);
  }

  removeMembers(group: string, members: readonly string[]): Promise<string[]> {
    return this.changeValues(this.groupDn(group), 'memberUid', members, 'delete', `group ${group}`);
  }

  async members(group: string): Promise<string[]> {
    const e = (await this.dir.search(this.groupDn(group), '(objectClass=*)', ['memberUid'], `reading group ${group}`))[0];
    const v = e?.memberUid;
    return v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String);
  }

  async ensureResource(name: string, attrs: { mail?: string; description?: string }): Promise<'created' | 'exists'> {
    const entry: Record<string, string[]> = { objectClass: ['top', 'OXResourceObject'], cn: [name], resourceAvailable: ['TRUE'] };
    if (attrs.mail) entry.mail = [attrs.mail];
    if (attrs.description) entry.description = [attrs.description];
    return this.addEntry(this.resourceDn(name), entry, `resource ${name}`);
  }

  async ensureResourceGroup(name: string, members: readonly string[], description?: string): Promise<'created' | 'exists' | 'updated'> {
    const entry: Record<string, string[]> = { objectClass: ['top', 'OXResourceGroupObject'], cn: [name] };
    if (members.length) entry.resourceMember = [...new Set(members)];
    if (description) entry.description = [description];
    const outcome = await this.addEntry(this.resourceDn(name), entry, `resource group ${name}`);
    if (outcome === 'created') return outcome;
    return (await this.addResourceMembers(name, members)).length ? 'updated' : 'exists';
  }

  deleteResource(name: string): Promise<'deleted' | 'gone'> {
    return this.deleteEntry(this.resourceDn(name), `resource ${name}`);
  }

  addResourceMembers(group: string, members: readonly string[]): Promise<string[]> {
    return this.changeValues(this.resourceDn(group), 'resourceMember', members, 'add', `resource group ${group}`);
  }

  removeResourceMembers(group: string, members: readonly string[]): Promise<string[]> {
    return this.changeValues(this.resourceDn(group), 'resourceMember', members, 'delete', `resource group ${group}`);
  }

  async resourceExists(name: string, kind: 'OXResourceObject' | 'OXResourceGroupObject'): Promise<boolean> {
    return (await this.dir.search(this.dir.config.ldap.resourcesDn, `(&(objectClass=${kind})(cn=${escapeFilterValue(name)}))`, ['cn'], `looking up ${name}`)).length > 0;
  }

  private async addEntry(dn: string, entry: Record<string, string[]>, what: string): Promise<'created' | 'exists'> {
    try {
      await this.dir.client.add(dn, entry);
      return 'created';
    } catch (err) {
      if (ldapResultCode(err) === 68) return 'exists';
      throw ldapError(err, `adding ${what}`);
    }
  }

  private async deleteEntry(dn: string, what: string): Promise<'deleted' | 'gone'> {
    try {
      await this.dir.client.del(dn);
      return 'deleted';
    } catch (err) {
      if (ldapResultCode(err) === 32) return 'gone';
      throw ldapError(err, `deleting ${what}`);
    }
  }

  private async changeValues(dn: string, type: string, values: readonly string[], operation: 'add' | 'delete', what: string): Promise<string[]> {
    const changed: string[] = [];
    for (const value of new Set(values)) {
      try {
        await this.dir.client.modify(dn, [new Change({ operation, modification: new Attribute({ type, values: [value] }) })]);
        changed.push(value);
      } catch (err) {
        const code = ldapResultCode(err);
        if (code === 20 || code === 16) continue; // 20: value already there; 16: value not there
        if (code === 32) throw new OxprovError(what.startsWith('group') ? 'ADMIN_NO_SUCH_GROUP' : 'ADMIN_NO_SUCH_RESOURCE', `no ${what}`, { backend: 'ldap' });
        throw ldapError(err, `${operation === 'add' ? 'adding to' : 'removing from'} ${what}`);
      }
    }
    return changed;
  }
}
