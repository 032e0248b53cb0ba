import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRunStore } from '../../../src/service/open-services.js';
import { ldapBindAs, sqlQuery } from '../../helpers/clients.js';
import { readCsv, tmpDir } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * A real `oxprov serve` killed with SIGKILL while the page's import runs: after a
 * restart the page shows the run as interrupted, with its rows so far, and resumes
 * it to the end from its ledger; `oxprov runs` shows the same run, from the page.
 */
const config = stackConfig();
const N = 1500;

function serve(webDir: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/oxprov.js', 'serve', '--port', '0', '--web-dir', webDir], { env: { ...process.env, OXPROV_CONFIG: undefined }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1].replace(/\/$/, '') });
    });
    child.on('exit', (code) => reject(new Error(`serve ended (${code}): ${out}`)));
  });
}

async function login(url: string): Promise<Record<string, string>> {
  const res = await fetch(`${url}/ui/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: 'mailadmin', password: 'secret' }) });
  expect(res.status).toBe(200);
  return { Cookie: (res.headers.get('set-cookie') ?? '').split(';')[0], 'X-CSRF-Token': ((await res.json()) as { csrf: string }).csrf };
}

interface PageRun { status: string; resumable?: boolean; summary?: { rows: Record<string, number> }; credentials: string }
const getRun = async (url: string, headers: Record<string, string>, id: string) =>
  (await (await fetch(`${url}/ui/api/runs/${id}`, { headers })).json()) as { run: PageRun; progress?: { rowsDone: number } };

describe('the daemon killed during an import of the page', () => {
  it('shows the run as interrupted after its restart, and resumes it to the end; oxprov runs shows the same run', async () => {
    const work = tmpDir('web-killed');
    const webDir = path.join(work, 'web');
    const p = uniqueName('wk');
    const csv = `username,surname,mail,colocrouteaddr,language\n${Array.from({ length: N }, (_, i) => `${p}${i},Kill${i},${p}${i}@test.tux,${p}${i}@localhost,DE`).join('\n')}\n`;
    let first = await serve(webDir);
    let id: string;
    try {
      const headers = await login(first.url);
      const form = new FormData();
      form.append('csv', new Blob([csv]), 'users.csv');
      const up = (await (await fetch(`${first.url}/ui/api/uploads`, { method: 'POST', headers, body: form })).json()) as { id: string };
      const started = await fetch(`${first.url}/ui/api/runs`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ uploadId: up.id, kind: 'import', mode: 'import', generatePasswords: true }) });
      id = ((await started.json()) as { id: string }).id;
      // Killed once rows are done.
      await expect.poll(async () => (await getRun(first.url, headers, id)).progress?.rowsDone ?? 0, { timeout: 60_000, interval: 100 }).toBeGreaterThan(0);
    } finally {
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
    }

    // A run of the command line meanwhile: the page's history lists it too.
    const cliFile = path.join(work, `${p}-cli.csv`);
    fs.writeFileSync(cliFile, `username,password,surname,mail,colocrouteaddr\n${p}cli,Pw-cli-12345,Cli,${p}cli@test.tux,${p}cli@localhost\n`);
    expect(spawnSync(process.execPath, ['bin/oxprov.js', 'import', cliFile, '--progress', 'none', '--report', path.join(work, 'cli-report')]).status).toBe(0);

    const second = await serve(webDir);
    first = second;
    try {
      const headers = await login(second.url);
      const history = (await (await fetch(`${second.url}/ui/api/runs`, { headers })).json()) as { runs: { id: string }[]; elsewhere: { file: string; door: string; state: string }[] };
      expect(history.runs.map((r) => r.id)).toContain(id);
      expect(history.elsewhere).toEqual(expect.arrayContaining([expect.objectContaining({ file: `${p}-cli.csv`, door: 'cli', state: 'done' })]));
      const after = (await getRun(second.url, headers, id)).run;
      expect(after).toMatchObject({ status: 'interrupted', resumable: true });
      const resumed = await fetch(`${second.url}/ui/api/runs/${id}/resume`, { method: 'POST', headers });
      expect(resumed.status).toBe(200);
      await expect.poll(async () => (await getRun(second.url, headers, id)).run.status, { timeout: 120_000, interval: 250 }).toBe('done');
      const done = (await getRun(second.url, headers, id)).run;
      expect(done.summary!.rows.created + done.summary!.rows.exists).toBe(N);
      expect(done.summary!.rows.failed).toBe(0);
      // Every user complete, once; every generated password in the one download.
      const [row] = await sqlQuery<{ n: string }>(config, 'SELECT count(*) AS n FROM users WHERE username ~ $1', [`^${p}[0-9]+$`]);
      expect(Number(row.n)).toBe(N);
      const creds = await fetch(`${second.url}/ui/api/runs/${id}/credentials`, { method: 'POST', headers });
      expect(creds.status).toBe(200);
      const file = path.join(work, 'credentials.csv');
      fs.writeFileSync(file, await creds.text());
      const list = readCsv(file);
      expect(new Set(list.map((c) => c.username)).size).toBe(N);
      expect(await ldapBindAs(config, list[0].username, list[0].password)).toBe(true);
      expect(await ldapBindAs(config, list[N - 1].username, list[N - 1].password)).toBe(true);
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
    }
    // The same run in oxprov's records: from the page, done.
    const runs = await openRunStore(config);
    try {
      const rec = await runs.byReportDir(path.join(webDir, 'runs', id));
      expect(rec).toMatchObject({ kind: 'import', door: 'page', startedBy: 'mailadmin', state: 'done' });
    } finally {
      await runs.close();
    }
  }, 240_000);
});
