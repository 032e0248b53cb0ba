import { OxprovError } from '../../errors.js';
import { validateField } from '../../mapping/validate-field.js';
import type { LdapUser } from '../../provision/ldap/ldap-directory.js';
import { verifyPassword } from '../../provision/ldap/password-hash.js';
import type { ToolResult } from '../tool-contract.js';
import { entryAttribute } from './entry-attribute.js';
import type { ToolContext } from './tool-context.js';
import { requireParam } from './tool-params.js';

/**
 * changepasswd (paper 3.7). A password the user already has is `unchanged`:
 * checked against the stored hash, not by binding as the user, which would
 * count as a failed login under a password policy.
 */
export async function changepasswd(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const user = await existingUser(ctx, requireParam(params, 'username'));
  const password = params.password ?? '';
  const issues = password === ''
    ? [new OxprovError('ADMIN_INVALID_REQUEST', '--password is mandatory', { field: 'password' })]
    : validateField('password', password, { languages: ['EN'] }, { field: 'password', secret: true }).issues;
  if (issues.length > 0) throw issues[0];
  const stored = entryAttribute(user, 'userPassword');
  if (stored !== undefined && verifyPassword(password, stored)) {
    return { status: 'unchanged', message: `changepasswd ${user.username}: the user already has this password`, steps: { ldap: 'exists' } };
  }
  await ctx.dir.setPassword(user.username, password);
  return { status: 'updated', message: `changepasswd ${user.username}: password changed`, steps: { ldap: 'updated' } };
}

/**
 * setquota (paper 3.8): the quota attribute of the entry, in MB. Dovecot 2.3
 * cannot set a quota over IMAP; it reads this attribute at every login, so the
 * new limit applies from the user's next session.
 */
export async function setquota(ctx: ToolContext, params: Readonly<Record<string, string>>): Promise<ToolResult> {
  const username = requireParam(params, 'username');
  const out = validateField('quotasize', requireParam(params, 'quotasize'), { languages: ['EN'] }, { field: 'quotasize' });
  if (out.issues.length > 0) throw out.issues[0];
  const mb = String(out.patch.quotaMB);
  const user = await existingUser(ctx, username);
  const attr = ctx.config.ldap.quotaAttribute;
  if (entryAttribute(user, attr) === mb) {
    return { status: 'unchanged', message: `setquota ${user.username}: quota is already ${mb} MB`, steps: { ldap: 'exists' } };
  }
  await ctx.dir.replaceUserAttributes(user.username, { [attr]: [mb] });
  return { status: 'updated', message: `setquota ${user.username}: quota set to ${mb} MB (applies at the next IMAP login)`, steps: { ldap: 'updated' } };
}

async function existingUser(ctx: ToolContext, username: string): Promise<LdapUser> {
  const user = await ctx.dir.findUser(username);
  if (user === undefined) throw new OxprovError('ADMIN_NO_SUCH_USER', `no user ${username} in the directory`, { field: 'username', value: username });
  return user;
}
