import type { Backend } from '../../errors.js';
import type { OnExisting } from '../../provision/provisioner.js';
import type { ToolResult } from '../tool-contract.js';
import { adduserSpec } from './adduser-spec.js';
import { sourceOnly } from './source-only.js';
import { userToolResult } from './step-results.js';
import type { ToolContext } from './tool-context.js';

/**
 * adduser (paper 3.1 and 5.2): validates the options, then provisions the
 * back-ends asked for.
 *
 * - A call that writes LDAP leaves an existing user as it is (`exists`) and
 *   completes what is missing elsewhere.
 * - A call that does not write LDAP takes the user's data from the entry and
 *   brings the SQL row in line with it and the options given (`updated`): it is
 *   the call the paper makes to set up the database for a directory user.
 * - `--source_only=groupware` for a user without a SQL row writes that row
 *   first: the paper's 5.2 creates the folders before the relations, and a
 *   folder needs its owner's row.
 * - Extra LDAP attributes are validated on every call but written only by the
 *   ldap step.
 */
export async function adduser(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const asked = sourceOnly(params.source_only);
  const { spec, entry } = await adduserSpec(params, asked, { config: ctx.config, dir: ctx.dir, templates: ctx.prov.imapTemplates });
  const only: Backend[] = [...asked];
  if (only.includes('groupware') && !only.includes('sql') && !(await hasSqlRow(ctx, spec.username))) only.splice(only.indexOf('groupware'), 0, 'sql');
  const onExisting: OnExisting = only.includes('ldap') ? 'skip' : 'update';
  const r = await ctx.prov.provisionUser(spec, { only, onExisting });
  // Without the ldap step the core does not know the uidNumber; the entry does.
  if (entry?.uidNumber !== undefined && r.steps.sql !== undefined && r.steps.sql !== 'failed') {
    await ctx.sql.query('UPDATE users SET uid_number = $2 WHERE username = $1 AND uid_number IS DISTINCT FROM $2', [spec.username, entry.uidNumber], `recording the uidNumber of ${spec.username}`);
  }
  // A failed result never gets this status: userToolResult throws the back-end's error instead.
  return userToolResult('adduser', r, r.status === 'failed' ? 'exists' : r.status);
}

async function hasSqlRow(ctx: ToolContext, username: string): Promise<boolean> {
  return (await ctx.sql.query('SELECT 1 FROM users WHERE username = $1', [username], `looking up ${username} in SQL`)).rowCount !== 0;
}
