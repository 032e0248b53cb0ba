import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { OxprovError } from '../../../src/errors.js';
import { DovecotMailStore } from '../../../src/provision/imap/dovecot-mail-store.js';
import type { MailStore } from '../../../src/provision/imap/mail-store.js';
import { imapFolders, ldapBindAs, sqlQuery } from '../../helpers/clients.js';
import { importFile, readCsv, tmpDir, writeCsv } from '../../helpers/import-helpers.js';
import { stackConfigFile } from '../../../src/config/paths.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

const config = stackConfig();
const dir = tmpDir('import');

describe('an HR export in Windows-1252 with semicolons, a mapping file and generated passwords', () => {
  /** samples/hr-export.csv and its mapping, with mail domains and user names of their own (suffix `p`), in a folder of their own. */
  function hrExport(p: string): { file: string; mappingFile: string; rowCount: number } {
    const folder = fs.mkdtempSync(path.join(dir, 'hr-'));
    const raw = iconv.decode(fs.readFileSync('samples/hr-export.csv'), 'windows-1252').replace(/@example\./g, `@${p}.example.`);
    const file = path.join(folder, 'hr-export.csv');
    fs.writeFileSync(file, iconv.encode(raw, 'windows-1252'));
    const mapping = JSON.parse(fs.readFileSync('samples/hr-mapping.json', 'utf8'));
    mapping.derive.username = `{givenname|ascii|lower}.{surname|ascii|lower}.${p}`;
    const mappingFile = path.join(folder, 'hr-mapping.json');
    fs.writeFileSync(mappingFile, JSON.stringify(mapping));
    return { file, mappingFile, rowCount: raw.trim().split(/\r?\n/).length - 1 };
  }
  const p = uniqueName('hr');
  const { file, mappingFile, rowCount } = hrExport(p);

  it('creates every employee, with derived names, collisions suffixed, and a 0600 credentials file', async () => {
    const out = await importFile(file, { mapping: mappingFile, generatePasswords: true });
    expect(out.stderr).toBe('');
    expect(out.exitCode).toBe(0);
    expect(out.summary!.rows.created).toBe(rowCount);
    const names = out.report.map((r) => r.username);
    expect(names).toContain(`hans.mueller.${p}`);
    expect(names.some((n) => /^hans\.mueller\..*2$|^hans\.mueller2/.test(n))).toBe(true);
    expect(out.report.find((r) => r.username === `juergen.weiss.${p}`)?.status).toBe('created');

    const credFile = path.join(out.reportDir, 'credentials.csv');
    expect((fs.statSync(credFile).mode & 0o777).toString(8)).toBe('600');
    const creds = readCsv(credFile);
    expect(creds).toHaveLength(rowCount);
    const hans = creds.find((c) => c.username === `hans.mueller.${p}`)!;
    expect(hans.password.length).toBeGreaterThanOrEqual(16);
    // Mail and name beside the password, for the letter that hands it out; the folder is private.
    expect(hans).toMatchObject({ displayname: 'Hans Müller' });
    expect(hans.mail).toMatch(/@/);
    expect((fs.statSync(out.reportDir).mode & 0o777).toString(8)).toBe('700');
    expect(fs.readFileSync(path.join(out.reportDir, 'report.csv'), 'utf8')).not.toContain(hans.password);

    // Every generated password works as written in the file (none altered by a formula guard).
    for (const c of creds) expect(await ldapBindAs(config, c.username, c.password), c.username).toBe(true);
    const [row] = await sqlQuery<{ change_password: boolean; display_name: string }>(config, 'SELECT change_password, display_name FROM users WHERE username = $1', [`juergen.weiss.${p}`]);
    expect(row).toEqual({ change_password: true, display_name: 'Weiß, Jürgen' });
    expect(await imapFolders(config, hans.username, hans.password)).toContain('Gesendete Objekte');
  });

  it('reports every row as existing on a second run and writes no passwords', async () => {
    // A copy of its own, imported once before (as the test above does).
    const copy = hrExport(uniqueName('hr'));
    expect((await importFile(copy.file, { mapping: copy.mappingFile, generatePasswords: true })).summary!.rows.created).toBe(rowCount);
    const out = await importFile(copy.file, { mapping: copy.mappingFile, generatePasswords: true });
    expect(out.exitCode).toBe(0);
    expect(out.summary!.rows).toMatchObject({ exists: rowCount, created: 0 });
    // Nothing was generated for users that exist: no note says so.
    expect(out.report.filter((r) => r.notes.includes('password generated'))).toEqual([]);
    expect(fs.existsSync(path.join(out.reportDir, 'credentials.csv'))).toBe(false);
  });
});

