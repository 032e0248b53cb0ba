import { OxprovError } from '../../errors.js';
import { hasControlChars, isMailAddress } from '../../mapping/value-syntax.js';
import type { ToolResult } from './tool-contract.js';
import type { ToolContext } from './tool-context.js';
import { checkName, nameList } from './tool-params.js';
import { changeToolResult } from './tool-result.js';

/** The group tools of the paper (3.3–3.6) and the resource tools of chapter 4, over the group and resource services. */

const group = (params: Readonly<Record<string, string>>) => checkName(params.groupname, 'groupname', 'group');
const resource = (params: Readonly<Record<string, string>>, field: string) => checkName(params[field], field, 'resource');

export async function addgroup(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = group(params);
  return changeToolResult('addgroup', name, await ctx.services.groups.addGroup(name, nameList(params, 'members', 'user')));
}

export async function delgroup(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = group(params);
  return changeToolResult('delgroup', name, await ctx.services.groups.deleteGroup(name));
}

export async function addmembers2group(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = group(params);
  return changeToolResult('addmembers2group', name, await ctx.services.groups.addMembers(name, nameList(params, 'members', 'user')));
}

export async function delmembersfromgroup(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = group(params);
  return changeToolResult('delmembersfromgroup', name, await ctx.services.groups.removeMembers(name, nameList(params, 'members', 'user')));
}

export async function addresource(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = resource(params, 'resourcename');
  const attrs = { mail: optionalMail(params), description: optionalText(params, 'description') };
  return changeToolResult('addresource', name, await ctx.services.resources.addResource(name, attrs));
}

export async function delresource(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = resource(params, 'resourcename');
  return changeToolResult('delresource', name, await ctx.services.resources.deleteResource(name));
}

export async function addresourcegroup(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = resource(params, 'groupname');
  const members = nameList(params, 'members', 'resource');
  return changeToolResult('addresourcegroup', name, await ctx.services.resources.addGroup(name, members, optionalText(params, 'description')));
}

export async function delresourcegroup(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = resource(params, 'groupname');
  return changeToolResult('delresourcegroup', name, await ctx.services.resources.deleteGroup(name));
}

export async function addmembers2resgroup(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = resource(params, 'groupname');
  return changeToolResult('addmembers2resgroup', name, await ctx.services.resources.addMembers(name, nameList(params, 'members', 'resource')));
}

export async function delmembersfromresgroup(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const name = resource(params, 'groupname');
  return changeToolResult('delmembersfromresgroup', name, await ctx.services.resources.removeMembers(name, nameList(params, 'members', 'resource')));
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
