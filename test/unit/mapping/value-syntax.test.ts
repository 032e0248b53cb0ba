import { describe, expect, it } from 'vitest';
import { isIsoDate, isMailAddress, parseFlag, parseQuota, USERNAME_RE } from '../../../src/mapping/value-syntax.js';

describe('user-name syntax', () => {
  it.each(['smtest', 'hans.mueller', 'j_doe-2', '007', 'A'.repeat(64)])('accepts %s', (u) => expect(USERNAME_RE.test(u)).toBe(true));
  it.each(['.hidden', '-x', 'hans müller', 'a*admin', 'a@b', 'a,b', 'A'.repeat(65), ''])('refuses %j', (u) => expect(USERNAME_RE.test(u)).toBe(false));
});

describe('mail syntax', () => {
  it.each(['smtest@test.tux', "o'neil+tag@example.co.uk", 'a@xn--mller-kva.de'])('accepts %s', (m) => expect(isMailAddress(m)).toBe(true));
  it.each(['smtest', '@example.com', 'a@localhost', 'a..b@example.com', 'a@-ex.com', 'a b@example.com', 'müller@example.de', 'a@example.123',
    `${'a'.repeat(65)}@example.com`, `a@${'b'.repeat(250)}.de`])('refuses %s', (m) => expect(isMailAddress(m)).toBe(false));
  it('accepts a bare host only for route addresses', () => {
    expect(isMailAddress('smtest@localhost', true)).toBe(true);
    expect(isMailAddress('smtest@', true)).toBe(false);
  });
});

describe('dates', () => {
  it.each(['1984-01-01', '2000-02-29', '1989-12-31'])('accepts %s', (d) => expect(isIsoDate(d)).toBe(true));
  it.each(['1989-12-32', '2023-02-29', '1900-02-29', '1989-13-01', '1989-00-10', '01.01.1984', '1984-1-1', '19840101'])('refuses %s', (d) => expect(isIsoDate(d)).toBe(false));
});

describe('flags and quota', () => {
  it.each([['yes', true], ['Y', true], ['TRUE', true], ['1', true], ['no', false], ['N', false], ['False', false], ['0', false]])('%s is %s', (v, b) => {
    expect(parseFlag(v)).toBe(b);
  });
  it.each(['ja', 'oui', '2', ''])('%j is not a flag', (v) => expect(parseFlag(v)).toBeUndefined());
  it('quota is a non-negative whole number of MB', () => {
    expect(parseQuota('0')).toBe(0);
    expect(parseQuota('1024')).toBe(1024);
    for (const bad of ['-1', '1.5', '1e3', '10 MB', '0x10', '99999999999999999999']) expect(parseQuota(bad)).toBeUndefined();
  });
});

describe('mail syntax, hand-written scanner', () => {
  // The rule as regular expressions (the scanner's specification).
  const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
  const LOCAL_RE = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`);
  const LABEL_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
  const byRegex = (value: string, bareHost = false): boolean => {
    const at = value.lastIndexOf('@');
    if (at < 1 || value.length > 254) return false;
    const local = value.slice(0, at);
    const labels = value.slice(at + 1).split('.');
    if (local.length > 64 || !LOCAL_RE.test(local)) return false;
    if (!labels.every((l) => LABEL_RE.test(l))) return false;
    if (bareHost) return true;
    const tld = labels[labels.length - 1];
    return labels.length >= 2 && (/^[A-Za-z]{2,63}$/.test(tld) || /^xn--[A-Za-z0-9-]+$/.test(tld));
  };

  it('agrees with the regular expressions on tricky and random addresses', () => {
    const samples = [
      'a@b.cd', 'a@b.c', 'a@b.c1', 'a@b.xn--p1ai', 'a@b.XN--p1ai', 'a@b.xn--', 'a@b.xn-', 'a@xn--b.de', 'a@b-.de', 'a@-b.de',
      'a@b..de', 'a@.b.de', 'a@b.de.', '.a@b.de', 'a.@b.de', 'a..b@b.de', 'a.b@b.de', 'a@b@c.de', '"a"@b.de', 'a@b_c.de',
      'a@localhost', 'a@', '@b.de', 'a@b.d-e', 'a@1.2', 'a@b.1de', `${'x'.repeat(64)}@b.de`, `${'x'.repeat(65)}@b.de`,
      `a@${'b'.repeat(63)}.de`, `a@${'b'.repeat(64)}.de`, `a@b.${'c'.repeat(63)}`, `a@b.${'c'.repeat(64)}`, 'ü@b.de', 'a@bü.de', 'a@b.dé',
      `${'a'.repeat(60)}@${'b.'.repeat(95)}de`, 'a b@c.de', 'a\t@c.de', "{o'neil}+x@a-b.c-d.EU",
    ];
    const alphabet = 'aZ09.-@_+xn"ü ';
    let seed = 42;
    const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
    for (let i = 0; i < 20000; i++) {
      let s = '';
      for (let k = rnd(14); k >= 0; k--) s += alphabet[rnd(alphabet.length)];
      samples.push(s, `${s}@b.de`, `a@${s}`, `a@b.${s}`);
    }
    const differ = samples.filter((s) => isMailAddress(s) !== byRegex(s) || isMailAddress(s, true) !== byRegex(s, true));
    expect(differ).toEqual([]);
  });
});
