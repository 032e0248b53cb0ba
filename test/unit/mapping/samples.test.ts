import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { createRowMapper, parseMapping } from '../../../src/mapping/index.js';
import { LANGUAGES, schema } from './helpers.js';

const sample = (name: string) => fileURLToPath(new URL(`../../../samples/${name}`, import.meta.url));

describe('samples/hr-export.csv with samples/hr-mapping.json', () => {
  // The CSV layer does this for real; here just enough to feed the mapper.
  const text = iconv.decode(readFileSync(sample('hr-export.csv')), 'windows-1252');
  const [header, ...rows] = parse(text, { delimiter: ';' }) as string[][];
  const mapper = createRowMapper({
    languages: LANGUAGES, schema, generatePasswords: true,
    mapping: parseMapping(readFileSync(sample('hr-mapping.json'), 'utf8')),
  });
  const headerErrors = mapper.header(header);
  const results = rows.map((cells, i) => mapper.map(Object.fromEntries(header.map((h, j) => [h, cells[j]])), i + 2));

  it('is Windows-1252, not UTF-8', () => {
    expect(readFileSync(sample('hr-export.csv')).includes(Buffer.from('ü'))).toBe(false);
    expect(text).toContain('Müller');
    expect(text).toContain('D’Arcy');
  });

  it('imports every row', () => {
    expect(headerErrors).toEqual([]);
    expect(rows.length).toBeGreaterThanOrEqual(12);
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });

  it('derives transliterated, collision-free user names', () => {
    const names = results.map((r) => (r.ok ? r.spec.username : ''));
    expect(names).toEqual(expect.arrayContaining([
      'hans.mueller', 'hans.mueller2', 'juergen.weiss', 'francoise.lefevre', 'chloe.darcy', 'oystein.odegard',
      'soeren.schaefer', 'zoe.baecker', 'anais.cote', 'joerg.gross', 'aegir.lindqvist', 'renee.koenig',
    ]));
    expect(results[3].notes.join()).toContain('hans.mueller2');
  });

  it('maps countries, languages, defaults and attributes', () => {
    const byName = new Map(results.flatMap((r) => (r.ok ? [[r.spec.username, r.spec]] : [])));
    expect(byName.get('soeren.schaefer')).toMatchObject({ country: 'AT', language: 'DE', timezone: 'Europe/Berlin', colocrouteaddr: 'soeren.schaefer@localhost' });
    expect(byName.get('soeren.schaefer')?.attributes.title).toEqual(['Leiter Einkauf; Prokurist']);
    expect(byName.get('francois.gerard')).toMatchObject({ country: 'CH', language: 'FR' });
    expect(byName.get('hans.mueller2')).toMatchObject({ language: 'DE', country: 'DE' });
    expect(byName.get('aegir.lindqvist')).toMatchObject({ language: 'EN', country: 'DE' });
    expect(byName.get('juergen.weiss')?.attributes).toEqual({
      employeeNumber: ['1002'], telephoneNumber: ['+49 30 1234-102'], mobile: ['+49 170 5550102'], ou: ['Buchhaltung'],
      title: ['Buchhalter'], displayName: ['Jürgen Weiß'],
    });
  });
});

describe('the demo data leaves the paper\'s examples runnable', () => {
  it('no sample user has a name or address of the paper\'s examples (chapter 3)', async () => {
    const { PAPER } = await import('../cli/tools/tool-helpers.js');
    const paper = Object.values(PAPER).join(' ');
    const used = new Set([...paper.matchAll(/--(?:username|alias|mail|members)=([^\s\\]+)/g)].flatMap((m) => m[1].split(',')).map((v) => v.toLowerCase()));
    expect(used.has('s.martin@test.tux')).toBe(true);
    const rows = parse(readFileSync(sample('users.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const sampleValues = rows.flatMap((r) => [r.username, r.mail, ...r.alias.split(',')]).map((v) => v.trim().toLowerCase());
    expect(sampleValues.filter((v) => used.has(v))).toEqual([]);
  });
});
