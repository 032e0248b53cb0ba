import { describe, expect, it } from 'vitest';
import { PackedStrings } from '../../../src/mapping/packed-strings.js';

describe('PackedStrings', () => {
  it('gives back every string pushed, across its buffers growing: ASCII, umlauts, CJK, emoji, the empty string', () => {
    const list = new PackedStrings();
    const samples = ['jdoe', 'jürgen.müller@test.tux', '', '山田太郎', 'x😀y', 'a'.repeat(70_000)];
    const all: string[] = [];
    for (let i = 0; i < 5000; i++) all.push(`${samples[i % samples.length]}${i % 7 === 0 ? '' : i}`);
    const indexes = all.map((s) => list.push(s));
    expect(indexes).toEqual(all.map((_, i) => i));
    expect(list.length).toBe(all.length);
    for (let i = 0; i < all.length; i++) expect(list.get(i)).toBe(all[i]);
  });

  it('refuses an index it does not hold', () => {
    const list = new PackedStrings();
    list.push('a');
    expect(() => list.get(1)).toThrow(new RangeError('no string 1 (of 1)'));
    expect(() => list.get(-1)).toThrow(RangeError);
  });
});
