import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeHosts, type HostProcess, type NetHosts } from '../../helpers/net-hosts.js';

/**
 * A run handed to workers on other machines (issue "Several workers on several
 * machines share one run, on pg-boss"), tested as machines: the back-ends (slapd,
 * PostgreSQL with the run database and the queue, Dovecot) and the run's starter
 * on one host, a worker on each of two others, each host a network namespace of
 * its own on one bridge. Real clients on the back-ends' host check the users.
 */
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const bin = path.join(root, 'bin/oxprov.js');
const ROWS = 3000;
const PORTS = { ldap: 24101, pg: 24102, imap: 24103, doveadm: 24104 };

let hosts: NetHosts;
let dir: string;
let stackEnv: NodeJS.ProcessEnv;
let remoteConfig: string;
const started: HostProcess[] = [];

beforeAll(() => {
  hosts = makeHosts(['db', 'w1', 'w2']);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxprov-hosts-'));
  fs.chmodSync(dir, 0o755);
  stackEnv = {
    ...process.env, OXPROV_STACK_DIR: path.join(dir, 'stack'), OXPROV_STACK_LISTEN: hosts.address.db,
    OXPROV_STACK_LDAP_PORT: String(PORTS.ldap), OXPROV_STACK_PG_PORT: String(PORTS.pg), OXPROV_STACK_IMAP_PORT: String(PORTS.imap), OXPROV_STACK_DOVEADM_PORT: String(PORTS.doveadm),
    OXPROV_STACK_MAIL_FOLDERS: 'on-demand', OXPROV_STACK_MAIL: 'dovecot',
  };
  fs.mkdirSync(stackEnv.OXPROV_STACK_DIR!, { mode: 0o755 });
  hosts.run('db', [process.execPath, bin, 'stack', 'up'], stackEnv, 180_000);
  // What every host reads: the stack's own settings, at its address on the test's network, and the queue's key.
  const settings = fs.readFileSync(path.join(stackEnv.OXPROV_STACK_DIR!, 'oxprov.json'), 'utf8').replaceAll('127.0.0.1', hosts.address.db);
  fs.writeFileSync(path.join(dir, 'queue.key'), 'a-key-that-the-starter-and-workers-share\n', { mode: 0o600 });
  remoteConfig = path.join(dir, 'oxprov.json');
  fs.writeFileSync(remoteConfig, JSON.stringify({ ...JSON.parse(settings), queue: { keyFile: 'queue.key', expireSeconds: 10 } }, null, 2), { mode: 0o600 });
}, 240_000);

afterAll(() => {
  for (const p of started) p.child.kill('SIGKILL');
  try {
    hosts?.run('db', [process.execPath, bin, 'stack', 'down'], stackEnv, 60_000);
  } finally {
    hosts?.remove();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

/** An environment without the local stack's: each host reads the config file only. */
function plainEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OXPROV_')));
}

function worker(host: 'w1' | 'w2'): HostProcess {
  const p = hosts.spawn(host, [process.execPath, bin, 'worker', '--name', host, '--concurrency', '2', '--config', remoteConfig], plainEnv());
  started.push(p);
  return p;
}

describe('a run over two workers on two other hosts (network namespaces)', () => {
  it('3,000 rows with --queue: both workers take batches, a late one joins, one host killed half-way loses and doubles nothing', async () => {
    const prefix = `wk${Date.now().toString(36)}x`;
    const file = path.join(dir, 'users.csv');
    const lines = ['username,surname,givenname,mail,colocrouteaddr,language'];
    for (let i = 0; i < ROWS; i++) lines.push(`${prefix}${i},Worker${i},Test,${prefix}${i}@test.tux,${prefix}${i}@localhost,${i % 2 ? 'DE' : 'EN'}`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const report = path.join(dir, 'report');

    // The first worker is there before the run; the second joins once the run is under way.
    const w1 = worker('w1');
    await w1.waitFor('taking batches');
    const run = hosts.spawn('db', [process.execPath, bin, 'import', file, '--queue', '--generate-passwords', '--config', remoteConfig, '--report', report, '--progress', 'lines'], plainEnv());
    started.push(run);
    await w1.waitFor(/batch [0-9a-f]{8}: 200 users/);
    const w2 = worker('w2');
    await w2.waitFor(/batch [0-9a-f]{8}: 200 users/, 120_000);
    // Half-way: the host of the first worker is gone at once (kill -9 of all its processes), batches in hand and all.
    await w1.waitFor(/\((6|7|8|9|1[0-9])00 users in/, 120_000);
    expect(hosts.killAll('w1')).toBeGreaterThan(0);
    const code = await run.exited();
    const out = run.output();
    expect(code, out).toBe(0);
    const summary = JSON.parse(fs.readFileSync(path.join(report, 'summary.json'), 'utf8'));
    expect(summary.rows.failed).toBe(0);
    expect(summary.rows.rejected).toBe(0);
    // Users the killed worker wrote before it died are found complete when its batch is done again: existing, not doubled.
    expect(summary.rows.created + summary.rows.exists).toBe(ROWS);
    expect(out).toMatch(/batches done by .*w1 \(\d+ users\).*w2 \(\d+ users\)/);

    // Each row once in the report, each with the worker that did it.
    const report_ = fs.readFileSync(path.join(report, 'report.csv'), 'utf8').trim().split('\n').slice(1);
    expect(report_).toHaveLength(ROWS);
    const by = { w1: report_.filter((l) => l.includes('worker w1')).length, w2: report_.filter((l) => l.includes('worker w2')).length };
    expect(by.w1).toBeGreaterThan(0);
    expect(by.w2).toBeGreaterThan(0);
    expect(by.w1 + by.w2).toBe(ROWS);

    // Real clients on the back-ends' host: every user once, no uidNumber twice, no folder twice, every password works.
    const check = JSON.parse(hosts.run('db', [process.execPath, path.join(root, 'test/helpers/host-check.mjs'),
      JSON.stringify({ config: remoteConfig, prefix, credentials: path.join(report, 'credentials.csv') })], plainEnv()));
    expect(check).toMatchObject({ entries: ROWS, distinctUids: ROWS, distinctUidNumbers: ROWS, sqlUsers: ROWS, credentials: ROWS, distinctCredentials: ROWS, binds: ROWS, refused: [] });
    expect(check.folders).toBe(check.distinctFolders);
    expect(check.folders).toBeGreaterThan(ROWS);
  }, 300_000);
});
