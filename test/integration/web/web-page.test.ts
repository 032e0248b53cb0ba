import { accessibility, openChromium } from '../../helpers/browser.js';
import { screenshotDir } from '../../helpers/screenshots.js';
import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeServeOptions, startDaemon, type RunningDaemon } from '../../../src/daemon/serve.js';
import { createAdminService } from '../../../src/service/tools/admin-service.js';
import { hashPassword } from '../../../src/provision/ldap/password-hash.js';
import type { Directory } from '../../../src/provision/backends.js';
import { ldapBindAs, withLdapAdmin } from '../../helpers/clients.js';
import { openDirectory } from '../../helpers/directory.js';
import { readCsv, tmpDir } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';
import { stackConfigFile } from '../../../src/config/paths.js';

/**
 * The "done when" for the web page: Debian's Chromium, headless,
 * driven by playwright-core, against `oxprov serve` in front of the real
 * stack. Screenshots go to docs/screenshots/ for the README and docs/daemon-and-page.md.
 */
const SHOTS = screenshotDir();
const config = stackConfig();
const work = tmpDir('web');
const p = uniqueName('web');
const second = { user: uniqueName('webadmin'), password: `Second-${p}-pw` };

/**
 * samples/hr-export.csv with its mapping, made unique by `tag` as the import's own test does
 * (mail domains and user names carry the suffix), and two broken rows added at its end: the sample
 * itself has none, and the dry run must show rejected rows with their codes.
 */
function fixture(tag: string): Fixture {
  const raw = iconv.decode(fs.readFileSync('samples/hr-export.csv'), 'windows-1252').replace(/@example\./g, `@${tag}.example.`);
  const broken = [
    `9001;Max;;max.leer@${tag}.example.de;;;IT;Praktikant;Deutschland;DE;01.01.2026;7100`,
    `9002;Eva;Kurz;keine-adresse;;;IT;Praktikantin;Atlantis;DE;01.01.2026;7100`,
  ];
  const text = `${raw.trimEnd()}\r\n${broken.join('\r\n')}\r\n`;
  // A folder of its own: the page shows the files' names, which stay hr-export.csv and hr-mapping.json.
  const folder = path.join(work, tag);
  fs.mkdirSync(folder, { recursive: true });
  const csv = path.join(folder, 'hr-export.csv');
  fs.writeFileSync(csv, iconv.encode(text, 'windows-1252'));
  const mapping = JSON.parse(fs.readFileSync('samples/hr-mapping.json', 'utf8'));
  mapping.derive.username = `{givenname|ascii|lower}.{surname|ascii|lower}.${tag}`;
  const mappingFile = path.join(folder, 'hr-mapping.json');
  fs.writeFileSync(mappingFile, JSON.stringify(mapping, null, 2));
  return { tag, csv, mapping: mappingFile, rows: text.trim().split(/\r?\n/).length - 1 };
}
interface Fixture { tag: string; csv: string; mapping: string; rows: number }

let daemon: RunningDaemon;
let context: BrowserContext;
let page: Page;
let dir: Directory;
let ui: string;

/**
 * The page's administrators: the stack's ou=admins is written only offline, by `stack up`, so the test
 * gives the daemon a config of its own whose adminsDn is a folder it makes (the back-ends are the stack's).
 */
const adminsDn = `ou=${p}-admins,ou=company,${config.ldap.baseDn}`;
const first = { user: 'mailadmin', password: 'secret' };
const adminEntry = (a: { user: string; password: string }) => ({ objectClass: ['account', 'simpleSecurityObject'], uid: a.user, userPassword: hashPassword(a.password) });

beforeAll(async () => {
  // Two administrators, to show that one cannot take the other's passwords.
  await withLdapAdmin(config, async (c) => {
    await c.add(adminsDn, { objectClass: 'organizationalUnit', ou: `${p}-admins` });
    for (const a of [first, second]) await c.add(`uid=${a.user},${adminsDn}`, adminEntry(a));
  });
  const configFile = path.join(work, 'oxprov.json');
  const stackFile = JSON.parse(fs.readFileSync(stackConfigFile(), 'utf8'));
  fs.writeFileSync(configFile, JSON.stringify({ ...stackFile, ldap: { ...stackFile.ldap, adminsDn } }), { mode: 0o600 });
  daemon = await startDaemon(normalizeServeOptions({ listen: '127.0.0.1', port: '0', 'web-dir': path.join(work, 'web'), config: configFile }), {
    createService: () => createAdminService(config),
    throttle: { freeFailures: 1, baseDelayMs: 50, maxDelayMs: 100, lockAfter: 50, nameLockAfter: 100, lockMs: 1_000, windowMs: 60_000 },
  });
  ui = daemon.uiUrl!;
  dir = await openDirectory(config);
  ({ context, page } = await openChromium());
  fs.mkdirSync(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await daemon?.close();
  await dir?.close();
  await withLdapAdmin(config, async (c) => {
    for (const a of [first, second]) await c.del(`uid=${a.user},${adminsDn}`).catch(() => {});
    await c.del(adminsDn).catch(() => {});
  });
});

/** A PNG for the README: the whole page, or one section of it. */
const shot = (name: string, section?: string) => (section ? page.locator(section) : page).screenshot({ path: path.join(SHOTS, `${name}.png`), ...(section ? {} : { fullPage: true }) });
const cells = async (table: string) => page.locator(`${table} tbody tr`).evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent ?? '')));

