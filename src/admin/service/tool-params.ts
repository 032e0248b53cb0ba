import { OxprovError, type ErrorCode } from '../../errors.js';
import { GROUPNAME_RE, USERNAME_RE } from '../../mapping/value-syntax.js';
import type { ToolName } from '../tool-contract.js';
import { findToolOption } from '../tool-definitions.js';

/**
 * Checks on the raw params of a call. The CLI front checks the same shapes
 * already; the daemon's callers are not that front, so the service checks again.
 */

/** Params every tool takes that are not the tool's own data. */
export const CREDENTIAL_PARAMS: readonly string[] = ['adminuser', 'adminpasswd'];

/** @throws OxprovError ADMIN_INVALID_REQUEST for a param the tool does not have (adduser takes any: extra LDAP attributes). */
export function rejectUnknownParams(tool: ToolName, params: Readonly<Record<string, string>>): void {
  if (tool === 'adduser') return;
  const unknown = Object.keys(params).filter((k) => findToolOption(tool, k) === undefined);
  if (unknown.length > 0) {
    throw new OxprovError('ADMIN_INVALID_REQUEST', `${tool} has no option ${unknown.map((k) => `--${k}`).join(', ')}`, { field: unknown[0] });
  }
}

/** A mandatory param, trimmed. Never quotes the value: it may be a password. */
export function requireParam(params: Readonly<Record<string, string>>, name: string): string {
  const value = params[name]?.trim();
  if (!value) throw new OxprovError('ADMIN_INVALID_REQUEST', `--${name} is mandatory`, { field: name });
  return value;
}

/** A comma list, trimmed, without empty items, each name once (compared without case). */
export function listParam(params: Readonly<Record<string, string>>, name: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const item of (params[name] ?? '').split(',').map((s) => s.trim())) {
    if (item === '' || seen.has(item.toLowerCase())) continue;
    seen.add(item.toLowerCase());
    out.push(item);
  }
  return out;
}

/** A mandatory comma list of at least one name of the given shape (user, group or resource names). */
export function nameList(params: Readonly<Record<string, string>>, name: string, kind: 'user' | 'resource'): string[] {
  const items = listParam(params, name);
  if (items.length === 0) throw new OxprovError('ADMIN_INVALID_REQUEST', `--${name} needs at least one ${kind} name`, { field: name });
  for (const item of items) checkName(item, name, kind);
  return items;
}

const CODE: Record<'user' | 'group' | 'resource', ErrorCode> = { user: 'MAP_INVALID_USERNAME', group: 'MAP_INVALID_GROUP', resource: 'MAP_INVALID_VALUE' };

/**
 * Names follow the user-name rule everywhere: they become LDAP RDNs, SQL keys
 * and (for users) IMAP logins, so a narrow alphabet avoids surprises in all three.
 */
export function checkName(value: string, field: string, kind: 'user' | 'group' | 'resource'): string {
  if (!(kind === 'user' ? USERNAME_RE : GROUPNAME_RE).test(value)) {
    throw new OxprovError(CODE[kind], `${kind} name "${value}" must start with a letter or digit and hold only letters, digits, ".", "_", "-" (at most 64)`, { field, value });
  }
  return value;
}
