import { describe, expect, it } from 'vitest';
import { canonical, canonicalByReplacer } from '../../../src/ledger/user-trust.js';

/** The fingerprints written before stay valid: the written-out serializer gives the reference's text. */
describe('canonical', () => {
  const cases: Record<string, unknown> = {
    'a request as a row maps it': {
      username: 'hans.mueller2', surname: 'Müller', givenname: 'Hans', mail: 'hans.mueller2@test.tux', aliases: ['h.m@test.tux', 'x@test.tux'],
      colocrouteaddr: 'hans.mueller2@localhost', timezone: 'Europe/Berlin', language: 'DE', disable: ['webmail'], quotaMB: 100, groups: [],
      attributes: { title: ['Dr. "quoted" \\ back'], departmentNumber: ['7'] }, derived: new Set(['mail', 'colocrouteaddr']), activated: true, changepasswd: false,
    },
    'undefined, functions and symbols are left out of objects, null in arrays': { a: undefined, b: () => 1, c: Symbol('s'), d: [undefined, () => 2, 1] },
    'numbers that JSON cannot hold': { n: Number.NaN, i: Number.POSITIVE_INFINITY, z: -0, f: 1.5e-7 },
    'integer keys first, as objects keep them': { b: 1, 10: 2, 9: 3, a: 4, '01': 5, '4294967295': 6, '4294967294': 7, '-1': 8 },
    'nested sets and dates': { s: new Set([3, 1, 'b']), list: [{ z: 1, a: new Set(['y', 'x']) }], when: new Date(Date.UTC(2026, 11, 7)) },
    'control characters and unpaired surrogates': { s: 'a\u0000b\u2028c\ud800' },
    'empty things': { o: {}, a: [], s: new Set() },
    'a key named __proto__ is a key like any other': JSON.parse('{"z": 1, "__proto__": {"b": 2, "a": 1}}'),
    'keys already in order, and arrays of plain values, as they come': { a: ['x', 1, true, null], b: { c: 1, d: 'e' } },
  };
  for (const [name, value] of Object.entries(cases)) {
    it(name, () => {
      expect(canonical(value)).toBe(canonicalByReplacer(value));
    });
  }

  it('leaves out the keys it is told to at the top only, as a copy without them would', () => {
    const value = { password: 'secret', username: 'hans', attributes: { password: ['kept below the top'] } };
    const { password: _p, ...rest } = value;
    expect(canonical(value, new Set(['password']))).toBe(canonicalByReplacer(rest));
    expect(canonical(value, new Set(['password']))).not.toContain('secret');
  });

  it('gives the reference\'s text for many objects of shapes seen before, in other orders and beyond the orders it keeps', () => {
    const names = ['b', 'a', '10', 'c', '2', 'z', 'y'];
    for (let n = 0; n < 200; n++) {
      // Keys in an order of their own, some left out: up to 127 shapes, each seen again.
      const keys = names.filter((_k, i) => ((n * 37) >> i) & 1 || i === n % names.length);
      const value = Object.fromEntries((n % 3 ? keys : [...keys].reverse()).map((k, i) => [k, i % 2 ? { y: n, x: [k] } : k]));
      expect(canonical(value)).toBe(canonicalByReplacer(value));
    }
  });

  it('refuses a bigint, as JSON does', () => {
    expect(() => canonical({ n: 1n })).toThrow(TypeError);
  });
});
