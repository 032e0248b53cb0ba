import { OxprovError } from '../../errors.js';
import { createRowMapper, RESERVED_ATTRIBUTES } from '../../mapping/index.js';
import { fieldByName } from '../../mapping/fields.js';
import { validateField } from '../../mapping/validate-field.js';
import { parseSourceOnly } from '../../model/backends.js';
import { overallStatus } from '../change-result.js';
import type { ToolResult } from './tool-contract.js';
import type { ToolContext } from './tool-context.js';
import { checkName } from './tool-params.js';
import { combined, userToolResult } from './tool-result.js';

/** adduser's params that are not data of the user. */
const NOT_USER_DATA = new Set(['adminuser', 'adminpasswd', 'source_only', 'creategroups']);

/**
 * adduser (paper 3.1 and 5.2): the options are a CSV row of one line, mapped
 * and validated by the same row mapper, then provisioned by the same user
 * service as an import row, with the same outcome and codes. Each option is a
 * column, any other key an extra LDAP attribute checked against the directory's
 * schema. The paper's mandatory options are demanded when the call writes LDAP.
 */
export async function adduser(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const only = parseSourceOnly(params.source_only, 'CFG_INVALID', 'source_only');
  const writesLdap = only.includes('ldap');
  const record: Record<string, string> = {};
  // Option names are matched without case (an XML-RPC client may send `Surname`); attribute names keep theirs for the entry.
  for (const [k, v] of Object.entries(params)) if (!NOT_USER_DATA.has(k.toLowerCase())) record[fieldByName(k) ?? k] = v;
  const { users, templates } = ctx.services;
  const schema = users.schema();
  if (schema === undefined) throw new OxprovError('CFG_INVALID', 'adduser needs the directory');
  const mapper = createRowMapper({
    languages: templates.imap.languages,
    imapStyles: templates.imap.styles,
    schema: await schema,
    requireUserData: writesLdap,
    passwordPolicy: ctx.config.passwords,
    // `--mailQuota=…` would bypass --quotasize's check and the quota attribute the IMAP server reads.
    reservedAttributes: [...RESERVED_ATTRIBUTES, ctx.config.ldap.quotaAttribute],
  });
  const headerIssues = mapper.header(Object.keys(record));
  if (headerIssues.length > 0) throw combined(headerIssues);
  const mapped = mapper.map(record, 1);
  if (!mapped.ok) throw combined(mapped.errors);
  const r = await users.provisionUser(mapped.spec, { only, onExisting: 'skip', createGroups: params.creategroups === 'yes' });
  // A failed result never gets this status: userToolResult throws the back-end's error instead.
  return userToolResult('adduser', r, r.status === 'created' || r.status === 'updated' ? r.status : 'exists');
}

/**
 * deluser (paper 3.2): mailbox, folders, SQL row (memberships and permissions
 * cascade) and the LDAP entry (removed from its groups first), or only the
 * back-ends of `--source_only`. A user already gone is a result.
 */
export async function deluser(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const username = checkName(params.username, 'username', 'user');
  const r = await ctx.services.users.deleteUser(username, parseSourceOnly(params.source_only, 'CFG_INVALID', 'source_only'));
  return userToolResult('deluser', r, overallStatus(r.steps, 'gone'));
}

/** changepasswd (paper 3.7). A password the user already has is `unchanged`. */
export async function changepasswd(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const username = checkName(params.username, 'username', 'user');
  const issues = validateField('password', params.password, { languages: ['EN'], passwordPolicy: ctx.config.passwords }, { field: 'password', secret: true }).issues;
  if (issues.length > 0) throw issues[0];
  const outcome = await ctx.services.users.changePassword(username, params.password);
  return outcome === 'exists'
    ? { status: 'unchanged', message: `changepasswd ${username}: the user already has this password`, steps: { ldap: 'exists' } }
    : { status: 'updated', message: `changepasswd ${username}: password changed`, steps: { ldap: 'updated' } };
}

/** setquota (paper 3.8), in MB; applies at the user's next IMAP login. */
export async function setquota(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const username = checkName(params.username, 'username', 'user');
  const out = validateField('quotasize', params.quotasize, { languages: ['EN'] }, { field: 'quotasize' });
  if (out.issues.length > 0) throw out.issues[0];
  const mb = out.patch.quotaMB!;
  const outcome = await ctx.services.users.setQuota(username, mb);
  return outcome === 'exists'
    ? { status: 'unchanged', message: `setquota ${username}: quota is already ${mb} MB`, steps: { ldap: 'exists' } }
    : { status: 'updated', message: `setquota ${username}: quota set to ${mb} MB (applies at the next IMAP login)`, steps: { ldap: 'updated' } };
}

/** showuser: what exists for the user in each back-end. */
export async function showuser(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const username = checkName(params.username, 'username', 'user');
  const details = await ctx.services.users.describe(username);
  return { status: 'exists', message: `showuser ${username}`, details };
}

/** listusers: users by a pattern of name or mail. */
export async function listusers(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const filter = params.filter?.trim() || '*';
  if (/[()\\\0]/.test(filter)) throw new OxprovError('MAP_INVALID_VALUE', '--filter is a user name or address with * for any characters', { field: 'filter', value: filter });
  const limit = params.limit === undefined ? 100 : Number(params.limit);
  const { users, more } = await ctx.services.users.listUsers(filter, limit);
  const details: Record<string, string> = {};
  for (const u of users) details[u.username] = `${u.mail}${u.enabled ? '' : ' (disabled)'}`;
  const count = `${users.length} user${users.length === 1 ? '' : 's'}${more ? ` (more match: raise --limit)` : ''}`;
  return { status: 'exists', message: `listusers ${filter}: ${count}`, details };
}
