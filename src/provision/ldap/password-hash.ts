import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type PasswordScheme = 'SSHA' | 'SSHA512';

const ALGORITHM: Record<PasswordScheme, string> = { SSHA: 'sha1', SSHA512: 'sha512' };
const DIGEST_LENGTH: Record<PasswordScheme, number> = { SSHA: 20, SSHA512: 64 };

/** `{SSHA512}base64(digest(password + salt) + salt)`: the form slapd (pw-sha2) and Dovecot verify. */
export function hashPassword(password: string, scheme: PasswordScheme = 'SSHA512'): string {
  const salt = randomBytes(16);
  const digest = createHash(ALGORITHM[scheme]).update(password, 'utf8').update(salt).digest();
  return `{${scheme}}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** Checks a password against a stored `{SSHA}` / `{SSHA512}` value. */
export function verifyPassword(password: string, stored: string): boolean {
  const m = /^\{(SSHA|SSHA512)\}(.+)$/.exec(stored);
  if (!m) return false;
  const scheme = m[1] as PasswordScheme;
  const raw = Buffer.from(m[2], 'base64');
  const n = DIGEST_LENGTH[scheme];
  if (raw.length <= n) return false;
  const digest = createHash(ALGORITHM[scheme]).update(password, 'utf8').update(raw.subarray(n)).digest();
  return timingSafeEqual(digest, raw.subarray(0, n));
}
