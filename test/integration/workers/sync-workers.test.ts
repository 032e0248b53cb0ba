import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ldapBindAs, sqlQuery } from '../../helpers/clients.js';
import { countUsers, openDirectory } from '../../helpers/directory.js';
import { readCsv, tmpDir } from '../../helpers/import-helpers.js';
import { startUntilBatch } from '../../helpers/run-with-workers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * `sync --workers N`: the plan is made in the run's process; its creates and
 * changes are done by N local `oxprov worker` processes through the queue, its
 * leavers by the run itself; each person is done once, and the next sync of the
 * same feed through workers changes only what changed.
 */
const config = stackConfig();
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const oxprov = (args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin/oxprov.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 240_000 });

function feedFile(dir: string, name: string, people: { n: number; title: string }[], prefix: string): string {
  const file = path.join(dir, name);
  const lines = ['username,surname,givenname,title,mail,colocrouteaddr'];
  for (const p of people) lines.push(`${prefix}${p.n},Sync${p.n},Worker,${p.title},${prefix}${p.n}@test.tux,${prefix}${p.n}@localhost`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

describe('sync --workers N', () => {
  it('creates and changes through local workers, disables leavers in the run, and does each person once', async () => {
    const dir = tmpDir('oxprov-sync-workers-');
    const prefix = uniqueName('sw');
    const feed = uniqueName('swfeed');
    const n = 400;
    const people = Array.from({ length: n }, (_, i) => ({ n: i, title: 'Clerk' }));
    const first = path.join(dir, 'first');
    const r1 = oxprov(['sync', feedFile(dir, 'one.csv', people, prefix), '--feed', feed, '--workers', '2', '--generate-passwords', '--report', first]);
    expect(r1.status, r1.stderr).toBe(0);
    expect(r1.stderr).toContain('2 local workers started');
    expect(r1.stdout).toContain(`applied: created ${n}`);
    const report1 = readCsv(path.join(first, 'report.csv'));
    expect(report1).toHaveLength(n);
    expect(report1.every((row) => row.status === 'created' && /worker local-[12]/.test(row.notes))).toBe(true);
    const credentials = readCsv(path.join(first, 'credentials.csv'));
    expect(new Set(credentials.map((c) => c.username)).size).toBe(n);
    for (const c of [credentials[0], credentials[n - 1]]) expect(await ldapBindAs(config, c.username, c.password)).toBe(true);
    const summary1 = JSON.parse(fs.readFileSync(path.join(first, 'summary.json'), 'utf8'));
    expect(Object.keys(summary1.workers).every((w) => w === 'local-1' || w === 'local-2')).toBe(true);
    expect(sum(summary1.workers)).toBe(n);
    // One ledger row per person, each created once; the workers were stopped.
    const runId = JSON.parse(fs.readFileSync(path.join(first, 'run.json'), 'utf8')).runId;
    const [ledger] = await sqlQuery<{ rows: number; items: number; created: number }>(config,
      `SELECT count(*)::int AS rows, count(DISTINCT item)::int AS items, count(*) FILTER (WHERE status = 'created')::int AS created FROM oxprov_runs.ledger WHERE run_id = $1`, [runId]);
    expect(ledger).toEqual({ rows: n, items: n, created: n });
    const log = fs.readFileSync(path.join(first, 'workers.log'), 'utf8');
    expect(log).toMatch(/oxprov worker local-1: stopping/);
    expect(log).not.toContain(credentials[0].password);

    // A month later: 20 people have a new title, the last 10 left.
    const next = people.slice(0, n - 10).map((p) => (p.n < 20 ? { ...p, title: 'Manager' } : p));
    const second = path.join(dir, 'second');
    const r2 = oxprov(['sync', feedFile(dir, 'two.csv', next, prefix), '--feed', feed, '--workers', '2', '--report', second]);
    expect(r2.status, r2.stderr).toBe(0);
    expect(r2.stdout).toMatch(/applied: .*updated 20/);
    expect(r2.stdout).toMatch(/disabled 10/);
    const summary2 = JSON.parse(fs.readFileSync(path.join(second, 'summary.json'), 'utf8'));
    expect(summary2.applied).toMatchObject({ updated: 20, disabled: 10, unchanged: n - 30 });
    // The workers did the changes; the leavers were disabled by the run itself.
    expect(sum(summary2.workers)).toBe(20);
    const report2 = readCsv(path.join(second, 'report.csv'));
    expect(report2.filter((r) => r.status === 'updated').every((r) => /worker local-[12]/.test(r.notes))).toBe(true);
    expect(report2.filter((r) => r.status === 'disabled').some((r) => /worker/.test(r.notes))).toBe(false);
    const directory = await openDirectory(config);
    try {
      const found = await directory.findUsers([`${prefix}0`, `${prefix}19`, `${prefix}20`, `${prefix}${n - 1}`]);
      expect(found.get(`${prefix}0`)?.attributes.title).toEqual(['Manager']);
      expect(found.get(`${prefix}19`)?.attributes.title).toEqual(['Manager']);
      expect(found.get(`${prefix}20`)?.attributes.title).toEqual(['Clerk']);
    } finally {
      await directory.close();
    }
    // A leaver can no longer log in; a person who stayed still can.
    expect(await ldapBindAs(config, credentials[n - 1].username, credentials[n - 1].password)).toBe(false);
    expect(await ldapBindAs(config, credentials[0].username, credentials[0].password)).toBe(true);
  }, 300_000);

  it('a sync through workers killed with -9 is finished by --resume: each person made once, every password listed', async () => {
    const dir = tmpDir('oxprov-sync-workers-kill-');
    const prefix = uniqueName('sk');
    const n = 1500;
    const file = feedFile(dir, 'feed.csv', Array.from({ length: n }, (_, i) => ({ n: i, title: 'Clerk' })), prefix);
    const report = path.join(dir, 'report');
    const { child, exited } = await startUntilBatch(['sync', file, '--feed', uniqueName('skfeed'), '--workers', '1', '--generate-passwords'], report, 100);
    child.kill('SIGKILL');
    await exited;
    const resumed = oxprov(['sync', '--resume', report]);
    expect(resumed.status, resumed.stderr).toBe(0);
    const summary = JSON.parse(fs.readFileSync(path.join(report, 'summary.json'), 'utf8'));
    expect(summary.applied.failed ?? 0).toBe(0);
    expect(await countUsers(config, prefix, n)).toEqual({ users: n, uidNumbers: n });
    const credentials = readCsv(path.join(report, 'credentials.csv'));
    expect(new Set(credentials.map((c) => c.username)).size).toBe(n);
    for (const c of [credentials[0], credentials[n - 1]]) expect(await ldapBindAs(config, c.username, c.password)).toBe(true);
  }, 300_000);

  it('Ctrl-C on a sync through workers withdraws the batches no worker has taken; --resume finishes the sync', async () => {
    const dir = tmpDir('oxprov-sync-workers-int-');
    const prefix = uniqueName('si');
    const n = 1500;
    const file = feedFile(dir, 'feed.csv', Array.from({ length: n }, (_, i) => ({ n: i, title: 'Clerk' })), prefix);
    const report = path.join(dir, 'report');
    const { child, exited, stderr } = await startUntilBatch(['sync', file, '--feed', uniqueName('sifeed'), '--workers', '1', '--generate-passwords'], report, 100);
    child.kill('SIGINT');
    expect(await exited, stderr()).toBe(2);
    expect(stderr()).toContain('interrupted: no worker takes another batch of this sync');
    expect(stderr()).toContain('QUEUE_CANCELLED');
    // Nothing of this sync is left for a worker to take.
    const runId = JSON.parse(fs.readFileSync(path.join(report, 'run.json'), 'utf8')).runId;
    const [left] = await sqlQuery<{ n: number }>(config, `SELECT count(*)::int AS n FROM oxprov_queue.job WHERE data->>'runId' = $1 AND state IN ('created', 'retry', 'active')`, [runId]);
    expect(left.n).toBe(0);
    expect((await countUsers(config, prefix, n)).users).toBeLessThan(n);

    const resumed = oxprov(['sync', '--resume', report]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(await countUsers(config, prefix, n)).toEqual({ users: n, uidNumbers: n });
    const credentials = readCsv(path.join(report, 'credentials.csv'));
    expect(new Set(credentials.map((c) => c.username)).size).toBe(n);
  }, 300_000);

  it('refuses workers for a plan, which writes nothing', () => {
    const dir = tmpDir('oxprov-sync-workers-refused-');
    const r = oxprov(['sync', feedFile(dir, 'f.csv', [{ n: 1, title: 'x' }], uniqueName('swr')), '--plan-only', '--workers', '2', '--report', path.join(dir, 'r')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CFG_INVALID: --workers: a plan writes nothing');
  }, 60_000);
});
