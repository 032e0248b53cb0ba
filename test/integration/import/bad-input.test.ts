import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServices, type Services } from '../../../src/service/open-services.js';
import { readCsv, tmpDir } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * Bad input of every kind, through the command line against the real stack: no
 * hang, no silent corruption; the good rows are still done.
 */
const config = stackConfig();
const dir = tmpDir('bad-input');
let svc: Services;
beforeAll(async () => { svc = await openServices(config, { only: ['ldap'] }); });
afterAll(async () => { await svc?.close(); });

const cli = (args: string[]) => spawnSync(process.execPath, ['bin/oxprov.js', ...args], { encoding: 'utf8', env: { ...process.env, OXPROV_NO_HINTS: '1' }, maxBuffer: 64 * 1024 * 1024 });
const HEADER = 'username,password,surname,mail,colocrouteaddr';

describe('bad input', () => {
  it('one valid row followed by 20,000 rejected rows: the dry run and the import end, the valid row is created, every row reported', () => {
    const ok = uniqueName('okrow');
    const rows = [HEADER, `${ok},Dupe-Pass-2026,Ok,${ok}@test.tux,${ok}@localhost`, ...Array.from({ length: 20_000 }, (_, i) => `${ok}b${i},Dupe-Pass-2026,Bad,not-an-address,${ok}b${i}@localhost`)];
    const file = path.join(dir, 'v.csv');
    fs.writeFileSync(file, `${rows.join('\n')}\n`);
    for (const dryRun of [true, false]) {
      const report = path.join(dir, uniqueName('r'));
      const r = cli(['import', file, '--report', report, '--progress', 'none', '--source_only', 'ldap', ...(dryRun ? ['--dry-run'] : [])]);
      expect(r.status).toBe(1);
      const out = readCsv(path.join(report, 'report.csv'));
      expect(out).toHaveLength(20_001);
      expect(out[0]).toMatchObject({ username: ok, status: dryRun ? 'valid' : 'created' });
      expect(new Set(out.slice(1).map((o) => o.error_code))).toEqual(new Set(['MAP_INVALID_MAIL']));
    }
  }, 120_000);

  it('40,000 rows of one user name: one user, 39,999 duplicates naming the first line', async () => {
    const name = uniqueName('solo');
    const file = path.join(dir, 'solo.csv');
    fs.writeFileSync(file, `${HEADER}\n${`${name},Dupe-Pass-2026,Solo,${name}@test.tux,${name}@localhost\n`.repeat(40_000)}`);
    const report = path.join(dir, uniqueName('r'));
    const r = cli(['import', file, '--report', report, '--progress', 'none', '--source_only', 'ldap']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/created +1\b/);
    expect(r.stdout).toMatch(/rejected +39999\b/);
    const out = readCsv(path.join(report, 'report.csv'));
    expect(out.at(-1)!.error_code.split('|')).toEqual(['MAP_DUPLICATE_USERNAME', 'MAP_DUPLICATE_MAIL']);
    expect(out.at(-1)!.message).toContain('already used on line 2');
    expect(await svc.users.findUser(name)).toBeDefined();
  }, 120_000);

  it('a Windows-1252 file with one UTF-8 row: that row is CSV_ENCODING, the others are stored right (never "MÃ¼ller")', async () => {
    const a = uniqueName('enc');
    const b = uniqueName('enc');
    const c = uniqueName('enc');
    const row = (u: string, sur: Buffer) => Buffer.concat([Buffer.from(`${u},Dupe-Pass-2026,`), sur, Buffer.from(`,${u}@test.tux,${u}@localhost\n`)]);
    const file = path.join(dir, 'mixed.csv');
    fs.writeFileSync(file, Buffer.concat([Buffer.from(`${HEADER}\n`), row(a, Buffer.from('M\xfcller', 'latin1')), row(b, Buffer.from('Müller', 'utf8')), row(c, Buffer.from('Weber'))]));
    const report = path.join(dir, uniqueName('r'));
    const r = cli(['import', file, '--report', report, '--progress', 'none', '--source_only', 'ldap']);
    expect(r.status).toBe(1);
    const out = readCsv(path.join(report, 'report.csv'));
    expect(out.map((o) => [o.line, o.status, o.error_code])).toEqual([['2', 'created', ''], ['3', 'rejected', 'CSV_ENCODING'], ['4', 'created', '']]);
    expect((await svc.users.findUser(a))!.attributes.sn).toEqual(['Müller']);
    expect(await svc.users.findUser(b)).toBeUndefined();
  }, 60_000);

  it('a quote left open on line 3 costs line 3 only: the rows after it are created and counted', async () => {
    const u = [1, 2, 3, 4].map(() => uniqueName('q'));
    const file = path.join(dir, 'quote.csv');
    fs.writeFileSync(file, [HEADER, `${u[0]},Dupe-Pass-2026,Ok,${u[0]}@test.tux,${u[0]}@localhost`, `${u[1]},Dupe-Pass-2026,"Broken,${u[1]}@test.tux,${u[1]}@localhost`,
      `${u[2]},Dupe-Pass-2026,Ok,${u[2]}@test.tux,${u[2]}@localhost`, `${u[3]},Dupe-Pass-2026,"Ok, Fine",${u[3]}@test.tux,${u[3]}@localhost`, ''].join('\n'));
    const report = path.join(dir, uniqueName('r'));
    const r = cli(['import', file, '--report', report, '--progress', 'none', '--source_only', 'ldap']);
    expect(r.stdout).toMatch(/rows read +4\b/);
    const out = readCsv(path.join(report, 'report.csv'));
    expect(out.map((o) => [o.line, o.status, o.error_code])).toEqual([['2', 'created', ''], ['3', 'rejected', 'CSV_UNCLOSED_QUOTE'], ['4', 'created', ''], ['5', 'created', '']]);
    expect((await svc.users.findUser(u[3]))!.attributes.sn).toEqual(['Ok, Fine']);
  }, 60_000);

  it('2,000 people on 80 name combinations: the import and a sync\'s plan give every one a name of their own, none rejected', async () => {
    const tag = uniqueName('c80');
    const first = ['Anna', 'Hans', 'Lukas', 'Maria', 'Thomas', 'Petra', 'Jan', 'Eva'];
    const last = ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann'];
    const rows = Array.from({ length: 2000 }, (_, i) => [String(10_000 + i), first[i % 8], last[Math.floor(i / 8) % 10]].join(';'));
    const file = path.join(dir, 'c80.csv');
    fs.writeFileSync(file, `Personalnummer;Vorname;Nachname\n${rows.join('\n')}\n`);
    const mapping = path.join(dir, 'c80.json');
    fs.writeFileSync(mapping, JSON.stringify({
      columns: { Personalnummer: 'employeeNumber', Vorname: 'givenname', Nachname: 'surname' },
      derive: { username: `{givenname|ascii|lower}.{surname|ascii|lower}.${tag}`, mail: `{username}@firma.tux` },
    }));
    const plan = cli(['sync', file, '--mapping', mapping, '--key', 'employeeNumber', '--feed', tag, '--generate-passwords', '--plan-only', '--report', path.join(dir, uniqueName('r'))]);
    expect(plan.status).toBe(0);
    expect(plan.stdout).toMatch(/create +2000\b/);
    expect(plan.stdout).toMatch(/rejected +0\b/);
    const report = path.join(dir, uniqueName('r'));
    const imported = cli(['import', file, '--mapping', mapping, '--generate-passwords', '--source_only', 'ldap', '--report', report, '--progress', 'none']);
    expect(imported.status).toBe(0);
    const names = readCsv(path.join(report, 'report.csv')).map((o) => o.username);
    expect(new Set(names).size).toBe(2000);
    expect(names.filter((n) => n.startsWith(`hans.mueller.${tag}`))).toHaveLength(25);
    expect((await svc.users.findUser(`hans.mueller.${tag}25`))!.attributes.mail).toEqual([`hans.mueller.${tag}25@firma.tux`]);
  }, 120_000);

  it('SIGTERM stops reading, finishes the batches in flight and writes the report; a second one ends at once and says what the report lacks', async () => {
    // Each run a file of new people: a run of rows an earlier run made goes through them fast (they are trusted), and
    // could end before its first progress line.
    const run = (signals: number) => new Promise<{ code: number | null; err: string; report: string }>((resolve) => {
      const p = uniqueName('sig');
      const file = path.join(dir, `${p}.csv`);
      fs.writeFileSync(file, `${HEADER}\n${Array.from({ length: 30_000 }, (_, i) => `${p}${i},Dupe-Pass-2026,Sig,${p}${i}@test.tux,${p}${i}@localhost`).join('\n')}\n`);
      const report = path.join(dir, uniqueName('r'));
      const child = spawn(process.execPath, ['bin/oxprov.js', 'import', file, '--report', report, '--progress', 'lines', '--source_only', 'ldap', '--on-existing', 'skip'], { env: { ...process.env, OXPROV_NO_HINTS: '1' } });
      let err = '';
      let sent = 0;
      child.stderr.on('data', (d) => {
        err += String(d);
        // Once rows are being written: one signal; the second once the first was taken.
        if (sent === 0 && /\d+ rows of/.test(err)) {
          child.kill('SIGTERM');
          sent++;
        }
        if (sent === 1 && signals === 2 && err.includes('interrupted: stopped reading')) {
          child.kill('SIGTERM');
          sent++;
        }
      });
      child.on('close', (code) => resolve({ code, err, report }));
    });
    const once = await run(1);
    expect(once.err).toContain('interrupted: stopped reading');
    expect(once.code).toBe(1);
    const out = readCsv(path.join(once.report, 'report.csv'));
    expect(out.length).toBeGreaterThan(0);
    expect(out.length).toBeLessThan(30_000);
    expect(out.every((o) => o.status === 'created' || o.status === 'exists')).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(once.report, 'summary.json'), 'utf8'))).toMatchObject({ interrupted: true });

    const twice = await run(2);
    expect(twice.code).toBe(130);
    expect(twice.err).toMatch(/stopped at once: the report lacks \d+ rows read but not reported \(the batches in flight\); run again with --resume /);
  }, 120_000);
});
