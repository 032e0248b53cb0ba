import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../../src/run/sync-run.js';
import { openServices, type Services } from '../../../src/service/open-services.js';
import { Attribute, Change } from 'ldapts';
import { ldapBindAs, sqlQuery, withLdapAdmin } from '../../helpers/clients.js';
import { readCsv, sink, tmpDir, writeCsv } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * What a sync leaves alone and what it clears, and plan.ldif loaded with the
 * real ldapmodify: the next plan finds the LDAP part done, and a leaver
 * disabled that way (its password hash still in place) is finished by the sync.
 */
const config = stackConfig();
const dir = tmpDir('sync-files');
const HEADER = ['username', 'password', 'surname', 'mail', 'colocrouteaddr', 'telephoneNumber', 'title'];
let svc: Services;
beforeAll(async () => { svc = await openServices(config, { only: ['ldap'] }); });
afterAll(async () => { await svc?.close(); });

/** A feed of its own with people of its own (`${p}0`, `${p}1`, …), and a sync of it. */
function newFeed() {
  const feed = uniqueName('sf');
  const p = uniqueName('s');
  const person = (i: number, phone: string, surname = `Akte${i}`) => [`${p}${i}`, `Pw-${i}-files-ok`, surname, `${p}${i}@test.tux`, `${p}${i}@localhost`, phone, 'Referent'];
  async function sync(file: string, extra: Record<string, unknown> = {}) {
    const report = path.join(dir, uniqueName('r'));
    const stdout = sink();
    const stderr = sink();
    const run = await runSync({ file, feed, report, ...extra }, { stdout, stderr });
    return { ...run, out: stdout.text(), err: stderr.text(), report };
  }
  return { p, person, sync };
}
const attrs = async (name: string) => (await svc.users.findUser(name))!.attributes;

describe('sync: empty cells and plan.ldif', () => {
  it('an empty cell leaves the value alone; with --empty-clears it deletes it', async () => {
    const { p, person, sync } = newFeed();
    expect((await sync(writeCsv(dir, `${p}-1.csv`, [HEADER, person(0, '+49 30 100'), person(1, '+49 30 101')]))).exitCode).toBe(0);
    const emptied = writeCsv(dir, `${p}-2.csv`, [HEADER, person(0, ''), person(1, '+49 30 101')]);
    const kept = await sync(emptied);
    expect(kept.summary!.counts).toMatchObject({ update: 0, unchanged: 2 });
    expect((await attrs(`${p}0`)).telephoneNumber).toEqual(['+49 30 100']);
    const plan = await sync(emptied, { emptyClears: true, planOnly: true });
    expect(plan.out).toContain('telephoneNumber: +49 30 100 → (none)');
    const cleared = await sync(emptied, { emptyClears: true });
    expect(cleared.summary!.counts).toMatchObject({ update: 1, unchanged: 1 });
    expect((await attrs(`${p}0`)).telephoneNumber).toBeUndefined();
    expect((await attrs(`${p}0`)).title).toEqual(['Referent']);
    expect((await sync(emptied, { emptyClears: true })).summary!.counts).toMatchObject({ update: 0, unchanged: 2 });
  }, 60_000);

  it('plan.ldif loads with ldapmodify; the next plan finds the LDAP part done and finishes the leaver', async () => {
    // Two people synced in a feed of its own; then person 1 changes surname, person 0 leaves.
    const { p, person, sync } = newFeed();
    expect((await sync(writeCsv(dir, `${p}-1.csv`, [HEADER, person(0, ''), person(1, '+49 30 101')]))).summary!.counts).toMatchObject({ create: 2 });
    const next = writeCsv(dir, `${p}-3.csv`, [HEADER, person(1, '+49 30 101', 'Neuakte')]);
    const plan = await sync(next, { planOnly: true, emit: 'ldif' });
    expect(plan.summary!.counts).toMatchObject({ update: 1, disable: 1 });
    const ldif = path.join(plan.report, 'plan.ldif');
    expect(fs.readFileSync(ldif, 'utf8')).not.toMatch(/userPassword:|\{SSHA/);
    const pwFile = path.join(dir, 'admin.pw');
    fs.writeFileSync(pwFile, config.ldap.bindPassword, { mode: 0o600 });
    const r = spawnSync('ldapmodify', ['-x', '-H', config.ldap.url, '-D', config.ldap.bindDn, '-y', pwFile, '-f', ldif], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect((await attrs(`${p}1`)).sn).toEqual(['Neuakte']);
    expect((await attrs(`${p}1`)).cn).toEqual(['Neuakte']);
    expect((await attrs(`${p}0`)).mailEnabled).toEqual(['NO']);
    // The hash was not moved by the LDIF: the bind still works, and the sync sees that.
    expect(await ldapBindAs(config, `${p}0`, 'Pw-0-files-ok')).toBe(true);
    const after = await sync(next, { planOnly: true });
    const entries = JSON.parse(fs.readFileSync(path.join(after.report, 'plan.json'), 'utf8')).entries;
    const leaver = entries.find((e: { username: string }) => e.username === `${p}0`);
    expect(leaver.action).toBe('disable');
    expect(leaver.notes.join(' ')).toContain('a password hash in userPassword');
    const applied = await sync(next);
    expect(applied.exitCode).toBe(0);
    expect(await ldapBindAs(config, `${p}0`, 'Pw-0-files-ok')).toBe(false);
    expect((await sync(next)).summary!.counts).toMatchObject({ update: 0, disable: 0, unchanged: 1 });
  }, 60_000);

  it('--delete-leavers-after deletes, in every back-end, leavers disabled for longer; not sooner', async () => {
    // A feed of its own whose person 0 left in the last sync (disabled today).
    const { p, person, sync } = newFeed();
    expect((await sync(writeCsv(dir, `${p}-1.csv`, [HEADER, person(0, ''), person(1, '+49 30 101')]))).summary!.counts).toMatchObject({ create: 2 });
    const next = writeCsv(dir, `${p}-3.csv`, [HEADER, person(1, '+49 30 101', 'Neuakte')]);
    expect((await sync(next)).summary!.counts).toMatchObject({ update: 1, disable: 1 });
    const leaver = `${p}0`;
    expect((await sync(next, { deleteLeaversAfter: '30' })).summary!.deletions).toBe(0);
    expect(await svc.users.findUser(leaver)).toBeDefined();
    // Disabled long ago.
    await withLdapAdmin(config, (c) => c.modify(`uid=${leaver},${config.ldap.peopleDn}`, new Change({ operation: 'replace', modification: new Attribute({ type: 'oxprovDisabledAt', values: ['2026-01-15'] }) })));
    const plan = await sync(next, { deleteLeaversAfter: '30', planOnly: true });
    expect(plan.summary!.deletions).toBe(1);
    expect(plan.out).toContain('delete          1');
    expect(await svc.users.findUser(leaver)).toBeDefined();
    const done = await sync(next, { deleteLeaversAfter: '30' });
    expect(done.exitCode).toBe(0);
    expect(readCsv(path.join(done.report, 'report.csv')).find((r) => r.username === leaver)).toMatchObject({ status: 'deleted', ldap: 'deleted', sql: 'deleted', imap: 'deleted' });
    expect(await svc.users.findUser(leaver)).toBeUndefined();
    expect(await sqlQuery(config, 'SELECT 1 FROM users WHERE username = $1', [leaver])).toEqual([]);
    expect((await sync(next, { deleteLeaversAfter: '30' })).summary!.deletions).toBe(0);
  }, 60_000);
});
