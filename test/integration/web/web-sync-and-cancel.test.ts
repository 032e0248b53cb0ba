import { accessibility, openChromium } from '../../helpers/browser.js';
import { screenshotDir } from '../../helpers/screenshots.js';
import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeServeOptions, startDaemon, type RunningDaemon } from '../../../src/daemon/serve.js';
import { createAdminService } from '../../../src/service/tools/admin-service.js';
import { runSync } from '../../../src/run/sync-run.js';
import { hashPassword } from '../../../src/provision/ldap/password-hash.js';
import { stackConfigFile } from '../../../src/config/paths.js';
import type { Directory } from '../../../src/provision/backends.js';
import { withLdapAdmin } from '../../helpers/clients.js';
import { slowFakeMailStore } from '../../helpers/fake-backends.js';
import { openDirectory } from '../../helpers/directory.js';
import { sink, tmpDir, writeCsv } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * The page's sync (the plan, the leaver threshold before the button that
 * applies it) and the progress and cancel of a longer import, in Debian's
 * headless Chromium against the real stack.
 */
const SHOTS = screenshotDir();
const config = stackConfig();
const work = tmpDir('web-sync');
const p = uniqueName('ws');
const adminsDn = `ou=${p}-admins,ou=company,${config.ldap.baseDn}`;
const admin = { user: 'mailadmin', password: 'secret' };

const slowMailStore = slowFakeMailStore(10);

let daemon: RunningDaemon;
let context: BrowserContext;
let page: Page;
let dir: Directory;

beforeAll(async () => {
  await withLdapAdmin(config, async (c) => {
    await c.add(adminsDn, { objectClass: 'organizationalUnit', ou: `${p}-admins` });
    await c.add(`uid=${admin.user},${adminsDn}`, { objectClass: ['account', 'simpleSecurityObject'], uid: admin.user, userPassword: hashPassword(admin.password) });
  });
  const stackFile = JSON.parse(fs.readFileSync(stackConfigFile(), 'utf8'));
  const configFile = path.join(work, 'oxprov.json');
  fs.writeFileSync(configFile, JSON.stringify({ ...stackFile, ldap: { ...stackFile.ldap, adminsDn } }), { mode: 0o600 });
  daemon = await startDaemon(normalizeServeOptions({ listen: '127.0.0.1', port: '0', 'web-dir': path.join(work, 'web'), config: configFile }), {
    createService: () => createAdminService(config),
    // A mail store that takes 10 ms a mailbox (4 at a time): the cancel test's import lasts long enough to be cancelled.
    web: { importSetup: { mailStore: slowMailStore } },
  });
  dir = await openDirectory(config);
  ({ context, page } = await openChromium());
  await page.goto(daemon.uiUrl!);
  await page.locator('#login-user').fill(admin.user);
  await page.locator('#login-password').fill(admin.password);
  await page.locator('#login-password').press('Enter');
  await page.locator('#app').waitFor({ state: 'visible' });
  fs.mkdirSync(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await daemon?.close();
  await dir?.close();
  await withLdapAdmin(config, async (c) => {
    await c.del(`uid=${admin.user},${adminsDn}`).catch(() => {});
    await c.del(adminsDn).catch(() => {});
  });
});

const cells = async (table: string) => page.locator(`${table} tbody tr`).evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent ?? '')));
const counts = async () => Object.fromEntries(await cells('#plan-counts'));

/** The HR export made unique by `tag` (mail domains, user names); `keep` rows of it (the others have left). */
function hrFile(name: string, keep?: number, tag = p): { csv: string; mapping: string } {
  const raw = iconv.decode(fs.readFileSync('samples/hr-export.csv'), 'windows-1252').replace(/@example\./g, `@${tag}.example.`).trimEnd().split(/\r?\n/);
  const folder = path.join(work, tag);
  fs.mkdirSync(folder, { recursive: true });
  const csv = path.join(folder, name);
  fs.writeFileSync(csv, iconv.encode(`${raw.slice(0, keep === undefined ? undefined : keep + 1).join('\r\n')}\r\n`, 'windows-1252'));
  const mapping = JSON.parse(fs.readFileSync('samples/hr-mapping.json', 'utf8'));
  mapping.derive.username = `{givenname|ascii|lower}.{surname|ascii|lower}.${tag}`;
  const mappingFile = path.join(folder, 'hr-mapping.json');
  fs.writeFileSync(mappingFile, JSON.stringify(mapping));
  return { csv, mapping: mappingFile };
}

