import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userSpec } from '../../../src/model/user-spec.js';
import { openServices, type Services } from '../../../src/service/open-services.js';
import { runSync } from '../../../src/run/sync-run.js';
import { importFile, sink, tmpDir } from '../../helpers/import-helpers.js';
import { snapshotEntries, unplannedChanges } from '../../helpers/plan-snapshot.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * Derived names decided once (issue "Derived names decided once"): every door
 * derives a person's names in one order with one rule for clashes, a person's
 * mailbox location never moves by derivation, and the plan of a sync is exactly
 * what its apply writes (checked on the real directory, entry by entry).
 */
const config = stackConfig();
const dir = tmpDir('derived');
let svc: Services;
beforeAll(async () => { svc = await openServices(config); });
afterAll(async () => { await svc?.close(); });

const attrs = async (name: string) => (await svc.users.findUser(name))?.attributes;
const first = async (name: string, attribute: string) => (await attrs(name))?.[attribute]?.[0];

function mappingFile(name: string, derive: Record<string, string>, columns: Record<string, string> = {}): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, JSON.stringify({
    columns: { Personalnummer: 'employeeNumber', Vorname: 'givenname', Nachname: 'surname', ...columns },
    derive: { colocrouteaddr: '{username}@localhost', ...derive }, defaults: { language: 'DE' },
  }));
  return f;
}

function csv(name: string, header: string[], rows: string[][]): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, `${[header, ...rows].map((r) => r.join(';')).join('\n')}\n`);
  return f;
}

async function sync(file: string, mapping: string, feed: string, extra: Record<string, unknown> = {}) {
  const report = path.join(dir, uniqueName('r'));
  const stdout = sink();
  const stderr = sink();
  const run = await runSync({ file, mapping, key: 'employeeNumber', feed, report, generatePasswords: true, ...extra }, { stdout, stderr });
  return { ...run, out: stdout.text(), err: stderr.text(), report };
}

/** A sync whose apply is checked against its plan on the directory: no attribute changes that the plan does not list. */
async function checkedSync(file: string, mapping: string, feed: string, scope: string, extra: Record<string, unknown> = {}) {
  const before = await snapshotEntries(config, scope);
  const run = await sync(file, mapping, feed, extra);
  expect(run.err).toBe('');
  expect(unplannedChanges(before, await snapshotEntries(config, scope), run.entries!)).toEqual([]);
  return run;
}

