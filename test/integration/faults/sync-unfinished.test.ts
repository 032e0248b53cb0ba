import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServices } from '../../../src/service/open-services.js';
import { runSync } from '../../../src/run/sync-run.js';
import { startFaultStack, type FaultStack } from '../../helpers/fault-stack.js';
import { ldapBindAs, sqlQuery, withImapLogin } from '../../helpers/clients.js';
import { readCsv, sink, tmpDir, writeCsv } from '../../helpers/import-helpers.js';
import { uniqueName } from '../../helpers/stack-config.js';

/**
 * A sync that a real outage leaves half done, on a stack of its own: Dovecot
 * stopped while new people are created. The report says which back-end failed,
 * the entries are marked unfinished, and the next sync (Dovecot back) finishes
 * them instead of calling them unchanged. A groupware row that disagrees with a
 * leaver's entry is found by the plan's one SQL read and put right.
 */
let fault: FaultStack;
let configFile: string;
const dir = tmpDir('sync-fault');
const feed = uniqueName('f');
const p = uniqueName('u');
// Enough people that the entries are still being written when Dovecot stops.
const people = Array.from({ length: 400 }, (_, i) => [`${p}${i}`, `Pw-${i}-unfinished`, `Halb${i}`, `${p}${i}@test.tux`, `${p}${i}@localhost`]);
const HEADER = ['username', 'password', 'surname', 'mail', 'colocrouteaddr'];

beforeAll(async () => {
  fault = await startFaultStack(23010);
  configFile = path.join(dir, 'config.json');
  const settings = JSON.parse(fs.readFileSync(fault.stack.configFile(), 'utf8'));
  settings.imap.timeoutMs = 5_000;
  fs.writeFileSync(configFile, JSON.stringify(settings), { mode: 0o600 });
}, 120_000);
afterAll(async () => { await fault?.down(); });

async function sync(file: string, extra: Record<string, unknown> = {}) {
  const report = path.join(dir, uniqueName('r'));
  const stdout = sink();
  const stderr = sink();
  const run = await runSync({ file, feed, report, config: configFile, outageWait: '2', ...extra }, { stdout, stderr });
  return { ...run, out: stdout.text(), err: stderr.text(), report };
}

describe('a sync left unfinished by an outage', () => {
  it('Dovecot stopped once the plan is made: the report names the failed back-end; Dovecot back: the next sync finishes every user', async () => {
    const file = writeCsv(dir, `${p}.csv`, [HEADER, ...people]);
    const report = path.join(dir, uniqueName('r'));
    const run = sync(file, { report });
    // The plan is written before anything is applied: stop the mail store then.
    while (!fs.existsSync(path.join(report, 'plan.json'))) await new Promise((r) => setTimeout(r, 5));
    await fault.stack.stop('dovecot');
    let first;
    try {
      first = await run;
    } finally {
      await fault.stack.start('dovecot');
    }
    expect(first.exitCode).toBe(1);
    const lines = readCsv(path.join(report, 'report.csv'));
    const failed = lines.filter((r) => r.status === 'failed');
    expect(new Set(failed.map((r) => `${r.ldap} ${r.sql} ${r.imap}`))).toEqual(new Set(['created created failed']));
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0].error_code).toMatch(/^IMAP_/);
    expect(lines.every((r) => r.status === 'failed' || r.status === 'created')).toBe(true);

    const plan = await sync(file, { planOnly: true });
    expect(plan.summary!.counts).toMatchObject({ create: 0, update: failed.length, unchanged: people.length - failed.length });
    const entries = JSON.parse(fs.readFileSync(path.join(plan.report, 'plan.json'), 'utf8')).entries;
    expect(entries.find((e: { action: string }) => e.action === 'update').notes.join(' ')).toContain('left unfinished by the run of');

    const second = await sync(file);
    expect(second.exitCode).toBe(0);
    const repaired = readCsv(path.join(second.report, 'report.csv')).filter((r) => r.status === 'updated');
    expect(repaired.map((r) => r.username).sort()).toEqual(failed.map((r) => r.username).sort());
    expect(new Set(repaired.map((r) => r.imap))).toEqual(new Set(['created']));
    const byName = new Map(people.map(([name, pw]) => [name, pw]));
    for (const r of failed.slice(0, 10)) expect(await withImapLogin(fault.config, r.username, byName.get(r.username)!, async (c) => (await c.list()).length)).toBeGreaterThan(1);
    const third = await sync(file);
    expect(third.summary!.counts).toMatchObject({ update: 0, unchanged: people.length });
  }, 180_000);

  it('a leaver whose groupware row is still activated is disabled there by the next sync', async () => {
    // People of its own in a feed of its own, synced complete: a leaver and a few others are enough here (the outage above needs many).
    const own = { feed: uniqueName('f') };
    const q = uniqueName('u');
    const few = Array.from({ length: 10 }, (_, i) => [`${q}${i}`, `Pw-${i}-unfinished`, `Halb${i}`, `${q}${i}@test.tux`, `${q}${i}@localhost`]);
    expect((await sync(writeCsv(dir, `${q}.csv`, [HEADER, ...few]), own)).summary!.counts).toMatchObject({ create: few.length, rejected: 0 });
    // Two of them marked unfinished, as the outage above leaves its failed users: the next sync finishes them and takes the mark away.
    const marker = await openServices(fault.config, { only: ['ldap'] });
    try {
      for (const [name] of few.slice(1, 3)) {
        await marker.users.markPending(name, new Date().toISOString().slice(0, 10));
        expect((await marker.users.findUser(name))!.attributes.oxprovPending).toHaveLength(1);
      }
    } finally {
      await marker.close();
    }
    const file = writeCsv(dir, `${q}-left.csv`, [HEADER, ...few.slice(1)]);
    const left = await sync(file, own);
    expect(left.summary!.counts).toMatchObject({ disable: 1 });
    expect(await ldapBindAs(fault.config, few[0][0], few[0][1])).toBe(false);
    // As if the run had stopped between the entry and the row.
    await sqlQuery(fault.config, 'UPDATE users SET activated = true WHERE username = $1', [few[0][0]]);
    const again = await sync(file, own);
    expect(again.summary!.counts).toMatchObject({ disable: 1, unchanged: few.length - 1 });
    const [row] = await sqlQuery<{ activated: boolean }>(fault.config, 'SELECT activated FROM users WHERE username = $1', [few[0][0]]);
    expect(row.activated).toBe(false);
    expect((await sync(file, own)).summary!.counts).toMatchObject({ disable: 0, unchanged: few.length - 1 });
    const svc = await openServices(fault.config, { only: ['ldap'] });
    try {
      const marked = await Promise.all(few.slice(1).map(async ([name]) => (await svc.users.findUser(name))!.attributes.oxprovPending));
      expect(marked.filter(Boolean)).toEqual([]);
    } finally {
      await svc.close();
    }
  }, 120_000);
});