/** The plan of a sync of `file` for the feed `feed`, made in the page. */
async function plan(file: { csv: string; mapping: string }, feed = p): Promise<void> {
  await page.locator('input[name=kind][value=sync]').check();
  await page.locator('#feed').fill(feed);
  await page.locator('#key').fill('employeeNumber');
  await page.locator('#generate-passwords').check();
  await page.locator('#csv').setInputFiles(file.csv);
  await page.locator('#mapping').setInputFiles(file.mapping);
  await page.locator('#check').click();
  await page.locator('#run-title', { hasText: `Plan of a sync of ${path.basename(file.csv)}` }).waitFor();
  await page.locator('#run:is([data-status=done],[data-status=blocked])').waitFor();
}

describe('a sync in the page', () => {
  it('shows the plan and the leaver threshold before the button that applies it; applies it', async () => {
    await plan(hrFile('hr-export.csv'));
    expect(await counts()).toMatchObject({ create: '13', 'disable (leavers)': '0', rejected: '0' });
    expect(await page.locator('#threshold').textContent()).toMatch(/at most 5 users of feed .* this plan disables 0\./);
    expect((await cells('#plan')).filter((r) => r[1] === 'create')).toHaveLength(13);
    await page.locator('#next', { hasText: 'Apply this plan' }).click();
    // A regular expression: Playwright's text match ignores case, and 'Plan of a sync of hr-export.csv' (still on screen) holds 'sync of hr-export.csv'.
    await page.locator('#run-title', { hasText: /^Sync of hr-export\.csv/ }).waitFor();
    await page.locator('#run[data-status=done]').waitFor({ timeout: 60_000 });
    expect(Object.fromEntries(await cells('#summary'))).toMatchObject({ created: '13' });
    expect(await page.locator('#credentials-box').isVisible()).toBe(true);
  });

  it('a file where most people have left is over the threshold: shown in red, applied only when raised', async () => {
    // A feed of its own, all 13 people of the HR export synced into it (as the test above applies it in the page).
    const feed = uniqueName('ws');
    const whole = hrFile('hr-export.csv', undefined, feed);
    const loaded = await runSync({ file: whole.csv, mapping: whole.mapping, key: 'employeeNumber', feed, generatePasswords: true, report: path.join(work, feed, 'report') }, { stdout: sink(), stderr: sink() });
    expect(loaded.summary!.counts).toMatchObject({ create: 13, rejected: 0 });
    await plan(hrFile('hr-export-next.csv', 6, feed), feed);
    expect(await page.locator('#run').getAttribute('data-status')).toBe('blocked');
    expect(await counts()).toMatchObject({ create: '0', 'disable (leavers)': '7' });
    expect(await page.locator('#threshold').textContent()).toMatch(/this plan disables 7\. It is over the threshold/);
    await page.locator('#plan-action').selectOption('disable');
    await expect.poll(async () => new Set((await cells('#plan')).map((r) => r[1]))).toEqual(new Set(['disable']));
    // Leavers have no line: their rows are still named for a screen reader.
    expect(await accessibility(page)).toEqual([]);
    // The number is the administrator's to type: the field starts empty, and Apply without one sends nothing.
    expect(await page.locator('#max-disable').inputValue()).toBe('');
    const planTitle = await page.locator('#run-title').textContent();
    await page.locator('#next').click();
    expect(await page.locator('#max-disable-status').textContent()).toContain('This plan disables 7 users, more than the threshold of 5');
    expect(await page.locator('#run-title').textContent()).toBe(planTitle);
    expect(await page.locator('#confirm-box').isVisible()).toBe(false);
    // The server refuses the same request without the number, in the page's words: nothing is disabled.
    const refused = await page.evaluate(async (feed) => {
      const s = await (await fetch('/ui/api/session')).json() as { csrf: string };
      const { runs } = await (await fetch('/ui/api/runs')).json() as { runs: { uploadId: string }[] };
      const post = await fetch('/ui/api/runs', { method: 'POST', headers: { 'X-CSRF-Token': s.csrf, 'Content-Type': 'application/json' },
        body: JSON.stringify({ uploadId: runs[0].uploadId, kind: 'sync', mode: 'apply', feed, key: 'employeeNumber', generatePasswords: true }) });
      const { id } = await post.json() as { id: string };
      for (;;) {
        const { run: r } = await (await fetch(`/ui/api/runs/${id}`)).json() as { run: { status: string; messages: string[] } };
        if (r.status !== 'running') return r;
        await new Promise((done) => setTimeout(done, 100));
      }
    }, feed);
    expect(refused.status).toBe('blocked');
    expect(refused.messages.join(' ')).toContain('type 7 in "Disable at most"');
    expect(refused.messages.join(' ')).not.toContain('--max-disable');
    // Too few refuses again; enough asks once more, saying how many, before anything is sent.
    await page.locator('#max-disable').fill('6');
    await page.locator('#next').click();
    expect(await page.locator('#max-disable-status').textContent()).toContain('Type 7 or more');
    await page.locator('#max-disable').fill('7');
    await page.locator('#next').click();
    expect(await page.locator('#confirm-text').textContent()).toContain('This disables 7 users of feed');
    expect(await page.locator('#run-title').textContent()).toBe(planTitle);
    const stillThere = await dir.findUsers([`soeren.schaefer.${feed}`]);
    expect(Object.entries(stillThere.get(`soeren.schaefer.${feed}`)!.attributes).find(([k]) => k.toLowerCase() === 'mailenabled')?.[1]).toEqual(['OK']);
    await page.locator('#run').screenshot({ path: path.join(SHOTS, 'sync-plan-blocked.png') });
    await page.locator('#confirm').click();
    await page.locator('#run-title', { hasText: /^Sync of hr-export-next\.csv/ }).waitFor();
    await page.locator('#run[data-status=done]').waitFor({ timeout: 60_000 });
    // The leavers are disabled in the directory.
    const left = await dir.findUsers([`soeren.schaefer.${feed}`]);
    expect(Object.entries(left.get(`soeren.schaefer.${feed}`)!.attributes).find(([k]) => k.toLowerCase() === 'mailenabled')?.[1]).toEqual(['NO']);
  });
});

