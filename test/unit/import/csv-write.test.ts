import { describe, expect, it } from 'vitest';
import { csvCell, csvRow } from '../../../src/import/csv-write.js';
import { readAll } from './read-all.js';

describe('csvCell', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['l1\nl2', '"l1\nl2"'],
    [' padded ', '" padded "'],
    [null, ''],
    [undefined, ''],
    [42, '42'],
  ])('writes %j as %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it.each([
    ['=1+1', "'=1+1"],
    ['+49 30 1234', "'+49 30 1234"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', `"'\rx"`],
    ['=HYPERLINK("http://evil","x")', `"'=HYPERLINK(""http://evil"",""x"")"`],
  ])('neutralises the formula %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('quotes for the delimiter given', () => {
    expect(csvCell('a;b', ';')).toBe('"a;b"');
    expect(csvCell('a;b')).toBe('a;b');
  });
});

describe('csvRow', () => {
  it('joins cells with the delimiter', () => {
    expect(csvRow(['a', 'b;c', null, '=x'], ';')).toBe(`a;"b;c";;'=x`);
  });

  it('writes what the reader reads back', async () => {
    const values = ['Müller, Jürgen', ' spaced ', 'two\r\nlines', 'say "hi"', ''];
    const text = `${csvRow(['a', 'b', 'c', 'd', 'e'])}\r\n${csvRow(values)}\r\n`;
    const { simple } = await readAll(text);
    expect(simple).toEqual([{ line: 2, record: { a: values[0], b: values[1], c: values[2], d: values[3], e: values[4] } }]);
  });
});
