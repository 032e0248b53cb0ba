import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DoveadmApiMailStore } from '../../../src/provision/imap/doveadm-api-mail-store.js';
import { DovecotMailStore } from '../../../src/provision/imap/dovecot-mail-store.js';
import type { MailStore } from '../../../src/provision/imap/mail-store.js';
import { openServices } from '../../../src/service/open-services.js';
import { sqlQuery, withImapLogin, expectImapRefused } from '../../helpers/clients.js';
import { importFile, tmpDir, writeCsv } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

const config = stackConfig();
const dir = tmpDir('modes');
const HEADER = ['username', 'password', 'surname', 'givenname', 'mail', 'colocrouteaddr', 'language', 'disable'];

async function ldapUser(username: string) {
  const prov = await openServices(config, { only: ['ldap'] });
  try {
    return await prov.users.findUser(username);
  } finally {
    await prov.close();
  }
}

describe('--on-existing', () => {
  const p = uniqueName('mode');
  const row = (surname: string, disable: string) => [p, 'Pw-abcdefgh', surname, 'Ute', `${p}@test.tux`, `${p}@localhost`, 'DE', disable];

  it('skip leaves an existing user alone, update brings it in line, fail reports it', async () => {
    expect((await importFile(writeCsv(dir, `${p}-1.csv`, [HEADER, row('Alt', 'forum')]))).report[0].status).toBe('created');

    const changed = writeCsv(dir, `${p}-2.csv`, [HEADER, row('Neu', 'forum,tasks')]);
    const skipped = await importFile(changed);
    expect(skipped.report[0]).toMatchObject({ status: 'exists', ldap: 'exists', sql: 'exists' });
    expect((await ldapUser(p))!.attributes.sn).toEqual(['Alt']);

    const updated = await importFile(changed, { onExisting: 'update' });
    expect(updated.report[0]).toMatchObject({ status: 'updated', ldap: 'updated', sql: 'updated', groupware: 'exists', imap: 'exists' });
    expect((await ldapUser(p))!.attributes.cn).toEqual(['Neu, Ute']);
    const off = await sqlQuery<{ module: string }>(config, 'SELECT m.module FROM user_modules m JOIN users u ON u.id = m.user_id WHERE u.username = $1 AND NOT m.enabled ORDER BY 1', [p]);
    expect(off.map((m) => m.module)).toEqual(['forum', 'tasks']);
    expect((await importFile(changed, { onExisting: 'update' })).report[0].status).toBe('exists');

    // A file without the language column leaves the language alone, in LDAP and in SQL alike.
    const noLanguage = writeCsv(dir, `${p}-3.csv`, [['username', 'password', 'surname', 'givenname', 'mail', 'colocrouteaddr'], [p.toUpperCase(), 'Pw-abcdefgh', 'Neuer', 'Ute', `${p}@test.tux`, `${p}@localhost`]]);
    expect((await importFile(noLanguage, { onExisting: 'update' })).report[0]).toMatchObject({ username: p, status: 'updated', sql: 'updated' });
    const [stored] = await sqlQuery<{ language: string; n: string }>(config, 'SELECT language, (SELECT count(*) FROM users WHERE lower(username) = $1) AS n FROM users WHERE username = $1', [p]);
    expect(stored).toEqual({ language: 'DE', n: '1' });
    expect((await ldapUser(p))!.attributes.preferredLanguage).toEqual(['DE']);

    const failed = await importFile(changed, { onExisting: 'fail' });
    expect(failed.exitCode).toBe(1);
    expect(failed.report[0]).toMatchObject({ status: 'failed', error_code: 'LDAP_CONFLICT' });
  });
});

