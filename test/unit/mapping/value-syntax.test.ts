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
