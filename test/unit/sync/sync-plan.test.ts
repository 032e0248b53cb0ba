import { describe, expect, it } from 'vitest';
import type { UserInput } from '../../../src/model/user-spec.js';
import type { DirectoryUser } from '../../../src/provision/backends.js';
import { daysBetween, planCounts, planSync, type PlanContext, type PlanRow } from '../../../src/sync/sync-plan.js';
import { defaultMaxDisable, normalizeSyncOptions } from '../../../src/sync/sync-options.js';

const input = (username: string, extra: Partial<UserInput> = {}): UserInput => ({
  username, surname: 'Muster', givenname: 'Anna', mail: `${username}@firma.tux`, password: 'Pw-1234-abcd', aliases: [], disable: [], groups: [], attributes: {}, ...extra,
});
const row = (line: number, key: string, inp: UserInput, extra: Partial<PlanRow> = {}): PlanRow => ({
  line, key, input: inp, errors: [], notes: [], derivedUsername: false, derivedMail: false, ...extra,
});
const user = (username: string, attrs: Record<string, string[]> = {}): DirectoryUser => ({
  dn: `uid=${username},ou=people`, username,
  attributes: { uid: [username], sn: ['Muster'], givenName: ['Anna'], cn: ['Muster, Anna'], mail: [`${username}@firma.tux`], mailDomain: ['firma.tux'], ...attrs },
});
const managed = (username: string, key: string, attrs: Record<string, string[]> = {}) => user(username, { oxprovFeed: ['hr'], oxprovKey: [key], ...attrs });
const ctx = (feedUsers: DirectoryUser[], others: DirectoryUser[] = [], extra: Partial<PlanContext> = {}): PlanContext => ({
  feed: 'hr',
  byKey: new Map(feedUsers.map((u) => [u.attributes.oxprovKey[0].toLowerCase(), u])),
  byName: new Map([...feedUsers, ...others].map((u) => [u.username.toLowerCase(), u])),
  quotaAttribute: 'mailQuota', today: '2026-12-01', ...extra,
});

