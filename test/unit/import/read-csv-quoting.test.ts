import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCsv } from '../../../src/import/read-csv.js';
import { readAll } from './read-all.js';

describe('quoting, trimming and line numbers', () => {
  it('reads quoted delimiters, escaped quotes and line breaks (CRLF kept inside the value)', async () => {
    const { simple } = await readAll('a;b;c\r\n"x;y";"say ""hi""";"l1\r\nl2"\r\nnext;2;3\r\n');
    expect(simple).toEqual([
      { line: 2, record: { a: 'x;y', b: 'say "hi"', c: 'l1\r\nl2' } },
      { line: 4, record: { a: 'next', b: '2', c: '3' } },
    ]);
  });

  it('counts a CRLF inside quotes once (csv-parse counts it twice)', async () => {
    const { simple } = await readAll('a,b\r\n"1\r\n2\r\n3",x\r\n\r\nlast,y\r\n');
    expect(simple.map((r) => r.line)).toEqual([2, 6]);
  });

  it('trims unquoted values, keeps quoted spaces, and keeps raw as written', async () => {
    const { rows } = await readAll(' name , mail \n  jdoe ,  " j@x.de "  \n');
    expect(rows[0]).toEqual({ line: 2, record: { name: 'jdoe', mail: ' j@x.de ' }, raw: '  jdoe ,  " j@x.de "  ' });
  });

  it('trims a no-break space (Windows-1252 0xA0) around values', async () => {
    const { simple } = await readAll('a,b\n\u00a0x\u00a0,y\n');
    expect(simple).toEqual([{ line: 2, record: { a: 'x', b: 'y' } }]);
  });

  it('reads a quote inside an unquoted value as a character', async () => {
    const { simple } = await readAll('a,b\n5" disk,x\n');
    expect(simple).toEqual([{ line: 2, record: { a: '5" disk', b: 'x' } }]);
  });

  it('reads empty and trailing fields', async () => {
    const { simple } = await readAll('a,b,c\n"",,\n1,"",3');
    expect(simple).toEqual([{ line: 3, record: { a: '1', b: '', c: '3' } }]);
  });

  it('reads the last line without line break, LF and CRLF mixed, and skips blank lines', async () => {
    const { simple } = await readAll('a,b\r\n1,2\n\n\r\n3,4');
    expect(simple).toEqual([
      { line: 2, record: { a: '1', b: '2' } },
      { line: 5, record: { a: '3', b: '4' } },
    ]);
  });

  it('keeps raw multi-line rows as written, for a re-importable rejected file', async () => {
    const { rows } = await readAll('a,b\r\n"x\r\ny"\r\n');
    expect(rows[0]).toMatchObject({ line: 2, raw: '"x\r\ny"' });
    expect(rows[0]).toHaveProperty('error.code', 'CSV_INCONSISTENT_COLUMNS');
  });

  it('reads a file by path, and close() is safe after the rows were read', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'oxprov-csv-'));
    try {
      const file = path.join(dir, 'users.csv');
      await writeFile(file, 'name;mail\njdoe;j@x.de\n');
      const source = await openCsv(file);
      const rows = [];
      for await (const row of source.rows) rows.push(row);
      expect(rows).toEqual([{ line: 2, record: { name: 'jdoe', mail: 'j@x.de' }, raw: 'jdoe;j@x.de' }]);
      await source.close();
      await source.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('lifecycle', () => {
  it('destroys the input when the consumer stops early', async () => {
    const { Readable } = await import('node:stream');
    const input = Readable.from([Buffer.from('a\n1\n2\n3\n')], { objectMode: true });
    const source = await openCsv(input);
    for await (const row of source.rows) {
      expect(row).toMatchObject({ line: 2 });
      break;
    }
    expect(input.destroyed).toBe(true);
  });

  it('ends the rows quietly when closed while reading', async () => {
    const { Readable } = await import('node:stream');
    const input = new Readable({ read() {} });
    input.push('a\n1\n');
    const source = await openCsv(input);
    const rows = [];
    for await (const row of source.rows) {
      rows.push(row);
      await source.close();
    }
    expect(rows).toHaveLength(1);
  });
});
