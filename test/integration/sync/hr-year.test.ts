import fs from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync, type SyncRun } from '../../../src/run/sync-run.js';
import { userSpec } from '../../../src/model/user-spec.js';
import { openServices, type Services } from '../../../src/service/open-services.js';
import { ldapBindAs, sqlQuery, withImapLogin, withLdapAdmin, expectImapRefused } from '../../helpers/clients.js';
import { sink, tmpDir } from '../../helpers/import-helpers.js';
import { snapshotEntries, unplannedChanges } from '../../helpers/plan-snapshot.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * A year of an HR feed against the real stack: 200 people loaded by `sync`, a
 * month in which one leaves, then the month of the issue — 5 new people (one
 * whose derived name clashes with a user already in the directory), 3 changed
 * surnames (one with a derived mail), 2 changed departments, 1 changed mail,
 * 4 leavers and the returner. Checked with real clients.
 */
const config = stackConfig();
const dir = tmpDir('hr');
const feed = uniqueName('feed');
const tag = uniqueName('y');
const mappingFile = path.join(dir, 'mapping.json');
fs.writeFileSync(mappingFile, JSON.stringify({
  columns: { Personalnummer: 'employeeNumber', Vorname: 'givenname', Nachname: 'surname', 'E-Mail': 'mail', Abteilung: 'ou', Passwort: 'password' },
  derive: { username: `{givenname|ascii|lower}.{surname|ascii|lower}.${tag}`, colocrouteaddr: '{username}@localhost', mail: `{givenname|ascii|lower}.{surname|ascii|lower}.${tag}@firma.tux` },
  defaults: { language: 'DE' },
}));

interface Person { nr: number; given: string; sur: string; mail: string; ou: string }
const GIVEN = ['Anna', 'Jürgen', 'Marie', 'Lena', 'Tom', 'Petra', 'Ole', 'Zoë'];
const people: Person[] = Array.from({ length: 200 }, (_, i) => ({
  nr: 5000 + i, given: GIVEN[i % GIVEN.length], sur: `Muster${i}`, mail: i === 7 ? '' : `p${i}.${tag}@firma.tux`, ou: i % 2 ? 'Vertrieb' : 'IT',
}));
const pw = (p: Person) => `Pw-${p.nr}-jahr`;
const username = (given: string, sur: string) => `${given.replace('ü', 'ue').replace('ë', 'e').toLowerCase()}.${sur.toLowerCase()}.${tag}`;

function file(name: string, rows: readonly Person[]): string {
  const lines = ['Personalnummer;Vorname;Nachname;E-Mail;Abteilung;Passwort', ...rows.map((p) => [p.nr, p.given, p.sur, p.mail, p.ou, pw(p)].join(';'))];
  const f = path.join(dir, name);
  fs.writeFileSync(f, `${lines.join('\n')}\n`);
  return f;
}

async function sync(f: string, extra: Record<string, unknown> = {}): Promise<SyncRun & { out: string; err: string; report: string }> {
  const report = path.join(dir, uniqueName('r'));
  const stdout = sink();
  const stderr = sink();
  const r = await runSync({ file: f, mapping: mappingFile, key: 'employeeNumber', feed, report, ...extra }, { stdout, stderr });
  return { ...r, out: stdout.text(), err: stderr.text(), report };
}

async function masterMessages(user: string): Promise<number> {
  const c = new ImapFlow({ host: config.imap.host, port: config.imap.port, secure: false, logger: false, auth: { user: `${user}${config.imap.masterSeparator}${config.imap.masterUser}`, pass: config.imap.masterPassword } });
  c.on('error', () => {});
  await c.connect();
  try {
    const status = await c.status('INBOX', { messages: true });
    return status ? status.messages ?? 0 : 0;
  } finally {
    await c.logout().catch(() => {});
  }
}

let svc: Services;
const handMade = uniqueName('hand');
// Someone already in the directory under the derived name of a new person of month 3.
const clashName = username('Nina', 'Neu');
beforeAll(async () => {
  svc = await openServices(config);
  await svc.users.provisionUser(userSpec({ username: handMade, password: 'Pw-hand-1234', surname: 'Hand', mail: `${handMade}@test.tux`, colocrouteaddr: `${handMade}@localhost` }));
  await svc.users.provisionUser(userSpec({ username: clashName, password: 'Pw-clash-1234', surname: 'Neu', givenname: 'Nina', mail: `other.nina.${tag}@test.tux`, colocrouteaddr: `${clashName}@localhost` }), { only: ['ldap'] });
}, 60_000);
afterAll(async () => { await svc?.close(); });