/** The page open and logged in as the first administrator: as the first test leaves it, or logged in here. */
async function loggedIn(): Promise<void> {
  if (await page.locator('#app').isVisible()) return;
  await page.goto(ui);
  // The page asks for its session first: then either the login or the app shows.
  await page.locator('#login:not([hidden]), #app:not([hidden])').first().waitFor();
  if (await page.locator('#login').isVisible()) {
    await page.locator('#login-user').fill(first.user);
    await page.locator('#login-password').fill(first.password);
    await page.locator('#login-password').press('Enter');
  }
  await page.locator('#app').waitFor({ state: 'visible' });
}

/** Waits until the page shows a run other than `before` (its data-id), ended as `status`. */
async function runShown(before: string | null, status: string): Promise<void> {
  // One selector for both: the page sets a run's id and status together.
  const other = before === null ? '[data-id]' : `[data-id]:not([data-id=${JSON.stringify(before)}])`;
  await page.locator(`#run${other}[data-status=${JSON.stringify(status)}]`).waitFor({ timeout: 60_000 });
}

/** The file uploaded with its mapping and generated passwords, and its dry run made in the page (what the second test checks). */
async function dryRunOf(f: Fixture): Promise<Fixture> {
  const before = await page.locator('#run').getAttribute('data-id');
  await page.locator('#csv').setInputFiles(f.csv);
  await page.locator('#mapping').setInputFiles(f.mapping);
  await page.locator('#generate-passwords').check();
  await page.locator('#check').click();
  await runShown(before, 'done');
  expect(await page.locator('#run-title').textContent()).toBe('Dry run of hr-export.csv with hr-mapping.json');
  return f;
}

/** Logs in through the API as a script would, for the requests a page never sends. */
async function apiLogin(user: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${ui}api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user, password }) });
  expect(res.status).toBe(200);
  const cookie = res.headers.get('set-cookie')!.split(';')[0];
  return { cookie, csrf: ((await res.json()) as { csrf: string }).csrf };
}

