import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminService } from '../../../src/service/tools/admin-service.js';
import { openDirectory } from '../../helpers/directory.js';
import { imapFolders, ldapBindAs, sqlQuery, withImapLogin } from '../../helpers/clients.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';
import { failsWith, paper } from './admin-kit.js';

const config = stackConfig();
const svc = createAdminService(config);
afterAll(() => svc.close());

const addUser = (u: string, extra = '') => paper(svc, `./adduser --adminuser=mailadmin --adminpasswd=secret --username=${u} \\
  --password=secret --surname=Martin --mail=${u}@test.tux --colocrouteaddr=${u}@localhost ${extra}`);

describe('changepasswd (3.7)', () => {
  const u = uniqueName('pm');
  beforeAll(async () => { await addUser(u); });

  it('changes the password: the new one binds, the old one no longer', async () => {
    const r = await paper(svc, `./changepasswd --adminuser=mailadmin --adminpasswd=secret --username=${u} \\
      --password=newpass`);
    expect(r).toMatchObject({ status: 'updated', steps: { ldap: 'updated' } });
    expect(JSON.stringify(r)).not.toContain('newpass');
    expect(await ldapBindAs(config, u, 'newpass')).toBe(true);
    expect(await ldapBindAs(config, u, 'secret')).toBe(false);
    expect(await imapFolders(config, u, 'newpass')).toContain('INBOX');
  });

  it('the same password again is unchanged', async () => {
    // A user of its own whose password was changed to newpass once already.
    const v = uniqueName('pm');
    await addUser(v);
    expect((await paper(svc, `./changepasswd --adminuser=mailadmin --adminpasswd=secret --username=${v} --password=newpass`)).status).toBe('updated');
    const r = await paper(svc, `./changepasswd --adminuser=mailadmin --adminpasswd=secret --username=${v} --password=newpass`);
    expect(r.status).toBe('unchanged');
  });

  it('an unknown user is ADMIN_NO_SUCH_USER', async () => {
    const err = await failsWith(paper(svc, `./changepasswd --adminuser=mailadmin --adminpasswd=secret --username=${uniqueName('nobody')} --password=newpass`), 'ADMIN_NO_SUCH_USER');
    expect(err.message).not.toContain('newpass');
  });
});

describe('setquota (3.8)', () => {
  const u = uniqueName('sq');
  beforeAll(async () => { await addUser(u); });

  it('sets the quota in MB; Dovecot shows it at the next login (GETQUOTAROOT)', async () => {
    const r = await paper(svc, `./setquota --adminuser=mailadmin --adminpasswd=secret --username=${u} \\
      --quotasize=50`);
    expect(r).toMatchObject({ status: 'updated', steps: { ldap: 'updated' } });
    const quota = await withImapLogin(config, u, 'secret', (c) => c.getQuota('INBOX'));
    expect(quota && quota.storage?.limit).toBe(50 * 1024 * 1024);
  });

  it('the same quota again is unchanged; a new one is applied', async () => {
    // A user of its own whose quota was set to 50 MB once already.
    const v = uniqueName('sq');
    await addUser(v);
    expect((await paper(svc, `./setquota --adminuser=mailadmin --adminpasswd=secret --username=${v} --quotasize=50`)).status).toBe('updated');
    expect((await paper(svc, `./setquota --adminuser=mailadmin --adminpasswd=secret --username=${v} --quotasize=50`)).status).toBe('unchanged');
    expect((await paper(svc, `./setquota --adminuser=mailadmin --adminpasswd=secret --username=${v} --quotasize=75`)).status).toBe('updated');
    const quota = await withImapLogin(config, v, 'secret', (c) => c.getQuota('INBOX'));
    expect(quota && quota.storage?.limit).toBe(75 * 1024 * 1024);
  });

  it('refuses a size that is not a whole number of MB, and an unknown user', async () => {
    await failsWith(svc.call('setquota', { adminuser: 'mailadmin', adminpasswd: 'secret', username: u, quotasize: '-5' }), 'MAP_INVALID_QUOTA');
    await failsWith(svc.call('setquota', { adminuser: 'mailadmin', adminpasswd: 'secret', username: u, quotasize: '1.5' }), 'MAP_INVALID_QUOTA');
    await failsWith(paper(svc, `./setquota --adminuser=mailadmin --adminpasswd=secret --username=${uniqueName('nobody')} --quotasize=50`), 'ADMIN_NO_SUCH_USER');
  });
});

describe('deluser (3.2)', () => {
  it('removes the user everywhere, group memberships included; a second run is gone', async () => {
    const u = uniqueName('smtest');
    const g = uniqueName('delg');
    await addUser(u);
    await paper(svc, `./addgroup --adminuser=mailadmin --adminpasswd=secret --groupname=${g} --members=${u}`);
    const r = await paper(svc, `./deluser --adminuser=mailadmin --adminpasswd=secret --username=${u}`);
    expect(r).toMatchObject({ status: 'deleted', steps: { ldap: 'deleted', sql: 'deleted', groupware: 'deleted', imap: 'deleted' } });
    expect(await ldapBindAs(config, u, 'secret')).toBe(false);
    expect(await sqlQuery(config, 'SELECT 1 FROM users WHERE username = $1', [u])).toHaveLength(0);
    const dir = await openDirectory(config);
    try {
      expect(await dir.groups.members(g)).not.toContain(u);
    } finally {
      await dir.close();
    }
    expect(await sqlQuery(config, 'SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE g.name = $1', [g])).toHaveLength(0);
    const again = await paper(svc, `./deluser --adminuser=mailadmin --adminpasswd=secret --username=${u}`);
    expect(again).toMatchObject({ status: 'gone', steps: { ldap: 'gone', sql: 'gone', groupware: 'gone', imap: 'gone' } });
  });

  it('--source_only=imap empties only the mailbox', async () => {
    const u = uniqueName('delimap');
    await addUser(u);
    const r = await svc.call('deluser', { adminuser: 'mailadmin', adminpasswd: 'secret', username: u, source_only: 'imap' });
    expect(r.steps).toEqual({ ldap: 'skipped', sql: 'skipped', groupware: 'skipped', imap: 'deleted' });
    expect(await imapFolders(config, u, 'secret')).toEqual(['INBOX']);
    expect(await ldapBindAs(config, u, 'secret')).toBe(true);
  });
});