describe('a year of an HR feed', () => {
  const returner = people[10];
  const leavers = [people[20], people[21], people[22], people[23]];
  const renamed = [people[30], people[31], people[7]]; // people[7] has a derived mail
  const moved = [people[40], people[41]];
  const remailed = people[50];
  const newcomers: Person[] = [
    { nr: 9001, given: 'Nina', sur: 'Neu', mail: `nina.neu.${tag}@firma.tux`, ou: 'HR' },
    ...[9002, 9003, 9004, 9005].map((nr) => ({ nr, given: 'Neo', sur: `Neu${nr}`, mail: `n${nr}.${tag}@firma.tux`, ou: 'IT' })),
  ];

  // One test, the months in their order: each month starts from the feed as the months before it left it.
  it('month by month: 1, the whole feed is created, again unchanged; 2, one leaves and is disabled; 3, --plan-only lists exactly the changes, applied real clients see them, a 10-row file is refused', async () => {
    // Month 1: the whole feed is created; again, everything is unchanged.
    const first = await sync(file('m1.csv', people));
    expect(first.err).toBe('');
    expect(first.summary!.counts).toMatchObject({ create: 200, rejected: 0 });
    const repeated = await sync(file('m1.csv', people));
    expect(repeated.summary!.counts).toEqual({ create: 0, update: 0, disable: 0, enable: 0, unchanged: 200, rejected: 0 });
    expect(fs.readFileSync(path.join(repeated.report, 'report.csv'), 'utf8').split('\n').filter((l) => l.includes(',unchanged,unchanged')).length).toBe(200);

    // Month 2: one leaves, and is disabled.
    const month2 = await sync(file('m2.csv', people.filter((p) => p !== returner)));
    expect(month2.summary!.counts).toMatchObject({ disable: 1, unchanged: 199 });
    expect(await ldapBindAs(config, username(returner.given, returner.sur), pw(returner))).toBe(false);

    // Month 3: --plan-only lists exactly the changes; applied, real clients see them; a 10-row file is refused.
    const leaverNames = leavers.map((p) => username(p.given, p.sur));
    // Mail for a leaver before it leaves: the mailbox keeps it.
    await withImapLogin(config, leaverNames[0], pw(leavers[0]), (c) => c.append('INBOX', 'From: hr@firma.tux\r\nSubject: farewell\r\n\r\nbye\r\n'));
    const handBefore = (await svc.users.findUser(handMade))!.attributes;
    const before = new Map(renamed.map((p) => [p.nr, { ...p }]));
    const month3 = people
      .filter((p) => !leavers.includes(p) && p !== returner)
      .map((p) => (renamed.includes(p) ? { ...p, sur: `${p.sur}x` } : moved.includes(p) ? { ...p, ou: 'Einkauf' } : p === remailed ? { ...p, mail: `new.${p.mail}` } : p));
    const f = file('m3.csv', [...month3, returner, ...newcomers]);

    const plan = await sync(f, { planOnly: true, emit: 'ldif' });
    expect(plan.exitCode).toBe(0);
    expect(plan.summary!.counts).toEqual({ create: 5, update: 6, disable: 4, enable: 1, unchanged: 189, rejected: 0 });
    const json = JSON.parse(fs.readFileSync(path.join(plan.report, 'plan.json'), 'utf8'));
    expect(Object.keys(json.counts).sort()).toEqual(['create', 'disable', 'enable', 'rejected', 'unchanged', 'update']);
    expect(json.entries.filter((e: { action: string }) => e.action === 'disable').map((e: { username: string }) => e.username).sort()).toEqual([...leaverNames].sort());
    const nina = json.entries.find((e: { key: string }) => e.key === '9001');
    expect(nina).toMatchObject({ action: 'create', username: `${clashName}2` });
    expect(fs.readFileSync(path.join(plan.report, 'plan.ldif'), 'utf8')).toContain('changetype: modify');
    expect(JSON.stringify(json)).not.toContain('Pw-');
    // Nothing changed yet.
    expect(await ldapBindAs(config, leaverNames[1], pw(leavers[1]))).toBe(true);

    // The apply writes exactly what the plan lists, no attribute more, none less.
    const scope = `(|(oxprovFeed=${feed})(uid=*${tag}*)(uid=${handMade}))`;
    const snapshot = await snapshotEntries(config, scope);
    const applied = await sync(f);
    expect(applied.exitCode).toBe(0);
    expect(unplannedChanges(snapshot, await snapshotEntries(config, scope), applied.entries!)).toEqual([]);
    // Leavers: no LDAP bind, no IMAP login, no mail delivery, groupware off; the mailbox keeps its mail.
    for (const [i, name] of leaverNames.entries()) {
      expect(await ldapBindAs(config, name, pw(leavers[i]))).toBe(false);
      await expectImapRefused(withImapLogin(config, name, pw(leavers[i]), async () => 1));
      expect((await svc.users.findUser(name))!.attributes.mailEnabled).toEqual(['NO']);
    }
    expect(await masterMessages(leaverNames[0])).toBe(1);
    const [row] = await sqlQuery<{ activated: boolean }>(config, 'SELECT activated FROM users WHERE username = $1', [leaverNames[0]]);
    expect(row.activated).toBe(false);
    // The returner is back, with its own password.
    const back = username(returner.given, returner.sur);
    expect(await ldapBindAs(config, back, pw(returner))).toBe(true);
    expect(await withImapLogin(config, back, pw(returner), async (c) => (await c.list()).length)).toBeGreaterThan(0);
    // Renamed people keep their user names; the new address is the mail, the old one an alias.
    for (const p of renamed) {
      const old = before.get(p.nr)!;
      const user = (await svc.users.findUser(username(old.given, old.sur)))!;
      expect(user.attributes.sn).toEqual([`${old.sur}x`]);
      if (old.mail) {
        // The feed gives the mail: a new surname does not touch it.
        expect(user.attributes.mail).toEqual([old.mail]);
      } else {
        // A derived mail follows the surname; the old address stays an alias.
        expect(user.attributes.mail).toEqual([`${username(old.given, `${old.sur}x`)}@firma.tux`]);
        expect(user.attributes.alias ?? []).toContain(`${username(old.given, old.sur)}@firma.tux`);
      }
    }
    const re = (await svc.users.findUser(username(remailed.given, remailed.sur)))!;
    expect(re.attributes.mail).toEqual([`new.${remailed.mail}`]);
    expect(re.attributes.alias).toContain(remailed.mail);
    // The look-up a mail server makes for a recipient (the paper's routing: mail or alias → colocRouteAddr) finds the person at both addresses.
    for (const address of [remailed.mail, `new.${remailed.mail}`, `${username(renamed[2].given, renamed[2].sur)}@firma.tux`]) {
      const hits = await withLdapAdmin(config, async (c) => (await c.search(config.ldap.peopleDn, { scope: 'sub', filter: `(&(mailEnabled=OK)(|(mail=${address})(alias=${address})))`, attributes: ['uid', 'colocRouteAddr'] })).searchEntries);
      expect(hits.map((h) => h.colocRouteAddr), address).toHaveLength(1);
    }
    // The groupware's display name follows the new surname.
    const [shown] = await sqlQuery<{ display_name: string }>(config, 'SELECT display_name FROM users WHERE username = $1', [username(renamed[0].given, renamed[0].sur)]);
    expect(shown.display_name).toBe(`${renamed[0].sur}x, ${renamed[0].given}`);
    expect((await svc.users.findUser(username(moved[0].given, moved[0].sur)))!.attributes.ou).toEqual(['Einkauf']);
    // The newcomer whose name was taken got a suffix; the one who had it is untouched, as is the hand-made user.
    expect((await svc.users.findUser(`${clashName}2`))!.attributes.employeeNumber).toEqual(['9001']);
    expect((await svc.users.findUser(clashName))!.attributes.mail).toEqual([`other.nina.${tag}@test.tux`]);
    expect((await svc.users.findUser(handMade))!.attributes).toEqual(handBefore);

    // The same file again: all unchanged.
    const again = await sync(f);
    expect(again.summary!.counts).toMatchObject({ create: 0, update: 0, disable: 0, enable: 0, rejected: 0 });

    // A truncated export of 10 rows would disable almost everyone: refused, nothing changes.
    const truncated = await sync(file('m3-truncated.csv', month3.slice(0, 10)));
    expect(truncated.exitCode).toBe(2);
    expect(truncated.err).toContain('SYNC_TOO_MANY_LEAVERS');
    expect(truncated.err).toContain('--max-disable');
    expect(await ldapBindAs(config, username(month3[50].given, month3[50].sur), pw(month3[50]))).toBe(true);
  }, 360_000);
});
