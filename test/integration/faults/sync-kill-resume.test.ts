import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRunStore, type RunStore } from '../../../src/service/open-services.js';
import { runSync } from '../../../src/run/sync-run.js';
import { ldapBindAs, sqlQuery, withLdapAdmin } from '../../helpers/clients.js';
import { readCsv, sink, tmpDir } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * `kill -9` of a real `oxprov sync` in the middle of its apply, then
 * `oxprov sync --resume`: every person complete in every back-end, nobody twice,
 * and credentials.csv holds the password of every user the sync created, those
 * created before the kill too (sealed in the run's ledger, opened with its key).
 */
const config = stackConfig();
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const N = 1200;

async function created(runs: RunStore, report: string): Promise<number> {
  const run = await runs.byReportDir(report);
  if (!run) return 0;
  return (await runs.statusCounts(run.id)).created ?? 0;
}

describe('a sync killed with SIGKILL during its apply', () => {
  it('--resume finishes every person once, and loses no generated password', async () => {
    const dir = tmpDir('sync-kill');
    const feed = uniqueName('sk');
    const file = path.join(dir, 'feed.csv');
    fs.writeFileSync(file, `Personalnummer,username,surname,mail,colocrouteaddr,language\n${Array.from({ length: N }, (_, i) => `${800_000 + i},${feed}${i},Kill${i},${feed}${i}@test.tux,${feed}${i}@localhost,DE`).join('\n')}\n`);
    const mapping = path.join(dir, 'mapping.json');
    fs.writeFileSync(mapping, JSON.stringify({ columns: { Personalnummer: 'employeeNumber' } }));
    const report = path.join(dir, 'report');
    const runs = await openRunStore(config);
    try {
      const killed = await new Promise<boolean>((resolve) => {
        const child = spawn(process.execPath, [path.join(root, 'bin/oxprov.js'), 'sync', file, '--mapping', mapping, '--key', 'employeeNumber', '--feed', feed, '--generate-passwords', '--report', report], { stdio: 'ignore' });
        let done = false;
        const poll = setInterval(() => {
          void created(runs, report).then((n) => {
            if (n === 0 || done) return;
            done = true;
            clearInterval(poll);
            setTimeout(() => resolve(child.kill('SIGKILL')), 250);
          });
        }, 50);
        child.on('exit', () => { clearInterval(poll); if (!done) resolve(false); });
      });
      expect(killed).toBe(true);
      // PostgreSQL ends the dead process's session, and the run shows as interrupted.
      await expect.poll(async () => (await runs.byReportDir(report))!.state, { timeout: 10_000 }).toBe('interrupted');

      const out = sink();
      const err = sink();
      const resumed = await runSync({ file: '', resume: report }, { stdout: out, stderr: err });
      expect(err.text()).toContain('resuming run');
      expect(resumed.exitCode).toBe(0);
      expect((await runs.byReportDir(report))!.state).toBe('done');

      // Everyone once, with an id of their own.
      const entries = await withLdapAdmin(config, async (c) => (await c.search(config.ldap.peopleDn, { scope: 'sub', filter: `(oxprovFeed=${feed})`, attributes: ['uid', 'oxprovKey', 'uidNumber'] })).searchEntries);
      expect(entries).toHaveLength(N);
      expect(new Set(entries.map((e) => String(e.oxprovKey))).size).toBe(N);
      expect(new Set(entries.map((e) => String(e.uidNumber))).size).toBe(N);
      // Complete in the database: a row and the default folders each, none twice.
      const [sql] = await sqlQuery<{ users: string; folders: string; per: string }>(config,
        `SELECT count(DISTINCT u.id) AS users, count(f.id) AS folders, count(DISTINCT f.owner_id) AS per FROM users u LEFT JOIN folders f ON f.owner_id = u.id WHERE u.username LIKE $1`, [`${feed}%`]);
      expect(Number(sql.users)).toBe(N);
      expect(Number(sql.per)).toBe(N);
      expect(Number(sql.folders) % N).toBe(0);
      // Every password, those of the users created before the kill too.
      const creds = readCsv(path.join(report, 'credentials.csv'));
      expect(creds.map((c) => c.username).sort()).toEqual(Array.from({ length: N }, (_, i) => `${feed}${i}`).sort());
      for (const c of creds.filter((_, i) => i % 60 === 0)) expect(await ldapBindAs(config, c.username, c.password)).toBe(true);
      // The next sync finds nothing to do.
      const again = await runSync({ file, mapping, key: 'employeeNumber', feed, report: path.join(dir, 'again') }, { stdout: sink(), stderr: sink() });
      expect(again.summary!.counts).toMatchObject({ create: 0, update: 0, unchanged: N });
    } finally {
      await runs.close();
    }
  }, 180_000);
});
