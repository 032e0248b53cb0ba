import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../src/provision/ldap/password-hash.js';
import { DovecotMailStore } from '../../../src/provision/imap/dovecot-mail-store.js';
import type { MailStore } from '../../../src/provision/backends.js';
import { OxprovError } from '../../../src/errors.js';
import { runSync } from '../../../src/run/sync-run.js';
import { openServices } from '../../../src/service/open-services.js';
import { imapFolders, ldapBindAs, sqlQuery, withLdapAdmin, expectImapRefused } from '../../helpers/clients.js';
import { importFile, sink, tmpDir } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * Company-directory mode against the real stack. A company tree of its own (nested
 * units, inetOrgPerson only, the company's passwords) is made under ou=company;
 * `import --from-ldap --in-place` fits it for the groupware, changing none of the
 * company's values. A second suffix of the same slapd (dc=company,dc=example)
 * stands for another company's directory server: `sync --from-ldap` copies it
 * into oxprov's own directory, leavers included.
 */
const config = stackConfig();
const dir = tmpDir('company');
const t = uniqueName('co');
const OTHER = `ou=${t},ou=people,dc=company,dc=example`;
const mapping = path.join(dir, 'company-mapping.json');

/** A company tree of its own (nested units, three people and an account with neither mail nor surname), under ou=company. */
function companyTree(tag: string) {
  const base = `ou=${tag},ou=company,${config.ldap.baseDn}`;
  const people = {
    de: { uid: `${tag}-anna`, unit: `ou=DACH,ou=Sales,${base}`, sn: 'Weiß', given: 'Anna', lang: 'de', mails: [`${tag}-anna@example.de`, `${tag}-a.weiss@example.de`] },
    fr: { uid: `${tag}-chloe`, unit: `ou=France,ou=Sales,${base}`, sn: 'Lefèvre', given: 'Chloé', lang: 'fr-FR', mails: [`${tag}-chloe@example.fr`] },
    en: { uid: `${tag}-james`, unit: `ou=Engineering,${base}`, sn: "O'Brien", given: 'James', lang: 'en', mails: [`${tag}-james@example.co.uk`] },
  };
  // What `import --from-ldap --in-place` of this tree is given.
  const fromCompany = { fromLdap: config.ldap.url, base, inPlace: true, mapping, filter: '(|(objectClass=inetOrgPerson)(objectClass=account))' };
  return { tag, BASE: base, people, fromCompany };
}
type CompanyTree = ReturnType<typeof companyTree>;
const { BASE, people, fromCompany } = companyTree(t);
const password = (uid: string) => `Company-${uid}-pw`;
const unitOf = (dn: string) => ({ objectClass: ['organizationalUnit'], ou: /^ou=([^,]+)/.exec(dn)![1] });

async function add(c: Client, dn: string, attrs: Record<string, string | string[]>) {
  await c.add(dn, attrs);
}
async function entry(dn: string): Promise<Record<string, string[]>> {
  return withLdapAdmin(config, async (c) => {
    const { searchEntries } = await c.search(dn, { scope: 'base', attributes: ['*'] });
    const out: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(searchEntries[0])) if (k !== 'dn') out[k.toLowerCase()] = (Array.isArray(v) ? v : [v]).map(String).sort();
    return out;
  });
}
async function bindDn(dn: string, pw: string): Promise<boolean> {
  const c = new Client({ url: config.ldap.url });
  try {
    await c.bind(dn, pw);
    return true;
  } catch {
    return false;
  } finally {
    await c.unbind().catch(() => {});
  }
}
const dnOf = (p: { uid: string; unit: string }) => `uid=${p.uid},${p.unit}`;
const before = new Map<string, Record<string, string[]>>();

