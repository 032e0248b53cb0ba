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
  };
  for (const [name, value] of Object.entries(cases)) {
    it(name, () => {
      expect(canonical(value)).toBe(canonicalByReplacer(value));
    });
  }
});
