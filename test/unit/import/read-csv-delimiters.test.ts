import { describe, expect, it } from 'vitest';
import { detectDelimiter } from '../../../src/import/detect-delimiter.js';
import { readAll } from './read-all.js';

const ROW = { name: 'jdoe', mail: 'j@x.de', city: 'Berlin' };

describe('delimiters', () => {
  it.each([
    [',', 'name,mail,city\njdoe,j@x.de,Berlin\n'],
    [';', 'name;mail;city\njdoe;j@x.de;Berlin\n'],
    ['\t', 'name\tmail\tcity\njdoe\tj@x.de\tBerlin\n'],
    ['|', 'name|mail|city\njdoe|j@x.de|Berlin\n'],
  ])('detects %j from the header', async (delimiter, text) => {
    const { source, simple } = await readAll(text);
    expect(source.delimiter).toBe(delimiter);
    expect(simple).toEqual([{ line: 2, record: ROW }]);
  });

  it('ignores delimiters inside quoted header names', () => {
    expect(detectDelimiter('"a,b,c";"d,e";f')).toBe(';');
    expect(detectDelimiter('"x;y;z;w",a,b')).toBe(',');
  });

  it('reads a one-column file', async () => {
    const { source, simple } = await readAll('name\njdoe\n');
    expect(source.header).toEqual(['name']);
    expect(simple).toEqual([{ line: 2, record: { name: 'jdoe' } }]);
  });

  it('prefers the comma on a tie', () => {
    expect(detectDelimiter('a,b;c')).toBe(',');
  });

  it('lets the delimiter option override detection', async () => {
    const { source, simple } = await readAll('name;x,mail\njdoe;1,j@x.de\n', { delimiter: ',' });
    expect(source.header).toEqual(['name;x', 'mail']);
    expect(simple).toEqual([{ line: 2, record: { 'name;x': 'jdoe;1', mail: 'j@x.de' } }]);
  });

  it('accepts "tab" for a tab', async () => {
    const { source } = await readAll('a\tb\n1\t2\n', { delimiter: 'tab' });
    expect(source.delimiter).toBe('\t');
  });

  it.each(['"', '\n', ';;', ''])('rejects the delimiter option %j with CFG_INVALID', async (delimiter) => {
    await expect(readAll('a\n', { delimiter })).rejects.toMatchObject({ code: 'CFG_INVALID' });
  });

  it('detects from the first non-blank line', async () => {
    const { source } = await readAll('\n\nname;mail\na;b\n');
    expect(source.delimiter).toBe(';');
  });
});

describe("Excel's sep= line", () => {
  it('names the delimiter and is not the header', async () => {
    const { readAll } = await import('./read-all.js');
    const { simple, source } = await readAll(Buffer.from('sep=;\r\nname;first,middle\r\nMüller;Anna,Maria\r\n', 'utf8'));
    expect(source.header).toEqual(['name', 'first,middle']);
    expect(source.delimiter).toBe(';');
    expect(simple).toEqual([{ line: 3, record: { name: 'Müller', 'first,middle': 'Anna,Maria' } }]);
  });
});