/** Writes a company tree into the directory, as the company's own tools would have. */
async function addCompanyTree(c: Client, tree: CompanyTree) {
  const { tag, BASE: base } = tree;
  // The stack makes ou=company; a stack made before it had none.
  await add(c, `ou=company,${config.ldap.baseDn}`, unitOf(`ou=company,${config.ldap.baseDn}`)).catch((e) => { if (e?.code !== 68) throw e; });
  for (const unit of [base, `ou=Sales,${base}`, `ou=DACH,ou=Sales,${base}`, `ou=France,ou=Sales,${base}`, `ou=Engineering,${base}`]) await add(c, unit, unitOf(unit));
  for (const p of Object.values(tree.people)) {
    await add(c, dnOf(p), {
      objectClass: ['inetOrgPerson', 'companyPerson'], uid: p.uid, cn: `${p.given} ${p.sn}`, sn: p.sn, firstName: p.given, mail: p.mails,
      preferredLanguage: p.lang, employeeNumber: `E-${p.uid}`, title: 'Referent', userPassword: hashPassword(password(p.uid), 'SSHA'),
    });
  }
  // A person without an address or surname (an account only this test's filter selects): rejected with its DN, the others go on.
  await add(c, `uid=${tag}-nomail,ou=Engineering,${base}`, { objectClass: ['account'], uid: `${tag}-nomail` });
}

/** A company tree of its own, written and then fitted by `import --from-ldap --in-place` (what the first test checks). */
async function fittedCompanyTree(tag: string): Promise<CompanyTree> {
  const tree = companyTree(tag);
  await withLdapAdmin(config, (c) => addCompanyTree(c, tree));
  const run = await importFile('', tree.fromCompany);
  expect(run.summary!.rows).toMatchObject({ created: 3, rejected: 1, failed: 0 });
  return tree;
}

