import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackService } from '../../../src/stack/stack.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { openRunStore } from '../../../src/service/open-services.js';
import { generateUsers } from '../../../bench/generate-users.js';
import { startFaultStack, type FaultStack } from '../../helpers/fault-stack.js';
import { importFile, tmpDir, type ImportOutput } from '../../helpers/import-helpers.js';
import { uniqueName } from '../../helpers/stack-config.js';

/**
 * Each real server stopped in the middle of an import, on a stack of its own
 * (the shared one stays up for the other tests): a short outage is ridden out,
 * one that lasts stops the run cleanly, and the re-run or `--resume` completes
 * every user in every back-end. A hang would fail these tests by their timeout.
 */
const ROWS = 600;
let fault: FaultStack;
let configFile: string;
const dir = tmpDir('outage');

beforeAll(async () => {
  fault = await startFaultStack(23000);
  configFile = path.join(dir, 'config.json');
  // Shorter deadlines than a production default, so that the outages below cost seconds, not minutes.
  const settings = JSON.parse(fs.readFileSync(fault.stack.configFile(), 'utf8'));
  settings.imap.timeoutMs = 8_000;
  settings.ldap.timeoutMs = 8_000;
  fs.writeFileSync(configFile, JSON.stringify(settings), { mode: 0o600 });
}, 120_000);
afterAll(async () => { await fault?.down(); });

async function usersFile(): Promise<string> {
  const file = path.join(dir, `${uniqueName('f')}.csv`);
  await generateUsers(file, ROWS, uniqueName('out'));
  return file;
}

/** Resolves when the run's ledger holds its first finished rows: the import is under way. */
async function underWay(report: string): Promise<void> {
  const runs = await openRunStore(loadConfig({ file: configFile }));
  try {
    for (;;) {
      const run = await runs.byReportDir(report);
      const counts = run ? await runs.statusCounts(run.id) : {};
      if (Object.entries(counts).some(([status, n]) => status !== 'started' && n > 0)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await runs.close();
  }
}

/** Every row complete in every back-end: a re-run that checks every back-end (--verify: nothing trusted) finds all of it there. */
async function expectComplete(file: string): Promise<void> {
  const again = await importFile(file, { config: configFile, verify: true });
  expect(again.exitCode).toBe(0);
  expect(new Set(again.report.map((r) => `${r.status} ${r.ldap} ${r.sql} ${r.groupware} ${r.imap}`))).toEqual(new Set(['exists exists exists exists exists']));
  expect(again.report).toHaveLength(ROWS);
}

/** The back-ends a stopped server takes down: Dovecot reads its users from slapd, so without slapd the mail store fails too. */
const SERVICES: { service: StackService; backends: string[] }[] = [
  { service: 'slapd', backends: ['ldap', 'imap'] },
  { service: 'postgres', backends: ['sql'] },
  { service: 'dovecot', backends: ['imap'] },
];

describe.each(SERVICES)('$service', ({ service, backends }) => {
  it('restarted during an import: the import waits for it, ends on its own, and nothing is lost', async () => {
    const file = await usersFile();
    const report = path.join(dir, uniqueName('r'));
    const run = importFile(file, { config: configFile, report, batchSize: '50' });
    await underWay(report);
    await fault.stack.stop(service);
    await new Promise((r) => setTimeout(r, 3000));
    await fault.stack.start(service);
    const out: ImportOutput = await run;
    expect(out.summary!.rows).toMatchObject({ read: ROWS, failed: 0, rejected: 0 });
    expect(out.summary!.rows.created + out.summary!.rows.exists).toBe(ROWS);
    expect(out.exitCode).toBe(0);
    await expectComplete(file);
  }, 180_000);

  it('down for good: the run stops within its wait, says which back-end, and --resume completes it', async () => {
    const file = await usersFile();
    const report = path.join(dir, uniqueName('r'));
    const run = importFile(file, { config: configFile, report, batchSize: '50', outageWait: '4' });
    await underWay(report);
    await fault.stack.stop(service);
    let out: ImportOutput;
    try {
      out = await run;
    } finally {
      await fault.stack.start(service);
    }
    expect(out.exitCode).toBe(2);
    expect(out.summary!.stopped).toMatchObject({ reason: 'unreachable' });
    expect(backends).toContain(out.summary!.stopped!.backend);
    expect(out.stdout).toContain('STOPPED: ');
    // Every row the report lists as created is complete; none is both missing and unreported.
    expect(out.report.length).toBeLessThan(ROWS);
    const resumed = await importFile('', { resume: report });
    expect(resumed.exitCode).toBe(0);
    expect(resumed.summary!.rows).toMatchObject({ read: ROWS, rejected: 0 });
    await expectComplete(file);
  }, 180_000);
});
