import { OxprovError } from '../../errors.js';

/** Characters that look like a hyphen; word processors put them into commands copied from documents. */
const DASH_NAMES: Readonly<Record<string, string>> = {
  '-': 'hyphen',
  '\u2010': 'HYPHEN U+2010',
  '\u2011': 'NON-BREAKING HYPHEN U+2011',
  '\u2012': 'FIGURE DASH U+2012',
  '\u2013': 'EN DASH U+2013',
  '\u2014': 'EM DASH U+2014',
  '\u2015': 'HORIZONTAL BAR U+2015',
  '\u2212': 'MINUS SIGN U+2212',
  '\uFE58': 'SMALL EM DASH U+FE58',
  '\uFE63': 'SMALL HYPHEN-MINUS U+FE63',
  '\uFF0D': 'FULLWIDTH HYPHEN-MINUS U+FF0D',
};

const LEADING_DASHES = /^[-\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]+/;

/** True when the token starts with a dash-like character other than the ASCII hyphen. */
export function startsWithTypographicDash(token: string): boolean {
  return /^[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/.test(token);
}

/**
 * Refuses an argument that was meant as an option but does not start with
 * exactly two ASCII hyphens. The paper itself prints `-–username` (hyphen + EN
 * DASH): such an argument must fail loudly, never fall back to a default.
 * Only the option name (up to `=`) is quoted, so a value is never echoed.
 *
 * @throws OxprovError CFG_BAD_DASH
 */
export function checkDashes(token: string): void {
  const lead = LEADING_DASHES.exec(token)?.[0];
  if (lead === undefined || lead === '--' || token === '-' || token === '-h') return;
  const name = token.slice(lead.length).split('=')[0];
  if (lead === '-' && name === '') return;
  const shown = `${lead}${name}`;
  const chars = [...lead].map((c) => DASH_NAMES[c] ?? c).join(' + ');
  throw new OxprovError(
    'CFG_BAD_DASH',
    `argument "${shown}" starts with ${chars} instead of two hyphens (a word processor may have changed them); type --${name}`,
    { field: shown },
  );
}
