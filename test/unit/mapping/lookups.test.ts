import { describe, expect, it } from 'vitest';
import { resolveCountry } from '../../../src/mapping/country.js';
import { resolveLanguage } from '../../../src/mapping/language.js';
import { resolveTimeZone } from '../../../src/mapping/timezone.js';

describe('country', () => {
  it.each([
    ['DE', 'DE'], ['de', 'DE'], ['DEU', 'DE'], ['fra', 'FR'],
    ['Germany', 'DE'], ['Deutschland', 'DE'], ['Allemagne', 'DE'], ['GERMANY', 'DE'],
    ['Österreich', 'AT'], ['Oesterreich', 'AT'], ['Autriche', 'AT'], ['Schweiz', 'CH'], ['Suisse', 'CH'],
    ['Frankreich', 'FR'], ["États-Unis d'Amérique", 'US'], ['Etats-Unis d Amerique', 'US'], ['Vereinigtes Königreich', 'GB'],
  ])('%s → %s', (input, code) => expect(resolveCountry(input)).toBe(code));
  it.each(['XX', 'Atlantis', 'ZZZ', 'Germ'])('refuses %s', (input) => expect(resolveCountry(input)).toBeUndefined());
});

describe('time zone', () => {
  it.each([['Europe/Berlin', 'Europe/Berlin'], ['europe/paris', 'Europe/Paris'], ['Etc/UTC', 'Etc/UTC'], ['UTC', 'UTC'], ['utc', 'UTC']])(
    '%s → %s', (input, tz) => expect(resolveTimeZone(input)).toBe(tz),
  );
  it.each(['Mars/Olympus', 'Berlin', '+01:00', 'GMT+1', 'Europe/Berlin; DROP'])('refuses %s', (input) => expect(resolveTimeZone(input)).toBeUndefined());
});

describe('language', () => {
  const langs = ['EN', 'DE', 'FR'];
  it.each([['DE', 'DE'], ['de', 'DE'], ['de_DE', 'DE'], ['fr-CH', 'FR'], ['en', 'EN']])('%s → %s', (input, l) => expect(resolveLanguage(input, langs)).toBe(l));
  it.each(['IT', 'deutsch', 'it_IT', ''])('refuses %j', (input) => expect(resolveLanguage(input, langs)).toBeUndefined());
  it('knows only the languages passed in', () => expect(resolveLanguage('IT', [...langs, 'IT'])).toBe('IT'));
});
