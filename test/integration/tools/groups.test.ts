import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminService } from '../../../src/service/tools/admin-service.js';
import type { Directory } from '../../../src/provision/backends.js';
import { findUser, groupExists, openDirectory } from '../../helpers/directory.js';
import { sqlQuery } from '../../helpers/clients.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';
import { failsWith, paper } from './admin-kit.js';

const config = stackConfig();
const svc = createAdminService(config);
let dir: Directory;
beforeAll(async () => { dir = await openDirectory(config); });
afterAll(async () => { await svc.close(); await dir?.close(); });

const ldapMembers = async (g: string) => (await dir.groups.members(g)).sort();
const sqlMembers = async (g: string) => (await sqlQuery<{ username: string }>(config,
  'SELECT u.username FROM group_members gm JOIN groups g ON g.id = gm.group_id JOIN users u ON u.id = gm.user_id WHERE g.name = $1 ORDER BY 1', [g])).map((r) => r.username);
const addUser = (u: string, only = '') => paper(svc, `./adduser --adminuser=mailadmin --adminpasswd=secret --username=${u} \\
  --password=secret --surname=Martin --mail=${u}@test.tux --colocrouteaddr=${u}@localhost ${only}`);

describe('the group tools (3.3–3.6), in LDAP and SQL', () => {
  const [sm, smtest, pm] = [uniqueName('sm'), uniqueName('smtest'), uniqueName('pm')];
  beforeAll(async () => { for (const u of [sm, smtest, pm]) await addUser(u); });
  /** A group of its own for a test, made by addgroup (checked by the first test) with these members. */
  async function group(members: string[]): Promise<string> {
    const g = uniqueName('testgroup');
    expect((await paper(svc, `./addgroup --adminuser=mailadmin --adminpasswd=secret --groupname=${g} --members=${members.join(',')}`)).status).toBe('created');
    return g;
  }

  it('addgroup creates the group with its members', async () => {
    const g = uniqueName('testgroup');
    const r = await paper(svc, `./addgroup --adminuser=mailadmin --adminpasswd=secret --groupname=${g} \\
      --members=${sm},${smtest}`);
    expect(r).toMatchObject({ status: 'created', steps: { ldap: 'created', sql: 'created' } });
    expect(await ldapMembers(g)).toEqual([sm, smtest].sort());
    expect(await sqlMembers(g)).toEqual([sm, smtest].sort());
    const [row] = await sqlQuery<{ gid_number: number }>(config, 'SELECT gid_number FROM groups WHERE name = $1', [g]);
    expect(row.gid_number).toBeGreaterThan(0);
  });

  it('addgroup again is exists', async () => {
    const g = await group([sm, smtest]);
    const r = await paper(svc, `./addgroup --adminuser=mailadmin --adminpasswd=secret --groupname=${g} --members=${sm},${smtest}`);
    expect(r).toMatchObject({ status: 'exists', steps: { ldap: 'exists', sql: 'exists' } });
  });

  it('addmembers2group adds, and again is unchanged', async () => {
    const g = await group([sm, smtest]);
    const r = await paper(svc, `./addmembers2group --adminuser=mailadmin --adminpasswd=secret \\
      --groupname=${g} --members=${pm}`);
    expect(r).toMatchObject({ status: 'updated', steps: { ldap: 'updated', sql: 'updated' } });
    expect(await ldapMembers(g)).toContain(pm);
    expect(await sqlMembers(g)).toContain(pm);
    expect((await paper(svc, `./addmembers2group --adminuser=mailadmin --adminpasswd=secret --groupname=${g} --members=${pm}`)).status).toBe('unchanged');
  });

  it('members are written as the directory spells them', async () => {
    const g = await group([sm, smtest, pm]);
    const r = await paper(svc, `./addmembers2group --adminuser=mailadmin --adminpasswd=secret --groupname=${g} --members=${pm.toUpperCase()}`);
    expect(r.status).toBe('unchanged');
  });

  it('delmembersfromgroup removes, and again is unchanged', async () => {
    const g = await group([sm, smtest, pm]);
    const r = await paper(svc, `./delmembersfromgroup --adminuser=mailadmin --adminpasswd=secret \\
      --groupname=${g} --members=${pm}`);
    expect(r).toMatchObject({ status: 'updated', steps: { ldap: 'updated', sql: 'updated' } });
    expect(await ldapMembers(g)).not.toContain(pm);
    expect(await sqlMembers(g)).not.toContain(pm);
    expect((await paper(svc, `./delmembersfromgroup --adminuser=mailadmin --adminpasswd=secret --groupname=${g} --members=${pm}`)).status).toBe('unchanged');
  });

  it('delgroup deletes the definition, the members stay users; again is gone', async () => {
    const g = await group([sm, smtest]);
    const r = await paper(svc, `./delgroup --adminuser=mailadmin --adminpasswd=secret --groupname=${g}`);
    expect(r).toMatchObject({ status: 'deleted', steps: { ldap: 'deleted', sql: 'deleted' } });
    expect(await groupExists(dir, g)).toBe(false);
    expect(await sqlQuery(config, 'SELECT 1 FROM groups WHERE name = $1', [g])).toHaveLength(0);
    expect(await findUser(dir, sm)).toBeDefined();
    expect(await sqlQuery(config, 'SELECT 1 FROM users WHERE username = $1', [sm])).toHaveLength(1);
    expect((await paper(svc, `./delgroup --adminuser=mailadmin --adminpasswd=secret --groupname=${g}`)).status).toBe('gone');
  });
});