describe('a longer import in the page', () => {
  it('shows live progress and can be cancelled; the summary says so', async () => {
    // Enough rows that the reading is still going when Cancel is pressed (it runs a few batches
    // ahead), into the directory and the slow mail store only, so that it stays cheap.
    const rows = Array.from({ length: 3000 }, (_, i) => {
      const u = `${p}c${i}`;
      return [u, `Pw-${u}-x9`, `Name${i}`, 'Test', `${u}@test.tux`, `${u}@localhost`];
    });
    const csv = writeCsv(work, 'many.csv', [['username', 'password', 'surname', 'givenname', 'mail', 'colocrouteaddr'], ...rows]);
    await page.locator('input[name=kind][value=import]').check();
    await page.locator('#generate-passwords').uncheck();
    await page.locator('#csv').setInputFiles(csv);
    await page.locator('#mapping').setInputFiles([]);
    for (const b of ['sql', 'groupware']) await page.locator(`input[name=only][value=${b}]`).uncheck();
    await page.locator('#check').click();
    await page.locator('#run-title', { hasText: 'Dry run of many.csv' }).waitFor();
    await page.locator('#run[data-status=done]').waitFor();
    await page.locator('#next').click();
    await page.locator('#run-title', { hasText: 'Import of many.csv' }).waitFor();
    expect(await page.locator('#progress-box').isVisible()).toBe(true);
    // Progress: rows done of the estimated total, the rate, per back-end.
    await expect.poll(() => page.locator('#progress-text').textContent(), { timeout: 30_000 }).toMatch(/^[1-9]\d* of (about )?\d+ rows, [\d.]+ rows\/s.*ldap \d+/);
    await page.locator('#run').screenshot({ path: path.join(SHOTS, 'import-progress.png') });
    await page.locator('#cancel').click();
    await page.locator('#run[data-status=cancelled]').waitFor({ timeout: 60_000 });
    const summary = Object.fromEntries(await cells('#summary'));
    expect(Number(summary.created)).toBeGreaterThan(0);
    expect(Number(summary.created)).toBeLessThan(3000);
    expect(Object.fromEntries((await cells('#backends')).map((r) => [r[0], r[1]]))).toMatchObject({ sql: '0', groupware: '0', imap: summary.created });
    expect(await page.locator('#summary-title').textContent()).toBe('Summary (cancelled)');
  }, 120_000);

  it('hands an import to local workers when asked: the dry run stays in the daemon, every row of the import is done by a worker', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => {
      const u = `${p}w${i}`;
      return [u, `Pw-${u}-x9`, `Name${i}`, 'Test', `${u}@test.tux`, `${u}@localhost`];
    });
    const csv = writeCsv(work, 'workers.csv', [['username', 'password', 'surname', 'givenname', 'mail', 'colocrouteaddr'], ...rows]);
    await page.locator('input[name=kind][value=import]').check();
    await page.locator('#csv').setInputFiles(csv);
    await page.locator('#mapping').setInputFiles([]);
    await page.locator('#workers').fill('2');
    await page.locator('#check').click();
    await page.locator('#run-title', { hasText: 'Dry run of workers.csv' }).waitFor();
    await page.locator('#run[data-status=done]').waitFor();
    await page.locator('#next').click();
    await page.locator('#run-title', { hasText: 'Import of workers.csv' }).waitFor();
    await page.locator('#run[data-status=done]').waitFor({ timeout: 120_000 });
    const summary = Object.fromEntries(await cells('#summary'));
    expect(summary.created).toBe('40');
    // Which worker did how many users, in the summary.
    expect(summary['done by workers']).toMatch(/^local-[12] \d+(, local-2 \d+)?$/);
    expect([...summary['done by workers'].matchAll(/ (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0)).toBe(40);
    // The Workers table, from the run's ledger: each worker's rows, its batches and its pace.
    const workers = await cells('#workers-table');
    expect(workers.length).toBeGreaterThan(0);
    expect(workers.every(([name, , batches, rate]) => /^local-[12]$/.test(name) && Number(batches) >= 1 && Number(rate) > 0)).toBe(true);
    expect(workers.reduce((n, w) => n + Number(w[1]), 0)).toBe(40);
    // The run's report, in the daemon's folder: each row with the worker that did it.
    const reports = (fs.readdirSync(path.join(work, 'web'), { recursive: true }) as string[]).filter((f) => f.endsWith('report.csv')).map((f) => path.join(work, 'web', f));
    const report = reports.map((f) => fs.readFileSync(f, 'utf8')).find((t) => t.includes(`${p}w0,created`));
    expect(report).toBeDefined();
    const lines = report!.trim().split('\n').slice(1);
    expect(lines).toHaveLength(40);
    expect(lines.every((l) => /worker local-[12]/.test(l))).toBe(true);
  }, 180_000);

  it('hands a sync\'s apply to a local worker when asked: the plan stays in the daemon, the worker creates the people', async () => {
    const feed = uniqueName('ws');
    await page.locator('#workers').fill('1');
    await plan(hrFile('hr-export.csv', undefined, feed), feed);
    expect(await counts()).toMatchObject({ create: '13', rejected: '0' });
    await page.locator('#next', { hasText: 'Apply this plan' }).click();
    await page.locator('#run-title', { hasText: /^Sync of hr-export\.csv/ }).waitFor();
    await page.locator('#run[data-status=done]').waitFor({ timeout: 120_000 });
    expect(Object.fromEntries(await cells('#summary'))).toMatchObject({ created: '13', 'done by workers': 'local-1 13' });
    expect(await cells('#workers-table')).toEqual([['local-1', '13', '1', expect.stringMatching(/^\d+(\.\d)?$/)]]);
    await page.locator('#workers').fill('0');
  }, 180_000);

  it('cancels a sync\'s apply handed to a worker: no worker takes another of its batches, and the run says cancelled', async () => {
    const feed = uniqueName('wc');
    const rows = Array.from({ length: 1500 }, (_, i) => {
      const u = `${feed}c${i}`;
      return [u, `Name${i}`, 'Test', `${u}@test.tux`, `${u}@localhost`];
    });
    const csv = writeCsv(work, `${feed}.csv`, [['username', 'surname', 'givenname', 'mail', 'colocrouteaddr'], ...rows]);
    await page.locator('input[name=kind][value=sync]').check();
    await page.locator('#feed').fill(feed);
    await page.locator('#key').fill('username');
    await page.locator('#generate-passwords').check();
    await page.locator('#workers').fill('1');
    await page.locator('#csv').setInputFiles(csv);
    await page.locator('#mapping').setInputFiles([]);
    await page.locator('#check').click();
    await page.locator('#run-title', { hasText: `Plan of a sync of ${feed}.csv` }).waitFor();
    await page.locator('#run[data-status=done]').waitFor({ timeout: 60_000 });
    await page.locator('#next', { hasText: 'Apply this plan' }).click();
    await page.locator('#run-title', { hasText: new RegExp(`^Sync of ${feed}\\.csv`) }).waitFor();
    // Once the worker has done a batch (the Workers table shows it), the administrator cancels.
    await expect.poll(async () => (await cells('#workers-table')).length, { timeout: 60_000 }).toBeGreaterThan(0);
    await page.locator('#cancel').click();
    await page.locator('#run[data-status=cancelled]').waitFor({ timeout: 120_000 });
    expect(await page.locator('#run-messages').textContent()).toContain('QUEUE_CANCELLED');
    const made = await dir.findUsers(rows.map((r) => r[0]));
    expect(made.size).toBeGreaterThan(0);
    expect(made.size).toBeLessThan(1500);
    await page.locator('#workers').fill('0');
  }, 180_000);
});
