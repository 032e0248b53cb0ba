import { afterAll, describe, expect, it } from 'vitest';
import { createAdminService } from '../../../src/service/tools/admin-service.js';
import { OxprovError } from '../../../src/errors.js';
import { imapFolders, ldapBindAs, sqlQuery } from '../../helpers/clients.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';
import { failsWith, paper } from './admin-kit.js';

const config = stackConfig();
const svc = createAdminService(config);
afterAll(() => svc.close());

const sqlRow = async (u: string) => (await sqlQuery<{ display_name: string; mail: string; language: string; uid_number: number | null }>(config,
  'SELECT display_name, mail, language, uid_number FROM users WHERE username = $1', [u]))[0];
const folderCount = async (u: string) => Number((await sqlQuery<{ n: string }>(config,
  'SELECT count(*) AS n FROM folders f JOIN users u ON u.id = f.owner_id WHERE u.username = $1', [u]))[0].n);

describe('the paper\'s 5.2: a directory user finished with one back-end per call', () => {
  /** The paper's four calls, in its order; each test below checks one of them on a user of its own. */
  const steps = [
    (u: string) => `./adduser --adminuser=mailadmin --adminpasswd=secret --username=${u} --password=secret \\
      --surname=Martin --givenname=Stephan --mail=${u}@test.tux --colocrouteaddr=${u}@localhost --language=DE --source_only=ldap`,
    (u: string) => `./adduser --adminuser=mailadmin --adminpasswd=secret --username=${u} \\
      --source_only=groupware --language=DE`,
    (u: string) => `./adduser --adminuser=mailadmin --adminpasswd=secret --username=${u} \\
      --source_only=sql --language=DE`,
    (u: string) => `./adduser --adminuser=mailadmin --adminpasswd=secret --username=${u} \\
      --password=secret --source_only=imap --language=DE`,
  ];
  /** A user of the test's own with the paper's first `done` calls made (the steps before the one a test checks). */
  async function userAfter(done: number): Promise<string> {
    const u = uniqueName('testsm');
    for (const step of steps.slice(0, done)) await paper(svc, step(u));
    return u;
  }

  it('1. the LDAP entry (as a company directory front-end would have written it)', async () => {
    const u = await userAfter(0);
    const r = await paper(svc, steps[0](u));
    expect(r.steps).toEqual({ ldap: 'created', sql: 'skipped', groupware: 'skipped', imap: 'skipped' });
    expect(await sqlRow(u)).toBeUndefined();
  });

  it('2. --source_only=groupware: the folders, with the database row they need', async () => {
    const u = await userAfter(1);
    const r = await paper(svc, steps[1](u));
    expect(r.status).toBe('created');
    expect(r.steps).toMatchObject({ ldap: 'skipped', groupware: 'created', imap: 'skipped' });
    expect(await folderCount(u)).toBe(6);
  });

  it('3. --source_only=sql: the relations and permissions, with the data of the entry', async () => {
    const u = await userAfter(2);
    const r = await paper(svc, steps[2](u));
    expect(r.steps).toMatchObject({ ldap: 'skipped', groupware: 'skipped', imap: 'skipped' });
    expect(['exists', 'updated']).toContain(r.status);
    const row = await sqlRow(u);
    expect(row).toMatchObject({ display_name: 'Martin, Stephan', mail: `${u}@test.tux`, language: 'DE' });
    expect(row.uid_number).toBeGreaterThan(0);
    const [{ n }] = await sqlQuery<{ n: string }>(config, 'SELECT count(*) AS n FROM user_modules m JOIN users x ON x.id = m.user_id WHERE x.username = $1', [u]);
    expect(Number(n)).toBe(11);
  });

  it('4. --source_only=imap: the mailbox with the German folders', async () => {
    const u = await userAfter(3);
    const r = await paper(svc, steps[3](u));
    expect(r.steps).toEqual({ ldap: 'skipped', sql: 'skipped', groupware: 'skipped', imap: 'created' });
    expect(await imapFolders(config, u, 'secret')).toEqual(['Entwürfe', 'Gesendete Objekte', 'INBOX', 'Papierkorb', 'Spam']);
  });

  it('ends with a complete user: a full adduser now finds everything there', async () => {
    const u = await userAfter(4);
    const r = await paper(svc, `./adduser --adminuser=mailadmin --adminpasswd=secret --username=${u} --password=secret \\
      --surname=Martin --mail=${u}@test.tux --colocrouteaddr=${u}@localhost --language=DE`);
    expect(r.status).toBe('exists');
    expect(r.steps).toEqual({ ldap: 'exists', sql: 'exists', groupware: 'exists', imap: 'exists' });
    expect(await ldapBindAs(config, u, 'secret')).toBe(true);
  });

  it('each step run again is a no-op', async () => {
    const u = await userAfter(4);
    for (const only of ['groupware', 'sql', 'imap']) {
      const r = await paper(svc, `./adduser --adminuser=mailadmin --adminpasswd=secret --username=${u} --source_only=${only} --language=DE`);
      expect(r.status).toBe('exists');
    }
  });
});