describe('group tools refuse what cannot be done', () => {
  const u = uniqueName('gm');
  const g = uniqueName('gref');
  beforeAll(async () => { await addUser(u); });

  it('addgroup with a member that is no user: ADMIN_NO_SUCH_USER, and no group', async () => {
    await failsWith(paper(svc, `./addgroup --adminuser=mailadmin --adminpasswd=secret --groupname=${g} --members=${u},${uniqueName('nobody')}`), 'ADMIN_NO_SUCH_USER');
    expect(await groupExists(dir, g)).toBe(false);
    expect(await sqlQuery(config, 'SELECT 1 FROM groups WHERE name = $1', [g])).toHaveLength(0);
  });

  it('addgroup without members is refused (the paper: at least one member)', async () => {
    await failsWith(svc.call('addgroup', { adminuser: 'mailadmin', adminpasswd: 'secret', groupname: g, members: ' , ' }), 'CFG_INVALID');
    await failsWith(svc.call('addgroup', { adminuser: 'mailadmin', adminpasswd: 'secret', groupname: g }), 'MAP_MISSING_FIELD');
  });

  it('changing an unknown group is ADMIN_NO_SUCH_GROUP', async () => {
    await failsWith(paper(svc, `./addmembers2group --adminuser=mailadmin --adminpasswd=secret --groupname=${g} --members=${u}`), 'ADMIN_NO_SUCH_GROUP');
    await failsWith(paper(svc, `./delmembersfromgroup --adminuser=mailadmin --adminpasswd=secret --groupname=${g} --members=${u}`), 'ADMIN_NO_SUCH_GROUP');
  });

  it('the primary group of every user cannot be deleted; a bad group name is refused', async () => {
    await failsWith(paper(svc, `./delgroup --adminuser=mailadmin --adminpasswd=secret --groupname=${config.ldap.usersGroup}`), 'ADMIN_INVALID_REQUEST');
    await failsWith(svc.call('addgroup', { adminuser: 'mailadmin', adminpasswd: 'secret', groupname: 'a,b=c', members: u }), 'MAP_INVALID_GROUP');
  });

  it('a member provisioned in LDAP only is linked in LDAP, and the message says SQL could not link it', async () => {
    const ldapOnly = uniqueName('lo');
    await addUser(ldapOnly, '--source_only=ldap');
    const g2 = uniqueName('glo');
    const r = await paper(svc, `./addgroup --adminuser=mailadmin --adminpasswd=secret --groupname=${g2} --members=${u},${ldapOnly}`);
    expect(r.status).toBe('created');
    expect(r.message).toContain(ldapOnly);
    expect(await ldapMembers(g2)).toEqual([u, ldapOnly].sort());
    expect(await sqlMembers(g2)).toEqual([u]);
  });
});
