import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSync } from '../../../src/run/sync-run.js';
import { imapFolders, sqlQuery, withImapLogin, withLdapAdmin } from '../../helpers/clients.js';
import { sink, tmpDir, writeCsv } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * One sync of a feed at a time, across processes (a lock in PostgreSQL that a
 * dead process gives back), and repair as part of every plan: what a back-end
 * lost behind oxprov's back is planned and made again, not called unchanged.
 */
const config = stackConfig();
const dir = tmpDir('lock');
const HEADER = ['username', 'password', 'surname', 'mail', 'colocrouteaddr', 'language'];
const people = (p: string, n: number) => Array.from({ length: n }, (_, i) => [`${p}${i}`, `Pw-${i}-lock-ok`, `Lock${i}`, `${p}${i}@test.tux`, `${p}${i}@localhost`, 'DE']);

async function sync(file: string, feed: string, extra: Record<string, unknown> = {}) {
  const stdout = sink();
  const stderr = sink();
  const run = await runSync({ file, feed, report: path.join(dir, uniqueName('r')), ...extra }, { stdout, stderr });
  return { ...run, out: stdout.text(), err: stderr.text() };
}

describe('one sync of a feed at a time', () => {
  it('a feed held by another process is refused with SYNC_FEED_LOCKED; a plan still reads; the holder killed with -9 gives it back', async () => {
    const feed = uniqueName('lk');
    const file = writeCsv(dir, `${feed}.csv`, [HEADER, ...people(feed, 3)]);
    // Another process takes the feed's lock the way a running sync does, and keeps it.
    const holder = spawn(process.execPath, ['--input-type=module', '-e', `
      const { loadConfig } = await import(${JSON.stringify(path.resolve('dist/config/load-config.js'))});
      const { SqlStore } = await import(${JSON.stringify(path.resolve('dist/provision/sql/sql-store.js'))});
      const store = await SqlStore.connect(loadConfig());
      const lock = await store.tryLock(${JSON.stringify(`feed:${feed}`)});
      console.log(lock ? 'locked' : 'not locked');
      setInterval(() => {}, 1000);
    `], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, OXPROV_CONFIG: undefined } });
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (d) => (String(d).includes('locked') ? resolve() : reject(new Error(String(d)))));
    });
    try {
      const refused = await sync(file, feed);
      expect(refused.exitCode).toBe(2);
      expect(refused.err).toContain('SYNC_FEED_LOCKED: another sync of feed');
      expect((await sync(file, feed, { planOnly: true })).summary!.counts).toMatchObject({ create: 3 });
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.on('exit', r));
    }
    // The session of the dead process ends, and its lock with it.
    await expect.poll(async () => (await sync(file, feed)).exitCode, { timeout: 15_000, interval: 500 }).toBe(0);
  }, 60_000);

  it('two syncs of one feed started together: one runs, the other is refused, nobody gets two accounts', async () => {
    const feed = uniqueName('two');
    const file = writeCsv(dir, `${feed}.csv`, [['Personalnummer', ...HEADER], ...people(feed, 400).map((p, i) => [String(700_000 + i), ...p])]);
    const mapping = path.join(dir, `${feed}.json`);
    fs.writeFileSync(mapping, JSON.stringify({ columns: { Personalnummer: 'employeeNumber' } }));
    const start = () => new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn(process.execPath, ['bin/oxprov.js', 'sync', file, '--mapping', mapping, '--key', 'employeeNumber', '--feed', feed, '--report', path.join(dir, uniqueName('r'))], { env: { ...process.env, OXPROV_NO_HINTS: '1' } });
      let err = '';
      child.stderr.on('data', (d) => { err += String(d); });
      child.on('close', (code) => resolve({ code, err }));
    });
    const runs = await Promise.all([start(), start()]);
    expect(runs.map((r) => r.code).sort()).toEqual([0, 2]);
    expect(runs.find((r) => r.code === 2)!.err).toContain('SYNC_FEED_LOCKED');
    const entries = await withLdapAdmin(config, async (c) => (await c.search(config.ldap.peopleDn, { scope: 'sub', filter: `(oxprovFeed=${feed})`, attributes: ['oxprovKey'] })).searchEntries);
    expect(entries).toHaveLength(400);
    expect(new Set(entries.map((e) => String(e.oxprovKey))).size).toBe(400);
    // The other one, run again now, finds everything done.
    const again = spawnSync(process.execPath, ['bin/oxprov.js', 'sync', file, '--mapping', mapping, '--key', 'employeeNumber', '--feed', feed, '--plan-only', '--report', path.join(dir, uniqueName('r'))], { encoding: 'utf8' });
    expect(again.stdout).toMatch(/unchanged +400\b/);
  }, 120_000);
});