beforeAll(async () => {
  fs.writeFileSync(mapping, JSON.stringify({ columns: { firstName: 'givenname' } }));
  await withLdapAdmin(config, async (c) => {
    await addCompanyTree(c, companyTree(t));
    // Another company's directory server (a second suffix of the stack's slapd).
    await add(c, OTHER, unitOf(OTHER));
    for (const n of [1, 2, 3]) {
      await add(c, `uid=${t}-x${n},${OTHER}`, {
        objectClass: ['inetOrgPerson'], uid: `${t}-x${n}`, cn: `Xaver ${n}`, sn: `Extern${n}`, givenName: 'Xaver', mail: `${t}-x${n}@partner.example`,
        preferredLanguage: 'de', userPassword: hashPassword(password(`${t}-x${n}`), 'SSHA'),
      });
    }
  });
  for (const p of Object.values(people)) before.set(p.uid, await entry(dnOf(p)));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('import --from-ldap --in-place: the company directory is the groupware\'s', () => {
  it('fits every person where they are: company password for IMAP, folders of their language, SQL rows; the company values unchanged', async () => {
    const run = await importFile('', fromCompany);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(1);
    const byDn = new Map(run.report.map((r) => [r.dn.toLowerCase(), r]));
    for (const p of Object.values(people)) expect(byDn.get(dnOf(p).toLowerCase())).toMatchObject({ username: p.uid, status: 'created', ldap: 'created', sql: 'created', groupware: 'created', imap: 'created' });
    const rejected = byDn.get(`uid=${t}-nomail,ou=engineering,${BASE}`.toLowerCase())!;
    expect(rejected).toMatchObject({ status: 'rejected', username: `${t}-nomail` });
    expect(rejected.error_code.split('|')).toEqual(['MAP_MISSING_FIELD', 'MAP_MISSING_FIELD']);
    expect(rejected.field.split('|').sort()).toEqual(['mail', 'sn']);

    // The person logs in to IMAP with the company's own password, and sees the folders of their language.
    expect(await imapFolders(config, people.de.uid, password(people.de.uid))).toEqual(expect.arrayContaining(['INBOX', 'Gesendete Objekte', 'Papierkorb']));
    expect(await imapFolders(config, people.fr.uid, password(people.fr.uid))).toEqual(expect.arrayContaining(['INBOX', 'Envoyés']));
    expect(await bindDn(dnOf(people.en), password(people.en.uid))).toBe(true);
    const rows = await sqlQuery<{ username: string; language: string; display_name: string }>(config, 'SELECT username, language, display_name FROM users WHERE username = ANY($1) ORDER BY username', [Object.values(people).map((p) => p.uid)]);
    expect(rows.map((r) => [r.username, r.language])).toEqual([[people.de.uid, 'DE'], [people.fr.uid, 'FR'], [people.en.uid, 'EN']].sort());
    const [{ n }] = await sqlQuery<{ n: string }>(config, `SELECT count(*) AS n FROM folders f JOIN users u ON u.id = f.owner_id WHERE u.username = $1 AND f.name = 'Kalender'`, [people.de.uid]);
    expect(Number(n)).toBe(1);

    for (const p of Object.values(people)) {
      const was = before.get(p.uid)!;
      const now = await entry(dnOf(p));
      // Every attribute the company had, with exactly its values (the password included)…
      for (const [k, v] of Object.entries(was)) if (k !== 'objectclass') expect([k, now[k]]).toEqual([k, v]);
      // …its classes and exactly the groupware's besides…
      expect([...now.objectclass].sort()).toEqual([...was.objectclass, 'posixAccount', 'shadowAccount', 'OXUserObject'].sort());
      // …and what the groupware needs besides.
      expect(now.mailenabled).toEqual(['OK']);
      expect(now.uidnumber?.length).toBe(1);
      expect(now.colocrouteaddr).toEqual([`${p.uid}@localhost`]);
    }
    // The paper's firstName → givenName: the company spells it its own way.
    expect((await entry(dnOf(people.de))).givenname).toEqual(['Anna']);
    // All of a person's addresses: the company's second mail is an alias the mail server knows.
    expect((await entry(dnOf(people.de))).alias).toEqual([people.de.mails[1]]);
  }, 120_000);

  it('a second run reports every person as existing and changes nothing', async () => {
    // A tree of its own, fitted by a first run.
    const tree = await fittedCompanyTree(uniqueName('co2'));
    const snapshot = await entry(dnOf(tree.people.de));
    // Checked in every back-end (--verify), not trusted from what the first run remembered.
    const run = await importFile('', { ...tree.fromCompany, verify: true });
    expect(run.summary!.rows).toMatchObject({ exists: 3, created: 0, updated: 0, failed: 0, rejected: 1 });
    for (const r of run.report.filter((x) => x.status !== 'rejected')) expect(r).toMatchObject({ status: 'exists', ldap: 'exists', sql: 'exists', imap: 'exists' });
    expect(await entry(dnOf(tree.people.de))).toEqual(snapshot);
  }, 60_000);

  it('an unreachable or refusing source ends the run before any write', async () => {
    const down = await importFile('', { ...fromCompany, fromLdap: 'ldap://127.0.0.1:1' });
    expect(down.exitCode).toBe(2);
    expect(down.stderr).toMatch(/LDAP_CONNECT/);
    const refused = await importFile('', { ...fromCompany, bindDn: config.ldap.bindDn, bindPassword: 'not-the-password' });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/LDAP_AUTH/);
    expect(refused.stderr).not.toContain('not-the-password');
    // A company attribute sent to an attribute the groupware's schema does not have: refused before the first read.
    const badMapping = path.join(dir, 'bad-mapping.json');
    fs.writeFileSync(badMapping, JSON.stringify({ columns: { departmentNumber: 'costCenter' } }));
    const refusedMapping = await importFile('', { ...fromCompany, mapping: badMapping, base: `ou=Engineering,${BASE}` });
    expect(refusedMapping.exitCode).toBe(2);
    expect(refusedMapping.stderr).toMatch(/MAP_INVALID_MAPPING.*costCenter/);
    expect(refusedMapping.report).toEqual([]);
    const noBase = await importFile('', { ...fromCompany, base: `ou=nothing-${t},ou=company,${config.ldap.baseDn}` });
    expect(noBase.exitCode).toBe(2);
    expect(noBase.stderr).toMatch(/LDAP_NO_SUCH_OBJECT/);
  }, 60_000);
});

describe('--retry-failed from a directory: rows are named by their DN', () => {
  it('a person whose mailbox failed is retried alone, by DN, and finished', async () => {
    const RETRY = `ou=${t}-retry,ou=company,${config.ldap.baseDn}`;
    const dns = [`uid=${t}-r1,${RETRY}`, `uid=${t}-r2,${RETRY}`];
    await withLdapAdmin(config, async (c) => {
      await add(c, RETRY, unitOf(RETRY));
      for (const [i, dn] of dns.entries()) {
        await add(c, dn, { objectClass: ['inetOrgPerson'], uid: `${t}-r${i + 1}`, cn: `R ${i}`, sn: `Retry${i}`, mail: `${t}-r${i + 1}@example.de`, preferredLanguage: 'de', userPassword: hashPassword(password(`${t}-r${i + 1}`), 'SSHA') });
      }
    });
    const real = new DovecotMailStore(config.imap);
    const flaky: MailStore = {
      init: () => real.init(),
      ensureMailbox: (u, f) => (u === `${t}-r2` ? Promise.reject(new OxprovError('IMAP_FAILED', 'mailbox server refused', { backend: 'imap' })) : real.ensureMailbox(u, f)),
      deleteMailbox: (u) => real.deleteMailbox(u), listFolders: (u) => real.listFolders(u),
      close: async () => {},
    };
    const first = await importFile('', { fromLdap: config.ldap.url, base: RETRY, inPlace: true }, { setup: { mailStore: flaky } });
    expect(first.exitCode).toBe(1);
    expect(first.report.find((r) => r.dn === dns[1])).toMatchObject({ status: 'failed', ldap: 'created', imap: 'failed', error_code: 'IMAP_FAILED' });
    const reportText = fs.readFileSync(path.join(first.reportDir, 'report.csv'), 'utf8');
    expect(reportText.split('\n')[0]).toMatch(/^line,dn,username,status/);

    const retry = await importFile('', { fromLdap: config.ldap.url, base: RETRY, inPlace: true, retryFailed: path.join(first.reportDir, 'report.csv') });
    expect(retry.exitCode).toBe(0);
    expect(retry.report).toHaveLength(1);
    expect(retry.report[0]).toMatchObject({ dn: dns[1], status: 'created', ldap: 'exists', imap: 'created' });
    expect(await imapFolders(config, `${t}-r2`, password(`${t}-r2`))).toContain('Papierkorb');

    // deluser of a person fitted in place takes only the groupware away: the company's entry stays as it was.
    const before1 = await entry(dns[0]);
    const svc = await openServices(config);
    try {
      const gone = await svc.users.deleteUser(`${t}-r1`);
      expect(gone.steps).toMatchObject({ ldap: 'deleted', sql: 'deleted', imap: 'deleted' });
    } finally {
      await svc.close();
    }
    const after1 = await entry(dns[0]);
    // The classes the company gave it, no more.
    expect(after1.objectclass).toEqual(['inetOrgPerson']);
    for (const k of ['uid', 'cn', 'sn', 'mail', 'preferredlanguage', 'userpassword']) expect([k, after1[k]]).toEqual([k, before1[k]]);
    expect(after1.mailenabled).toBeUndefined();
    expect(after1.uidnumber).toBeUndefined();
    expect(await bindDn(dns[0], password(`${t}-r1`))).toBe(true);
    await expectImapRefused(imapFolders(config, `${t}-r1`, password(`${t}-r1`)));
    expect(await sqlQuery(config, 'SELECT 1 FROM users WHERE username = $1', [`${t}-r1`])).toEqual([]);
  }, 60_000);
});

describe('sync --from-ldap: another company\'s directory copied, leavers included', () => {
  const feed = uniqueName('cf');
  async function sync(extra: Record<string, unknown> = {}) {
    const stdout = sink();
    const stderr = sink();
    const run = await runSync({ file: '', fromLdap: config.ldap.url, base: OTHER, feed, report: path.join(dir, uniqueName('r')), ...extra }, { stdout, stderr });
    return { ...run, out: stdout.text(), err: stderr.text() };
  }

  it('creates the people in ou=people with their own password; a person removed there is a leaver in the next sync', async () => {
    const first = await sync();
    expect(first.err).toBe('');
    expect(first.summary!.counts).toMatchObject({ create: 3, update: 0, disable: 0, rejected: 0 });
    // Copied with the company's password hash: the person logs in with the password they know.
    expect(await ldapBindAs(config, `${t}-x1`, password(`${t}-x1`))).toBe(true);
    expect(await imapFolders(config, `${t}-x2`, password(`${t}-x2`))).toEqual(expect.arrayContaining(['Gesendete Objekte']));
    expect((await sync()).summary!.counts).toMatchObject({ create: 0, update: 0, disable: 0, unchanged: 3 });

    await withLdapAdmin(config, (c) => c.del(`uid=${t}-x3,${OTHER}`));
    const next = await sync();
    expect(next.exitCode).toBe(0);
    expect(next.summary!.counts).toMatchObject({ create: 0, disable: 1, unchanged: 2 });
    expect(await ldapBindAs(config, `${t}-x3`, password(`${t}-x3`))).toBe(false);
    expect(await ldapBindAs(config, `${t}-x2`, password(`${t}-x2`))).toBe(true);
  }, 120_000);

});

describe('sync --from-ldap --in-place: the company tree as a feed, fitted where it is', () => {
  const feed = uniqueName('ip');
  // A company tree of its own, fitted by an import before the first sync (the people this sync takes over).
  const tree = companyTree(uniqueName('coip'));
  const FORMER = `ou=${tree.tag}-former,ou=company,${config.ldap.baseDn}`;
  beforeAll(async () => { await fittedCompanyTree(tree.tag); }, 60_000);
  async function sync() {
    const stdout = sink();
    const stderr = sink();
    const run = await runSync({ file: '', fromLdap: config.ldap.url, base: tree.BASE, inPlace: true, mapping, key: 'employeeNumber', feed, report: path.join(dir, uniqueName('r')) }, { stdout, stderr });
    return { ...run, out: stdout.text(), err: stderr.text() };
  }
  const passwordOf = async (dn: string) => (await entry(dn)).userpassword;

  it('takes over the people an import fitted, adds a new hire; a person moved out of the tree is a leaver, moved back a returner; the company password is never touched', async () => {
    const first = await sync();
    expect(first.err).toBe('');
    expect(first.summary!.counts).toMatchObject({ create: 0, update: 3, disable: 0, rejected: 0 });
    expect((await sync()).summary!.counts).toMatchObject({ create: 0, update: 0, unchanged: 3 });

    const hire = { uid: `${tree.tag}-lena`, unit: `ou=DACH,ou=Sales,${tree.BASE}` };
    await withLdapAdmin(config, (c) => c.add(dnOf(hire), {
      objectClass: ['inetOrgPerson'], uid: hire.uid, cn: 'Lena Berger', sn: 'Berger', givenName: 'Lena', mail: `${hire.uid}@example.de`,
      preferredLanguage: 'de', employeeNumber: `E-${hire.uid}`, userPassword: hashPassword(password(hire.uid), 'SSHA'),
    }));
    const hired = await sync();
    expect(hired.summary!.counts).toMatchObject({ create: 1, unchanged: 3 });
    expect(await imapFolders(config, hire.uid, password(hire.uid))).toEqual(expect.arrayContaining(['Gesendete Objekte']));

    const leaver = tree.people.en;
    const pw = await passwordOf(dnOf(leaver));
    await withLdapAdmin(config, async (c) => {
      await c.add(FORMER, unitOf(FORMER));
      await c.modifyDN(dnOf(leaver), `uid=${leaver.uid},${FORMER}`);
    });
    const left = await sync();
    expect(left.exitCode).toBe(0);
    expect(left.summary!.counts).toMatchObject({ disable: 1, unchanged: 3 });
    await expectImapRefused(imapFolders(config, leaver.uid, password(leaver.uid)));
    const [row] = await sqlQuery<{ activated: boolean }>(config, 'SELECT activated FROM users WHERE username = $1', [leaver.uid]);
    expect(row.activated).toBe(false);
    const moved = await entry(`uid=${leaver.uid},${FORMER}`);
    expect(moved.mailenabled).toEqual(['NO']);
    expect(moved.userpassword).toEqual(pw);
    expect((await sync()).summary!.counts).toMatchObject({ disable: 0, unchanged: 3 });

    await withLdapAdmin(config, (c) => c.modifyDN(`uid=${leaver.uid},${FORMER}`, dnOf(leaver)));
    expect((await sync()).summary!.counts).toMatchObject({ enable: 1, unchanged: 3 });
    expect(await imapFolders(config, leaver.uid, password(leaver.uid))).toEqual(expect.arrayContaining(['INBOX']));
    expect(await passwordOf(dnOf(leaver))).toEqual(pw);
  }, 180_000);
});
