import { OxprovError } from '../errors.js';
import type { Backends, Directory, GroupwareStore, ResourceKind } from '../provision/backends.js';
import { afterLdap, missingNames, overallStatus, spelled, type ChangeResult } from './change-result.js';

/**
 * The resource rules of the paper's chapter 4, "completely equivalent to users
 * and groups": resources and resource groups in LDAP and SQL. Both kinds share
 * one name space, so every change first makes sure a name is not the other
 * kind: deleting a resource must never delete a resource group.
 */
export class ResourceService {
  constructor(private readonly backends: Backends) {}

  async addResource(name: string, attrs: { mail?: string; description?: string }): Promise<ChangeResult> {
    const { dir, sql } = this.both();
    await this.refuseOtherKind(dir, name, 'resource');
    const ldap = await dir.resources.create(name, attrs);
    const steps = { ldap, sql: await afterLdap('addresource', name, ldap, () => sql.resources.ensure(name, attrs)) };
    return { status: overallStatus(steps, 'exists'), steps, notes: [] };
  }

  /** Also takes the resource out of every resource group (SQL cascades; LDAP is done here). */
  async deleteResource(name: string): Promise<ChangeResult> {
    const { dir, sql } = this.both();
    await this.refuseOtherKind(dir, name, 'resource');
    for (const group of await dir.resources.groupsOf(name)) await dir.resources.removeMembers(group, [name]);
    const ldap = await dir.resources.delete(name);
    const steps = { ldap, sql: await afterLdap('delresource', name, ldap, () => sql.resources.delete(name)) };
    return { status: overallStatus(steps, 'gone'), steps, notes: [] };
  }

  async addGroup(name: string, requested: readonly string[], description?: string): Promise<ChangeResult> {
    const { dir, sql } = this.both();
    const members = await this.existingResources(dir, requested);
    await this.refuseOtherKind(dir, name, 'resourcegroup');
    let ldap: 'created' | 'exists' | 'updated' = await dir.resources.createGroup(name, members, description);
    if (ldap === 'exists') ldap = (await dir.resources.addMembers(name, members)).length ? 'updated' : 'exists';
    const s = await afterLdap('addresourcegroup', name, ldap, () => sql.resources.ensureGroup(name, members, description));
    const steps = { ldap, sql: s.outcome };
    return { status: overallStatus(steps, 'exists'), steps, notes: [] };
  }

  /** The group definition only; its resources stay. */
  async deleteGroup(name: string): Promise<ChangeResult> {
    const { dir, sql } = this.both();
    await this.refuseOtherKind(dir, name, 'resourcegroup');
    const ldap = await dir.resources.delete(name);
    const steps = { ldap, sql: await afterLdap('delresourcegroup', name, ldap, () => sql.resources.deleteGroup(name)) };
    return { status: overallStatus(steps, 'gone'), steps, notes: [] };
  }

  async addMembers(name: string, requested: readonly string[]): Promise<ChangeResult> {
    const { dir, sql } = this.both();
    await this.existingGroup(dir, name);
    const members = await this.existingResources(dir, requested);
    const ldap = (await dir.resources.addMembers(name, members)).length ? 'updated' : 'exists';
    const s = await afterLdap('addmembers2resgroup', name, ldap, () => sql.resources.ensureGroup(name, members));
    const steps = { ldap, sql: s.outcome };
    return { status: overallStatus(steps, 'unchanged'), steps, notes: [] };
  }

  /** Members need not exist any more: a stale member of a deleted resource can be removed. */
  async removeMembers(name: string, requested: readonly string[]): Promise<ChangeResult> {
    const { dir, sql } = this.both();
    await this.existingGroup(dir, name);
    const members = spelled(requested, await dir.resources.find('resource', requested));
    const ldap = (await dir.resources.removeMembers(name, members)).length ? 'updated' : 'gone';
    const removed = await afterLdap('delmembersfromresgroup', name, ldap, () => sql.resources.removeMembers(name, members));
    const steps = { ldap, sql: removed.length ? 'updated' : 'gone' };
    return { status: overallStatus(steps, 'unchanged'), steps, notes: [] };
  }

  /** @throws ADMIN_NO_SUCH_RESOURCE naming every member that is not a resource. */
  private async existingResources(dir: Directory, names: readonly string[]): Promise<string[]> {
    const found = await dir.resources.find('resource', names);
    const missing = missingNames(names, found);
    if (missing.length > 0) {
      throw new OxprovError('ADMIN_NO_SUCH_RESOURCE', `no resource ${missing.join(', ')} in the directory; nothing was changed`, { field: 'members', value: missing.join(',') });
    }
    return spelled(names, found);
  }

  private async existingGroup(dir: Directory, name: string): Promise<void> {
    if (!(await dir.resources.find('resourcegroup', [name])).has(name.toLowerCase())) {
      throw new OxprovError('ADMIN_NO_SUCH_RESOURCE', `no resource group ${name} in the directory`, { field: 'groupname', value: name });
    }
  }

  private async refuseOtherKind(dir: Directory, name: string, kind: ResourceKind): Promise<void> {
    const other: ResourceKind = kind === 'resource' ? 'resourcegroup' : 'resource';
    if ((await dir.resources.find(other, [name])).has(name.toLowerCase())) {
      const is = kind === 'resource' ? 'a resource group' : 'a resource';
      throw new OxprovError('ADMIN_INVALID_REQUEST', `${name} is ${is}; resources and resource groups share one name space`, { field: kind === 'resource' ? 'resourcename' : 'groupname', value: name });
    }
  }

  private both(): { dir: Directory; sql: GroupwareStore } {
    const { directory, groupware } = this.backends;
    if (!directory || !groupware) throw new OxprovError('CFG_INVALID', 'the resource tools need the LDAP and SQL back-ends');
    return { dir: directory, sql: groupware };
  }
}