describe('the web page in a real browser, against the real stack', () => {
  // Rows of each fixture: the sample's and the two broken ones.
  const { rows } = fixture(p);

  it('refuses a wrong password, then logs in', async () => {
    await page.goto(ui);
    await page.locator('#login-user').fill('mailadmin');
    await page.locator('#login-password').fill('not-the-password');
    await page.locator('#login-form button[type=submit]').click();
    await expect.poll(() => page.locator('#login-error').textContent()).toMatch(/^ADMIN_AUTH: wrong name or password/);
    expect(await page.locator('#app').isHidden()).toBe(true);
    // The password field is selected for a new try, and Enter submits: the form works from the keyboard.
    await page.keyboard.type(first.password);
    await page.keyboard.press('Enter');
    await page.locator('#app').waitFor({ state: 'visible' });
    expect(await page.locator('#who-name').textContent()).toBe('logged in as mailadmin');
    expect(await accessibility(page)).toEqual([]);
    const cookie = (await context.cookies(ui)).find((c) => c.name === 'oxprov_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false, path: '/ui/' });
  });

  it('uploads the HR export with its mapping; the dry run shows the rejected rows with their codes', async () => {
    await loggedIn();
    const { tag, csv, mapping } = fixture(uniqueName('web'));
    await page.locator('#csv').setInputFiles(csv);
    await page.locator('#mapping').setInputFiles(mapping);
    await page.locator('#generate-passwords').check();
    await shot('upload');
    await page.locator('#check').click();
    await page.locator('#run[data-status=done]').waitFor();
    expect(await page.locator('#run-title').textContent()).toBe('Dry run of hr-export.csv with hr-mapping.json');
    const summary = Object.fromEntries(await cells('#summary'));
    expect(summary).toMatchObject({ 'rows read': String(rows), 'valid (would be created)': String(rows - 2), rejected: '2' });
    const rejected = await cells('#rejected');
    // No surname: the names derived from it fail too. Fields are the file's own columns.
    expect(rejected.map(([line, , status, code, field]) => [line, status, code, field])).toEqual([
      [String(rows), 'rejected', 'MAP_DERIVE_FAILED', 'username'],
      [String(rows), 'rejected', 'MAP_MISSING_FIELD', 'Nachname'],
      [String(rows + 1), 'rejected', 'MAP_INVALID_MAIL', 'E-Mail'],
      [String(rows + 1), 'rejected', 'MAP_INVALID_COUNTRY', 'Land'],
    ]);
    expect(rejected[2][5]).toBe('keine-adresse');
    expect(await accessibility(page)).toEqual([]);
    await shot('dry-run', '#run');
    // Filtered by code, on the server.
    await page.locator('#rejected-code').selectOption('MAP_INVALID_COUNTRY');
    await expect.poll(async () => (await cells('#rejected')).map((r) => r[3])).toEqual(['MAP_INVALID_COUNTRY']);
    expect(await page.locator('#rejected').textContent()).toContain('Atlantis');
    await page.locator('#rejected-code').selectOption('');
    await expect.poll(async () => (await cells('#rejected')).length).toBe(4);
    // A dry run writes nothing.
    expect((await dir.findUsers([`hans.mueller.${tag}`])).size).toBe(0);
  });

  it('starts the import, reaches the summary, and its report.csv matches the directory', async () => {
    // The dry run of a file of its own on screen, as the test before leaves it.
    await loggedIn();
    const { csv } = await dryRunOf(fixture(uniqueName('web')));
    await page.locator('#next').click();
    await page.locator('#run-title', { hasText: 'Import of hr-export.csv' }).waitFor();
    await page.locator('#run[data-status=done]').waitFor({ timeout: 60_000 });
    expect((await page.locator('#run').getAttribute('data-id')) ?? '').not.toBe('');
    const summary = Object.fromEntries(await cells('#summary'));
    expect(summary).toMatchObject({ 'rows read': String(rows), created: String(rows - 2), rejected: '2', failed: '0' });
    const backends = await cells('#backends');
    expect(backends.map((r) => r.slice(0, 2))).toEqual([['ldap', String(rows - 2)], ['sql', String(rows - 2)], ['groupware', String(rows - 2)], ['imap', String(rows - 2)]]);
    // The mail step: made by the server at the first login on the default stack, a column of its own, not zeros.
    expect((await page.locator('#backends thead').textContent())).toContain('on demand');
    expect(await accessibility(page)).toEqual([]);
    await shot('import-summary', '#run');

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#downloads a', { hasText: 'report.csv' }).click()]);
    const file = path.join(path.dirname(csv), 'report.csv');
    await download.saveAs(file);
    const report = readCsv(file);
    expect(report).toHaveLength(rows);
    const created = report.filter((r) => r.status === 'created');
    expect(created).toHaveLength(rows - 2);
    // Every user the report says was created is in the directory, with the mail of its row; the rejected ones are not.
    const users = await dir.findUsers(created.map((r) => r.username));
    expect([...users.keys()].sort()).toEqual(created.map((r) => r.username.toLowerCase()).sort());
    const mails = iconv.decode(fs.readFileSync(csv), 'windows-1252').split(/\r?\n/).slice(1).map((l) => l.split(';')[3]);
    for (const r of created) {
      const entry = users.get(r.username.toLowerCase())!;
      const mail = Object.entries(entry.attributes).find(([k]) => k.toLowerCase() === 'mail')?.[1][0];
      expect(mails, r.username).toContain(mail);
    }
    expect(report.filter((r) => r.status === 'rejected').map((r) => r.error_code)).toEqual(['MAP_DERIVE_FAILED|MAP_MISSING_FIELD', 'MAP_INVALID_MAIL|MAP_INVALID_COUNTRY']);
    expect(fs.readFileSync(file, 'utf8')).not.toMatch(/password,|Passwort/);
  });

  describe('after an import in the page', () => {
    // A file of its own, dry run and imported in the page, its run on screen (as the test before leaves it).
    let runId = '';
    beforeAll(async () => {
      await loggedIn();
      await dryRunOf(fixture(uniqueName('web')));
      const dryRunId = await page.locator('#run').getAttribute('data-id');
      await page.locator('#next').click();
      await runShown(dryRunId, 'done');
      expect(await page.locator('#run-title').textContent()).toBe('Import of hr-export.csv with hr-mapping.json');
      runId = (await page.locator('#run').getAttribute('data-id'))!;
      expect(Object.fromEntries(await cells('#summary'))).toMatchObject({ created: String(rows - 2), rejected: '2' });
    }, 120_000);

    it('refuses a request without the CSRF token, from a script and from the page itself', async () => {
      const { cookie } = await apiLogin(first.user, first.password);
      const res = await fetch(`${ui}api/runs/${runId}/credentials`, { method: 'POST', headers: { Cookie: cookie } });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'WEB_CSRF' } });
      const wrong = await fetch(`${ui}api/logout`, { method: 'POST', headers: { Cookie: cookie, 'X-CSRF-Token': 'guessed' } });
      expect(wrong.status).toBe(403);
      const inPage = await page.evaluate(async () => {
        const r = await fetch('/ui/api/logout', { method: 'POST' });
        return { status: r.status, body: await r.json() };
      });
      expect(inPage).toMatchObject({ status: 403, body: { error: { code: 'WEB_CSRF' } } });
      // Without a session nothing is answered at all.
      expect((await fetch(`${ui}api/runs`)).status).toBe(401);
    });

    it('a second administrator sees the run but cannot take its passwords; the one who ran it can, once', async () => {
      const other = await apiLogin(second.user, second.password);
      const history = await (await fetch(`${ui}api/runs`, { headers: { Cookie: other.cookie } })).json() as { runs: { id: string }[] };
      expect(history.runs.map((r) => r.id)).toContain(runId);
      const refused = await fetch(`${ui}api/runs/${runId}/credentials`, { method: 'POST', headers: { Cookie: other.cookie, 'X-CSRF-Token': other.csrf } });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: { code: 'WEB_FORBIDDEN' } });

      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#credentials').click()]);
      const file = path.join(work, 'credentials.csv');
      await download.saveAs(file);
      const creds = readCsv(file);
      expect(creds).toHaveLength(rows - 2);
      for (const c of creds.slice(0, 3)) expect(await ldapBindAs(config, c.username, c.password), c.username).toBe(true);
      await expect.poll(() => page.locator('#credentials-box').isHidden()).toBe(true);
      // Gone from the server: a second download is refused, for its owner too.
      expect(fs.existsSync(path.join(work, 'web', 'runs', runId, 'credentials.csv'))).toBe(false);
      const again = await page.evaluate(async (id) => {
        const s = await (await fetch('/ui/api/session')).json() as { csrf: string };
        const r = await fetch(`/ui/api/runs/${id}/credentials`, { method: 'POST', headers: { 'X-CSRF-Token': s.csrf } });
        return { status: r.status, body: await r.json() };
      }, runId);
      expect(again).toMatchObject({ status: 410, body: { error: { code: 'WEB_GONE' } } });
      // No password in the page's run record, reports or history.
      const folder = path.join(work, 'web', 'runs', runId);
      for (const f of fs.readdirSync(folder)) {
        const text = fs.readFileSync(path.join(folder, f), 'utf8');
        for (const c of creds) expect(text.includes(c.password), `${f} holds a password`).toBe(false);
      }
    });

    it('lists the earlier runs, and logs out', async () => {
      await page.locator('#history-refresh').click();
      // The page's own runs (the command line's, listed beside them, are another test's).
      await expect.poll(async () => (await cells('#history-table')).filter((r) => r[1] === 'mailadmin').slice(0, 2).map((r) => r.slice(2, 6))).toEqual([
        ['hr-export.csv', 'Import', 'done', `${rows - 2} created, 0 updated, 0 existing, 0 failed, 2 rejected`],
        ['hr-export.csv', 'Dry run', 'done', `${rows - 2} valid, 0 existing, 2 rejected`],
      ]);
      await page.locator('#history').scrollIntoViewIfNeeded();
      expect(await accessibility(page)).toEqual([]);
      await shot('history', '#history');
      await page.locator('#logout').click();
      await page.locator('#login').waitFor({ state: 'visible' });
      await page.reload();
      await page.locator('#login').waitFor({ state: 'visible' });
    });
  });
});

