import { describe, expect, it } from 'vitest';
import { csvData, csvDataRow } from '../../../src/import/csv-write.js';
import { generatePassword } from '../../../src/service/generate-password.js';

describe('generated passwords', () => {
  const many = Array.from({ length: 2000 }, () => generatePassword());

  it('are 16 characters with every class, all different', () => {
    for (const p of many) {
      expect(p).toHaveLength(16);
      expect(p).toMatch(/[a-z]/);
      expect(p).toMatch(/[A-Z]/);
      expect(p).toMatch(/[2-9]/);
      expect(p).toMatch(/[-_.!+=]/);
    }
    expect(new Set(many).size).toBe(many.length);
  });

  it('start with a letter, so no spreadsheet takes one for a formula', () => {
    for (const p of many) expect(p[0]).toMatch(/[A-Za-z]/);
  });
});

describe('exact CSV data cells', () => {
  it('keep a leading = + - as it is, quoting only when needed', () => {
    expect(csvData('=abc')).toBe('=abc');
    expect(csvData('+49 30 1234')).toBe('+49 30 1234');
    expect(csvData('a,b')).toBe('"a,b"');
    expect(csvDataRow(['x', '-y', 'say "hi"'], ';')).toBe('x;-y;"say ""hi"""');
  });
});