describe('--on-existing update and a disabled user', () => {
  it('a file without the activated column keeps a disabled user disabled: no LDAP mailEnabled, no IMAP login, SQL off', async () => {
    const u = uniqueName('off');
    const cols = ['username', 'password', 'surname', 'mail', 'colocrouteaddr'];
    const values = [u, 'Pw-abcdefgh', 'Aus', `${u}@test.tux`, `${u}@localhost`];
    expect((await importFile(writeCsv(dir, `${u}-1.csv`, [[...cols, 'activated'], [...values, 'no']]))).report[0].status).toBe('created');
    const later = await importFile(writeCsv(dir, `${u}-2.csv`, [cols, [u, 'Pw-abcdefgh', 'Ausgeschieden', `${u}@test.tux`, `${u}@localhost`]]), { onExisting: 'update' });
    expect(later.report[0]).toMatchObject({ status: 'updated', ldap: 'updated' });
    const entry = (await ldapUser(u))!;
    expect(entry.attributes.sn).toEqual(['Ausgeschieden']);
    expect(entry.attributes.mailEnabled).toEqual(['NO']);
    const [row] = await sqlQuery<{ activated: boolean }>(config, 'SELECT activated FROM users WHERE username = $1', [u]);
    expect(row.activated).toBe(false);
    await expectImapRefused(withImapLogin(config, u, 'Pw-abcdefgh', async () => 1));
    // Said in the file, it is switched on.
    await importFile(writeCsv(dir, `${u}-3.csv`, [[...cols, 'activated'], [...values, 'yes']]), { onExisting: 'update' });
    expect(await withImapLogin(config, u, 'Pw-abcdefgh', async () => 1)).toBe(1);
  });
});

describe('stopping and not starting', () => {
  it('an interrupted run finishes the batches in flight and reports every row it touched', async () => {
    const p = uniqueName('int');
    const rows = [HEADER, ...Array.from({ length: 1200 }, (_, i) => [`${p}x${i}`, 'Pw-abcdefgh', 'Int', 'Ida', `${p}x${i}@test.tux`, `${p}x${i}@localhost`, 'EN', ''])];
    const file = writeCsv(dir, `${p}.csv`, rows);
    const stop = new AbortController();
    // Interrupt as soon as the first batch reaches the mail store: deterministic, however slow the machine.
    const real = new DoveadmApiMailStore(config.imap, new DovecotMailStore(config.imap));
    const mailStore: MailStore = {
      init: () => real.init(), close: () => real.close(), deleteMailbox: (u) => real.deleteMailbox(u), listFolders: (u) => real.listFolders(u), ensureMailbox: (u, f) => real.ensureMailbox(u, f),
      ensureMailboxes: (reqs) => { stop.abort(); return real.ensureMailboxes(reqs); },
    };
    const out = await importFile(file, { batchSize: '50' }, { signal: stop.signal, setup: { mailStore } });
    expect(out.exitCode).toBe(1);
    expect(out.summary!.interrupted).toBe(true);
    expect(out.stderr).toContain('interrupted');
    expect(out.report.length).toBeGreaterThanOrEqual(50);
    expect(out.report.length).toBeLessThan(1200);
    expect(out.report.every((r) => r.status === 'created')).toBe(true);
    // Nothing was created that the report does not list.
    const [{ n }] = await sqlQuery<{ n: string }>(config, 'SELECT count(*) AS n FROM users WHERE username LIKE $1', [`${p}x%`]);
    expect(Number(n)).toBe(out.report.length);
    // A re-run finishes the rest.
    const rest = await importFile(file);
    expect(rest.summary!.rows).toMatchObject({ created: 1200 - out.report.length, exists: out.report.length });
  });

  it('an unreadable file ends with exit code 2 and no report', async () => {
    const out = await importFile(path.join(dir, 'does-not-exist.csv'));
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain('CSV_UNREADABLE');
    expect(fs.existsSync(out.reportDir)).toBe(false);
  });

  it('bad options end with exit code 2 before anything is read', async () => {
    const out = await importFile(path.join(dir, 'x.csv'), { onExisting: 'overwrite' });
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain('CFG_INVALID');
  });
});