describe('derived names decided once', () => {
  it('the README sample: import, then the first sync takes everyone over and each keeps their own colocRouteAddr', async () => {
    // The sample as printed, with names and addresses of its own so that it shares nothing with other tests.
    const tag = uniqueName('rd').replace(/[^a-z0-9]/g, '');
    const text = fs.readFileSync('samples/hr-export.csv', 'latin1').replace(/@example\./g, `.${tag}@example.`);
    const file = path.join(dir, `${tag}.csv`);
    fs.writeFileSync(file, text, 'latin1');
    const mapping = JSON.parse(fs.readFileSync('samples/hr-mapping.json', 'utf8'));
    mapping.derive.username = `{givenname|ascii|lower}.{surname|ascii|lower}.${tag}`;
    const mappingPath = path.join(dir, `${tag}.json`);
    fs.writeFileSync(mappingPath, JSON.stringify(mapping));

    const imported = await importFile(file, { mapping: mappingPath, generatePasswords: true });
    expect(imported.exitCode).toBe(0);
    const hans = `hans.mueller.${tag}`;
    expect(await first(hans, 'colocRouteAddr')).toBe(`${hans}@localhost`);
    expect(await first(`${hans}2`, 'colocRouteAddr')).toBe(`${hans}2@localhost`);
    expect(await first(`${hans}2`, 'mail')).toBe(`hans.mueller.lager.${tag}@example.de`);

    const feed = uniqueName('hrs');
    const run = await checkedSync(file, mappingPath, feed, `(uid=*${tag}*)`);
    expect(run.summary!.counts).toMatchObject({ create: 0, update: 13, rejected: 0 });
    const second = run.entries!.find((e) => e.key === '1004')!;
    expect(second.username).toBe(`${hans}2`);
    expect(second.changes.map((c) => c.attribute)).toEqual(['objectClass', 'oxprovFeed', 'oxprovKey']);
    expect(await first(hans, 'colocRouteAddr')).toBe(`${hans}@localhost`);
    expect(await first(`${hans}2`, 'colocRouteAddr')).toBe(`${hans}2@localhost`);
    expect(await first(`${hans}2`, 'oxprovKey')).toBe('1004');
    expect((await sync(file, mappingPath, feed)).summary!.counts).toMatchObject({ update: 0, unchanged: 13 });
  }, 90_000);

  for (const style of ['username', 'names'] as const) {
    const mailRule = style === 'username' ? '{username}@firma.tux' : '{givenname|ascii|lower}.{surname|ascii|lower}@firma.tux';

    it(`three namesakes, the mail derived from the ${style}: import and sync give the same names, each with its own mail and mailbox`, async () => {
      const tag = uniqueName('ns').replace(/[^a-z0-9]/g, '');
      const mapping = mappingFile(`${tag}.json`, { username: `{givenname|ascii|lower}.{surname|ascii|lower}${tag}`, mail: style === 'username' ? mailRule : `{givenname|ascii|lower}.{surname|ascii|lower}${tag}@firma.tux` });
      const rows = (base: number) => [1, 2, 3].map((i) => [String(base + i), 'Thomas', 'Müller']);
      const header = ['Personalnummer', 'Vorname', 'Nachname'];
      const expected = (n: string) => [`thomas.mueller${tag}${n}`, `thomas.mueller${tag}${n}@firma.tux`, `thomas.mueller${tag}${n}@localhost`];

      const imported = await importFile(csv(`${tag}-i.csv`, header, rows(100)), { mapping, generatePasswords: true });
      expect(imported.exitCode).toBe(0);
      expect(imported.report.map((r) => r.username)).toEqual(['', '2', '3'].map((n) => `thomas.mueller${tag}${n}`));
      for (const n of ['', '2', '3']) {
        const u = expected(n);
        expect([await first(u[0], 'mail'), await first(u[0], 'colocRouteAddr')]).toEqual([u[1], u[2]]);
      }
      // The same file again: everyone is found under the name they got.
      const again = await importFile(csv(`${tag}-i.csv`, header, rows(100)), { mapping, generatePasswords: true });
      expect(again.report.map((r) => r.status)).toEqual(['exists', 'exists', 'exists']);
      // The first sync of that file takes the three over, each under the name the import gave, none rejected.
      const takeOver = await checkedSync(csv(`${tag}-i.csv`, header, rows(100)), mapping, uniqueName('nst'), `(uid=thomas.mueller${tag}*)`);
      expect(takeOver.summary!.counts).toMatchObject({ create: 0, update: 3, rejected: 0 });
      expect(takeOver.entries!.map((e) => [e.key, e.username, e.adopt])).toEqual(['', '2', '3'].map((n, i) => [String(101 + i), `thomas.mueller${tag}${n}`, true]));

      // The same through sync, for three namesakes of their own: the same names, and the second run finds them by key.
      const stag = `${tag}s`;
      const syncMapping = mappingFile(`${stag}.json`, { username: `{givenname|ascii|lower}.{surname|ascii|lower}${stag}`, mail: style === 'username' ? mailRule : `{givenname|ascii|lower}.{surname|ascii|lower}${stag}@firma.tux` });
      const feed = uniqueName('nsf');
      const run = await checkedSync(csv(`${stag}-s.csv`, header, rows(200)), syncMapping, feed, `(uid=thomas.mueller${stag}*)`);
      expect(run.summary!.counts).toMatchObject({ create: 3, rejected: 0 });
      for (const n of ['', '2', '3']) {
        const u = `thomas.mueller${stag}${n}`;
        expect([await first(u, 'mail'), await first(u, 'colocRouteAddr'), await first(u, 'oxprovKey')]).toEqual([`${u}@firma.tux`, `${u}@localhost`, String(201 + (Number(n || 1) - 1))]);
      }
      expect((await sync(csv(`${stag}-s.csv`, header, rows(200)), syncMapping, feed)).summary!.counts).toMatchObject({ create: 0, update: 0, unchanged: 3 });
    }, 90_000);

    it(`a marriage with the mail derived from the ${style}: names and mail follow, the user name and the mailbox stay, the old address stays an alias`, async () => {
      const tag = uniqueName('mr').replace(/[^a-z0-9]/g, '');
      const mapping = mappingFile(`${tag}.json`, {
        username: `{givenname|ascii|lower}.{surname|ascii|lower}${tag}`, displayName: '{givenname} {surname}',
        mail: style === 'username' ? mailRule : `{givenname|ascii|lower}.{surname|ascii|lower}${tag}@firma.tux`,
      });
      const header = ['Personalnummer', 'Vorname', 'Nachname'];
      const feed = uniqueName('mrf');
      const scope = `(uid=anna.*${tag}*)`;
      await checkedSync(csv(`${tag}-1.csv`, header, [['7001', 'Anna', 'Schmidt']]), mapping, feed, scope);
      const anna = `anna.schmidt${tag}`;
      const run = await checkedSync(csv(`${tag}-2.csv`, header, [['7001', 'Anna', 'Wagner']]), mapping, feed, scope);
      expect(run.summary!.counts).toMatchObject({ update: 1 });
      const a = (await attrs(anna))!;
      expect([a.sn, a.cn, a.displayName, a.colocRouteAddr]).toEqual([['Wagner'], ['Wagner, Anna'], ['Anna Wagner'], [`${anna}@localhost`]]);
      if (style === 'username') {
        expect(a.mail).toEqual([`${anna}@firma.tux`]);
        expect(run.entries![0].changes.map((c) => c.attribute).sort()).toEqual(['cn', 'displayName', 'sn']);
      } else {
        expect(a.mail).toEqual([`anna.wagner${tag}@firma.tux`]);
        expect(a.alias).toEqual([`${anna}@firma.tux`]);
        expect(run.entries![0].changes.map((c) => c.attribute).sort()).toEqual(['alias', 'cn', 'displayName', 'mail', 'sn']);
      }
      expect(await attrs(`anna.wagner${tag}`)).toBeUndefined();
      expect(run.out).not.toContain('colocRouteAddr');
    }, 60_000);
  }

  it('a derived name that belongs to someone already in the directory: import and sync give the next free name, the same way', async () => {
    const header = ['Personalnummer', 'Vorname', 'Nachname'];
    const outcomes: { username: string; mail?: string; notes: string }[] = [];
    for (const door of ['import', 'sync'] as const) {
      const tag = uniqueName('cl').replace(/[^a-z0-9]/g, '');
      const taken = `lena.lang${tag}`;
      await svc.users.provisionUser(userSpec({ username: taken, password: 'Pw-clash-1234', surname: 'Lang', givenname: 'Lena', mail: `someone.${tag}@test.tux`, colocrouteaddr: `${taken}@localhost` }), { only: ['ldap'] });
      const mapping = mappingFile(`${tag}.json`, { username: `{givenname|ascii|lower}.{surname|ascii|lower}${tag}`, mail: '{username}@firma.tux' });
      const file = csv(`${tag}.csv`, header, [['1', 'Lena', 'Lang']]);
      const got = door === 'import'
        ? (await importFile(file, { mapping, generatePasswords: true })).report.map((r) => ({ username: r.username, status: r.status, notes: r.notes }))[0]
        : (await sync(file, mapping, uniqueName('clf'))).entries!.map((e) => ({ username: e.username, status: e.action, notes: e.notes.join(' | ') }))[0];
      expect(got.status).toBe(door === 'import' ? 'created' : 'create');
      outcomes.push({ username: got.username.replace(tag, '<tag>'), mail: (await first(got.username, 'mail'))?.replace(tag, '<tag>'), notes: got.notes.replaceAll(tag, '<tag>') });
      // The one who had the name is untouched.
      expect(await first(taken, 'mail')).toBe(`someone.${tag}@test.tux`);
    }
    // The same outcome through both doors.
    expect(outcomes[0]).toEqual({ username: 'lena.lang<tag>2', mail: 'lena.lang<tag>2@firma.tux', notes: expect.stringContaining('lena.lang<tag> belongs to another person in the directory') });
    expect(outcomes[1]).toEqual(outcomes[0]);
  }, 60_000);
});
