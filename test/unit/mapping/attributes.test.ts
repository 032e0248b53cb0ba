import { describe, expect, it } from 'vitest';
import { inMemorySchema, isDateAttribute } from '../../../src/mapping/index.js';
import { codes, errorsOf, mapOne, specOf, VALID } from './helpers.js';

describe('extra LDAP attributes', () => {
  it('use the schema\'s canonical name', () => {
    const spec = specOf(mapOne({ ...VALID, TELEPHONENUMBER: '+49 30 1234', fax: '+49 30 1235' }));
    expect(spec.attributes).toEqual({ telephoneNumber: ['+49 30 1234'], facsimileTelephoneNumber: ['+49 30 1235'] });
  });

  it('keep commas: a cell is one value', () => {
    expect(specOf(mapOne({ ...VALID, street: 'Hauptstraße 1, Hinterhaus' })).attributes.street).toEqual(['Hauptstraße 1, Hinterhaus']);
  });

  it('rejects the paper\'s own 1989-12-32 as a birthDay', () => {
    expect(errorsOf(mapOne({ ...VALID, birthDay: '1989-12-32' }))).toMatchObject([{ code: 'MAP_INVALID_DATE', field: 'birthDay', value: '1989-12-32' }]);
  });

  it('treats *Date names as dates even with a string syntax', () => {
    expect(codes(mapOne({ ...VALID, hireDate: '2024-02-30' }))).toEqual(['MAP_INVALID_DATE']);
    expect(specOf(mapOne({ ...VALID, hireDate: '2024-02-29' })).attributes.hireDate).toEqual(['2024-02-29']);
  });

  it('knows date attributes by syntax or name', () => {
    expect(isDateAttribute({ name: 'x', singleValue: true, syntax: 'date' })).toBe(true);
    expect(isDateAttribute({ name: 'birthday', singleValue: true })).toBe(true);
    expect(isDateAttribute({ name: 'contractEndDate', singleValue: true })).toBe(true);
    expect(isDateAttribute({ name: 'description', singleValue: false })).toBe(false);
  });

  it('check integer and boolean syntaxes', () => {
    expect(codes(mapOne({ ...VALID, badgeCount: 'three' }))).toEqual(['MAP_INVALID_VALUE']);
    expect(specOf(mapOne({ ...VALID, badgeCount: '-3', isExternal: 'yes' })).attributes).toEqual({ badgeCount: ['-3'], isExternal: ['TRUE'] });
    expect(codes(mapOne({ ...VALID, isExternal: 'perhaps' }))).toEqual(['MAP_INVALID_FLAG']);
  });

  it('respect the schema\'s length bound, else 256', () => {
    expect(codes(mapOne({ ...VALID, telephoneNumber: '1'.repeat(33) }))).toEqual(['MAP_TOO_LONG']);
    expect(codes(mapOne({ ...VALID, description: 'd'.repeat(257) }))).toEqual(['MAP_TOO_LONG']);
    expect(mapOne({ ...VALID, description: 'd'.repeat(256) }).ok).toBe(true);
  });

  it('in-memory schema looks names up without case and by alias', () => {
    const s = inMemorySchema(['cn', { name: 'mobile', aliases: ['mobileTelephoneNumber'], singleValue: true }]);
    expect(s.attribute('CN')).toEqual({ name: 'cn', singleValue: false });
    expect(s.attribute('mobiletelephonenumber')?.name).toBe('mobile');
    expect(s.attribute('nope')).toBeUndefined();
  });
});

describe('values an export spoiled', () => {
  it('a line break in a one-line attribute is refused; a description may hold one', async () => {
    const { validateAttribute } = await import('../../../src/mapping/validate-attribute.js');
    const ou = validateAttribute({ name: 'ou', singleValue: false, syntax: 'string' }, 'Forschung\r\nEntwicklung', { line: 7, field: 'ou' });
    expect(ou.issues.map((e) => [e.code, e.line, e.field])).toEqual([['MAP_INVALID_VALUE', 7, 'ou']]);
    expect(validateAttribute({ name: 'description', singleValue: false, syntax: 'string' }, 'two\nlines', { field: 'description' }).value).toBe('two\nlines');
  });

  it('a "?" between letters is a warning in the notes, and the row still passes', async () => {
    const { createRowMapper, inMemorySchema, STANDARD_ATTRIBUTES } = await import('../../../src/mapping/index.js');
    const m = createRowMapper({ languages: ['EN'], schema: inMemorySchema(STANDARD_ATTRIBUTES) });
    m.header(['username', 'password', 'surname', 'mail', 'colocrouteaddr', 'ou']);
    const r = m.map({ username: 'ay', password: 'Pw-123456', surname: 'Y?lmaz', mail: 'ay@t.tux', colocrouteaddr: 'ay@localhost', ou: 'Gesch?ftsf?hrung' }, 2);
    expect(r.ok).toBe(true);
    expect(r.notes.join('\n')).toMatch(/surname "Y\?lmaz" has a "\?" between letters/);
    expect(r.notes.join('\n')).toMatch(/ou "Gesch\?ftsf\?hrung"/);
  });
});
