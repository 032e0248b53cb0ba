import { describe, expect, it } from 'vitest';
import { SeenTracker } from '../../../src/mapping/index.js';
import { codes, errorsOf, mapRows, specOf, VALID } from './helpers.js';

const user = (n: number, extra: Record<string, string> = {}) => ({
  ...VALID, username: `user${n}`, mail: `user${n}@test.tux`, colocrouteaddr: `user${n}@localhost`, ...extra,
});

describe('duplicates inside the file', () => {
  it('user names, compared without case', () => {
    const r = mapRows([user(1), user(2, { username: 'USER1' })]);
    // User names are stored lower-case, so the duplicate is reported as it would be stored.
    expect(errorsOf(r[1])).toMatchObject([{ code: 'MAP_DUPLICATE_USERNAME', line: 3, field: 'username', value: 'user1' }]);
    expect(r[1].ok ? '' : r[1].errors[0].message).toContain('line 2');
  });

  it('user names are stored lower-case', () => {
    const [r] = mapRows([user(1, { username: 'MixedCase1' })]);
    expect(r.ok && r.spec.username).toBe('mixedcase1');
  });

  it('mail addresses, compared without case', () => {
    expect(codes(mapRows([user(1), user(2, { mail: 'User1@Test.tux' })])[1])).toEqual(['MAP_DUPLICATE_MAIL']);
  });

  it('an alias equal to an earlier alias', () => {
    expect(codes(mapRows([user(1, { alias: 'info@test.tux' }), user(2, { alias: 'info@test.tux' })])[1])).toEqual(['MAP_DUPLICATE_ALIAS']);
  });

  it('an alias equal to another user\'s mail, in both orders', () => {
    expect(codes(mapRows([user(1), user(2, { alias: 'user1@test.tux' })])[1])).toEqual(['MAP_DUPLICATE_ALIAS']);
    expect(codes(mapRows([user(1, { alias: 'user2@test.tux' }), user(2)])[1])).toEqual(['MAP_DUPLICATE_MAIL']);
  });

  it('allows a user\'s own mail among its aliases', () => {
    expect(specOf(mapRows([user(1, { alias: 'user1@test.tux,other1@test.tux' })])[0]).aliases).toEqual(['user1@test.tux', 'other1@test.tux']);
  });

  it('reports all duplicates of one row together', () => {
    const r = mapRows([user(1, { alias: 'a@test.tux' }), user(2, { username: 'user1', mail: 'user1@test.tux', alias: 'a@test.tux' })]);
    expect(codes(r[1])).toEqual(['MAP_DUPLICATE_USERNAME', 'MAP_DUPLICATE_MAIL', 'MAP_DUPLICATE_ALIAS']);
  });

  it('the first row claims its names even when it is rejected for something else', () => {
    const r = mapRows([user(1, { timezone: 'Mars/Olympus' }), user(2, { username: 'user1' })]);
    expect(codes(r[0])).toEqual(['MAP_INVALID_TIMEZONE']);
    expect(codes(r[1])).toEqual(['MAP_DUPLICATE_USERNAME']);
  });

  it('a tracker passed in is shared across mappers (files of one run)', () => {
    const seen = new SeenTracker();
    expect(mapRows([user(1)], { seen })[0].ok).toBe(true);
    expect(codes(mapRows([user(1)], { seen })[0])).toEqual(['MAP_DUPLICATE_USERNAME', 'MAP_DUPLICATE_MAIL']);
  });
});

describe('SeenTracker', () => {
  it('finds free suffixed names and remembers owners', () => {
    const t = new SeenTracker();
    expect(t.freeUsername('anna')).toBe('anna');
    t.claimUsername('anna', 2);
    t.claimUsername('Anna2', 3);
    expect(t.freeUsername('ANNA')).toBe('ANNA3');
    expect(t.usernameOwner('anna2')).toBe(3);
    t.claimAddress('A@x.de', 4, 'alias');
    t.claimAddress('a@x.de', 9, 'mail');
    expect(t.addressOwner('a@X.DE')).toEqual({ line: 4, kind: 'alias' });
  });

  it('suffixes many equal names in turn', () => {
    const t = new SeenTracker();
    for (let i = 0; i < 5000; i++) t.claimUsername(t.freeUsername('thomas.mueller'), i + 2);
    expect(t.usernameOwner('thomas.mueller5000')).toBe(5001);
  });
});