describe('the page\'s own texts, in a real browser', () => {
  it('asks for no file it lacks (its icon is named, no /favicon.ico 404); an empty history says "no runs yet"', async () => {
    await loggedIn();
    const failed: string[] = [];
    const onResponse = (r: { status(): number; url(): string }) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); };
    page.on('response', onResponse);
    try {
      // A load of the page, logged in: every file it asks for is there.
      await page.reload();
      await page.locator('#app').waitFor({ state: 'visible' });
      const icon = await page.locator('link[rel=icon]').getAttribute('href');
      expect((await fetch(new URL(icon!, ui))).status).toBe(200);
      expect(failed).toEqual([]);
    } finally {
      page.off('response', onResponse);
    }
    // No run at all, of the page or the command line: the table says so instead of staying empty.
    await page.route('**/ui/api/runs', (route) => route.fulfill({ json: { runs: [], elsewhere: [] } }));
    try {
      await page.locator('#history-refresh').click();
      await expect.poll(() => page.locator('#history-table tbody').textContent()).toBe('no runs yet');
    } finally {
      await page.unroute('**/ui/api/runs');
    }
  });

  it('a summary of mailboxes the server makes at the first login counts them "on demand", not as imap 0', async () => {
    await loggedIn();
    const zero = { created: 0, updated: 0, exists: 0, failed: 0, skipped: 0, 'on demand': 0 };
    const summary = { file: 'many.csv', dryRun: false, startedAt: new Date().toISOString(), seconds: 2, rowsPerSecond: 20, errors: {}, reportDir: 'x',
      rows: { read: 40, created: 40, updated: 0, exists: 0, valid: 0, failed: 0, rejected: 0 },
      backends: { ldap: { ...zero, created: 40 }, sql: { ...zero, created: 40 }, groupware: { ...zero, created: 40 }, imap: { ...zero, 'on demand': 40 } } };
    const run = { id: 'ondemand', kind: 'import', mode: 'import', file: 'many.csv', status: 'done', createdAt: new Date().toISOString(), ownerName: 'mailadmin', messages: [], credentials: 'none', files: [], summary };
    await page.route('**/ui/api/runs/ondemand', (route) => route.fulfill({ json: { run, progress: null } }));
    await page.route('**/ui/api/runs/ondemand/**', (route) => route.fulfill({ json: { items: [], total: 0, page: 1, pages: 1, codes: {}, actions: {} } }));
    try {
      await page.evaluate("openRun('ondemand')");
      await expect.poll(async () => (await cells('#backends')).find((r) => r[0] === 'imap')).toEqual(['imap', '0', '0', '0', '0', '0', '40']);
      expect(await page.locator('#backends thead').textContent()).toContain('on demand');
    } finally {
      await page.unroute('**/ui/api/runs/ondemand/**');
      await page.unroute('**/ui/api/runs/ondemand');
    }
  });

  it('follows a run: says what a run still opening does, counts mailboxes on demand, and guesses no time once every row is done', async () => {
    await loggedIn();
    const base = { id: 'shown', kind: 'import', mode: 'import', file: 'many.csv', status: 'running', createdAt: new Date().toISOString(), ownerName: 'mailadmin', messages: [], credentials: 'none', files: [] };
    const zero = { created: 0, updated: 0, exists: 0, failed: 0, skipped: 0, 'on demand': 0 };
    let progress: unknown = null;
    await page.route('**/ui/api/runs/shown', (route) => route.fulfill({ json: { run: base, progress } }));
    try {
      const text = async () => {
        await page.evaluate("openRun('shown')");
        return page.locator('#progress-text').textContent();
      };
      // Opening the back-ends and reading the file: said, not "working…".
      expect(await text()).toBe('opening the back-ends and reading the file…');
      // The mailboxes the server makes at the first login are counted as such, not as imap 0.
      progress = { rowsDone: 40, rowsTotal: 100, totalIsExact: false, rate: 20, etaSeconds: 3, state: 'running', rows: { rejected: 0, failed: 0 },
        backends: { ldap: { ...zero, created: 40 }, sql: { ...zero, created: 40 }, groupware: { ...zero, created: 40 }, imap: { ...zero, 'on demand': 40 } } };
      expect(await text()).toBe('40 of about 100 rows, 20 rows/s, about 3 s left; ldap 40, sql 40, groupware 40, imap 0 (+40 on demand); 0 rejected, 0 failed');
      // Every row done (the summary not yet written): no time left is guessed.
      progress = { ...(progress as object), rowsDone: 100, totalIsExact: true, etaSeconds: 1 };
      expect(await text()).toBe('100 of 100 rows, 20 rows/s; ldap 40, sql 40, groupware 40, imap 0 (+40 on demand); 0 rejected, 0 failed');
    } finally {
      // The page polls a running run: its timer (the page's own `state`) is stopped.
      await page.evaluate('clearTimeout(state.timer)');
      await page.unroute('**/ui/api/runs/shown');
    }
  });
});
