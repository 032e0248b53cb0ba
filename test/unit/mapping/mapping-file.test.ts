import { describe, expect, it } from 'vitest';
import { isOxprovError } from '../../../src/errors.js';
import { createRowMapper, parseMapping } from '../../../src/mapping/index.js';
import { LANGUAGES, schema } from './helpers.js';

const GOOD = {
  columns: { Vorname: 'givenname', Nachname: 'surname', 'E-Mail': 'mail', Telefon: 'telephoneNumber' },
  derive: { username: '{givenname|ascii|lower}.{surname|ascii|lower}', colocrouteaddr: '{username}@localhost' },
  defaults: { language: 'DE', timezone: 'Europe/Berlin' },
  ignore: ['Personalnummer'],
};

/** The error a mapping (or the mapper built from it) throws. */
function failure(doc: unknown, withSchema = false) {
  try {
    const mapping = parseMapping(doc);
    if (withSchema) createRowMapper({ languages: LANGUAGES, schema, mapping });
  } catch (err) {
    if (isOxprovError(err)) return { code: err.code, field: err.field };
    throw err;
  }
  throw new Error('expected the mapping to be refused');
}

describe('parseMapping', () => {
  it('parses the documented example, as JSON text too', () => {
    const m = parseMapping(JSON.stringify(GOOD));
    expect(m.columns.get('vorname')).toEqual({ source: 'Vorname', target: 'givenname' });
    expect(m.columns.get('telefon')?.target).toBe('telephoneNumber');
    expect([...m.derive.keys()]).toEqual(['username', 'colocrouteaddr']);
    expect(m.defaults.get('language')).toBe('DE');
    expect(m.ignore.has('personalnummer')).toBe(true);
    expect(() => createRowMapper({ languages: LANGUAGES, schema, mapping: m })).not.toThrow();
  });

  it('normalises field names in targets case-insensitively', () => {
    expect(parseMapping({ columns: { Name: 'SurName' } }).columns.get('name')?.target).toBe('surname');
  });

  it('ignores $-prefixed keys', () => {
    expect(() => parseMapping({ $comment: 'HR export 2024', columns: {} })).not.toThrow();
  });

  it.each([
    ['not JSON', '{columns:', undefined],
    ['not an object', [1, 2], undefined],
    ['unknown top-level key', { colums: {} }, 'colums'],
    ['columns not an object', { columns: ['a'] }, 'columns'],
    ['target not a string', { columns: { A: 1 } }, 'columns.A'],
    ['target with bad syntax', { columns: { A: 'tele phone' } }, 'columns.A'],
    ['source mapped twice (case-insensitive)', { columns: { Mail: 'mail', MAIL: 'alias' } }, 'columns.MAIL'],
    ['two sources to one target', { columns: { A: 'mail', B: 'Mail' } }, 'columns.B'],
    ['mapped and ignored', { columns: { A: 'mail' }, ignore: ['a'] }, 'columns.A'],
    ['ignore not a list', { ignore: 'A' }, 'ignore'],
    ['ignore entry empty', { ignore: ['A', ' '] }, 'ignore[1]'],
    ['template not a string', { derive: { username: 5 } }, 'derive.username'],
    ['template with unknown filter', { derive: { username: '{surname|slug}' } }, 'derive.username'],
    ['template without reference', { derive: { username: 'admin' } }, 'derive.username'],
    ['derived password', { derive: { password: '{surname}123' } }, 'derive.password'],
    ['template reading the password', { derive: { description: 'pw {password}' } }, 'derive.description'],
    ['default password', { defaults: { password: 'Welcome1' } }, 'defaults.password'],
    ['empty default', { defaults: { language: '' } }, 'defaults.language'],
    ['cycle', { derive: { username: '{mail}', mail: '{username}@example.com' } }, 'derive.username'],
    ['self reference', { derive: { username: '{username}1' } }, 'derive.username'],
  ])('refuses %s with MAP_INVALID_MAPPING', (_name, doc, field) => {
    expect(failure(doc)).toEqual({ code: 'MAP_INVALID_MAPPING', field });
  });

  it.each([
    ['column to an attribute not in the schema', { columns: { Telefon: 'telephonNumber' } }, 'columns.Telefon'],
    ['column to a reserved attribute', { columns: { Kennung: 'uid' } }, 'columns.Kennung'],
    ['template referencing an unknown attribute', { derive: { username: '{nickname}' } }, 'derive.username'],
    ['default that fails validation', { defaults: { language: 'IT' } }, 'defaults.language'],
    ['default time zone that is not one', { defaults: { timezone: 'Mars/Olympus' } }, 'defaults.timezone'],
    ['default date attribute that is not a date', { defaults: { birthDay: '1989-12-32' } }, 'defaults.birthDay'],
  ])('refuses %s when checked against the schema', (_name, doc, field) => {
    expect(failure(doc, true)).toEqual({ code: 'MAP_INVALID_MAPPING', field });
  });

  it('refuses options without languages with CFG_INVALID', () => {
    try {
      createRowMapper({ languages: [], schema });
      expect.unreachable();
    } catch (err) {
      expect(isOxprovError(err, 'CFG_INVALID')).toBe(true);
    }
  });
});

describe('translating what an HR system exports', () => {
  it('maps values per field and reads dates in the export\'s format', async () => {
    const { createRowMapper, inMemorySchema, STANDARD_ATTRIBUTES, parseMapping: parse } = await import('../../../src/mapping/index.js');
    const mapping = parse(JSON.stringify({
      columns: { Aktiv: 'activated', Geburtstag: 'birthDay' },
      values: { activated: { ja: 'yes', nein: 'no' } },
      dates: { birthDay: 'DD.MM.YYYY' },
    }));
    const m = createRowMapper({ languages: ['EN'], schema: inMemorySchema([...STANDARD_ATTRIBUTES, { name: 'birthDay' }]), mapping });
    expect(m.header(['username', 'password', 'surname', 'mail', 'colocrouteaddr', 'Aktiv', 'Geburtstag'])).toEqual([]);
    let n = 0;
    const row = (aktiv: string, geb: string) => { n++; return m.map({ username: `u${n}`, password: 'Pw-123456', surname: 'S', mail: `u${n}@t.tux`, colocrouteaddr: 'u@localhost', Aktiv: aktiv, Geburtstag: geb }, n + 1); };
    const ok = row('Nein', '01.04.2009');
    expect(ok.ok && ok.spec).toMatchObject({ activated: false, attributes: { birthDay: ['2009-04-01'] } });
    const bad = row('ja', '2009-04-01');
    expect(bad.ok ? [] : bad.errors.map((e) => [e.code, e.field, e.value])).toEqual([['MAP_INVALID_DATE', 'Geburtstag', '2009-04-01']]);
    const impossible = row('ja', '31.02.2009');
    expect(impossible.ok ? [] : impossible.errors.map((e) => e.code)).toEqual(['MAP_INVALID_DATE']);
  });

  it('refuses a date format without day, month and year', async () => {
    const { parseMapping: parse } = await import('../../../src/mapping/index.js');
    expect(() => parse(JSON.stringify({ dates: { birthDay: 'MM.YYYY' } }))).toThrow(/needs one day/);
  });
});
