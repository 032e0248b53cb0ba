import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminService } from '../../../src/service/tools/admin-service.js';
import type { Directory } from '../../../src/provision/backends.js';
import { openDirectory, resourceExists } from '../../helpers/directory.js';
import { sqlQuery } from '../../helpers/clients.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';
import { failsWith, paper } from './admin-kit.js';

const config = stackConfig();
const svc = createAdminService(config);
let dir: Directory;
beforeAll(async () => { dir = await openDirectory(config); });
afterAll(async () => { await svc.close(); await dir?.close(); });

const A = '--adminuser=mailadmin --adminpasswd=secret';
const ldapMembers = async (g: string) => {
  return (await dir.resources.members(g)).sort();
};
const sqlMembers = async (g: string) => (await sqlQuery<{ name: string }>(config,
  `SELECT r.name FROM resource_group_members m JOIN resource_groups g ON g.id = m.resource_group_id
   JOIN resources r ON r.id = m.resource_id WHERE g.name = $1 ORDER BY 1`, [g])).map((r) => r.name);
const sqlResource = async (name: string) => (await sqlQuery<{ mail: string | null; description: string | null }>(config,
  'SELECT mail, description FROM resources WHERE name = $1', [name]))[0];

describe('the resource tools (chapter 4), in LDAP and SQL', () => {
  /** Resources of its own for a test, made by addresource (checked by the first test). */
  async function resources(...prefixes: string[]): Promise<string[]> {
    const names = prefixes.map((x) => uniqueName(x));
    for (const name of names) expect((await paper(svc, `./addresource ${A} --resourcename=${name}`)).status).toBe('created');
    return names;
  }
  /** A resource group of its own with these members, made by addresourcegroup (checked by the second test). */
  async function resourceGroup(members: string[]): Promise<string> {
    const rg = uniqueName('projectors');
    expect((await paper(svc, `./addresourcegroup ${A} --groupname=${rg} --members=${members.join(',')}`)).status).toBe('created');
    return rg;
  }

  it('addresource creates a resource; again is exists', async () => {
    const beamer = uniqueName('beamer');
    const r = await paper(svc, `./addresource ${A} --resourcename=${beamer} --mail=${beamer}@test.tux --description=Projector`);
    expect(r).toMatchObject({ status: 'created', steps: { ldap: 'created', sql: 'created' } });
    expect(await resourceExists(dir, beamer, 'OXResourceObject')).toBe(true);
    expect(await sqlResource(beamer)).toEqual({ mail: `${beamer}@test.tux`, description: 'Projector' });
    expect((await paper(svc, `./addresource ${A} --resourcename=${beamer}`)).status).toBe('exists');
  });

  it('addresourcegroup needs existing resources; then creates the group; again is exists', async () => {
    const [beamer] = await resources('beamer');
    const rg = uniqueName('projectors');
    await failsWith(paper(svc, `./addresourcegroup ${A} --groupname=${rg} --members=${beamer},${uniqueName('nores')}`), 'ADMIN_NO_SUCH_RESOURCE');
    const r = await paper(svc, `./addresourcegroup ${A} --groupname=${rg} --members=${beamer}`);
    expect(r).toMatchObject({ status: 'created', steps: { ldap: 'created', sql: 'created' } });
    expect(await ldapMembers(rg)).toEqual([beamer]);
    expect(await sqlMembers(rg)).toEqual([beamer]);
    expect((await paper(svc, `./addresourcegroup ${A} --groupname=${rg} --members=${beamer}`)).status).toBe('exists');
  });

  it('addmembers2resgroup adds; again is unchanged', async () => {
    const [beamer, room] = await resources('beamer', 'room');
    const rg = await resourceGroup([beamer]);
    const r = await paper(svc, `./addmembers2resgroup ${A} --groupname=${rg} --members=${room}`);
    expect(r).toMatchObject({ status: 'updated', steps: { ldap: 'updated', sql: 'updated' } });
    expect(await ldapMembers(rg)).toEqual([beamer, room].sort());
    expect(await sqlMembers(rg)).toEqual([beamer, room].sort());
    expect((await paper(svc, `./addmembers2resgroup ${A} --groupname=${rg} --members=${room}`)).status).toBe('unchanged');
  });

  it('delmembersfromresgroup removes; again is unchanged', async () => {
    const [beamer, room] = await resources('beamer', 'room');
    const rg = await resourceGroup([beamer, room]);
    const r = await paper(svc, `./delmembersfromresgroup ${A} --groupname=${rg} --members=${room}`);
    expect(r).toMatchObject({ status: 'updated', steps: { ldap: 'updated', sql: 'updated' } });
    expect(await ldapMembers(rg)).toEqual([beamer]);
    expect(await sqlMembers(rg)).toEqual([beamer]);
    expect((await paper(svc, `./delmembersfromresgroup ${A} --groupname=${rg} --members=${room}`)).status).toBe('unchanged');
  });

  it('a resource and a resource group cannot share a name, and neither tool deletes the other kind', async () => {
    const [beamer] = await resources('beamer');
    const rg = await resourceGroup([beamer]);
    await failsWith(paper(svc, `./addresource ${A} --resourcename=${rg}`), 'ADMIN_INVALID_REQUEST');
    await failsWith(paper(svc, `./delresource ${A} --resourcename=${rg}`), 'ADMIN_INVALID_REQUEST');
    await failsWith(paper(svc, `./delresourcegroup ${A} --groupname=${beamer}`), 'ADMIN_INVALID_REQUEST');
    expect(await resourceExists(dir, rg, 'OXResourceGroupObject')).toBe(true);
  });

  it('delresource removes the resource and its memberships; again is gone', async () => {
    const [beamer] = await resources('beamer');
    const rg = await resourceGroup([beamer]);
    const r = await paper(svc, `./delresource ${A} --resourcename=${beamer}`);
    expect(r).toMatchObject({ status: 'deleted', steps: { ldap: 'deleted', sql: 'deleted' } });
    expect(await ldapMembers(rg)).toEqual([]);
    expect(await sqlMembers(rg)).toEqual([]);
    expect((await paper(svc, `./delresource ${A} --resourcename=${beamer}`)).status).toBe('gone');
  });

  it('delresourcegroup deletes the group, its resources stay; again is gone', async () => {
    const [beamer, room] = await resources('beamer', 'room');
    const rg = await resourceGroup([beamer]);
    await paper(svc, `./addmembers2resgroup ${A} --groupname=${rg} --members=${room}`);
    const r = await paper(svc, `./delresourcegroup ${A} --groupname=${rg}`);
    expect(r).toMatchObject({ status: 'deleted', steps: { ldap: 'deleted', sql: 'deleted' } });
    expect(await resourceExists(dir, room, 'OXResourceObject')).toBe(true);
    expect(await sqlResource(room)).toBeDefined();
    expect((await paper(svc, `./delresourcegroup ${A} --groupname=${rg}`)).status).toBe('gone');
  });

  it('changing an unknown resource group is ADMIN_NO_SUCH_RESOURCE', async () => {
    // The resource exists; the group does not.
    const [room] = await resources('room');
    const rg = uniqueName('projectors');
    await failsWith(paper(svc, `./addmembers2resgroup ${A} --groupname=${rg} --members=${room}`), 'ADMIN_NO_SUCH_RESOURCE');
    await failsWith(paper(svc, `./delmembersfromresgroup ${A} --groupname=${rg} --members=${room}`), 'ADMIN_NO_SUCH_RESOURCE');
  });

  it('a bad resource mail address is refused', async () => {
    await failsWith(paper(svc, `./addresource ${A} --resourcename=${uniqueName('r')} --mail=not-an-address`), 'MAP_INVALID_MAIL');
  });
});
