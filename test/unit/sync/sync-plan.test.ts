import { describe, expect, it } from 'vitest';
import type { UserInput } from '../../../src/model/user-spec.js';
import type { DirectoryUser } from '../../../src/provision/backends.js';
import { completePlan } from '../../../src/sync/plan-changes.js';
import { daysBetween, planCounts, planSync, type PlanContext, type PlanEntry, type PlanRow } from '../../../src/sync/sync-plan.js';
import { defaultMaxDisable, normalizeSyncOptions } from '../../../src/sync/sync-options.js';
import { fakeService } from '../../helpers/fake-backends.js';

/**
 * The plan of a sync over in-memory back-ends behind the real user service: which
 * action each person gets (planSync), and what it writes, computed by the code
 * that writes it (completePlan: the service's rules and the directory's change lists).
 */

const input = (username: string, extra: Partial<UserInput> = {}): UserInput => ({
  username, surname: 'Muster', givenname: 'Anna', mail: `${username}@firma.tux`, password: 'Pw-1234-abcd', aliases: [], disable: [], groups: [], attributes: {}, ...extra,
});
const row = (line: number, key: string, inp: UserInput, extra: Partial<PlanRow> = {}): PlanRow => ({ line, key, input: inp, errors: [], notes: [], ...extra });
const user = (username: string, attrs: Record<string, string[]> = {}): DirectoryUser => ({
  dn: `uid=${username},ou=people,dc=test,dc=tux`, username, uidNumber: 10_000,
  attributes: {
    uid: [username], sn: ['Muster'], givenName: ['Anna'], cn: ['Muster, Anna'], mail: [`${username}@firma.tux`], mailDomain: ['firma.tux'],
    mailEnabled: ['OK'], colocRouteAddr: [`${username}@localhost`], objectClass: ['top', 'person', 'posixAccount', 'OXUserObject'], ...attrs,
  },
});
const managed = (username: string, key: string, attrs: Record<string, string[]> = {}) => user(username, { oxprovFeed: ['hr'], oxprovKey: [key], objectClass: ['top', 'person', 'posixAccount', 'OXUserObject', 'oxprovManaged'], ...attrs });

/** The whole plan: the feed's users and others in the fake directory, the rows given. */
async function plan(rows: PlanRow[], feedUsers: DirectoryUser[], others: DirectoryUser[] = [], extra: Partial<PlanContext> = {}): Promise<PlanEntry[]> {
  const { directory, users } = fakeService();
  for (const u of [...feedUsers, ...others]) directory.users.set(u.username.toLowerCase(), u);
  const ctx: PlanContext = { feed: 'hr', byKey: new Map(feedUsers.map((u) => [u.attributes.oxprovKey[0].toLowerCase(), u])), today: '2026-12-01', ...extra };
  return completePlan(planSync(rows, ctx), users, { feed: 'hr', today: '2026-12-01', createGroups: false, spread: false, generatePasswords: extra.generatePasswords ?? false });
}

