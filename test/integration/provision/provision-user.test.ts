import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackends } from '../../../src/provision/open-backends.js';
import { openServices, type Services } from '../../../src/service/open-services.js';
import { userSpec, type UserSpec } from '../../../src/model/user-spec.js';
import { groupMembers, imapFolders, ldapBindAs, sqlQuery, withImapLogin, withLdapAdmin, expectImapRefused } from '../../helpers/clients.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

const config = stackConfig();
let svc: Services;

beforeAll(async () => { svc = await openServices(config); });
afterAll(async () => { await svc?.close(); });

function german(username: string, extra: Partial<UserSpec> = {}): UserSpec {
  return userSpec({
    username, password: 'Geheim-1234', surname: 'Martin', givenname: 'Stephan',
    mail: `${username}@test.tux`, aliases: [`${username}.alias@test.tux`], colocrouteaddr: `${username}@localhost`,
    timezone: 'Europe/Berlin', language: 'DE', country: 'DE', quotaMB: 50,
    disable: ['bookmarks', 'forum', 'knowledge', 'pinboard', 'pinboard_public'],
    attributes: { birthDay: ['1984-01-01'], homePhone: ['012345.67890'] }, ...extra,
  });
}

describe('provisioning one user into the three real back-ends', () => {
  // The user the checks below look at, provisioned before them (the first test provisions one of its own).
  const username = uniqueName('de');
  beforeAll(async () => { expect((await svc.users.provisionUser(german(username))).status).toBe('created'); });

  it('creates the user everywhere', async () => {
    const r = await svc.users.provisionUser(german(uniqueName('de')));
    expect(r.errors).toEqual([]);
    expect(r.steps).toEqual({ ldap: 'created', sql: 'created', groupware: 'created', imap: 'created' });
    expect(r.status).toBe('created');
  });

  it('stores the paper\'s LDAP entry with a hashed password the user can bind with', async () => {
    const user = await svc.users.findUser(username);
    expect(user).toBeDefined();
    const a = user!.attributes;
    expect(a.objectClass).toEqual(expect.arrayContaining(['inetOrgPerson', 'posixAccount', 'shadowAccount', 'OXUserObject']));
    expect(a.cn).toEqual(['Martin, Stephan']);
    expect(a.mailEnabled).toEqual(['OK']);
    expect(a.mailDomain).toEqual(['test.tux']);
    expect(a.colocRouteAddr).toEqual([`${username}@localhost`]);
    expect(a.homePhone).toEqual(['012345.67890']);
    expect(a.userPassword[0]).toMatch(/^\{SSHA512\}/);
    expect(a.userPassword[0]).not.toContain('Geheim-1234');
    expect(await ldapBindAs(config, username, 'Geheim-1234')).toBe(true);
    expect(await ldapBindAs(config, username, 'wrong')).toBe(false);
  });

  it('gives the mailbox exactly the German folder set and the quota, seen by the user over IMAP', async () => {
    expect(await imapFolders(config, username, 'Geheim-1234')).toEqual(['Entwürfe', 'Gesendete Objekte', 'INBOX', 'Papierkorb', 'Spam']);
    const quota = await withImapLogin(config, username, 'Geheim-1234', (c) => c.getQuota('INBOX'));
    expect(quota && quota.storage?.limit).toBe(50 * 1024 * 1024);
  });

  it('records module permissions and German default folders in the database', async () => {
    const modules = await sqlQuery<{ module: string; enabled: boolean }>(config,
      'SELECT m.module, m.enabled FROM user_modules m JOIN users u ON u.id = m.user_id WHERE u.username = $1 ORDER BY 1', [username]);
    expect(modules).toHaveLength(11);
    expect(modules.filter((m) => !m.enabled).map((m) => m.module)).toEqual(['bookmarks', 'forum', 'knowledge', 'pinboard', 'pinboard_public']);
    const folders = await sqlQuery<{ module: string; name: string; folder_admin: boolean }>(config,
      `SELECT f.module, f.name, p.folder_admin FROM folders f JOIN users u ON u.id = f.owner_id
       JOIN folder_permissions p ON p.folder_id = f.id AND p.user_id = u.id WHERE u.username = $1 ORDER BY 1`, [username]);
    expect(folders.find((f) => f.module === 'calendar')).toEqual({ module: 'calendar', name: 'Kalender', folder_admin: true });
    expect(folders.find((f) => f.module === 'tasks')?.name).toBe('Aufgaben');
    const [row] = await sqlQuery<{ language: string; timezone: string }>(config, 'SELECT language, timezone FROM users WHERE username = $1', [username]);
    expect(row).toEqual({ language: 'DE', timezone: 'Europe/Berlin' });
  });

  it('adds in "exists" when another worker created the entry after the look-up (a race)', async () => {
    const backends = await openBackends(config, { only: ['ldap'] });
    try {
      const before = await svc.users.findUser(username);
      const r = await backends.directory!.addUser(german(username, { password: 'Another-Pw-99' }));
      expect(r).toEqual({ outcome: 'exists', uidNumber: before!.uidNumber });
      // The entry holds the very password of the add: our own add, whose answer was lost (a retry after a reset).
      expect(await backends.directory!.addUser(german(username))).toEqual({ outcome: 'created', uidNumber: before!.uidNumber });
    } finally {
      await backends.close();
    }
  });

  it('is a no-op the second time', async () => {
    const r = await svc.users.provisionUser(german(username));
    expect(r.steps).toEqual({ ldap: 'exists', sql: 'exists', groupware: 'exists', imap: 'exists' });
    expect(r.status).toBe('exists');
    const [{ n }] = await sqlQuery<{ n: string }>(config, 'SELECT count(*) AS n FROM folders f JOIN users u ON u.id = f.owner_id WHERE u.username = $1', [username]);
    expect(Number(n)).toBe(6);
  });
});

