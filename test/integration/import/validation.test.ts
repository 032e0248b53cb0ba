import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openServices } from '../../../src/service/open-services.js';
import { userSpec } from '../../../src/model/user-spec.js';
import { importFile, tmpDir, writeCsv } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

const config = stackConfig();
const p = uniqueName('v');
const dir = tmpDir('validation');
const HEADER = 'username,password,surname,givenname,mail,alias,colocrouteaddr,timezone,language,country,disable,globaladdressbook,quotasize,birthDay';
const SECRET = 'Very-Secret-Pw-42';

/** One row per rule; the line number is the key the report is checked by. */
const rows: [string, string | null][] = [
  [`${p}ok,${SECRET},Ok,Otto,${p}ok@test.tux,,${p}ok@localhost,Europe/Berlin,DE,DE,,no,10,1984-01-01`, null],
  [`${p}a,${SECRET},,Anna,${p}a@test.tux,,${p}a@localhost,,,,,,,`, 'MAP_MISSING_FIELD'],
  [`bad name!,${SECRET},B,B,${p}b@test.tux,,${p}b@localhost,,,,,,,`, 'MAP_INVALID_USERNAME'],
  [`${p}c,${SECRET},C,C,not-a-mail,,${p}c@localhost,,,,,,,`, 'MAP_INVALID_MAIL'],
  [`${p}d,${SECRET},D,D,${p}d@test.tux,no@@alias,${p}d@localhost,,,,,,,`, 'MAP_INVALID_ALIAS'],
  [`${p}ok,${SECRET},Dup,Dup,${p}dup@test.tux,,${p}dup@localhost,,,,,,,`, 'MAP_DUPLICATE_USERNAME'],
  [`${p}e,${SECRET},E,E,${p}ok@test.tux,,${p}e@localhost,,,,,,,`, 'MAP_DUPLICATE_MAIL'],
  [`${p}f,${SECRET},F,F,${p}f@test.tux,${p}ok@test.tux,${p}f@localhost,,,,,,,`, 'MAP_DUPLICATE_ALIAS'],
  [`${p}g,${SECRET},G,G,${p}g@test.tux,,${p}g@localhost,Mars/Olympus,,,,,,`, 'MAP_INVALID_TIMEZONE'],
  [`${p}h,${SECRET},H,H,${p}h@test.tux,,${p}h@localhost,,,Atlantis,,,,`, 'MAP_INVALID_COUNTRY'],
  [`${p}i,${SECRET},I,I,${p}i@test.tux,,${p}i@localhost,,XX,,,,,`, 'MAP_INVALID_LANGUAGE'],
  [`${p}j,${SECRET},J,J,${p}j@test.tux,,${p}j@localhost,,,,"calendar,teleport",,,`, 'MAP_INVALID_MODULE'],
  [`${p}k,${SECRET},K,K,${p}k@test.tux,,${p}k@localhost,,,,,maybe,,`, 'MAP_INVALID_FLAG'],
  [`${p}l,${SECRET},L,L,${p}l@test.tux,,${p}l@localhost,,,,,,lots,`, 'MAP_INVALID_QUOTA'],
  [`${p}m,${SECRET},M,M,${p}m@test.tux,,${p}m@localhost,,,,,,,1989-12-32`, 'MAP_INVALID_DATE'],
  [`${p}n,${SECRET},${'N'.repeat(300)},N,${p}n@test.tux,,${p}n@localhost,,,,,,,`, 'MAP_TOO_LONG'],
  [`${p}o,${SECRET},O,O,${p}o@test.tux,,${p}o@localhost,,,,,,,,one-cell-too-many`, 'CSV_INCONSISTENT_COLUMNS'],
  [`${p}existing,${SECRET},X,X,${p}other@test.tux,,${p}x@localhost,,,,,,,`, 'MAP_EXISTS_USERNAME'],
  [`${p}q,${SECRET},Q,Q,${p}existing@test.tux,,${p}q@localhost,,,,,,,`, 'MAP_EXISTS_MAIL'],
  [`${p}r,${SECRET},R,R,${p}r@test.tux,${p}existing.alias@test.tux,${p}r@localhost,,,,,,,`, 'MAP_EXISTS_ALIAS'],
  [`${p}s,${SECRET},"Unclosed,S,${p}s@test.tux,,${p}s@localhost,,,,,,,`, 'CSV_UNCLOSED_QUOTE'],
  [`${p}t,${SECRET},Tail,T,${p}t@test.tux,,${p}t@localhost,,FR,FR,,,,`, null],
];

beforeAll(async () => {
  const prov = await openServices(config, { only: ['ldap'] });
  try {
    await prov.users.provisionUser(userSpec({ username: `${p}existing`, surname: 'Existing', mail: `${p}existing@test.tux`, aliases: [`${p}existing.alias@test.tux`], colocrouteaddr: `${p}existing@localhost`, password: 'x' }), { only: ['ldap'] });
  } finally {
    await prov.close();
  }
});