describe('files from the real world', () => {
  it('reads UTF-8 with a BOM, tabs, CRLF, padded values and a quoted line break', async () => {
    const p = uniqueName('bom');
    const text = '\ufeffusername\tpassword\tsurname\tgivenname\tmail\tcolocrouteaddr\tdescription\tlanguage\r\n'
      + `  ${p}1  \tPw-1-abcdef\t Lefèvre \tFrançoise\t${p}1@test.tux\t${p}1@localhost\t"two\r\nlines"\tFR\r\n`
      + '\r\n'
      + `${p}2\tPw-2-abcdef\tØdegaard\tÅse\t${p}2@test.tux\t${p}2@localhost\tplain\tEN\r\n`;
    const file = path.join(dir, 'bom-tab.csv');
    fs.writeFileSync(file, text);
    const out = await importFile(file);
    expect(out.exitCode).toBe(0);
    expect(out.report.map((r) => [r.line, r.username, r.status])).toEqual([['2', `${p}1`, 'created'], ['5', `${p}2`, 'created']]);
    const [row] = await sqlQuery<{ display_name: string }>(config, 'SELECT display_name FROM users WHERE username = $1', [`${p}1`]);
    expect(row.display_name).toBe('Lefèvre, Françoise');
    expect(await imapFolders(config, `${p}1`, 'Pw-1-abcdef')).toEqual(['Brouillons', 'Corbeille', 'Envoyés', 'INBOX', 'Indésirables']);
  });

  it.each([[';'], ['|']])('detects the %s delimiter from the header', async (d) => {
    const p = uniqueName('delim');
    const file = writeCsv(dir, `delim-${p}.csv`, [
      ['username', 'password', 'surname', 'mail', 'alias', 'colocrouteaddr'],
      [p, 'Pw-abcdefgh', 'Delim', `${p}@test.tux`, `${p}.a@test.tux,${p}.b@test.tux`, `${p}@localhost`],
    ], d);
    const out = await importFile(file, { dryRun: true });
    expect(out.report[0]).toMatchObject({ username: p, status: 'valid' });
  });
});

describe('failures of one row', () => {
  it('reports an LDAP refusal for one row with what was not done, and provisions the others', async () => {
    const p = uniqueName('fail');
    const file = writeCsv(dir, `fail-${p}.csv`, [
      ['username', 'password', 'surname', 'mail', 'colocrouteaddr', 'homePhone'],
      [`${p}a`, 'Pw-abcdefgh', 'Good', `${p}a@test.tux`, `${p}a@localhost`, '+49 30 1234'],
      // homePhone has telephoneNumber syntax: slapd itself refuses this value.
      [`${p}b`, 'Pw-abcdefgh', 'Bad', `${p}b@test.tux`, `${p}b@localhost`, 'call me @ home'],
      [`${p}c`, 'Pw-abcdefgh', 'Good', `${p}c@test.tux`, `${p}c@localhost`, '+49 30 5678'],
    ]);
    const out = await importFile(file);
    expect(out.exitCode).toBe(1);
    const bad = out.report.find((r) => r.username === `${p}b`)!;
    expect(bad).toMatchObject({ status: 'failed', ldap: 'failed', sql: 'skipped', groupware: 'skipped', imap: 'skipped', field: '' });
    expect(bad.error_code).toMatch(/^LDAP_/);
    expect(out.report.filter((r) => r.status === 'created').map((r) => r.username).sort()).toEqual([`${p}a`, `${p}c`]);
    expect(await sqlQuery(config, 'SELECT 1 FROM users WHERE username = $1', [`${p}b`])).toHaveLength(0);
  });

  it('finishes a half-provisioned row with --retry-failed, touching only that row', async () => {
    const p = uniqueName('retry');
    const file = writeCsv(dir, `retry-${p}.csv`, [
      ['username', 'password', 'surname', 'mail', 'colocrouteaddr', 'language'],
      [`${p}a`, 'Pw-abcdefgh', 'A', `${p}a@test.tux`, `${p}a@localhost`, 'DE'],
      [`${p}b`, 'Pw-abcdefgh', 'B', `${p}b@test.tux`, `${p}b@localhost`, 'DE'],
    ]);
    const real = new DovecotMailStore(config.imap);
    // The mail server "fails" for one user; LDAP, SQL and the other mailbox are real.
    const flaky: MailStore = {
      init: () => real.init(),
      ensureMailbox: (u, f) => (u === `${p}b` ? Promise.reject(new OxprovError('IMAP_FAILED', 'mailbox server refused', { backend: 'imap' })) : real.ensureMailbox(u, f)),
      deleteMailbox: (u) => real.deleteMailbox(u), listFolders: (u) => real.listFolders(u),
      close: async () => {},
    };
    const first = await importFile(file, {}, { setup: { mailStore: flaky } });
    expect(first.exitCode).toBe(1);
    expect(first.report.find((r) => r.username === `${p}b`)).toMatchObject({ status: 'failed', ldap: 'created', sql: 'created', groupware: 'created', imap: 'failed', error_code: 'IMAP_FAILED' });

    const retry = await importFile(file, { retryFailed: path.join(first.reportDir, 'report.csv') });
    expect(retry.exitCode).toBe(0);
    expect(retry.report).toHaveLength(1);
    expect(retry.report[0]).toMatchObject({ username: `${p}b`, status: 'created', ldap: 'exists', sql: 'exists', groupware: 'exists', imap: 'created' });
    expect(await imapFolders(config, `${p}b`, 'Pw-abcdefgh')).toContain('Papierkorb');
  });

  it('stops before writing anything when a back-end is unreachable', async () => {
    const p = uniqueName('down');
    const file = writeCsv(dir, `down-${p}.csv`, [['username', 'password', 'surname', 'mail', 'colocrouteaddr'], [p, 'Pw-abcdefgh', 'D', `${p}@test.tux`, `${p}@localhost`]]);
    const cfgFile = path.join(dir, `down-${p}.json`);
    fs.writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(stackConfigFile(), 'utf8')), sql: { url: 'postgres://oxprov:x@127.0.0.1:1/oxprov' } }));
    const out = await importFile(file, { config: cfgFile });
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain('SQL_CONNECT');
    expect(fs.existsSync(out.reportDir)).toBe(false);
    expect(await sqlQuery(config, 'SELECT 1 FROM users WHERE username = $1', [p])).toHaveLength(0);
  });
});
