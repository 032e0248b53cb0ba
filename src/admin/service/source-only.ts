import type { Backend } from '../../errors.js';
import { parseSourceOnly } from '../../provision/user-spec.js';

/**
 * The back-ends of `--source_only` (a comma list of ldap, sql, groupware,
 * imap), in the core's order; all four when absent.
 *
 * @throws OxprovError ADMIN_INVALID_REQUEST for an unknown or empty list.
 */
export function sourceOnly(value: string | undefined): Backend[] {
  return parseSourceOnly(value, 'ADMIN_INVALID_REQUEST');
}