describe('the plan of a sync', () => {
  it('a person found by key keeps the user name; an unchanged row is unchanged', async () => {
    const [e] = await plan([row(2, '100', input('anna.muster'))], [managed('anna.muster', '100')]);
    expect(e).toMatchObject({ action: 'unchanged', username: 'anna.muster', changes: [] });
  });

  it('a changed surname updates sn and cn, a changed mail keeps the old one as an alias and moves mailDomain; the user name stays', async () => {
    const [e] = await plan([row(2, '100', input('anna.muster', { surname: 'Neu', mail: 'anna.neu@neu.tux' }), { givenUsername: 'anna.neu' })], [managed('anna.muster', '100')]);
    expect(e.action).toBe('update');
    expect(e.username).toBe('anna.muster');
    expect(e.changes).toEqual(expect.arrayContaining([
      { attribute: 'sn', old: ['Muster'], new: ['Neu'] },
      { attribute: 'mail', old: ['anna.muster@firma.tux'], new: ['anna.neu@neu.tux'] },
      { attribute: 'alias', old: [], new: ['anna.muster@firma.tux'] },
      { attribute: 'cn', old: ['Muster, Anna'], new: ['Neu, Anna'] },
      { attribute: 'mailDomain', old: ['firma.tux'], new: ['neu.tux'] },
    ]));
    expect(e.changes).toHaveLength(5);
    expect(e.notes.join(' ')).toContain('the user name stays anna.muster');
  });

  it('a changed mail keeps the old address as an alias, once; a mail back to an alias drops it from the aliases', async () => {
    const [e] = await plan([row(2, '100', input('anna.muster', { mail: 'anna@firma.tux' }))], [managed('anna.muster', '100', { alias: ['x@firma.tux'] })]);
    expect(e.changes.find((c) => c.attribute === 'alias')!.new).toEqual(['x@firma.tux', 'anna.muster@firma.tux']);
    const [back] = await plan([row(2, '100', input('anna.muster', { mail: 'x@firma.tux' }))], [managed('anna.muster', '100', { alias: ['x@firma.tux'] })]);
    expect(back.changes.find((c) => c.attribute === 'alias')!.new).toEqual(['anna.muster@firma.tux']);
  });

  it('a field the row does not give is left alone', async () => {
    const inp = input('anna.muster');
    delete (inp as { givenname?: string }).givenname;
    const [e] = await plan([row(2, '100', inp)], [managed('anna.muster', '100', { ou: ['IT'] })]);
    expect(e.action).toBe('unchanged');
  });

  it('a derived routing address never moves the mailbox of a person who has one', async () => {
    const [e] = await plan([row(2, '100', input('anna.muster', { colocrouteaddr: 'anna.wagner@localhost', derived: new Set(['username', 'colocrouteaddr']) }))],
      [managed('anna.muster', '100')]);
    expect(e.action).toBe('unchanged');
    // Given in a cell, it is the person's own: the plan shows it.
    const [given] = await plan([row(2, '100', input('anna.muster', { colocrouteaddr: 'anna.muster@site2' }))], [managed('anna.muster', '100')]);
    expect(given.changes).toEqual([{ attribute: 'colocRouteAddr', old: ['anna.muster@localhost'], new: ['anna.muster@site2'] }]);
  });

  it('a user an import made before the first sync is taken over: the plan lists the class, the feed and the key it writes', async () => {
    const [e] = await plan([row(2, '1', input('anna.muster'), { takeOver: user('anna.muster') })], [], [user('anna.muster')]);
    expect(e).toMatchObject({ action: 'update', username: 'anna.muster', adopt: true });
    expect(e.changes).toEqual([
      { attribute: 'objectClass', old: ['top', 'person', 'posixAccount', 'OXUserObject'], new: ['oxprovManaged'], op: 'add' },
      { attribute: 'oxprovFeed', old: [], new: ['hr'] },
      { attribute: 'oxprovKey', old: [], new: ['1'] },
    ]);
  });

  it('a new person whose given mail belongs to someone else is rejected by the service\'s rules, naming the owner', async () => {
    const [e] = await plan([row(2, '1', input('neu', { mail: 'anna.muster@firma.tux' }))], [], [user('anna.muster')]);
    expect(e.action).toBe('rejected');
    expect(e.errors[0]).toMatchObject({ code: 'MAP_EXISTS_MAIL', field: 'mail' });
    expect(e.errors[0].message).toContain('anna.muster');
  });

  it('a new person without a password is rejected unless passwords are generated', async () => {
    const inp = input('neu');
    delete (inp as { password?: string }).password;
    expect((await plan([row(2, '1', inp)], []))[0].errors[0]).toMatchObject({ code: 'MAP_MISSING_FIELD', field: 'password' });
    expect((await plan([row(2, '1', inp)], [], [], { generatePasswords: true }))[0].action).toBe('create');
  });

  it('leavers are the feed\'s users the file lacks, with what disabling writes; a returner is enabled; deleted only after the days given', async () => {
    const gone = (since: string) => ({ oxprovDisabledAt: [since], mailEnabled: ['NO'], oxprovSavedPassword: ['{SSHA512}old'] });
    const feed = [managed('a', '1'), managed('b', '2', { userPassword: ['{SSHA512}b'] }), managed('c', '3', gone('2026-10-01')), managed('d', '4', gone('2026-11-20'))];
    const entries = await plan([row(2, '1', input('a')), row(3, '3', input('c'))], feed, [user('hand')], { deleteAfterDays: 30 });
    expect(entries.map((e) => [e.action, e.username])).toEqual([['unchanged', 'a'], ['enable', 'c'], ['disable', 'b']]);
    const disable = entries[2].changes;
    expect(disable.map((c) => c.attribute)).toEqual(['mailEnabled', 'oxprovDisabledAt', 'oxprovSavedPassword', 'userPassword']);
    expect(disable.filter((c) => c.secret).map((c) => c.attribute)).toEqual(['oxprovSavedPassword', 'userPassword']);
    expect(entries[1].changes.map((c) => c.attribute)).toEqual(['mailEnabled', 'oxprovDisabledAt', 'userPassword', 'oxprovSavedPassword']);
    const later = await plan([row(2, '1', input('a'))], feed, [], { deleteAfterDays: 30 });
    expect(later.filter((e) => e.action === 'delete').map((e) => e.username)).toEqual(['c']);
    expect(planCounts(later)).toEqual({ create: 0, update: 0, disable: 1, enable: 0, unchanged: 1, rejected: 0 });
    // Without --delete-leavers-after nobody is ever deleted.
    expect((await plan([], feed)).some((e) => e.action === 'delete')).toBe(false);
  });

  it('an emptied cell clears its attribute only when asked (--empty-clears)', async () => {
    const u = managed('a', '1', { telephoneNumber: ['+49 30 1'] });
    expect((await plan([row(2, '1', input('a'))], [u]))[0].action).toBe('unchanged');
    const [cleared] = await plan([row(2, '1', input('a', { clear: ['telephoneNumber', 'title'] }))], [u]);
    expect(cleared.changes).toEqual([{ attribute: 'telephoneNumber', old: ['+49 30 1'], new: [] }]);
  });

  it('finishes what an earlier run left undone: a mark on the entry, a missing or disagreeing groupware row, a leaver that can still log in', async () => {
    const row1 = (name: string, activated: boolean) => [name, { username: name, language: 'EN', activated }] as const;
    const feed = [
      managed('a', '1', { oxprovPending: ['2026-11-30'] }), managed('b', '2'), managed('c', '3'),
      managed('l1', '7', { oxprovDisabledAt: ['2026-11-01'], mailEnabled: ['NO'] }),
      managed('l2', '8', { oxprovDisabledAt: ['2026-11-01'], mailEnabled: ['NO'], userPassword: ['{SSHA512}x'] }),
    ];
    const rows = new Map([row1('a', true), row1('c', false), row1('l1', true), row1('l2', false)]);
    const entries = await plan([row(2, '1', input('a')), row(3, '2', input('b')), row(4, '3', input('c'))], feed, [], { rows });
    expect(entries.map((e) => [e.action, e.username, e.repair])).toEqual([
      ['update', 'a', ['left unfinished by the run of 2026-11-30']],
      ['update', 'b', ['no groupware row']],
      ['update', 'c', ['groupware deactivated but the entry is enabled']],
      ['disable', 'l1', ['groupware still activated']],
      ['disable', 'l2', ['a password hash in userPassword']],
    ]);
    // The mark goes once the user is finished: the plan says so.
    expect(entries[0].changes).toEqual([{ attribute: 'oxprovPending', old: ['2026-11-30'], new: [] }]);
    expect(entries[0].notes.join(' ')).toContain('finishes what an earlier run left undone');
  });

  it('keys compare without case', async () => {
    const [e] = await plan([row(2, 'AB12', input('a'))], [managed('a', 'ab12')]);
    expect(e.action).toBe('unchanged');
  });

  it('days between two dates', () => {
    expect(daysBetween('2026-11-01', '2026-12-01')).toBe(30);
  });
});

describe('sync options', () => {
  it('the leaver threshold is the larger of 5 and a tenth of the feed', () => {
    expect(defaultMaxDisable(0)).toBe(5);
    expect(defaultMaxDisable(200)).toBe(20);
  });

  it('refuses what it cannot honour, naming the option', () => {
    expect(() => normalizeSyncOptions({ file: 'x.csv', emit: 'json' })).toThrow(/--emit/);
    expect(() => normalizeSyncOptions({ file: 'x.csv', maxDisable: '-1' })).toThrow(/--max-disable/);
    expect(() => normalizeSyncOptions({ file: 'x.csv', feed: 'a b' })).toThrow(/--feed/);
    expect(() => normalizeSyncOptions({ file: 'x.csv', key: '1x' })).toThrow(/--key/);
    expect(normalizeSyncOptions({ file: 'x.csv' })).toMatchObject({ key: 'username', feed: 'default', planOnly: false });
  });
});
