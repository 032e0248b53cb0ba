import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ldapBindAs, sqlQuery } from '../../helpers/clients.js';
import { countUsers } from '../../helpers/directory.js';
import { readCsv, tmpDir } from '../../helpers/import-helpers.js';
import { startUntilBatch } from '../../helpers/run-with-workers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * `import --workers N` on one machine: N `oxprov worker` processes take the run's
 * batches from the queue and are stopped at its end; a run or a worker without
 * the key of the queue is refused before anything is written.
 */
const config = stackConfig();
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const oxprov = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, [path.join(root, 'bin/oxprov.js'), ...args], { cwd: root, env, encoding: 'utf8', timeout: 240_000 });

function usersFile(dir: string, prefix: string, n: number): string {
  const file = path.join(dir, 'users.csv');
  const lines = ['username,surname,givenname,mail,colocrouteaddr'];
  for (let i = 0; i < n; i++) lines.push(`${prefix}${i},Local${i},Worker,${prefix}${i}@test.tux,${prefix}${i}@localhost`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('import --workers N', () => {
  it('hands every batch to local workers, lists each generated password, and stops the workers at the end', async () => {
    const dir = tmpDir('oxprov-local-workers-');
    const prefix = uniqueName('lw');
    const file = usersFile(dir, prefix, 600);
    const report = path.join(dir, 'report');
    const r = oxprov(['import', file, '--workers', '2', '--batch-size', '50', '--generate-passwords', '--report', report, '--progress', 'none']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('2 local workers started');
    expect(r.stderr).toMatch(/batches done by local-\d \(\d+ users\)/);
    const rows = readCsv(path.join(report, 'report.csv'));
    expect(rows).toHaveLength(600);
    expect(rows.every((row) => row.status === 'created' && /worker local-[12]/.test(row.notes))).toBe(true);
    const credentials = readCsv(path.join(report, 'credentials.csv'));
    expect(new Set(credentials.map((c) => c.username)).size).toBe(600);
    for (const c of [credentials[0], credentials[299], credentials[599]]) expect(await ldapBindAs(config, c.username, c.password)).toBe(true);
    // summary.json and the run's record say which worker did how many rows.
    const summary = JSON.parse(fs.readFileSync(path.join(report, 'summary.json'), 'utf8'));
    expect(Object.keys(summary.workers).every((w) => w === 'local-1' || w === 'local-2')).toBe(true);
    expect(Object.values(summary.workers as Record<string, number>).reduce((n, k) => n + k, 0)).toBe(600);
    const runId = JSON.parse(fs.readFileSync(path.join(report, 'run.json'), 'utf8')).runId;
    const show = oxprov(['runs', 'show', runId]);
    expect(show.status, show.stderr).toBe(0);
    // Each worker's rows, batches (of 50) and pace, from the ledger.
    const shown = /\n {2}workers {5}(.+)\n/.exec(show.stdout)?.[1] ?? '';
    const each = [...shown.matchAll(/(local-[12]) (\d+) rows in (\d+) batch(?:es)? \((\d+(?:\.\d+)?) rows\/s\)/g)];
    expect(each.length, show.stdout).toBeGreaterThan(0);
    expect(each.map((m) => m[0]).join(', '), show.stdout).toBe(shown);
    expect(each.reduce((n, m) => n + Number(m[2]), 0), show.stdout).toBe(600);
    expect(each.reduce((n, m) => n + Number(m[3]), 0), show.stdout).toBe(12);
    expect(each.every((m) => Number(m[4]) > 0)).toBe(true);
        // Both workers were told to stop, and said so, and their output is the administrator's only.
    const log = fs.readFileSync(path.join(report, 'workers.log'), 'utf8');
    expect(log).toMatch(/oxprov worker local-1: stopping/);
    expect(log).toMatch(/oxprov worker local-2: stopping/);
    expect(fs.statSync(path.join(report, 'workers.log')).mode & 0o777).toBe(0o600);
    // No password travels in clear, in the log or the queue's own tables.
    expect(log).not.toContain(credentials[0].password);
    const [clear] = await sqlQuery<{ n: number }>(config, `SELECT count(*)::int AS n FROM oxprov_queue.job WHERE strpos(data::text, $1) > 0 OR strpos(coalesce(output::text, ''), $1) > 0`, [credentials[0].password]);
    expect(clear.n).toBe(0);
  }, 240_000);

  it('Ctrl-C withdraws the batches no worker has taken: their rows fail with QUEUE_CANCELLED, and --resume finishes them once', async () => {
    const dir = tmpDir('oxprov-workers-cancel-');
    const prefix = uniqueName('lc');
    const rows = 1500;
    const file = usersFile(dir, prefix, rows);
    const report = path.join(dir, 'report');
    // Once the worker has done a batch, the administrator presses Ctrl-C.
    const { child, exited, stderr } = await startUntilBatch(['import', file, '--workers', '1', '--batch-size', '25', '--generate-passwords', '--progress', 'none'], report, 25);
    child.kill('SIGINT');
    expect(await exited, stderr()).toBe(1);
    const first = readCsv(path.join(report, 'report.csv'));
    const withdrawn = first.filter((r) => r.error_code === 'QUEUE_CANCELLED');
    expect(withdrawn.length).toBeGreaterThan(0);
    expect(withdrawn.every((r) => r.status === 'failed' && r.message.includes('--resume finishes its rows'))).toBe(true);
    expect(first.filter((r) => r.status === 'created').length).toBeGreaterThan(0);

    const resumed = oxprov(['import', '--resume', report, '--progress', 'none']);
    expect(resumed.status, resumed.stderr).toBe(0);
    const summary = JSON.parse(fs.readFileSync(path.join(report, 'summary.json'), 'utf8'));
    expect(summary.rows.failed).toBe(0);
    expect(summary.rows.created + summary.rows.exists).toBe(rows);
    expect(await countUsers(config, prefix, rows)).toEqual({ users: rows, uidNumbers: rows });
  }, 240_000);

  it('a run killed with -9: its local workers stop by themselves, and --resume finishes the rows once', async () => {
    const dir = tmpDir('oxprov-workers-orphans-');
    const prefix = uniqueName('lo');
    const rows = 1200;
    const file = usersFile(dir, prefix, rows);
    const report = path.join(dir, 'report');
    const { child, exited } = await startUntilBatch(['import', file, '--workers', '2', '--batch-size', '25', '--generate-passwords', '--progress', 'none'], report, 25);
    const log = path.join(report, 'workers.log');
    const workers = spawnSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' }).stdout.split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
    expect(workers).toHaveLength(2);
    child.kill('SIGKILL');
    await exited;
    const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
    for (let i = 0; i < 300 && workers.some(alive); i++) await sleep(100);
    expect(workers.filter(alive)).toEqual([]);
    expect(fs.readFileSync(log, 'utf8')).toMatch(new RegExp(`oxprov worker local-1: the run that started it \\(process ${child.pid}\\) is gone`));

    // The key of the run's own workers stayed in its folder (0600) for the resumed run's workers.
    expect(fs.statSync(path.join(report, 'queue.key')).mode & 0o777).toBe(0o600);
    const resumed = oxprov(['import', '--resume', report, '--progress', 'none']);
    expect(resumed.status, resumed.stderr).toBe(0);
    // What the killed run left waiting in the queue is withdrawn, its rows sent again as the resumed run's.
    expect(resumed.stderr).toMatch(/withdrew \d+ batches the stopped run left in the queue/);
    expect(fs.existsSync(path.join(report, 'queue.key'))).toBe(false);
    expect(await countUsers(config, prefix, rows)).toEqual({ users: rows, uidNumbers: rows });
    // Every user's generated password is listed once, and works.
    const credentials = readCsv(path.join(report, 'credentials.csv'));
    expect(new Set(credentials.map((c) => c.username)).size).toBe(rows);
    for (const c of [credentials[0], credentials[rows - 1]]) expect(await ldapBindAs(config, c.username, c.password)).toBe(true);
  }, 240_000);

  it('refuses --queue without the key the workers share, --workers with a dry run, and a worker without a key', () => {
    const dir = tmpDir('oxprov-queue-refused-');
    const file = usersFile(dir, uniqueName('lq'), 3);
    const queue = oxprov(['import', file, '--queue', '--report', path.join(dir, 'r1'), '--progress', 'none']);
    expect(queue.status).toBe(2);
    expect(queue.stderr).toMatch(/CFG_MISSING: --queue hands the batches to workers started elsewhere: they and this run need the same queue\.key/);
    expect(fs.existsSync(path.join(dir, 'r1'))).toBe(false);
    const dry = oxprov(['import', file, '--workers', '2', '--dry-run', '--progress', 'none']);
    expect(dry.status).toBe(2);
    expect(dry.stderr).toContain('CFG_INVALID: --workers: a dry run writes nothing');
    const worker = oxprov(['worker', '--name', 'nokey']);
    expect(worker.status).toBe(2);
    expect(worker.stderr).toContain('oxprov worker nokey: CFG_MISSING: a worker needs the key');
    const short = oxprov(['worker', '--name', 'shortkey'], { ...process.env, OXPROV_QUEUE_KEY: 'short' });
    expect(short.status).toBe(2);
    expect(short.stderr).toContain('QUEUE_KEY');
  }, 120_000);
});
