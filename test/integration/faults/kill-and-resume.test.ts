import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournal } from '../../../src/import/journal.js';
import { sqlQuery } from '../../helpers/clients.js';
import { openDirectory } from '../../helpers/directory.js';
import { importFile, readCsv, tmpDir } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';
import { generateUsers } from '../../../bench/generate-users.js';

/**
 * `kill -9` of a real `oxprov import` process at several moments: the journal
 * on disk must account for every user already written to any back-end, and
 * `--resume` must end with every user complete and none twice.
 */
const config = stackConfig();
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const ROWS = 1500;

/** Starts the CLI; resolves once it has written a first outcome to its journal, then `kill -9` after `delayMs`. */
function importAndKill(args: string[], journal: string, delayMs: number): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/oxprov.js'), 'import', ...args, '--progress', 'none'], { stdio: 'ignore' });
    let killed = false;
    const poll = setInterval(() => {
      if (fs.existsSync(journal) && fs.readFileSync(journal, 'utf8').includes('"d":')) {
        clearInterval(poll);
        setTimeout(() => { killed = child.kill('SIGKILL'); }, delayMs);
      }
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
  it('leaves a journal that accounts for every row written, and --resume completes every user once', async () => {
    const dir = tmpDir('kill');
    const file = path.join(dir, 'users.csv');
    const prefix = uniqueName('kill');
    await generateUsers(file, ROWS, prefix);
    const report = path.join(dir, 'report');
    const journal = path.join(report, 'journal.jsonl');
    const lineOf = (u: string) => Number(u.slice(prefix.length)) + 2;

    // Killed at three moments: early, in the middle of a resumed run, and again.
    let first = true;
    let kills = 0;
    for (const delay of [300, 1500, 2500]) {
      const run = await importAndKill(first ? [file, '--report', report, '--batch-size', '100'] : ['--resume', report], journal, delay);
      first = false;
      if (!run.killed) break; // finished before the kill: nothing left to prove for this moment
      kills++;
      const state = readJournal(report);
      const accounted = new Set([...state.done.keys(), ...state.started]);
      const missing = [...(await written(prefix))].filter((u) => !accounted.has(lineOf(u)));
      expect(missing).toEqual([]);
    }
    expect(kills).toBeGreaterThanOrEqual(2);

    const resumed = await importFile('', { resume: report });
    expect(resumed.exitCode).toBe(0);
    expect(resumed.summary!.rows).toMatchObject({ read: ROWS, failed: 0, rejected: 0 });
    const rows = readCsv(path.join(report, 'report.csv'));
    expect(rows.map((r) => Number(r.line))).toEqual(Array.from({ length: ROWS }, (_, i) => i + 2));

    // Complete in every back-end: a plain re-run finds everything there, and nothing is doubled.
    const again = await importFile(file);
    expect(new Set(again.report.map((r) => `${r.status} ${r.ldap} ${r.sql} ${r.groupware} ${r.imap}`))).toEqual(new Set(['exists exists exists exists exists']));
    const [{ n, uids }] = await sqlQuery<{ n: string; uids: string }>(config, 'SELECT count(*) AS n, count(DISTINCT uid_number) AS uids FROM users WHERE username LIKE $1', [`${prefix}%`]);
    expect({ n: Number(n), uids: Number(uids) }).toEqual({ n: ROWS, uids: ROWS });
    expect((await written(prefix)).size).toBe(ROWS);
  }, 240_000);
});
