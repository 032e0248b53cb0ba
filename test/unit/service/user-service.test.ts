import { describe, expect, it } from 'vitest';
import { userSpec } from '../../../src/model/user-spec.js';
import { fill } from '../../../src/service/user-rules.js';
import { MailServers } from '../../../src/provision/backends.js';
import { loadTemplates } from '../../../src/service/open-services.js';
import { UserService } from '../../../src/service/user-service.js';
import { fakeService } from '../../helpers/fake-backends.js';
import { stackConfig } from '../../helpers/stack-config.js';

const person = (username: string, extra = {}) => userSpec({ username, password: 'Pw-123456', surname: 'S', mail: `${username}@test.tux`, colocrouteaddr: `${username}@localhost`, ...extra });

describe('the user service over in-memory back-ends', () => {
  it('adds the memberships of a batch with one write per group, whatever the number of users', async () => {
    const { users, directory } = fakeService();
    const batch = Array.from({ length: 100 }, (_, i) => person(`m${i}`, { groups: i % 2 ? ['odd', 'all'] : ['even', 'all'] }));
    const results = await users.provision(batch, { createGroups: true });
    expect(results.every((r) => r.status === 'created')).toBe(true);
    expect(directory.groupWrites).toBe(3);
    expect(directory.groupMembers.get('all')!.size).toBe(100);
    expect(directory.groupMembers.get('odd')!.size).toBe(50);
    expect(results[0].notes).toContain('groups even, all created');
  });

  it('refuses a group that does not exist unless creation is asked for, and then says so', async () => {
    const { users, directory } = fakeService();
    const [r] = await users.provision([person('g1', { groups: ['typo'] })]);
    expect(r).toMatchObject({ status: 'rejected' });
    expect(r.errors.map((e) => e.code)).toEqual(['MAP_UNKNOWN_GROUP']);
    expect(directory.users.size).toBe(0);
    const [ok] = await users.provision([person('g1', { groups: ['typo'] })], { createGroups: true });
    expect(ok.status).toBe('created');
    expect(ok.notes).toEqual(['group typo created']);
  });

  it('generates a password only for a user it creates, and says so only then', async () => {
    const { users } = fakeService();
    const { password: _p, ...noPassword } = person('gen');
    const [first] = await users.provision([noPassword], { generatePasswords: true });
    expect(first.generatedPassword).toMatch(/.{16}/);
    expect(first.notes).toEqual(['password generated; must be changed at first login']);
    const [again] = await users.provision([noPassword], { generatePasswords: true });
    expect(again).toMatchObject({ status: 'exists', notes: [] });
    expect(again.generatedPassword).toBeUndefined();
  });

  it('fills what a request leaves out from the entry and the row, never what it gives', () => {
    const entry = { attributes: { preferredLanguage: ['de'], OXTimeZone: ['Europe/Paris'], mailEnabled: ['NO'], sn: ['Alt'] } };
    const spec = fill({ ...person('f'), surname: 'Neu' }, entry, undefined);
    expect(spec).toMatchObject({ language: 'DE', timezone: 'Europe/Paris', activated: false, surname: 'Neu' });
    expect(fill(person('f', { activated: true }), entry, undefined).activated).toBe(true);
    expect(fill(person('f'), undefined, { username: 'f', language: 'FR', activated: false }).language).toBe('FR');
    // Disabled in either back-end stays disabled when the request does not say.
    const row = (activated: boolean) => ({ username: 'f', language: 'EN', activated });
    expect(fill(person('f'), { attributes: { mailEnabled: ['OK'] } }, row(false)).activated).toBe(false);
    expect(fill(person('f'), { attributes: { mailEnabled: ['NO'] } }, row(true)).activated).toBe(false);
    expect(fill(person('f'), { attributes: { mailEnabled: ['OK'] } }, row(true)).activated).toBe(true);
    expect(fill(person('f'), { attributes: {} }, undefined).activated).toBeUndefined();
  });

  it('splits a failing SQL batch until the failing user is alone', async () => {
    const { users, groupware } = fakeService({ sql: (names) => { if (names.includes('b7')) throw new Error('constraint'); } });
    const results = await users.provision(Array.from({ length: 16 }, (_, i) => person(`b${i}`)));
    expect(results.filter((r) => r.status === 'failed').map((r) => r.username)).toEqual(['b7']);
    expect(results[7].steps).toMatchObject({ ldap: 'created', sql: 'failed', groupware: 'skipped', imap: 'created' });
    expect(groupware.rows.size).toBe(15);
  });
});

describe('the mail server of each user', () => {
  const servers = [
    { name: 'imap1', kind: 'dovecot' as const, folders: 'eager' as const, imapServer: 'host-of-imap1', smtpServer: 's1', routeDomain: 'one.example' },
    { name: 'imap2', kind: 'dovecot' as const, folders: 'eager' as const, imapServer: 'host-of-imap2', smtpServer: 's2', routeDomain: 'two.example' },
  ];
  const service = () => {
    const f = fakeService();
    const users = new UserService({ directory: f.directory, groupware: f.groupware, mail: MailServers.single(f.mail), close: async () => {} }, loadTemplates(stackConfig()), { mailServers: servers });
    return { ...f, users };
  };

  it('keeps an existing user on its server, also in a dry run that reads the directory once (a snapshot)', async () => {
    const { users } = service();
    await users.provision([person('kept', { mailServer: 'imap2' })]);
    const snapshot = (await users.snapshot(100))!;
    for (const view of [undefined, snapshot]) {
      const [r] = await users.check([person('kept', { mailServer: 'imap1' })], { view });
      expect(r.status).toBe('exists');
      expect(r.notes.join(' ')).toContain('MAIL_SERVER_KEPT: kept lives on imap2');
    }
  });

  it('notes an entry whose imapServer names no configured server, found whatever its case', async () => {
    const { users, directory } = service();
    await users.provision([person('odd'), person('cased', { mailServer: 'imap2' })]);
    const setImapServer = (name: string, value: string) => {
      const e = directory.users.get(name)!;
      directory.users.set(name, { ...e, attributes: { ...e.attributes, imapServer: [value] } });
    };
    setImapServer('odd', 'gone.example');
    setImapServer('cased', 'HOST-OF-IMAP2');
    const [odd, cased] = await users.check([person('odd'), person('cased', { mailServer: 'imap2' })]);
    expect(odd.notes.join(' ')).toContain('imapServer gone.example names no configured mail server: the mailbox is taken to be on the default server imap1');
    expect(cased.notes.join(' ')).not.toContain('names no configured mail server');
    expect(cased.notes.join(' ')).not.toContain('MAIL_SERVER_KEPT');
  });

  it('a check with --spread counts in a copy: what is written starts from what was written', async () => {
    const { users, directory } = service();
    // A check of three people would put two on imap1 and one on imap2; none is written.
    await users.check([person('sp0'), person('sp1'), person('sp2')], { spread: true });
    await users.provision([person('sp3')], { spread: true });
    expect(directory.users.get('sp3')?.attributes.imapServer).toEqual(['host-of-imap1']);
    await users.provision([person('sp4')], { spread: true });
    expect(directory.users.get('sp4')?.attributes.imapServer).toEqual(['host-of-imap2']);
  });
});