describe('source_only edge cases', () => {
  it('--source_only=imap accepts no password and honours --ox_user_create_imap_template', async () => {
    const u = uniqueName('tb');
    await paper(svc, `./adduser --adminuser=mailadmin --adminpasswd=secret --username=${u} --password=secret --surname=Martin --mail=${u}@test.tux --colocrouteaddr=${u}@localhost --source_only=ldap`);
    const r = await svc.call('adduser', { adminuser: 'mailadmin', adminpasswd: 'secret', username: u, source_only: 'imap', language: 'DE', ox_user_create_imap_template: 'DE_Thunderbird' });
    expect(r.steps?.imap).toBe('created');
    expect(await imapFolders(config, u, 'secret')).toEqual(['Entwürfe', 'Gesendet', 'INBOX', 'Junk', 'Papierkorb', 'Vorlagen']);
  });

  it('a mailbox for a user the directory does not know fails with the imap code and says what was done', async () => {
    const err = await failsWith(paper(svc, `./adduser --adminuser=mailadmin --adminpasswd=secret --username=${uniqueName('ghost')} --source_only=imap --language=DE`), 'IMAP_NO_SUCH_USER');
    expect(err.message).toMatch(/done: nothing/);
  });

  it('a failed back-end names the steps done before it', async () => {
    const u = uniqueName('half');
    const broken = createAdminService(config, { setup: { mailStore: {
      init: async () => {},
      ensureMailbox: async () => { throw new OxprovError('IMAP_FAILED', 'mail store down', { backend: 'imap' }); },
      deleteMailbox: async () => 'gone', listFolders: async () => [], close: async () => {},
    }, retry: { attempts: 1 } } });
    try {
      const err = await failsWith(paper(broken, `./adduser --adminuser=mailadmin --adminpasswd=secret --username=${u} --password=secret --surname=Martin --mail=${u}@test.tux --colocrouteaddr=${u}@localhost`), 'IMAP_FAILED');
      expect(err.message).toContain('done: ldap created, sql created, groupware created');
      expect(err.message).not.toContain('secret');
    } finally {
      await broken.close();
    }
    // A second run only completes what is missing.
    const r = await paper(svc, `./adduser --adminuser=mailadmin --adminpasswd=secret --username=${u} --password=secret --surname=Martin --mail=${u}@test.tux --colocrouteaddr=${u}@localhost`);
    expect(r.steps).toEqual({ ldap: 'exists', sql: 'exists', groupware: 'exists', imap: 'created' });
  });

  it('an unknown back-end name is an invalid option', async () => {
    await failsWith(svc.call('adduser', { adminuser: 'mailadmin', adminpasswd: 'secret', username: uniqueName('x'), source_only: 'cyrus' }), 'CFG_INVALID');
  });
});
