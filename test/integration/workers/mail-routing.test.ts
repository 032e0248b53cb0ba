import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultStack, type FaultStack } from '../../helpers/fault-stack.js';
import { readCsv, tmpDir } from '../../helpers/import-helpers.js';
import { uniqueName } from '../../helpers/stack-config.js';

/**
 * Several mail servers: a worker started with `--mail imap2` (on imap2's host, say) does the
 * batches of imap2's users and no others; a batch of both servers' users is split.
 */
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
let fault: FaultStack;
let configFile: string;
const dir = tmpDir('oxprov-mail-routing-');
const workers: ChildProcess[] = [];

beforeAll(async () => {
  fault = await startFaultStack(23160, { OXPROV_STACK_MAIL: 'dovecot,dovecot', OXPROV_STACK_MAIL_FOLDERS: 'on-demand' });
  const settings = JSON.parse(fs.readFileSync(fault.stack.configFile(), 'utf8'));
  fs.writeFileSync(path.join(dir, 'queue.key'), 'the key of the mail routing test\n', { mode: 0o600 });
  configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify({ ...settings, queue: { keyFile: 'queue.key', expireSeconds: 10 } }), { mode: 0o600 });
}, 180_000);

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await fault?.down();
});

/** Only the config file: not the local stack's environment. */
const env = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OXPROV_')));

function startWorker(name: string, mail: string): { out: () => string } {
  const child = spawn(process.execPath, [path.join(root, 'bin/oxprov.js'), 'worker', '--name', name, '--mail', mail, '--config', configFile], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  workers.push(child);
  return { out: () => out };
}

describe('workers limited to mail servers (--mail)', () => {
  it('a worker for imap2 does only imap2\'s users, one for imap1 only imap1\'s; an unknown server is refused', async () => {
    const w2 = startWorker('on-imap2', 'imap2');
    const w1 = startWorker('on-imap1', 'imap1');
    for (let i = 0; i < 300 && !(w1.out().includes('taking batches') && w2.out().includes('taking batches')); i++) await sleep(100);
    expect(w2.out()).toContain('taking batches of the users of imap2');
    const prefix = uniqueName('mr');
    const file = path.join(dir, 'users.csv');
    const lines = ['username,password,surname,mail,imapserver'];
    for (let i = 0; i < 300; i++) lines.push(`${prefix}${i},Route-Pass-${i}x,Route,${prefix}${i}@test.tux,${i % 3 === 0 ? 'imap2' : 'imap1'}`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const report = path.join(dir, 'report');
    const run = spawnSync(process.execPath, [path.join(root, 'bin/oxprov.js'), 'import', file, '--queue', '--batch-size', '40', '--config', configFile, '--report', report, '--progress', 'none'], { env: env(), encoding: 'utf8', timeout: 180_000 });
    const rows = readCsv(path.join(report, 'report.csv'));
    const problems = rows.filter((r) => r.status !== 'created').slice(0, 3).map((r) => `${r.username} ${r.status} ${r.error_code} ${r.message}`);
    expect(run.status, `${run.stderr}${problems.join('\n')}\n${w1.out().slice(-800)}\n${w2.out().slice(-800)}`).toBe(0);
    expect(rows).toHaveLength(300);
    const imap2 = new Set(Array.from({ length: 100 }, (_, k) => `${prefix}${k * 3}`));
    const wrong = rows.filter((r) => !r.notes.includes(imap2.has(r.username) ? 'worker on-imap2' : 'worker on-imap1'));
    expect(wrong).toEqual([]);
    expect(rows.every((r) => r.status === 'created')).toBe(true);

    const unknown = spawnSync(process.execPath, [path.join(root, 'bin/oxprov.js'), 'worker', '--name', 'x', '--mail', 'imap9', '--config', configFile], { env: env(), encoding: 'utf8', timeout: 60_000 });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('CFG_INVALID: --mail: no mail server imap9 in the config (known: imap1, imap2)');
  }, 240_000);
});
