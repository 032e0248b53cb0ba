import countries from 'i18n-iso-countries';
import de from 'i18n-iso-countries/langs/de.json' with { type: 'json' };
import en from 'i18n-iso-countries/langs/en.json' with { type: 'json' };
import fr from 'i18n-iso-countries/langs/fr.json' with { type: 'json' };
import { toAscii } from './transliterate.js';

// Regular expressions as constants: a literal in a function body is a new RegExp object per call.
const MARKS_RE = /\p{M}/gu;
const NOT_ALNUM_RE = /[^a-z0-9]/g;
const ALPHA2_RE = /^[A-Z]{2}$/;
const ALPHA3_RE = /^[A-Z]{3}$/;

// The languages of the folder templates: the names admins will type.
for (const locale of [en, de, fr]) countries.registerLocale(locale);

/* Names are compared without case, accents or punctuation, and also in the
 * ä→ae spelling, so that "Oesterreich", "Etats-Unis d'Amerique" and "GERMANY" match. */
const BY_NAME = new Map<string, string>();
for (const lang of ['en', 'de', 'fr']) {
  for (const [code, names] of Object.entries(countries.getNames(lang, { select: 'all' }))) {
    for (const name of names) {
      for (const key of [fold(name), fold(toAscii(name))]) if (!BY_NAME.has(key)) BY_NAME.set(key, code);
    }
  }
}

function fold(value: string): string {
  return value.normalize('NFD').replace(MARKS_RE, '').toLowerCase().replace(NOT_ALNUM_RE, '');
}

/** Results by input as written: a file names few countries, and names are slow to fold. Emptied when full. */
const MEMO = new Map<string, string | undefined>();
const MEMO_SIZE = 4096;

/**
 * The ISO 3166-1 alpha-2 code for an alpha-2 or alpha-3 code or a country name
 * in English, German or French (as the paper's countrycodes.ox maps names to
 * codes), or undefined.
 */
export function resolveCountry(value: string): string | undefined {
  const known = MEMO.get(value);
  if (known !== undefined || MEMO.has(value)) return known;
  const code = lookUp(value);
  if (MEMO.size >= MEMO_SIZE) MEMO.clear();
  MEMO.set(value, code);
  return code;
}

function lookUp(value: string): string | undefined {
  const upper = value.toUpperCase();
  if (ALPHA2_RE.test(upper) && countries.isValid(upper)) return upper;
  if (ALPHA3_RE.test(upper)) {
    const alpha2 = countries.alpha3ToAlpha2(upper);
    if (alpha2 !== undefined) return alpha2;
  }
  return BY_NAME.get(fold(value)) ?? BY_NAME.get(fold(toAscii(value)));
}
