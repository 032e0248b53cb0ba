import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRunStore, type RunStore } from '../../../src/service/open-services.js';
import { ldapBindAs, sqlQuery } from '../../helpers/clients.js';
import { openDirectory } from '../../helpers/directory.js';
import { importFile, readCsv, tmpDir } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';
import { generateUsers } from '../../../bench/generate-users.js';

/**
 * `kill -9` of a real `oxprov import` process at several moments: the ledger
 * on disk must account for every user already written to any back-end, and
 * `--resume` must end with every user complete and none twice.
 */
const config = stackConfig();
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const ROWS = 1500;

/** The ledger of the run that writes to `report`: its rows by status. */
async function ledgerOf(runs: RunStore, report: string): Promise<{ done: Set<number>; started: Set<number> }> {
  const run = await runs.byReportDir(report);
  const done = new Set<number>();
  const started = new Set<number>();
  if (!run) return { done, started };
  for await (const page of runs.ledger(run.id)) for (const r of page) (r.status === 'started' || r.status === 'failed' ? started : done).add(r.line!);
  return { done, started };
}

/** Starts the CLI; resolves once its ledger holds a first outcome, then `kill -9` after `delayMs`. */
function importAndKill(args: string[], runs: RunStore, report: string, delayMs: number): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/oxprov.js'), 'import', ...args, '--progress', 'none'], { stdio: 'ignore' });
    let killed = false;
    let waiting = false;
    const poll = setInterval(() => {
      if (waiting) return;
      waiting = true;
      ledgerOf(runs, report).then((l) => {
        waiting = false;
        if (l.done.size === 0 || killed) return;
        clearInterval(poll);
        setTimeout(() => { killed = child.kill('SIGKILL'); }, delayMs);
      }, () => { waiting = false; });
    }, 50);
    child.on('exit', (code) => { clearInterval(poll); resolve({ killed, code }); });
  });
}

/** Every user of the file that any back-end holds. */
async function written(prefix: string): Promise<Set<string>> {
  const dir = await openDirectory(config);
  const names = new Set<string>();
  try {
    const all = Array.from({ length: ROWS }, (_, i) => `${prefix}${i}`);
    for (const k of (await dir.findUsers(all)).keys()) names.add(k);
  } finally {
    await dir.close();
  }
  for (const r of await sqlQuery<{ username: string }>(config, 'SELECT username FROM users WHERE username LIKE $1', [`${prefix}%`])) names.add(r.username);
  return names;
}

describe('an import killed with SIGKILL', () => {
  it('leaves a ledger that accounts for every row written, and --resume completes every user once', async () => {
    const dir = tmpDir('kill');
    const file = path.join(dir, 'users.csv');
    const prefix = uniqueName('kill');
    await generateUsers(file, ROWS, prefix);
    const report = path.join(dir, 'report');
    const lineOf = (u: string) => Number(u.slice(prefix.length)) + 2;
    const runs = await openRunStore(config);

    try {
      // Killed at three moments: early, in the middle of a resumed run, and again.
      let first = true;
      let kills = 0;
      for (const delay of [300, 1500, 2500]) {
        const run = await importAndKill(first ? [file, '--report', report, '--batch-size', '100'] : ['--resume', report], runs, report, delay);
        first = false;
        if (!run.killed) break; // finished before the kill: nothing left to prove for this moment
        kills++;
        const state = await ledgerOf(runs, report);
        const accounted = new Set([...state.done, ...state.started]);
        const missing = [...(await written(prefix))].filter((u) => !accounted.has(lineOf(u)));
        expect(missing).toEqual([]);
        // The process is gone: its run shows as interrupted, whoever looks.
        await expect.poll(async () => (await runs.byReportDir(report))!.state, { timeout: 10_000 }).toBe('interrupted');
      }
      expect(kills).toBeGreaterThanOrEqual(2);
    } finally {
      await runs.close();
    }

    const resumed = await importFile('', { resume: report });
    expect(resumed.exitCode).toBe(0);
    expect(resumed.summary!.rows).toMatchObject({ read: ROWS, failed: 0, rejected: 0 });
    const rows = readCsv(path.join(report, 'report.csv'));
    expect(rows.map((r) => Number(r.line))).toEqual(Array.from({ length: ROWS }, (_, i) => i + 2));

    // Complete in every back-end: a re-run that checks every back-end (--verify: nothing trusted) finds everything there, and nothing is doubled.
    const again = await importFile(file, { verify: true });
    expect(new Set(again.report.map((r) => `${r.status} ${r.ldap} ${r.sql} ${r.groupware} ${r.imap}`))).toEqual(new Set(['exists exists exists exists exists']));
    const [{ n, uids }] = await sqlQuery<{ n: string; uids: string }>(config, 'SELECT count(*) AS n, count(DISTINCT uid_number) AS uids FROM users WHERE username LIKE $1', [`${prefix}%`]);
    expect({ n: Number(n), uids: Number(uids) }).toEqual({ n: ROWS, uids: ROWS });
    expect((await written(prefix)).size).toBe(ROWS);
  }, 240_000);
});

describe('an import with generated passwords killed with SIGKILL', () => {
  it('loses no password: credentials.csv after --resume holds every user it created, each password binds; the ledger holds them sealed only', async () => {
    const dir = tmpDir('kill-pw');
    const file = path.join(dir, 'users.csv');
    const prefix = uniqueName('killpw');
    // Enough rows that the kill, soon after the first batch is in the ledger, comes well before the end on a busy machine.
    const n = 2000;
    fs.writeFileSync(file, `username,surname,mail,colocrouteaddr\n${Array.from({ length: n }, (_, i) => `${prefix}${i},Pw${i},${prefix}${i}@test.tux,${prefix}${i}@localhost`).join('\n')}\n`);
    const report = path.join(dir, 'report');
    const runs = await openRunStore(config);
    try {
      const run = await importAndKill([file, '--report', report, '--batch-size', '50', '--generate-passwords', '--source_only', 'ldap,sql'], runs, report, 100);
      expect(run.killed).toBe(true);
      const resumed = await importFile('', { resume: report });
      expect(resumed.exitCode).toBe(0);
      const creds = readCsv(path.join(report, 'credentials.csv'));
      expect(creds.map((c) => c.username).sort()).toEqual(Array.from({ length: n }, (_, i) => `${prefix}${i}`).sort());
      expect(creds.every((c) => c.mail === `${c.username}@test.tux`)).toBe(true);
      for (const c of creds.filter((_, i) => i % 100 === 0)) expect(await ldapBindAs(config, c.username, c.password)).toBe(true);
      // In the database only sealed forms, none of which shows a password.
      const stored = await sqlQuery<{ sealed_password: string | null }>(config, 'SELECT l.sealed_password FROM oxprov_runs.ledger l JOIN oxprov_runs.runs r ON r.id = l.run_id WHERE r.report_dir = $1', [report]);
      expect(stored.length).toBe(n);
      expect(stored.every((s) => s.sealed_password?.startsWith('v1.'))).toBe(true);
      const all = stored.map((s) => s.sealed_password).join('\n');
      expect(creds.some((c) => all.includes(c.password))).toBe(false);
      expect((fs.statSync(path.join(report, 'run.key')).mode & 0o777).toString(8)).toBe('600');
      expect(fs.existsSync(path.join(report, 'journal.jsonl'))).toBe(false);
    } finally {
      await runs.close();
    }
  }, 120_000);
});
