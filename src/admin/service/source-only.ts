import { OxprovError, type Backend } from '../../errors.js';
import { BACKENDS } from '../../provision/user-spec.js';

/**
 * The back-ends of `--source_only` (a comma list of ldap, sql, groupware,
 * imap), in the core's order; all four when absent.
 *
 * @throws OxprovError ADMIN_INVALID_REQUEST for an unknown or empty list.
 */
export function sourceOnly(value: string | undefined): Backend[] {
  if (value === undefined) return [...BACKENDS];
  const items = value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  const bad = items.find((s) => !(BACKENDS as readonly string[]).includes(s));
  if (bad !== undefined || items.length === 0) {
    throw new OxprovError('ADMIN_INVALID_REQUEST', `--source_only must be a comma list of ${BACKENDS.join(', ')}${bad === undefined ? '' : `; got "${bad}"`}`, {
      field: 'source_only', value: bad,
    });
  }
  return BACKENDS.filter((b) => items.includes(b));
}
