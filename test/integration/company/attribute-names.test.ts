import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { openServices, type Services } from '../../../src/service/open-services.js';
import { runSync } from '../../../src/run/sync-run.js';
import { withLdapAdmin } from '../../helpers/clients.js';
import { stackConfigFile } from '../../../src/config/paths.js';
import { sink, tmpDir, writeCsv } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * A directory that spells the groupware's attributes its own way (`ldap.attributes`):
 * oxprov writes and reads `mailAlternateAddress` and `mailRoutingAddress`
 * (schema/company.schema, auxiliary class companyMailUser from `ldap.userClasses`)
 * instead of the paper's alias and colocRouteAddr,
 * against the real slapd; the rules above the directory do not notice.
 */
const base = stackConfig();
const dir = tmpDir('names');
const file = path.join(dir, 'config.json');
const u = uniqueName('nm');
let config: ReturnType<typeof loadConfig>;
let svc: Services;

async function raw(username: string): Promise<Record<string, string[]>> {
  return withLdapAdmin(base, async (c) => {
    const { searchEntries } = await c.search(`uid=${username},${base.ldap.peopleDn}`, { scope: 'base', attributes: ['*'] });
    return Object.fromEntries(Object.entries(searchEntries[0]).filter(([k]) => k !== 'dn').map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map(String)]));
  });
}

beforeAll(async () => {
  const stack = JSON.parse(fs.readFileSync(stackConfigFile(process.env), 'utf8'));
  stack.ldap.attributes = { alias: 'mailAlternateAddress', colocRouteAddr: 'mailRoutingAddress' };
  stack.ldap.userClasses = ['companyMailUser'];
  fs.writeFileSync(file, JSON.stringify(stack), { mode: 0o600 });
  config = loadConfig({ file, env: {} });
  svc = await openServices(config);
});
afterAll(async () => {
  await svc?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ldap.attributes: the directory\'s own names of the groupware attributes', () => {
  it('a user is written, found, checked and disabled under the directory\'s names', async () => {
    const created = await svc.users.provisionUser({
      username: `${u}a`, password: 'Names-pw-0k!', surname: 'Anders', mail: `${u}a@test.tux`, aliases: [`${u}a.alt@test.tux`],
      colocrouteaddr: `${u}a@localhost`, language: 'DE', disable: [], groups: [], attributes: {},
    });
    expect(created.status).toBe('created');
    const entry = await raw(`${u}a`);
    expect(entry.mailAlternateAddress).toEqual([`${u}a.alt@test.tux`]);
    expect(entry.mailRoutingAddress).toEqual([`${u}a@localhost`]);
    expect(entry.alias).toBeUndefined();
    expect(entry.colocRouteAddr).toBeUndefined();
    expect(entry.objectClass).toContain('companyMailUser');
    // Read back in the paper's names; the mailbox was made (Dovecot finds the user by uid).
    const found = (await svc.users.findUser(`${u}a`))!;
    expect(found.attributes.alias).toEqual([`${u}a.alt@test.tux`]);
    expect(found.attributes.mailEnabled).toEqual(['OK']);
    expect(created.steps.imap).toBe('created');

    // The address is the user's under its renamed attribute: another user cannot have it.
    const taken = await svc.users.provisionUser({
      username: `${u}b`, password: 'Names-pw-0k!', surname: 'Berg', mail: `${u}a.alt@test.tux`, aliases: [], colocrouteaddr: `${u}b@localhost`, disable: [], groups: [], attributes: {},
    });
    expect(taken.status).toBe('rejected');
    expect(taken.errors[0]).toMatchObject({ code: 'MAP_EXISTS_MAIL' });
    expect(taken.errors[0].message).toContain(`${u}a`);

    // The same request again: nothing to do.
    expect((await svc.users.provisionUser({ username: `${u}a`, password: 'Names-pw-0k!', surname: 'Anders', mail: `${u}a@test.tux`, aliases: [`${u}a.alt@test.tux`], colocrouteaddr: `${u}a@localhost`, disable: [], groups: [], attributes: {} }, { onExisting: 'update' })).steps.ldap).toBe('exists');

    const off = await svc.users.setEnabled(found, false);
    expect(off.status).not.toBe('failed');
    expect((await raw(`${u}a`)).mailEnabled).toEqual(['NO']);
    expect((await raw(`${u}a`)).mailAlternateAddress).toEqual([`${u}a.alt@test.tux`]);
  }, 60_000);

  it('a sync compares and writes under the directory\'s names: the second run is unchanged, plan.ldif names mailAlternateAddress', async () => {
    const feed = uniqueName('nf');
    const csv = (alias: string) => writeCsv(dir, `${uniqueName('f')}.csv`, [['username', 'password', 'surname', 'mail', 'alias', 'colocrouteaddr'], [`${u}c`, 'Names-pw-0k!', 'Clausen', `${u}c@test.tux`, alias, `${u}c@localhost`]]);
    const sync = async (f: string, extra: Record<string, unknown> = {}) => {
      const report = path.join(dir, uniqueName('r'));
      const run = await runSync({ file: f, feed, report, config: file, ...extra }, { stdout: sink(), stderr: sink() });
      return { ...run, report };
    };
    expect((await sync(csv(`${u}c.one@test.tux`))).summary!.counts).toMatchObject({ create: 1 });
    expect((await raw(`${u}c`)).mailAlternateAddress).toEqual([`${u}c.one@test.tux`]);
    expect((await sync(csv(`${u}c.one@test.tux`))).summary!.counts).toMatchObject({ create: 0, update: 0, unchanged: 1 });
    const changed = await sync(csv(`${u}c.two@test.tux`), { emit: 'ldif', planOnly: true });
    expect(changed.summary!.counts).toMatchObject({ update: 1 });
    expect(fs.readFileSync(path.join(changed.report, 'plan.ldif'), 'utf8')).toContain(`replace: mailAlternateAddress\nmailAlternateAddress: ${u}c.two@test.tux`);
  }, 60_000);

  it('a name that oxprov does not write, or two attributes on one name, is refused', () => {
    const stack = JSON.parse(fs.readFileSync(file, 'utf8'));
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ ...stack, ldap: { ...stack.ldap, attributes: { telephoneNumber: 'x' } } }));
    expect(() => loadConfig({ file: bad, env: {} })).toThrow(/ldap.attributes.telephoneNumber: unknown key \(known here: mail, alias, /);
    fs.writeFileSync(bad, JSON.stringify({ ...stack, ldap: { ...stack.ldap, attributes: { alias: 'mail' } } }));
    expect(() => loadConfig({ file: bad, env: {} })).toThrow(/mail and alias would both be written to mail/);
  });
});
