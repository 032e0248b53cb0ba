/**
 * User names: a letter or digit, then letters, digits, `.`, `_`, `-`; at most 64.
 * Narrower than LDAP allows, on purpose: the name is an IMAP login (no space,
 * no `*` — the master-user separator — no `@`, no quotes), a mailbox path
 * component and part of an LDAP DN (no `,`, `+`, `=`).
 */
export const USERNAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Group names follow the user-name rule: they end up as LDAP `cn` and SQL keys too. */
export const GROUPNAME_RE = USERNAME_RE;

// Dot-atom local part (RFC 5322 without quoted strings, which mail systems reject in practice).
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LOCAL_RE = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`);
const LABEL_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * A deliverable address: dot-atom local part (≤ 64), a domain of at least two
 * ASCII labels with an alphabetic TLD. IDN domains must be given in punycode.
 * `bareHost` also accepts a one-label host, for `colocrouteaddr` (`user@localhost`).
 */
export function isMailAddress(value: string, bareHost = false): boolean {
  const at = value.lastIndexOf('@');
  if (at < 1 || value.length > 254) return false;
  const local = value.slice(0, at);
  const labels = value.slice(at + 1).split('.');
  if (local.length > 64 || !LOCAL_RE.test(local)) return false;
  if (!labels.every((l) => LABEL_RE.test(l))) return false;
  if (bareHost) return true;
  const tld = labels[labels.length - 1];
  return labels.length >= 2 && (/^[A-Za-z]{2,63}$/.test(tld) || /^xn--[A-Za-z0-9-]+$/.test(tld));
}

/** YYYY-MM-DD naming a day that exists: `1989-12-32` and `2023-02-29` do not. */
export function isIsoDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

const FLAGS = new Map<string, boolean>([
  ['yes', true], ['y', true], ['true', true], ['1', true],
  ['no', false], ['n', false], ['false', false], ['0', false],
]);

/** The paper's yes/no, plus the spellings spreadsheets produce; undefined if none of them. */
export function parseFlag(value: string): boolean | undefined {
  return FLAGS.get(value.toLowerCase());
}

/** A non-negative whole number of MB, digits only ("1e3", "-1", "1.5", "10 MB" are refused). */
export function parseQuota(value: string): number | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Control characters in a one-line value are the trace of a broken export (a quoted line break). */
export function hasControlChars(value: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(value);
}

/** Free-text attributes (description, street, postalAddress…) may span lines; other control characters are still refused. */
export function hasControlCharsBeyondLineBreaks(value: string): boolean {
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value);
}