describe('source_only', () => {
  it('provisions only imap for a user whose LDAP entry exists, with the chosen style', async () => {
    const username = uniqueName('fr');
    const spec = german(username, { language: 'FR', disable: [], quotaMB: undefined });
    expect((await svc.users.provisionUser(spec, { only: ['ldap'] })).steps).toEqual({ ldap: 'created' });
    expect(await sqlQuery(config, 'SELECT 1 FROM users WHERE username = $1', [username])).toHaveLength(0);
    const r = await svc.users.provisionUser({ ...spec, imapTemplate: 'FR_Thunderbird' }, { only: ['imap'] });
    expect(r.steps).toEqual({ imap: 'created' });
    expect(await imapFolders(config, username, 'Geheim-1234')).toEqual(['Brouillons', 'Corbeille', 'Envoyés', 'INBOX', 'Modèles', 'Pourriel']);
  });

  it('reports a failed imap step for a user unknown to the directory, without touching other back-ends', async () => {
    const r = await svc.users.provisionUser(german(uniqueName('ghost')), { only: ['imap'] });
    expect(r.status).toBe('failed');
    expect(r.errors[0].code).toBe('IMAP_NO_SUCH_USER');
    expect(r.errors[0].backend).toBe('imap');
  });

  it('writes the SQL row first when the groupware step finds none (the paper makes the folders before the relations)', async () => {
    const r = await svc.users.provisionUser(german(uniqueName('nosql')), { only: ['groupware'] });
    expect(r.errors).toEqual([]);
    expect(r.steps).toEqual({ sql: 'created', groupware: 'created' });
    expect(r.notes.join()).toMatch(/written first/);
  });
});