describe('planSync', () => {
  it('never moves a person to another mail server: the row naming one is noted MAIL_SERVER_KEPT, nothing changes', () => {
    const mailServerOf = (h: string | undefined) => (h === 'h2' ? 'imap2' : 'imap1');
    const [e] = planSync([row(2, '100', input('anna.muster', { mailServer: 'imap2' }))], ctx([managed('anna.muster', '100', { imapServer: ['h1'] })], [], { mailServerOf }));
    expect(e).toMatchObject({ action: 'unchanged', changes: [] });
    expect(e.notes.join(' ')).toContain('MAIL_SERVER_KEPT: anna.muster lives on imap1');
    const [same] = planSync([row(2, '100', input('anna.muster', { mailServer: 'imap2' }))], ctx([managed('anna.muster', '100', { imapServer: ['h2'] })], [], { mailServerOf }));
    expect(same.notes).toEqual([]);
  });

  it('a person found by key keeps the user name; an unchanged row is unchanged', () => {
    const [e] = planSync([row(2, '100', input('anna.muster'))], ctx([managed('anna.muster', '100')]));
    expect(e).toMatchObject({ action: 'unchanged', username: 'anna.muster', changes: [] });
  });

  it('a changed surname updates sn and cn and keeps the user name, saying so when the file asks for another', () => {
    const [e] = planSync([row(2, '100', input('anna.neu', { surname: 'Neu' }))], ctx([managed('anna.muster', '100')]));
    expect(e.action).toBe('update');
    expect(e.username).toBe('anna.muster');
    expect(e.input!.username).toBe('anna.muster');
    expect(e.changes).toHaveLength(4);
    expect(e.changes).toEqual(expect.arrayContaining([
      { attribute: 'sn', old: ['Muster'], new: ['Neu'] },
      { attribute: 'mail', old: ['anna.muster@firma.tux'], new: ['anna.neu@firma.tux'] },
      { attribute: 'alias', old: [], new: ['anna.muster@firma.tux'] },
      { attribute: 'cn', old: ['Muster, Anna'], new: ['Neu, Anna'] },
    ]));
    expect(e.notes.join(' ')).toContain('the user name stays anna.muster');
  });

  it('a changed mail keeps the old address as an alias, once; a mail back to an alias drops it from the aliases', () => {
    const [e] = planSync([row(2, '100', input('anna.muster', { mail: 'anna@firma.tux' }))], ctx([managed('anna.muster', '100', { alias: ['x@firma.tux'] })]));
    expect(e.changes.find((c) => c.attribute === 'alias')!.new).toEqual(['x@firma.tux', 'anna.muster@firma.tux']);
    const [back] = planSync([row(2, '100', input('anna.muster', { mail: 'x@firma.tux' }))], ctx([managed('anna.muster', '100', { alias: ['x@firma.tux'] })]));
    expect(back.changes.find((c) => c.attribute === 'alias')!.new).toEqual(['anna.muster@firma.tux']);
  });

  it('the case of a mail is no change', () => {
    const [e] = planSync([row(2, '100', input('anna.muster', { mail: 'Anna.Muster@Firma.tux' }))], ctx([managed('anna.muster', '100')]));
    expect(e.action).toBe('unchanged');
  });

  it('a field the row does not give is left alone', () => {
    const inp = input('anna.muster');
    delete (inp as { givenname?: string }).givenname;
    const [e] = planSync([row(2, '100', inp)], ctx([managed('anna.muster', '100', { ou: ['IT'] })]));
    expect(e.action).toBe('unchanged');
  });

  it('a derived routing address does not follow a name the person does not get', () => {
    const [e] = planSync([row(2, '100', input('anna.neu', { colocrouteaddr: 'anna.neu@localhost' }), { derivedUsername: true, derived: new Set(['username', 'colocrouteaddr']) })],
      ctx([managed('anna.muster', '100', { colocRouteAddr: ['anna.muster@localhost'] })]));
    expect(e.changes.map((c) => c.attribute)).not.toContain('colocRouteAddr');
  });

  it('a new person with a derived name gets a suffix against the directory and the file; a rejected row takes none', () => {
    const rows = [
      row(2, '1', input('petra.sommer'), { derivedUsername: true }),
      row(3, '1', input('petra.sommer'), { derivedUsername: true }), // duplicate key: rejected
      row(4, '2', input('petra.sommer', { mail: 'p2@firma.tux' }), { derivedUsername: true }),
    ];
    const entries = planSync(rows, ctx([], [user('petra.sommer', { mail: ['someone.else@firma.tux'] })]));
    expect(entries.map((e) => [e.action, e.username])).toEqual([['create', 'petra.sommer2'], ['rejected', 'petra.sommer'], ['create', 'petra.sommer3']]);
    expect(entries[1].errors[0].code).toBe('MAP_DUPLICATE_KEY');
    expect(entries[0].input!.managed).toEqual({ feed: 'hr', key: '1' });
    expect(entries[0].notes.join(' ')).toContain('petra.sommer is taken');
  });

  it('a given user name that is taken is rejected, naming the feed that owns it', () => {
    const taken = planSync([row(2, '1', input('uwe'))], ctx([], [user('uwe', { mail: ['other@firma.tux'] })]));
    expect(taken[0].errors[0].code).toBe('MAP_EXISTS_USERNAME');
    const other = planSync([row(2, '1', input('uwe'))], ctx([], [user('uwe', { mail: ['other@firma.tux'], oxprovFeed: ['payroll'], oxprovKey: ['9'] })]));
    expect(other[0].errors[0]).toMatchObject({ code: 'SYNC_OTHER_FEED', field: 'username' });
  });

  it('a user an import made before the first sync, with the same mail, is taken over, not duplicated', () => {
    const [e] = planSync([row(2, '1', input('anna.muster'))], ctx([], [user('anna.muster')]));
    expect(e).toMatchObject({ action: 'update', username: 'anna.muster', adopt: true });
  });

  it('the second of two namesakes that an import suffixed is taken over under its suffixed name', () => {
    const rows = [row(2, '1', input('hans.mueller'), { derivedUsername: true }), row(3, '2', input('hans.mueller', { mail: 'hans.lager@firma.tux' }), { derivedUsername: true })];
    const entries = planSync(rows, ctx([], [user('hans.mueller'), user('hans.mueller2', { mail: ['hans.lager@firma.tux'] })]));
    expect(entries.map((e) => [e.action, e.username, e.adopt])).toEqual([['update', 'hans.mueller', true], ['update', 'hans.mueller2', true]]);
  });

  it('a new person without a password is rejected unless passwords are generated', () => {
    const inp = input('neu');
    delete (inp as { password?: string }).password;
    expect(planSync([row(2, '1', inp)], ctx([]))[0].errors[0]).toMatchObject({ code: 'MAP_MISSING_FIELD', field: 'password' });
    expect(planSync([row(2, '1', inp)], ctx([], [], { generatePasswords: true }))[0].action).toBe('create');
  });

  it('leavers are the feed\'s users the file lacks; a disabled leaver is enabled when it returns and deleted only after the days given', () => {
    const gone = (since: string) => ({ oxprovDisabledAt: [since], mailEnabled: ['NO'] });
    const feed = [managed('a', '1'), managed('b', '2'), managed('c', '3', gone('2026-10-01')), managed('d', '4', gone('2026-11-20'))];
    const plan = planSync([row(2, '1', input('a')), row(3, '3', input('c'))], ctx(feed, [user('hand')], { deleteAfterDays: 30 }));
    expect(plan.map((e) => [e.action, e.username])).toEqual([['unchanged', 'a'], ['enable', 'c'], ['disable', 'b']]);
    const later = planSync([row(2, '1', input('a'))], ctx(feed, [], { deleteAfterDays: 30 }));
    expect(later.filter((e) => e.action === 'delete').map((e) => e.username)).toEqual(['c']);
    expect(planCounts(later)).toEqual({ create: 0, update: 0, disable: 1, enable: 0, unchanged: 1, rejected: 0 });
    // Without --delete-leavers-after nobody is ever deleted.
    expect(planSync([], ctx(feed)).some((e) => e.action === 'delete')).toBe(false);
  });

  it('an emptied cell clears its attribute only when asked (--empty-clears), and a new mail domain follows the mail', () => {
    const u = managed('a', '1', { telephoneNumber: ['+49 30 1'], mailDomain: ['firma.tux'] });
    expect(planSync([row(2, '1', input('a'))], ctx([u]))[0].action).toBe('unchanged');
    const [cleared] = planSync([row(2, '1', input('a'), { clears: ['telephoneNumber', 'title'] })], ctx([u]));
    expect(cleared.changes).toEqual([{ attribute: 'telephoneNumber', old: ['+49 30 1'], new: [] }]);
    const [moved] = planSync([row(2, '1', input('a', { mail: 'a@neu.tux' }))], ctx([u]));
    expect(moved.changes.find((c) => c.attribute === 'mailDomain')).toEqual({ attribute: 'mailDomain', old: ['firma.tux'], new: ['neu.tux'] });
  });

  it('finishes what an earlier run left undone: a mark on the entry, a missing or disagreeing groupware row, a leaver that can still log in', () => {
    const row1 = (name: string, activated: boolean) => [name, { username: name, language: 'EN', activated }] as const;
    const feed = [
      managed('a', '1', { oxprovPending: ['2026-11-30'] }), managed('b', '2'), managed('c', '3'),
      managed('l1', '7', { oxprovDisabledAt: ['2026-11-01'], mailEnabled: ['NO'] }),
      managed('l2', '8', { oxprovDisabledAt: ['2026-11-01'], mailEnabled: ['NO'], userPassword: ['{SSHA512}x'] }),
    ];
    const rows = new Map([row1('a', true), row1('c', false), row1('l1', true), row1('l2', false)]);
    const plan = planSync([row(2, '1', input('a')), row(3, '2', input('b')), row(4, '3', input('c'))], ctx(feed, [], { rows }));
    expect(plan.map((e) => [e.action, e.username, e.repair])).toEqual([
      ['update', 'a', ['left unfinished by the run of 2026-11-30']],
      ['update', 'b', ['no groupware row']],
      ['update', 'c', ['groupware deactivated but the entry is enabled']],
      ['disable', 'l1', ['groupware still activated']],
      ['disable', 'l2', ['a password hash in userPassword']],
    ]);
    expect(plan[0].changes).toEqual([]);
    expect(plan[0].notes.join(' ')).toContain('finishes what an earlier run left undone');
  });

  it('keys compare without case', () => {
    const [e] = planSync([row(2, 'AB12', input('a'))], ctx([managed('a', 'ab12')]));
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
