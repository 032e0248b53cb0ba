import { OxprovError } from '../../errors.js';
import type { ToolResult } from '../tool-contract.js';
import { findNames, missingNames, spelled } from './find-names.js';
import { overallStatus, sqlAfterLdap } from './step-results.js';
import type { ToolContext } from './tool-context.js';
import { checkName, nameList, requireParam } from './tool-params.js';

/**
 * The group tools of the paper (3.3–3.6), in LDAP (posixGroup, memberUid) and
 * in SQL (groups, group_members). LDAP is where a group is looked up: a group
 * only SQL knows is not found. Members that have no SQL row yet (users
 * provisioned in LDAP only) are linked in LDAP, and the message says so.
 */

/** addgroup: a group with at least one member; every member must be a user. */
export async function addgroup(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = groupName(params);
  const members = await existingUsers(ctx, nameList(params, 'members', 'user'));
  const ldap = await ctx.groups.ensureGroup(name, members);
  const sql = await sqlAfterLdap('addgroup', name, ldap.outcome, async () => ctx.sqlGroups.ensureGroup(name, ldap.gidNumber ?? (await gidOf(ctx, name)), members));
  const steps = { ldap: ldap.outcome, sql: sql.outcome };
  return result('addgroup', name, steps, overallStatus(steps, 'exists'), sql.withoutRow);
}

/** delgroup: the definition only; the members stay users. The primary group of every user is refused. */
export async function delgroup(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = groupName(params);
  if (name.toLowerCase() === ctx.config.ldap.usersGroup.toLowerCase()) {
    throw new OxprovError('ADMIN_INVALID_REQUEST', `${name} is the primary group of every user and cannot be deleted`, { field: 'groupname', value: name });
  }
  const ldap = await ctx.groups.deleteGroup(name);
  const steps = { ldap, sql: await sqlAfterLdap('delgroup', name, ldap, () => ctx.sqlGroups.deleteGroup(name)) };
  return result('delgroup', name, steps, overallStatus(steps, 'gone'), []);
}

export async function addmembers2group(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = groupName(params);
  const requested = nameList(params, 'members', 'user');
  await existingGroup(ctx, name);
  const members = await existingUsers(ctx, requested);
  const added = await ctx.groups.addMembers(name, members);
  const ldap = added.length ? 'updated' : 'exists';
  const sql = await sqlAfterLdap('addmembers2group', name, ldap, async () => ctx.sqlGroups.ensureGroup(name, await gidOf(ctx, name), members));
  const steps = { ldap, sql: sql.outcome };
  return result('addmembers2group', name, steps, overallStatus(steps, 'unchanged'), sql.withoutRow);
}

/** Members need not be users any more: removing a deleted user's stale membership must work. */
export async function delmembersfromgroup(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = groupName(params);
  const requested = nameList(params, 'members', 'user');
  await existingGroup(ctx, name);
  const members = spelled(requested, await findNames(ctx.dir, 'user', requested));
  const removed = await ctx.groups.removeMembers(name, members);
  const ldap = removed.length ? 'updated' : 'gone';
  const removedSql = await sqlAfterLdap('delmembersfromgroup', name, ldap, () => ctx.sqlGroups.removeMembers(name, members));
  const steps = { ldap, sql: removedSql.length ? 'updated' : 'gone' };
  return result('delmembersfromgroup', name, steps, overallStatus(steps, 'unchanged'), []);
}

function groupName(params: Readonly<Record<string, string>>): string {
  return checkName(requireParam(params, 'groupname'), 'groupname', 'group');
}

/** The members as the directory spells them. @throws OxprovError ADMIN_NO_SUCH_USER naming every unknown one. */
async function existingUsers(ctx: ToolContext, names: readonly string[]): Promise<string[]> {
  const found = await findNames(ctx.dir, 'user', names);
  const missing = missingNames(names, found);
  if (missing.length > 0) {
    throw new OxprovError('ADMIN_NO_SUCH_USER', `no user ${missing.join(', ')} in the directory; nothing was changed`, { field: 'members', value: missing.join(',') });
  }
  return spelled(names, found);
}

async function existingGroup(ctx: ToolContext, name: string): Promise<void> {
  if (!(await ctx.groups.groupExists(name))) throw new OxprovError('ADMIN_NO_SUCH_GROUP', `no group ${name} in the directory`, { field: 'groupname', value: name });
}

async function gidOf(ctx: ToolContext, name: string): Promise<number | undefined> {
  const e = (await ctx.dir.search(ctx.groups.groupDn(name), '(objectClass=posixGroup)', ['gidNumber'], `reading group ${name}`))[0];
  const gid = Number(Array.isArray(e?.gidNumber) ? e.gidNumber[0] : e?.gidNumber);
  return Number.isSafeInteger(gid) ? gid : undefined;
}

function result(tool: string, name: string, steps: Record<string, string>, status: ToolResult['status'], withoutRow: readonly string[]): ToolResult {
  const note = withoutRow.length ? `; not linked in SQL (no database row yet; run addmembers2group again after adduser --source_only=sql): ${withoutRow.join(', ')}` : '';
  return { status, message: `${tool} ${name}: ${status} (ldap ${steps.ldap}, sql ${steps.sql})${note}`, steps };
}
