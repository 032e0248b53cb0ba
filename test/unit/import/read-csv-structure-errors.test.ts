import { describe, expect, it } from 'vitest';
import { readAll } from './read-all.js';

describe('structure errors', () => {
  it('rejects a row with too few or too many cells at its line and reads the others', async () => {
    const { simple } = await readAll('a;b;c\n1;2;3\n1;2\n1;2;3;4\n4;5;6\n');
    expect(simple).toEqual([
      { line: 2, record: { a: '1', b: '2', c: '3' } },
      { line: 3, code: 'CSV_INCONSISTENT_COLUMNS' },
      { line: 4, code: 'CSV_INCONSISTENT_COLUMNS' },
      { line: 5, record: { a: '4', b: '5', c: '6' } },
    ]);
  });

  it('accepts extra cells when they are empty (Excel pads rows) and drops padding from the header', async () => {
    const { source, simple } = await readAll('a;b;;\n1;2;;\n3;4\n');
    expect(source.header).toEqual(['a', 'b']);
    expect(simple).toEqual([
      { line: 2, record: { a: '1', b: '2' } },
      { line: 3, record: { a: '3', b: '4' } },
    ]);
  });

  it('skips rows whose cells are all empty', async () => {
    const { simple } = await readAll(';;\na;b;c\n;;\n  \n1;2;3\n');
    expect(simple).toEqual([{ line: 5, record: { a: '1', b: '2', c: '3' } }]);
  });

  it('reports an unclosed quote at its opening line and resumes on the next line', async () => {
    const { simple, rows } = await readAll('a,b\n1,2\n"3,4\n5,6\n7,8\n');
    expect(simple).toEqual([
      { line: 2, record: { a: '1', b: '2' } },
      { line: 3, code: 'CSV_UNCLOSED_QUOTE' },
      { line: 4, record: { a: '5', b: '6' } },
      { line: 5, record: { a: '7', b: '8' } },
    ]);
    expect(rows[1].raw).toBe('"3,4');
  });

  it('gives up on a quoted field after maxRecordLines lines', async () => {
    const body = Array.from({ length: 10 }, (_, i) => `r${i},${i}`).join('\n');
    const { simple } = await readAll(`a,b\nx,"open\n${body}\nlast,"ok\n"\n`, { maxRecordLines: 4 });
    expect(simple[0]).toEqual({ line: 2, code: 'CSV_UNCLOSED_QUOTE' });
    expect(simple.slice(1, 11)).toEqual(Array.from({ length: 10 }, (_, i) => ({ line: 3 + i, record: { a: `r${i}`, b: String(i) } })));
    expect(simple[11]).toEqual({ line: 13, record: { a: 'last', b: 'ok\n' } });
  });

  it('keeps a multi-line field within the limit', async () => {
    const { simple } = await readAll('a,b\n1,"x\ny\nz"\n2,3\n', { maxRecordLines: 3 });
    expect(simple).toEqual([
      { line: 2, record: { a: '1', b: 'x\ny\nz' } },
      { line: 5, record: { a: '2', b: '3' } },
    ]);
  });

  it('an unclosed quote that a quote of a later row would close costs its own row only', async () => {
    const { simple } = await readAll('a,b,c\n1,"open,x\n2,y,z\n3,"q, r",s\n4,t,u\n');
    expect(simple).toEqual([
      { line: 2, code: 'CSV_UNCLOSED_QUOTE' },
      { line: 3, record: { a: '2', b: 'y', c: 'z' } },
      { line: 4, record: { a: '3', b: 'q, r', c: 's' } },
      { line: 5, record: { a: '4', b: 't', c: 'u' } },
    ]);
  });

  it('rejects text after a closing quote with CSV_INVALID', async () => {
    const { simple } = await readAll('a,b\n"x"y,1\n2,3\n');
    expect(simple).toEqual([
      { line: 2, code: 'CSV_INVALID' },
      { line: 3, record: { a: '2', b: '3' } },
    ]);
  });

  it('skips an overlong line with CSV_INVALID and reads on', async () => {
    const { simple } = await readAll(['a,b\n1,', 'x'.repeat(300), 'x'.repeat(300), '\n2,3\n'], { maxRecordChars: 200 });
    expect(simple).toEqual([
      { line: 2, code: 'CSV_INVALID' },
      { line: 3, record: { a: '2', b: '3' } },
    ]);
  });

  it('fails on duplicate header names with CSV_DUPLICATE_HEADER', async () => {
    await expect(readAll('mail,name, mail\n1,2,3\n')).rejects.toMatchObject({ code: 'CSV_DUPLICATE_HEADER', field: 'mail' });
  });

  it.each(['', '\n\n', '\r\n  \r\n', ';;;\n'])('fails on a file without header (%j) with CSV_EMPTY', async (text) => {
    await expect(readAll(text)).rejects.toMatchObject({ code: 'CSV_EMPTY' });
  });

  it('fails on an empty name inside the header with CSV_INVALID', async () => {
    await expect(readAll('a,,b\n1,2,3\n')).rejects.toMatchObject({ code: 'CSV_INVALID' });
  });

  it('fails on an unclosed quote in the header', async () => {
    await expect(readAll('"a,b\n1,2\n')).rejects.toMatchObject({ code: 'CSV_UNCLOSED_QUOTE', line: 1 });
  });

  it('fails with CSV_UNREADABLE on a missing file', async () => {
    const { openCsv } = await import('../../../src/import/read-csv.js');
    await expect(openCsv('/nonexistent/users.csv')).rejects.toMatchObject({ code: 'CSV_UNREADABLE' });
  });
});
