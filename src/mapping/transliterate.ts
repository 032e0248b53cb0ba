import transliterate from '@sindresorhus/transliterate';

// Regular expressions as constants: a literal in a function body is a new RegExp object per call.
const NOT_LOGIN_RE = /[^A-Za-z0-9._-]/g;

/*
 * Pinned here rather than left to the library's defaults or a `locale`: German
 * and French admins expect ä→ae even in names from other languages, and the
 * Scandinavian letters to lose their mark (ø→o, å→a), whatever the library's
 * per-locale tables say in a future version.
 */
const REPLACEMENTS: ReadonlyArray<[string, string]> = [
  ['Ä', 'Ae'], ['ä', 'ae'], ['Ö', 'Oe'], ['ö', 'oe'], ['Ü', 'Ue'], ['ü', 'ue'],
  ['ß', 'ss'], ['ẞ', 'SS'], ['Æ', 'Ae'], ['æ', 'ae'], ['Œ', 'Oe'], ['œ', 'oe'],
  ['Ø', 'O'], ['ø', 'o'], ['Å', 'A'], ['å', 'a'],
];

/**
 * A value as German/French admins spell it in a login or an address: umlauts
 * and ligatures expanded, accents dropped, then everything but letters,
 * digits, `.`, `_` and `-` removed (spaces and apostrophes too: "D'Arc" → "DArc").
 * Case is kept; the `lower` filter is separate.
 */
export function toAscii(value: string): string {
  // NFC first: exports from macOS tools carry decomposed umlauts (u + U+0308).
  const latin = transliterate(value.normalize('NFC'), { customReplacements: REPLACEMENTS });
  return latin.replace(NOT_LOGIN_RE, '');
}
