import { OxprovError } from '../../errors.js';
import { hasControlChars, isMailAddress } from '../../mapping/value-syntax.js';
import { escapeFilterValue } from '../../provision/ldap/ldap-escape.js';
import type { ToolResult } from '../tool-contract.js';
import { findNames, missingNames, spelled } from './find-names.js';
import { overallStatus, sqlAfterLdap } from './step-results.js';
import type { ToolContext } from './tool-context.js';
import { checkName, nameList, requireParam } from './tool-params.js';

/**
 * The resource tools of the paper's chapter 4, "completely equivalent to users
 * and groups": resources and resource groups in LDAP (OXResourceObject,
 * OXResourceGroupObject with resourceMember) and SQL. Both kinds share one
 * name space (`cn=<name>,ou=resources`), so every tool first makes sure a name
 * is not the other kind: `delresource` must never delete a resource group.
 */

export async function addresource(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = resourceName(params, 'resourcename');
  await refuseOtherKind(ctx, name, 'resource');
  const attrs = { mail: optionalMail(params), description: optionalText(params, 'description') };
  const ldap = await ctx.groups.ensureResource(name, attrs);
  const steps = { ldap, sql: await sqlAfterLdap('addresource', name, ldap, () => ctx.sqlResources.ensureResource(name, attrs)) };
  return result('addresource', name, steps, overallStatus(steps, 'exists'));
}

/** Also takes the resource out of every resource group (SQL cascades; LDAP is done here). */
export async function delresource(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = resourceName(params, 'resourcename');
  await refuseOtherKind(ctx, name, 'resource');
  const holders = await ctx.dir.search(ctx.config.ldap.resourcesDn,
    `(&(objectClass=OXResourceGroupObject)(resourceMember=${escapeFilterValue(name)}))`, ['cn'], `resource groups of ${name}`);
  for (const g of holders) {
    const cn = Array.isArray(g.cn) ? String(g.cn[0]) : String(g.cn);
    await ctx.groups.removeResourceMembers(cn, [name]);
  }
  const ldap = await ctx.groups.deleteResource(name);
  const steps = { ldap, sql: await sqlAfterLdap('delresource', name, ldap, () => ctx.sqlResources.deleteResource(name)) };
  return result('delresource', name, steps, overallStatus(steps, 'gone'));
}

export async function addresourcegroup(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = resourceName(params, 'groupname');
  const members = await existingResources(ctx, nameList(params, 'members', 'resource'));
  await refuseOtherKind(ctx, name, 'resourcegroup');
  const description = optionalText(params, 'description');
  const ldap = await ctx.groups.ensureResourceGroup(name, members, description);
  const sql = await sqlAfterLdap('addresourcegroup', name, ldap, () => ctx.sqlResources.ensureResourceGroup(name, members, description));
  const steps = { ldap, sql: sql.outcome };
  return result('addresourcegroup', name, steps, overallStatus(steps, 'exists'));
}

/** The group definition only; its resources stay. */
export async function delresourcegroup(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = resourceName(params, 'groupname');
  await refuseOtherKind(ctx, name, 'resourcegroup');
  const ldap = await ctx.groups.deleteResource(name);
  const steps = { ldap, sql: await sqlAfterLdap('delresourcegroup', name, ldap, () => ctx.sqlResources.deleteResourceGroup(name)) };
  return result('delresourcegroup', name, steps, overallStatus(steps, 'gone'));
}

export async function addmembers2resgroup(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = resourceName(params, 'groupname');
  const requested = nameList(params, 'members', 'resource');
  await existingResourceGroup(ctx, name);
  const members = await existingResources(ctx, requested);
  const added = await ctx.groups.addResourceMembers(name, members);
  const ldap = added.length ? 'updated' : 'exists';
  const sql = await sqlAfterLdap('addmembers2resgroup', name, ldap, () => ctx.sqlResources.ensureResourceGroup(name, members));
  const steps = { ldap, sql: sql.outcome };
  return result('addmembers2resgroup', name, steps, overallStatus(steps, 'unchanged'));
}

/** Members need not exist any more: a stale member of a deleted resource can be removed. */
export async function delmembersfromresgroup(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = resourceName(params, 'groupname');
  const requested = nameList(params, 'members', 'resource');
  await existingResourceGroup(ctx, name);
  const members = spelled(requested, await findNames(ctx.dir, 'resource', requested));
  const removed = await ctx.groups.removeResourceMembers(name, members);
  const ldap = removed.length ? 'updated' : 'gone';
  const removedSql = await sqlAfterLdap('delmembersfromresgroup', name, ldap, () => ctx.sqlResources.removeResourceMembers(name, members));
  const steps = { ldap, sql: removedSql.length ? 'updated' : 'gone' };
  return result('delmembersfromresgroup', name, steps, overallStatus(steps, 'unchanged'));
}

function resourceName(params: Readonly<Record<string, string>>, field: string): string {
  return checkName(requireParam(params, field), field, 'resource');
}

function optionalMail(params: Readonly<Record<string, string>>): string | undefined {
  const mail = params.mail?.trim();
  if (!mail) return undefined;
  if (!isMailAddress(mail)) throw new OxprovError('MAP_INVALID_MAIL', `--mail "${mail}" is not a valid e-mail address`, { field: 'mail', value: mail });
  return mail;
}

function optionalText(params: Readonly<Record<string, string>>, field: string): string | undefined {
  const text = params[field]?.trim();
  if (!text) return undefined;
  if (text.length > 256) throw new OxprovError('MAP_TOO_LONG', `--${field} is longer than 256 characters`, { field });
  if (hasControlChars(text)) throw new OxprovError('MAP_INVALID_VALUE', `--${field} contains control characters`, { field });
  return text;
}

/** @throws OxprovError ADMIN_NO_SUCH_RESOURCE naming every member that is not a resource. */
async function existingResources(ctx: ToolContext, names: readonly string[]): Promise<string[]> {
  const found = await findNames(ctx.dir, 'resource', names);
  const missing = missingNames(names, found);
  if (missing.length > 0) {
    throw new OxprovError('ADMIN_NO_SUCH_RESOURCE', `no resource ${missing.join(', ')} in the directory; nothing was changed`, { field: 'members', value: missing.join(',') });
  }
  return spelled(names, found);
}

async function existingResourceGroup(ctx: ToolContext, name: string): Promise<void> {
  if (!(await ctx.groups.resourceExists(name, 'OXResourceGroupObject'))) {
    throw new OxprovError('ADMIN_NO_SUCH_RESOURCE', `no resource group ${name} in the directory`, { field: 'groupname', value: name });
  }
}

async function refuseOtherKind(ctx: ToolContext, name: string, kind: 'resource' | 'resourcegroup'): Promise<void> {
  const other = kind === 'resource' ? 'OXResourceGroupObject' : 'OXResourceObject';
  if (await ctx.groups.resourceExists(name, other)) {
    const is = kind === 'resource' ? 'a resource group' : 'a resource';
    throw new OxprovError('ADMIN_INVALID_REQUEST', `${name} is ${is}; resources and resource groups share one name space`, { field: kind === 'resource' ? 'resourcename' : 'groupname', value: name });
  }
}

function result(tool: string, name: string, steps: Record<string, string>, status: ToolResult['status']): ToolResult {
  return { status, message: `${tool} ${name}: ${status} (ldap ${steps.ldap}, sql ${steps.sql})`, steps };
}
