import type { ToolResult } from '../tool-contract.js';
import { sourceOnly } from './source-only.js';
import { overallStatus, userToolResult } from './step-results.js';
import type { ToolContext } from './tool-context.js';
import { requireParam } from './tool-params.js';

/**
 * deluser (paper 3.2): mailbox, folders, SQL row (memberships and permissions
 * cascade) and the LDAP entry (removed from its groups' memberUid first), or
 * only the back-ends of `--source_only`. A user already gone is a result.
 */
export async function deluser(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const username = requireParam(params, 'username');
  const r = await ctx.prov.deleteUser(username, sourceOnly(params.source_only));
  return userToolResult('deluser', r, overallStatus(r.steps, 'gone'));
}
