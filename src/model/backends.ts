import { OxprovError, type ErrorCode } from '../errors.js';

/**
 * The back-ends a user lives in, as named by the paper's `--source_only`:
 * LDAP entry, SQL relations and permissions, groupware folders, mailbox. In the
 * order they are provisioned.
 */
export const BACKENDS = ['ldap', 'sql', 'groupware', 'imap'] as const;

export type Backend = (typeof BACKENDS)[number];

/**
 * The paper's `--source_only` value: a comma list of back-ends, in the order they
 * are provisioned; all of them when absent. An empty list or an unknown name
 * throws `code` (the caller's layer) naming the bad item.
 */
export function parseSourceOnly(value: string | undefined, code: ErrorCode, field = 'source_only'): Backend[] {
  if (value === undefined) return [...BACKENDS];
  const items = value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  const bad = items.find((s) => !(BACKENDS as readonly string[]).includes(s));
  if (bad !== undefined || items.length === 0) {
    throw new OxprovError(code, `${field} must be a comma list of ${BACKENDS.join(', ')}${bad === undefined ? '' : `, got "${bad}"`}`, { field, value: bad });
  }
  return BACKENDS.filter((b) => items.includes(b));
}
