import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { openCsv } from '../../../src/import/read-csv.js';
import { Readable } from 'node:stream';
import { cut, readAll } from './read-all.js';

const TEXT = 'name;first;street\r\nMüller;Françoise;Straße\r\nŒuvre;Zoë;€ 5\r\n';
const EXPECTED = [
  { line: 2, record: { name: 'Müller', first: 'Françoise', street: 'Straße' } },
  { line: 3, record: { name: 'Œuvre', first: 'Zoë', street: '€ 5' } },
];

describe('encodings', () => {
  it('reads UTF-8 without BOM', async () => {
    const { simple, source } = await readAll(Buffer.from(TEXT, 'utf8'));
    expect(simple).toEqual(EXPECTED);
    expect(source.encoding).toBe('utf8');
  });

  it('reads UTF-8 with BOM and keeps the BOM out of the first column name', async () => {
    const { simple, source } = await readAll(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)]));
    expect(source.header).toEqual(['name', 'first', 'street']);
    expect(simple).toEqual(EXPECTED);
  });

  it('detects Windows-1252 (not latin1: € and Œ are 0x80 and 0x8C)', async () => {
    const { simple, source } = await readAll(iconv.encode(TEXT, 'windows-1252'));
    expect(simple).toEqual(EXPECTED);
    expect(source.encoding).toBe('windows-1252');
  });

  it('decides on the first non-ASCII byte, even far into the file', async () => {
    const ascii = 'name;first;street\n' + 'smith;john;main st\n'.repeat(5000);
    const bytes = iconv.encode(ascii + 'Müller;Françoise;Straße\n', 'windows-1252');
    const { rows, simple, source } = await readAll(cut(bytes, 1000, 50_000));
    expect(rows).toHaveLength(5001);
    expect(simple.at(-1)).toEqual({ line: 5002, record: { name: 'Müller', first: 'Françoise', street: 'Straße' } });
    expect(source.encoding).toBe('windows-1252');
  });

  it('stays undecided on a pure ASCII file', async () => {
    const { source } = await readAll('a,b\n1,2\n');
    expect(source.encoding).toBeUndefined();
  });

  it('lets the encoding option override detection', async () => {
    // "MÃ¼ller" in Windows-1252 is valid UTF-8 for "Müller"; forcing 1252 reads the bytes as they are.
    const { simple } = await readAll(Buffer.from('name\nMüller\n'), { encoding: 'windows-1252' });
    expect(simple).toEqual([{ line: 2, record: { name: 'MÃ¼ller' } }]);
  });

  it('rejects a row with bytes invalid in UTF-8 when UTF-8 is forced, and reads the others', async () => {
    const bytes = Buffer.concat([Buffer.from('name\nok\n'), iconv.encode('Müller\n', 'windows-1252'), Buffer.from('fine\n')]);
    const { simple } = await readAll(bytes, { encoding: 'utf8' });
    expect(simple).toEqual([
      { line: 2, record: { name: 'ok' } },
      { line: 3, code: 'CSV_ENCODING' },
      { line: 4, record: { name: 'fine' } },
    ]);
  });

  it('rejects UTF-16 with CSV_ENCODING', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n', 'utf16le')]);
    await expect(openCsv(Readable.from([bytes]))).rejects.toMatchObject({ code: 'CSV_ENCODING' });
  });

  it('rejects an unknown encoding option with CFG_INVALID', async () => {
    await expect(openCsv(Readable.from([Buffer.from('a\n')]), { encoding: 'latin1' })).rejects.toMatchObject({ code: 'CFG_INVALID' });
  });
});

