import { describe, expect, it } from 'vitest';
import { codes, errorsOf, mapRows, specOf } from './helpers.js';

const HR = {
  columns: { Vorname: 'givenname', Nachname: 'surname', 'E-Mail': 'mail', Telefon: 'telephoneNumber' },
  derive: { username: '{givenname|ascii|lower}.{surname|ascii|lower}', colocrouteaddr: '{username}@localhost' },
  defaults: { language: 'DE', timezone: 'Europe/Berlin' },
  ignore: ['Personalnummer'],
};
const opts = { mappingJson: HR, generatePasswords: true };
const row = (Vorname: string, Nachname: string, mail: string, extra: Record<string, string> = {}) =>
  ({ Personalnummer: '4711', Vorname, Nachname, 'E-Mail': mail, Telefon: '', ...extra });

describe('derive and defaults', () => {
  it('derives the user name with transliteration, then colocrouteaddr from it', () => {
    const spec = specOf(mapRows([row('Jörg', 'Müller-Straße', 'jm@example.de')], opts)[0]);
    expect(spec).toMatchObject({ username: 'joerg.mueller-strasse', colocrouteaddr: 'joerg.mueller-strasse@localhost', language: 'DE', timezone: 'Europe/Berlin' });
  });

  it.each([['Ægir', 'Øystein', 'aegir.oystein'], ['François', 'Lefèvre', 'francois.lefevre'], ['Åsa', "D'Arc", 'asa.darc']])(
    '%s %s → %s', (given, sur, login) => {
      expect(specOf(mapRows([row(given, sur, 'x@example.de')], opts)[0]).username).toBe(login);
    },
  );

  it('resolves rules in any order in the file', () => {
    const reversed = { ...HR, derive: { colocrouteaddr: '{username}@localhost', username: '{surname|ascii|lower}' } };
    expect(specOf(mapRows([row('Anna', 'Weiß', 'aw@example.de')], { ...opts, mappingJson: reversed })[0]).colocrouteaddr).toBe('weiss@localhost');
  });

  it('a value in the row wins over its derive rule and its default', () => {
    const spec = specOf(mapRows([row('Anna', 'Weiß', 'aw@example.de', { username: 'aweiss', language: 'FR' })], opts)[0]);
    expect(spec).toMatchObject({ username: 'aweiss', colocrouteaddr: 'aweiss@localhost', language: 'FR' });
  });

  it('gives colliding derived user names a numeric suffix and says so', () => {
    const results = mapRows([
      row('Hans', 'Müller', 'h1@example.de'), row('Hans', 'Mueller', 'h2@example.de'), row('Hans', 'Müller', 'h3@example.de'),
    ], opts);
    expect(results.map((r) => specOf(r).username)).toEqual(['hans.mueller', 'hans.mueller2', 'hans.mueller3']);
    expect(results.map((r) => specOf(r).colocrouteaddr)).toEqual(['hans.mueller@localhost', 'hans.mueller2@localhost', 'hans.mueller3@localhost']);
    expect(results[0].notes).toEqual([]);
    expect(results[1].notes.join()).toContain('hans.mueller2');
    expect(results[1].notes.join()).toContain('line 2');
    expect(results[2].notes.join()).toContain('hans.mueller3');
  });

  it('skips a suffix already used by an explicit user name', () => {
    const results = mapRows([row('Hans', 'Müller', 'h1@example.de'), row('X', 'Y', 'h2@example.de', { username: 'hans.mueller2' }), row('Hans', 'Müller', 'h3@example.de')], opts);
    expect(specOf(results[2]).username).toBe('hans.mueller3');
  });

  it('keeps suffixed names within 64 characters', () => {
    const long = 'a'.repeat(40);
    const results = mapRows([row(long, 'b'.repeat(23), 'a@example.de'), row(long, 'b'.repeat(23), 'b@example.de')], opts);
    expect(specOf(results[0]).username).toHaveLength(64);
    expect(specOf(results[1]).username).toBe(`${long}.${'b'.repeat(22)}2`);
  });

  it('does not suffix an explicit user name: that is a duplicate', () => {
    const results = mapRows([row('Hans', 'Müller', 'h1@example.de'), row('Hans', 'Müller', 'h2@example.de', { username: 'hans.mueller' })], opts);
    expect(codes(results[1])).toEqual(['MAP_DUPLICATE_USERNAME']);
  });

  it('a mandatory field whose rule lacks a value is MAP_DERIVE_FAILED, not MAP_MISSING_FIELD', () => {
    const r = mapRows([row('', 'Müller', 'h@example.de')], opts)[0];
    expect(errorsOf(r).map((e) => [e.code, e.field])).toEqual([['MAP_DERIVE_FAILED', 'username']]);
  });

  it('a name that transliterates to nothing cannot be derived', () => {
    expect(codes(mapRows([row('!!', 'Müller', 'h@example.de')], opts)[0])).toContain('MAP_DERIVE_FAILED');
  });

  it('an optional field whose rule fails is left out with a note', () => {
    const mapping = { ...HR, derive: { ...HR.derive, displayName: '{givenname} {surname}' } };
    const ok = mapRows([row('Anna', 'Weiß', 'a@example.de')], { ...opts, mappingJson: mapping })[0];
    expect(specOf(ok).attributes.displayName).toEqual(['Anna Weiß']);
    const r = mapRows([row('', 'Weiß', 'a@example.de', { username: 'aweiss' })], { ...opts, mappingJson: mapping })[0];
    expect(specOf(r).attributes.displayName).toBeUndefined();
    expect(r.notes.join()).toMatch(/displayName/);
  });

  it('falls back to the default when a rule fails', () => {
    const mapping = { ...HR, derive: { ...HR.derive, ou: '{title}' }, defaults: { ...HR.defaults, ou: 'Allgemein' } };
    expect(specOf(mapRows([row('Anna', 'Weiß', 'a@example.de')], { ...opts, mappingJson: mapping })[0]).attributes.ou).toEqual(['Allgemein']);
  });

  it('derived values are validated like any other', () => {
    const mapping = { ...HR, derive: { ...HR.derive, mail: '{surname}@example.de' } };
    const r = mapRows([row('Anna', 'Weiß', '')], { ...opts, mappingJson: mapping })[0];
    expect(errorsOf(r)).toMatchObject([{ code: 'MAP_INVALID_MAIL', field: 'mail', value: 'Weiß@example.de' }]);
  });

  it('option defaults apply under the mapping file\'s', () => {
    const spec = specOf(mapRows([row('Anna', 'Weiß', 'a@example.de')], { ...opts, defaults: { country: 'DE', language: 'EN' } })[0]);
    expect(spec).toMatchObject({ country: 'DE', language: 'DE' });
  });

  it('maps unmapped, unignored columns as extra attributes', () => {
    const spec = specOf(mapRows([row('Anna', 'Weiß', 'a@example.de', { Telefon: '+49 89 1234', title: 'Buchhalterin' })], opts)[0]);
    expect(spec.attributes).toEqual({ telephoneNumber: ['+49 89 1234'], title: ['Buchhalterin'] });
  });
});
