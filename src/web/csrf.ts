import { timingSafeEqual } from 'node:crypto';
import { OxprovError } from '../errors.js';
import type { Session } from './session-store.js';

/** The header the page sends its CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

/** GET, HEAD and OPTIONS change nothing; every other method needs the token. */
export function changesState(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

/**
 * Checks the session's CSRF token (the synchroniser-token pattern: the page
 * got it at login, a page on another site cannot read it). Compared in
 * constant time.
 * @throws OxprovError WEB_CSRF when the token is missing or wrong.
 */
export function checkCsrf(session: Session, given: string | string[] | undefined): void {
  const value = Array.isArray(given) ? given[0] : given;
  if (value === undefined || value === '') {
    throw new OxprovError('WEB_CSRF', `this request changes something and needs the page's CSRF token (header ${CSRF_HEADER}); reload the page`, { field: CSRF_HEADER });
  }
  const a = Buffer.from(value);
  const b = Buffer.from(session.csrf);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new OxprovError('WEB_CSRF', `the CSRF token (header ${CSRF_HEADER}) does not belong to this session; reload the page`, { field: CSRF_HEADER });
  }
}