describe('chunk boundaries', () => {
  const bytes = Buffer.from('name,city\r\nJürgen,Köln\r\nZoë,Besançon\r\n');
  const ue = bytes.indexOf(Buffer.from('ü'));
  const crlf = bytes.indexOf('\r\n', 12);

  it('joins a multi-byte character and a CRLF cut between chunks', async () => {
    const { simple, source } = await readAll(cut(bytes, ue + 1, crlf + 1));
    expect(simple).toEqual([
      { line: 2, record: { name: 'Jürgen', city: 'Köln' } },
      { line: 3, record: { name: 'Zoë', city: 'Besançon' } },
    ]);
    expect(source.encoding).toBe('utf8');
  });

  it('reads the same whatever the cut, byte by byte included', async () => {
    const expected = (await readAll(bytes)).simple;
    const bytewise = [...bytes].map((b) => Buffer.from([b]));
    expect((await readAll(bytewise)).simple).toEqual(expected);
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    expect((await readAll([...bom].map((b) => Buffer.from([b])))).simple).toEqual(expected);
    const win = iconv.encode(bytes.toString(), 'windows-1252');
    expect((await readAll([...win].map((b) => Buffer.from([b])))).simple).toEqual(expected);
  });

  it('takes a lone lead byte at the very end as Windows-1252', async () => {
    const { simple } = await readAll(Buffer.concat([Buffer.from('name\nab'), Buffer.from([0xe4])]));
    expect(simple).toEqual([{ line: 2, record: { name: 'abä' } }]);
  });
});

describe('a UTF-8 file with a few damaged bytes', () => {
  it('stays UTF-8: the damaged rows are rejected at their lines, the others read right', async () => {
    const good = Buffer.from('name;first;street\nMüller;Françoise;Straße\n', 'utf8');
    const damaged = Buffer.concat([Buffer.from('Sur', 'utf8'), Buffer.from([0xff, 0xfe]), Buffer.from(';Ann;Weg 1\n', 'utf8')]);
    const more = Buffer.from('Weiß;Zoë;Gasse\n', 'utf8');
    const { rows, source } = await readAll(Buffer.concat([good, damaged, more]));
    expect(source.encoding).toBe('utf8');
    const errors = rows.filter((r) => 'error' in r) as { line: number; error: { code: string } }[];
    expect(errors.map((e) => [e.line, e.error.code])).toEqual([[3, 'CSV_ENCODING']]);
    const records = rows.filter((r) => 'record' in r) as { record: Record<string, string> }[];
    expect(records.map((r) => r.record.name)).toEqual(['Müller', 'Weiß']);
  });
});

describe('a file of two encodings', () => {
  const win = iconv.encode('Müller;Jürgen;Weg\n', 'windows-1252');
  const utf = Buffer.from('Müller;Jürgen;Gasse\n', 'utf8');
  const ascii = Buffer.from('Weber;Ana;Platz\n');
  const head = Buffer.from('name;first;street\n');

  it('Windows-1252 first: a later UTF-8 row is rejected at its line, never stored as "MÃ¼ller"', async () => {
    const { simple, source, rows } = await readAll(Buffer.concat([head, win, utf, ascii]));
    expect(source.encoding).toBe('windows-1252');
    expect(simple).toEqual([
      { line: 2, record: { name: 'Müller', first: 'Jürgen', street: 'Weg' } },
      { line: 3, code: 'CSV_ENCODING' },
      { line: 4, record: { name: 'Weber', first: 'Ana', street: 'Platz' } },
    ]);
    expect(('error' in rows[1]) && rows[1].error.message).toContain('written in UTF-8, but the file is Windows-1252');
  });

  it('UTF-8 first: a later Windows-1252 row is rejected at its line', async () => {
    const { simple, source } = await readAll(Buffer.concat([head, utf, win, ascii]));
    expect(source.encoding).toBe('utf8');
    expect(simple.map((r) => ('code' in r ? r.code : r.record.street))).toEqual(['Gasse', 'CSV_ENCODING', 'Platz']);
  });

  it('the first line decides even when the other encoding has more rows, and whatever the chunks', async () => {
    const bytes = Buffer.concat([head, win, utf, utf, utf, ascii]);
    for (const at of [5, 20, 25, 37, 40]) {
      const { simple } = await readAll(cut(bytes, at));
      expect(simple.map((r) => ('code' in r ? r.code : r.record.street))).toEqual(['Weg', 'CSV_ENCODING', 'CSV_ENCODING', 'CSV_ENCODING', 'Platz']);
    }
  });

  it('--encoding windows-1252 reads every row as Windows-1252, as told', async () => {
    const { simple } = await readAll(Buffer.concat([head, win, utf]), { encoding: 'windows-1252' });
    expect(simple.map((r) => ('code' in r ? r.code : r.record.name))).toEqual(['Müller', 'MÃ¼ller']);
  });
});
