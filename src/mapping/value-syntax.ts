/**
 * User names: a letter or digit, then letters, digits, `.`, `_`, `-`; at most 64.
 * Narrower than LDAP allows, on purpose: the name is an IMAP login (no space,
 * no `*` — the master-user separator — no `@`, no quotes), a mailbox path
 * component and part of an LDAP DN (no `,`, `+`, `=`).
 */
export const USERNAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Group names follow the user-name rule: they end up as LDAP `cn` and SQL keys too. */
export const GROUPNAME_RE = USERNAME_RE;

// Dot-atom local part (RFC 5322 without quoted strings, which mail systems reject in practice):
// atoms of these characters, joined by single dots.
const ATOM_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-";
/** 1 atom character, 2 letter or digit (also an atom character), 4 letter: by ASCII code. */
const CHAR_CLASS = new Uint8Array(128);
for (const ch of ATOM_CHARS) CHAR_CLASS[ch.charCodeAt(0)] |= 1;
for (let c = 0x30; c <= 0x39; c++) CHAR_CLASS[c] |= 2;
for (let c = 0x41; c <= 0x5a; c++) CHAR_CLASS[c] |= 2 | 4;
for (let c = 0x61; c <= 0x7a; c++) CHAR_CLASS[c] |= 2 | 4;

const DOT = 0x2e;
const HYPHEN = 0x2d;

/**
 * A deliverable address: dot-atom local part (≤ 64), a domain of at least two
 * ASCII labels with an alphabetic TLD. IDN domains must be given in punycode.
 * `bareHost` also accepts a one-label host, for `colocrouteaddr` (`user@localhost`).
 *
 * Labels are letters, digits and inner hyphens, 1 to 63 long; the TLD is 2 to 63
 * letters, or `xn--` and more. Scanned by hand: it runs three times per imported row.
 */
export function isMailAddress(value: string, bareHost = false): boolean {
  const at = value.lastIndexOf('@');
  if (at < 1 || value.length > 254 || at > 64) return false;
  // Local part: no empty atom (no leading, trailing or doubled dot).
  let atomStart = true;
  for (let i = 0; i < at; i++) {
    const c = value.charCodeAt(i);
    if (c === DOT) {
      if (atomStart) return false;
      atomStart = true;
    } else if (c < 128 && (CHAR_CLASS[c] & 1) !== 0) atomStart = false;
    else return false;
  }
  if (atomStart) return false;
  // Domain: labels between dots.
  let labels = 0;
  let labelStart = at + 1;
  let alphaOnly = true;
  for (let i = at + 1; i <= value.length; i++) {
    const c = i === value.length ? DOT : value.charCodeAt(i);
    if (c === DOT) {
      const len = i - labelStart;
      if (len < 1 || len > 63 || value.charCodeAt(i - 1) === HYPHEN) return false;
      labels++;
      if (i < value.length) {
        labelStart = i + 1;
        alphaOnly = true;
      }
    } else if (c < 128 && (CHAR_CLASS[c] & 2) !== 0) {
      if ((CHAR_CLASS[c] & 4) === 0) alphaOnly = false;
    } else if (c === HYPHEN && i !== labelStart) alphaOnly = false;
    else return false;
  }
  if (bareHost) return true;
  if (labels < 2) return false;
  // The last label, from labelStart: letters only, or punycode.
  const tldLength = value.length - labelStart;
  if (alphaOnly) return tldLength >= 2;
  return tldLength > 4 && value.startsWith('xn--', labelStart);
}

// Regular expressions as constants: a literal in a function body is a new RegExp object per call.
const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DIGITS_RE = /^\d+$/;
const CONTROL_RE = /[\u0000-\u001f\u007f]/;
const CONTROL_BUT_LINE_BREAKS_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** YYYY-MM-DD naming a day that exists: `1989-12-32` and `2023-02-29` do not. */
export function isIsoDate(value: string): boolean {
  const m = ISO_DATE_RE.exec(value);
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
  if (!DIGITS_RE.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Control characters in a one-line value are the trace of a broken export (a quoted line break). */
export function hasControlChars(value: string): boolean {
  return CONTROL_RE.test(value);
}

/** Free-text attributes (description, street, postalAddress…) may span lines; other control characters are still refused. */
export function hasControlCharsBeyondLineBreaks(value: string): boolean {
  return CONTROL_BUT_LINE_BREAKS_RE.test(value);
}

const LOST_CHAR_RE = /\p{L}\?\p{L}/u;

/** A `?` between two letters (`Y?lmaz`): often a character the export could not write in its encoding. */
export function looksLikeLostCharacter(value: string): boolean {
  return LOST_CHAR_RE.test(value);
}

// White space of every kind (tab, NBSP, NEL, ideographic space, …), control and format characters (zero-width space, BOM).
const INVISIBLE_ONLY = /^[\p{White_Space}\p{Cc}\p{Cf}]*$/u;

/**
 * A cell as the mapper reads it: trimmed, and empty when it holds nothing
 * visible, so that a surname of only non-breaking or ideographic spaces is a
 * missing surname, not an invisible one.
 */
export function cellValue(raw: string | undefined): string {
  if (raw === undefined) return '';
  const v = raw.trim();
  return v !== '' && INVISIBLE_ONLY.test(v) ? '' : v;
}