describe('repair is part of every plan', () => {
  it('a user whose groupware folders were deleted behind oxprov\'s back is planned "folders missing" and repaired by the next sync', async () => {
    const feed = uniqueName('rep');
    const file = writeCsv(dir, `${feed}.csv`, [HEADER, ...people(feed, 3)]);
    expect((await sync(file, feed)).summary!.counts).toMatchObject({ create: 3 });
    const victim = `${feed}1`;
    const count = async () => Number((await sqlQuery<{ n: string }>(config, 'SELECT count(*) AS n FROM folders f JOIN users u ON u.id = f.owner_id WHERE u.username = $1', [victim]))[0].n);
    const before = await count();
    expect(before).toBeGreaterThan(0);
    await sqlQuery(config, 'DELETE FROM folders WHERE owner_id = (SELECT id FROM users WHERE username = $1)', [victim]);

    const plan = await sync(file, feed, { planOnly: true });
    expect(plan.summary!.counts).toMatchObject({ update: 1, unchanged: 2 });
    const entry = plan.entries!.find((e) => e.username === victim)!;
    expect(entry.repair).toEqual([`groupware folders missing: ${before}`]);
    expect(plan.out).toContain(`groupware folders missing: ${before}`);

    const applied = await sync(file, feed);
    expect(applied.exitCode).toBe(0);
    expect(await count()).toBe(before);
    expect((await sync(file, feed, { planOnly: true })).summary!.counts).toMatchObject({ update: 0, unchanged: 3 });
  }, 60_000);

  it('--check-mail lists each known mailbox: a folder deleted behind oxprov\'s back is planned "mail folders missing" and made again; without it nothing is listed', async () => {
    const feed = uniqueName('mbx');
    const file = writeCsv(dir, `${feed}.csv`, [HEADER, ...people(feed, 3)]);
    expect((await sync(file, feed)).summary!.counts).toMatchObject({ create: 3 });
    const victim = `${feed}2`;
    const password = 'Pw-2-lock-ok';
    const folders = () => imapFolders(config, victim, password);
    expect(await folders()).toContain('Papierkorb');
    await withImapLogin(config, victim, password, (c) => c.mailboxDelete('Papierkorb'));
    expect(await folders()).not.toContain('Papierkorb');

    // A plan without the option lists no mailbox: the user is unchanged, and nothing says otherwise.
    const plain = await sync(file, feed, { planOnly: true });
    expect(plain.summary!.counts).toMatchObject({ update: 0, unchanged: 3 });
    expect(plain.err).not.toContain('--check-mail');

    const plan = await sync(file, feed, { planOnly: true, checkMail: true });
    expect(plan.summary!.counts).toMatchObject({ update: 1, unchanged: 2 });
    expect(plan.entries!.find((e) => e.username === victim)!.repair).toEqual(['mail folders missing: Papierkorb']);
    expect(plan.out).toContain('mail folders missing: Papierkorb');
    expect(plan.err).toContain('--check-mail: listed the mailboxes of 3 users, 1 lack folders');

    const applied = await sync(file, feed, { checkMail: true });
    expect(applied.exitCode).toBe(0);
    expect(applied.applied).toMatchObject({ updated: 1 });
    expect(await folders()).toContain('Papierkorb');
    const again = await sync(file, feed, { planOnly: true, checkMail: true });
    expect(again.summary!.counts).toMatchObject({ update: 0, unchanged: 3 });
    expect(again.err).toContain('--check-mail: listed the mailboxes of 3 users, 0 lack folders');
  }, 60_000);
});