describe('activation and ids', () => {
  it('keeps a deactivated user out of IMAP while the master user still made its folders', async () => {
    const username = uniqueName('off');
    const r = await svc.users.provisionUser(german(username, { activated: false }));
    expect(r.status).toBe('created');
    await expectImapRefused(imapFolders(config, username, 'Geheim-1234'));
    const [row] = await sqlQuery<{ activated: boolean }>(config, 'SELECT activated FROM users WHERE username = $1', [username]);
    expect(row.activated).toBe(false);
  });

  it('allocates distinct uidNumbers when several processes create users at once', async () => {
    const others = await Promise.all([1, 2, 3].map(() => openServices(config, { only: ['ldap'], idBlockSize: 4 })));
    try {
      const names = Array.from({ length: 30 }, (_, i) => uniqueName(`id${i}x`));
      await Promise.all(names.map((n, i) => others[i % 3].users.provisionUser(german(n), { only: ['ldap'] })));
      const uids = await Promise.all(names.map(async (n) => (await svc.users.findUser(n))!.uidNumber));
      expect(new Set(uids).size).toBe(30);
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
  });

  it('deletes a user from every back-end, and reports a second delete as gone', async () => {
    const username = uniqueName('del');
    await svc.users.provisionUser(german(username, { groups: ['staff'] }), { createGroups: true });
    expect(await groupMembers(config, 'staff')).toContain(username);
    const r = await svc.users.deleteUser(username);
    expect(r.steps).toEqual({ imap: 'deleted', groupware: 'deleted', sql: 'deleted', ldap: 'deleted' });
    expect(await groupMembers(config, 'staff')).not.toContain(username);
    expect(await ldapBindAs(config, username, 'Geheim-1234')).toBe(false);
    const again = await svc.users.deleteUser(username);
    expect(again.steps).toEqual({ imap: 'gone', groupware: 'gone', sql: 'gone', ldap: 'gone' });
  });
});

describe('partial failures say what was done', () => {
  it('a failed group membership fails the row but keeps ldap "created"', async () => {
    const username = uniqueName('grp');
    const group = uniqueName('notposix');
    // An entry of another kind already holds the group's name: slapd refuses memberUid on it.
    await withLdapAdmin(config, (c) => c.add(`cn=${group},${config.ldap.groupsDn}`, { objectClass: ['top', 'OXResourceGroupObject'], cn: [group] }));
    const r = await svc.users.provisionUser(german(username, { groups: [group] }), { only: ['ldap'], createGroups: true });
    expect(r.steps.ldap).toBe('created');
    expect(r.status).toBe('failed');
    expect(r.errors[0].code).toMatch(/^LDAP_/);
    expect(await ldapBindAs(config, username, 'Geheim-1234')).toBe(true);
  });

  it('deluser keeps the LDAP entry when the mailbox could not be deleted, so a re-run can finish', async () => {
    const username = uniqueName('keep');
    await svc.users.provisionUser(german(username));
    const broken = await openServices(config, { retry: { attempts: 1 }, mailStore: {
      init: async () => {}, close: async () => {},
      ensureMailbox: async () => ({ outcome: 'exists', created: [] }),
      deleteMailbox: async () => { throw new Error('mail server down'); }, listFolders: async () => [],
    } });
    try {
      const r = await broken.users.deleteUser(username);
      expect(r.steps).toEqual({ imap: 'failed', groupware: 'deleted', sql: 'deleted', ldap: 'skipped' });
      expect(r.errors[0].code).toBe('IMAP_FAILED');
    } finally {
      await broken.close();
    }
    expect(await svc.users.findUser(username)).toBeDefined();
    const again = await svc.users.deleteUser(username);
    expect(again.steps).toEqual({ imap: 'deleted', groupware: 'gone', sql: 'gone', ldap: 'deleted' });
  });
});

describe('temporary failures of single users in a bulk mail-store request', () => {
  it('are retried for those users only, and end created', async () => {
    const { DoveadmApiMailStore } = await import('../../../src/provision/imap/doveadm-api-mail-store.js');
    const { DovecotMailStore } = await import('../../../src/provision/imap/dovecot-mail-store.js');
    const { OxprovError } = await import('../../../src/errors.js');
    const real = new DoveadmApiMailStore(config.imap, new DovecotMailStore(config.imap));
    const names = [uniqueName('bulk'), uniqueName('bulk')];
    let firstCall = true;
    const seen: string[][] = [];
    const flaky = {
      init: () => real.init(), close: () => real.close(), deleteMailbox: (u: string) => real.deleteMailbox(u), listFolders: (u: string) => real.listFolders(u),
      ensureMailbox: (u: string, f: readonly string[]) => real.ensureMailbox(u, f),
      // Dovecot's "temporary failure" (exit code 75) for the second user, once.
      ensureMailboxes: async (reqs: readonly { username: string; folders: readonly string[] }[]) => {
        seen.push(reqs.map((r) => r.username));
        const answers = await real.ensureMailboxes(firstCall ? reqs.slice(0, 1) : reqs);
        if (!firstCall) return answers;
        firstCall = false;
        return [answers[0], new OxprovError('IMAP_FAILED', 'temporary failure', { backend: 'imap', transient: true })];
      },
    };
    const p2 = await openServices(config, { mailStore: flaky, retry: { attempts: 3, baseDelayMs: 10 } });
    try {
      const results = await p2.users.provision(names.map((n) => german(n)));
      expect(results.map((r) => r.steps.imap)).toEqual(['created', 'created']);
      expect(seen).toEqual([names, [names[1]]]);
    } finally {
      await p2.close();
    }
    expect(await imapFolders(config, names[1], 'Geheim-1234')).toContain('Papierkorb');
  });
});
