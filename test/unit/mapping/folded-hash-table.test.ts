import { describe, expect, it } from 'vitest';
import { FoldedHashTable } from '../../../src/mapping/folded-hash-table.js';
import { SeenTracker } from '../../../src/mapping/index.js';

describe('FoldedHashTable', () => {
  it('keeps the first value of a key and compares without case', () => {
    const t = new FoldedHashTable();
    expect(t.setIfAbsent('Anna@Example.ORG', 7)).toBe(true);
    expect(t.setIfAbsent('anna@example.org', 9)).toBe(false);
    expect(t.get('ANNA@EXAMPLE.ORG')).toBe(7);
    expect(t.get('anna@example.or')).toBeUndefined();
    expect(t.size).toBe(1);
  });

  it('folds non-ASCII letters as toLowerCase() does', () => {
    const t = new FoldedHashTable();
    t.setIfAbsent('JÜRGEN.WEIß', 1);
    t.setIfAbsent('ΟΔΥΣΣΕΥΣ', 2);
    t.setIfAbsent('İstanbul', 3);
    expect(t.get('jürgen.weiß')).toBe(1);
    expect(t.get('Jürgen.Weiß')).toBe(1);
    expect(t.get('jurgen.weiss')).toBeUndefined();
    // Final sigma: 'ΟΔΥΣΣΕΥΣ'.toLowerCase() is 'οδυσσευς'.
    expect(t.get('οδυσσευς')).toBe(2);
    expect(t.get('i̇stanbul')).toBe(3);
    expect(t.get('istanbul')).toBeUndefined();
  });

  it('keeps values 0 and 2^32 - 2 and refuses others', () => {
    const t = new FoldedHashTable();
    t.setIfAbsent('a', 0);
    t.setIfAbsent('b', 0xfffffffe);
    expect([t.get('a'), t.get('b')]).toEqual([0, 0xfffffffe]);
    expect(() => t.setIfAbsent('c', 0xffffffff)).toThrow(RangeError);
    expect(() => t.setIfAbsent('c', -1)).toThrow(RangeError);
    expect(() => t.setIfAbsent('c', 1.5)).toThrow(RangeError);
  });

  it('grows by doubling and finds every key after growing', () => {
    const t = new FoldedHashTable();
    const start = t.capacity;
    for (let i = 0; i < 5000; i++) t.setIfAbsent(`User${i}@Bench.tux`, i);
    expect(t.size).toBe(5000);
    expect(t.capacity).toBe(start * 8);
    for (let i = 0; i < 5000; i++) expect(t.get(`user${i}@bench.tux`)).toBe(i);
  });

  it('holds many similar keys without a false hit', () => {
    const t = new FoldedHashTable();
    const n = 400_000;
    for (let i = 0; i < n; i++) expect(t.setIfAbsent(`u${i}@bench.tux`, i)).toBe(true);
    expect(t.size).toBe(n);
    let wrong = 0;
    for (let i = 0; i < n; i++) if (t.get(`U${i}@BENCH.TUX`) !== i) wrong++;
    for (let i = n; i < 2 * n; i++) if (t.get(`u${i}@bench.tux`) !== undefined) wrong++;
    for (let i = 0; i < n; i += 97) if (t.get(`u${i}@bench.tu`) !== undefined || t.get(`${i}u@bench.tux`) !== undefined) wrong++;
    expect(wrong).toBe(0);
  });

  it('a hint sizes the table up front', () => {
    expect(new FoldedHashTable(100_000).capacity).toBe(131_072 * 2);
  });
});

describe('SeenTracker on the compact table', () => {
  it('keeps the kind of an address and large line numbers', () => {
    const t = new SeenTracker();
    t.claimAddress('a@x.de', 2_000_000_000, 'alias');
    t.claimAddress('b@x.de', 1, 'mail');
    expect(t.addressOwner('A@X.DE')).toEqual({ line: 2_000_000_000, kind: 'alias' });
    expect(t.addressOwner('b@x.de')).toEqual({ line: 1, kind: 'mail' });
    expect(() => t.claimAddress('c@x.de', 2 ** 31, 'mail')).toThrow(RangeError);
  });

  it('user names and addresses are separate', () => {
    const t = new SeenTracker();
    t.claimUsername('info', 3);
    expect(t.addressOwner('info')).toBeUndefined();
    expect(t.usernameOwner('INFO')).toBe(3);
  });
});