describe('validation of every row before any write (dry run against the real directory)', () => {
  const file = path.join(dir, 'rules.csv');
  fs.writeFileSync(file, `${HEADER}\n${rows.map(([r]) => r).join('\n')}\n`);

  it('reports each broken rule at its line with a stable code, and passes the good rows', async () => {
    const out = await importFile(file, { dryRun: true });
    expect(out.exitCode).toBe(1);
    const byLine = new Map(out.report.map((r) => [Number(r.line), r]));
    rows.forEach(([, code], i) => {
      const line = i + 2;
      const r = byLine.get(line);
      expect(r, `line ${line}`).toBeDefined();
      if (code === null) expect(r!.status, `line ${line}`).toBe('valid');
      else {
        expect(r!.status, `line ${line}`).toBe('rejected');
        expect(r!.error_code.split('|'), `line ${line}`).toContain(code);
      }
    });
    expect(out.summary!.rows).toMatchObject({ valid: 2, rejected: rows.length - 2 });
    // The offending value stands beside its code, and rows come in the file's order.
    expect(out.report.map((r) => Number(r.line))).toEqual(rows.map((_, i) => i + 2));
    const badMail = out.report.find((r) => r.error_code === 'MAP_INVALID_MAIL');
    expect(badMail).toMatchObject({ field: 'mail', value: 'not-a-mail' });
    // rejected.csv is the administrator's own rows (0600, checked below); everything else must never hold a password.
    const all = ['report.csv', 'summary.json'].map((f) => fs.readFileSync(path.join(out.reportDir, f), 'utf8')).join('\n') + out.stdout + out.stderr;
    expect(all).toContain(`${p}ok`);
    expect(all).not.toContain(SECRET);
    // Nothing was written in a dry run.
    const prov = await openServices(config, { only: ['ldap'] });
    try {
      expect(await prov.users.findUser(`${p}ok`)).toBeUndefined();
    } finally {
      await prov.close();
    }
  });

  it('writes the rejected rows under their header, re-importable, with password cells emptied', async () => {
    const out = await importFile(file, { dryRun: true });
    const rejected = fs.readFileSync(path.join(out.reportDir, 'rejected.csv'), 'utf8').trim().split('\n');
    expect(rejected[0]).toBe(`${HEADER},oxprov_line`);
    expect(rejected.some((l) => l.startsWith('bad name!,,'))).toBe(true);
    // Every rejected row ends with its line in the original file.
    const lines = rejected.slice(1).map((l) => Number(l.split(',').at(-1)));
    expect(lines).toEqual(out.report.filter((r) => r.status === 'rejected').map((r) => Number(r.line)));
    expect((fs.statSync(path.join(out.reportDir, 'rejected.csv')).mode & 0o777).toString(8)).toBe('600');
  });

  it('refuses a column that is not in the directory\'s schema before reading any row', async () => {
    const bad = path.join(dir, 'unknown-column.csv');
    fs.writeFileSync(bad, `username,password,surname,mail,colocrouteaddr,favouriteColour\n${p}z,${SECRET},Z,${p}z@test.tux,${p}z@localhost,blue\n`);
    const out = await importFile(bad);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toContain('MAP_UNKNOWN_ATTRIBUTE');
    expect(fs.existsSync(out.reportDir)).toBe(false);
  });
});

describe('a header with very many unknown columns', () => {
  it('is summarised after a handful of problems, not printed column by column', async () => {
    const dir = tmpDir('wide');
    const header = ['username', 'password', 'surname', 'mail', 'colocrouteaddr', ...Array.from({ length: 100_000 }, (_, i) => `bogus${i}`)];
    const file = writeCsv(dir, 'wide.csv', [header]);
    const out = await importFile(file, { dryRun: true });
    expect(out.exitCode).toBe(2);
    const lines = out.stderr.trim().split('\n');
    expect(lines.length).toBeLessThan(15);
    expect(out.stderr).toContain('… and 99990 more problems of the header (MAP_UNKNOWN_ATTRIBUTE 99990)');
    expect(out.stderr).toContain('"ignore" to skip it');
    expect(out.stderr.length).toBeLessThan(5000);
  });
});

describe('rejected.csv of a German Excel export', () => {
  it('is written as the export was (Windows-1252, semicolons, CRLF), and its re-import reports the original lines', async () => {
    const iconv = (await import('iconv-lite')).default;
    const d = tmpDir('excel');
    const q = uniqueName('xl');
    const text = [
      'username;password;surname;givenname;mail;colocrouteaddr',
      `${q}a;Pw-123456;Müller;Jürgen;${q}a@test.tux;${q}a@localhost`,
      `${q}b;Pw-123456;Frühling;Zoë;not-an-address;${q}b@localhost`,
      `${q}c;Pw-123456;Weiß;Anna;${q}c@test.tux;${q}c@localhost`,
    ].join('\r\n');
    const file = path.join(d, 'export.csv');
    fs.writeFileSync(file, iconv.encode(`${text}\r\n`, 'windows-1252'));
    const out = await importFile(file, { dryRun: true });
    const bytes = fs.readFileSync(path.join(out.reportDir, 'rejected.csv'));
    expect(bytes.includes(Buffer.from('Frühling', 'utf8'))).toBe(false);
    const back = iconv.decode(bytes, 'windows-1252');
    expect(back).toBe(`username;password;surname;givenname;mail;colocrouteaddr;oxprov_line\r\n${q}b;;Frühling;Zoë;not-an-address;${q}b@localhost;3\r\n`);
    // HR fixes the address and the password, and imports the file again: the report points at line 3 of the export.
    const fixed = path.join(d, 'fixed.csv');
    fs.writeFileSync(fixed, iconv.encode(back.replace('not-an-address', `${q}b@test.tux`).replace(`${q}b;;`, `${q}b;Pw-123456;`), 'windows-1252'));
    const again = await importFile(fixed, { dryRun: true });
    expect(again.report.map((r) => [r.line, r.status, r.username])).toEqual([['3', 'valid', `${q}b`]]);
  });
});
