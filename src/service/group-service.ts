import { OxprovError } from '../errors.js';
import type { Backends, Directory, GroupwareStore } from '../provision/backends.js';
import { afterLdap, missingNames, overallStatus, spelled, type ChangeResult } from './change-result.js';

/**
 * The group rules of the paper (3.3–3.6), in LDAP (posixGroup, memberUid) and
 * SQL (groups, group_members). LDAP is where a group is looked up: a group only
 * SQL knows is not found. Members that have no SQL row yet (users provisioned
 * in LDAP only) are linked in LDAP, and the notes say so.
 */
export class GroupService {
  constructor(private readonly backends: Backends, private readonly primaryGroup: string) {}

  /** A group with at least one member; every member must be a user. */
  async addGroup(name: string, requested: readonly string[]): Promise<ChangeResult> {
    const { dir, sql } = this.both();
    const members = await this.existingUsers(dir, requested);
    const found = (await dir.groups.find([name])).get(name.toLowerCase());
    let ldap: 'created' | 'exists' | 'updated';
    let gid = found?.gidNumber;
    if (found) ldap = (await dir.groups.addMembers(found.name, members)).length ? 'updated' : 'exists';
    else {
      const made = await dir.groups.create(name, members);
      gid = made.gidNumber;
      ldap = made.outcome === 'created' ? 'created' : (await dir.groups.addMembers(name, members)).length ? 'updated' : 'exists';
    }
    const s = await afterLdap('addgroup', name, ldap, () => sql.groups.ensure(name, gid, members));
    const steps = { ldap, sql: s.outcome };
    return { status: overallStatus(steps, 'exists'), steps, notes: notLinked(s.withoutRow) };
  }

  /** The definition only; the members stay users. The primary group of every user is refused. */
  async deleteGroup(name: string): Promise<ChangeResult> {
    const { dir, sql } = this.both();
    if (name.toLowerCase() === this.primaryGroup.toLowerCase()) {
      throw new OxprovError('ADMIN_INVALID_REQUEST', `${name} is the primary group of every user and cannot be deleted`, { field: 'groupname', value: name });
    }
    const ldap = await dir.groups.delete(name);
    const steps = { ldap, sql: await afterLdap('delgroup', name, ldap, () => sql.groups.delete(name)) };
    return { status: overallStatus(steps, 'gone'), steps, notes: [] };
  }

  async addMembers(name: string, requested: readonly string[]): Promise<ChangeResult> {
    const { dir, sql } = this.both();
    const group = await this.existingGroup(dir, name);
    const members = await this.existingUsers(dir, requested);
    const ldap = (await dir.groups.addMembers(group.name, members)).length ? 'updated' : 'exists';
    const s = await afterLdap('addmembers2group', name, ldap, () => sql.groups.ensure(group.name, group.gidNumber, members));
    const steps = { ldap, sql: s.outcome };
    return { status: overallStatus(steps, 'unchanged'), steps, notes: notLinked(s.withoutRow) };
  }

  /** Members need not be users any more: removing a deleted user's stale membership must work. */
  async removeMembers(name: string, requested: readonly string[]): Promise<ChangeResult> {
    const { dir, sql } = this.both();
    const group = await this.existingGroup(dir, name);
    const found = await dir.findUsers(requested);
    const members = spelled(requested, new Map([...found].map(([k, u]) => [k, u.username])));
    const ldap = (await dir.groups.removeMembers(group.name, members)).length ? 'updated' : 'gone';
    const removed = await afterLdap('delmembersfromgroup', name, ldap, () => sql.groups.removeMembers(group.name, members));
    const steps = { ldap, sql: removed.length ? 'updated' : 'gone' };
    return { status: overallStatus(steps, 'unchanged'), steps, notes: [] };
  }

  /** The members as the directory spells them. @throws ADMIN_NO_SUCH_USER naming every unknown one. */
  private async existingUsers(dir: Directory, names: readonly string[]): Promise<string[]> {
    const found = new Map([...(await dir.findUsers(names))].map(([k, u]) => [k, u.username]));
    const missing = missingNames(names, found);
    if (missing.length > 0) {
      throw new OxprovError('ADMIN_NO_SUCH_USER', `no user ${missing.join(', ')} in the directory; nothing was changed`, { field: 'members', value: missing.join(',') });
    }
    return spelled(names, found);
  }

  private async existingGroup(dir: Directory, name: string): Promise<{ name: string; gidNumber?: number }> {
    const group = (await dir.groups.find([name])).get(name.toLowerCase());
    if (!group) throw new OxprovError('ADMIN_NO_SUCH_GROUP', `no group ${name} in the directory`, { field: 'groupname', value: name });
    return group;
  }

  private both(): { dir: Directory; sql: GroupwareStore } {
    const { directory, groupware } = this.backends;
    if (!directory || !groupware) throw new OxprovError('CFG_INVALID', 'the group tools need the LDAP and SQL back-ends');
    return { dir: directory, sql: groupware };
  }
}

function notLinked(withoutRow: readonly string[]): string[] {
  return withoutRow.length ? [`not linked in SQL (no database row yet; run addmembers2group again after adduser --source_only=sql): ${withoutRow.join(', ')}`] : [];
}
