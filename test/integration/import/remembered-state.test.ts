import { describe, expect, it } from 'vitest';
import { ldapBindAs, sqlQuery, withLdapAdmin } from '../../helpers/clients.js';
import { importFile, tmpDir, writeCsv } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * oxprov remembers what it wrote (oxprov_runs.user_state): the same file again is
 * trusted, row by row, without asking a back-end; what changed behind oxprov's back
 * is found by --verify; a user gone from the directory, a change of the settings and
 * a changed row are never trusted. `verifyShare: 0` keeps the share checked in turn
 * out of these counts (it is tested on its own below).
 */
const config = stackConfig();
const dir = tmpDir('trust');
const HEADER = ['username', 'password', 'surname', 'mail', 'colocrouteaddr', 'language'];
const people = (p: string, n: number, surname = 'Trust') => Array.from({ length: n }, (_, i) => [`${p}${i}`, `Pw-${i}-trust-ok`, surname, `${p}${i}@test.tux`, `${p}${i}@localhost`, 'DE']);
const sqlRows = async (username: string) => Number((await sqlQuery<{ n: string }>(config, 'SELECT count(*) AS n FROM users WHERE username = $1', [username]))[0].n);

describe('what oxprov remembers it wrote', () => {
  it('the same file again is trusted without asking a back-end; a SQL row deleted behind oxprov\'s back stays trusted until --verify puts it right', async () => {
    const p = uniqueName('tr');
    const file = writeCsv(dir, `${p}.csv`, [HEADER, ...people(p, 5)]);
    const first = await importFile(file, { verifyShare: 0 });
    expect(first.summary!.rows).toMatchObject({ created: 5, exists: 0 });
    expect(first.summary!.trust).toEqual({ trusted: 0, verified: 0 });

    const again = await importFile(file, { verifyShare: 0 });
    expect(again.exitCode).toBe(0);
    expect(again.summary!.rows).toMatchObject({ created: 0, exists: 5, failed: 0 });
    expect(again.summary!.trust).toEqual({ trusted: 5, verified: 0 });
    // No back-end was asked: no step is counted, and every row says so.
    expect(again.summary!.backends.ldap).toMatchObject({ exists: 0, created: 0 });
    expect(again.report.every((r) => r.status === 'exists' && r.ldap === '' && /trusted, no back-end asked/.test(r.notes))).toBe(true);
    expect(again.stdout).toMatch(/trusted +5 +\(of the existing: unchanged since an earlier run, no back-end asked; 0 checked all the same\)/);

    // Behind oxprov's back: one user's groupware row is deleted.
    const victim = `${p}3`;
    await sqlQuery(config, 'DELETE FROM users WHERE username = $1', [victim]);
    const trusting = await importFile(file, { verifyShare: 0 });
    expect(trusting.summary!.trust).toEqual({ trusted: 5, verified: 0 });
    expect(await sqlRows(victim)).toBe(0);

    const verified = await importFile(file, { verify: true });
    expect(verified.summary!.trust).toEqual({ trusted: 0, verified: 5 });
    expect(verified.report.find((r) => r.username === victim)).toMatchObject({ sql: 'created', ldap: 'exists' });
    expect(await sqlRows(victim)).toBe(1);
    expect(verified.report.filter((r) => r.username !== victim).every((r) => r.status === 'exists' && r.ldap === 'exists')).toBe(true);
    // And trusted again afterwards.
    expect((await importFile(file, { verifyShare: 0 })).summary!.trust).toEqual({ trusted: 5, verified: 0 });
  }, 60_000);

  it('never trusts a user gone from the directory, a changed row, or a run with other settings; a dry run trusts as the run does', async () => {
    const p = uniqueName('tn');
    const file = writeCsv(dir, `${p}.csv`, [HEADER, ...people(p, 4)]);
    expect((await importFile(file, { verifyShare: 0 })).summary!.rows).toMatchObject({ created: 4 });

    // Deleted from the directory (as deluser would): made again, whatever oxprov remembers.
    const gone = `${p}1`;
    await withLdapAdmin(config, (c) => c.del(`uid=${gone},${config.ldap.peopleDn}`));
    const back = await importFile(file, { verifyShare: 0 });
    expect(back.summary!.trust).toEqual({ trusted: 3, verified: 0 });
    expect(back.report.find((r) => r.username === gone)).toMatchObject({ ldap: 'created' });
    expect(await ldapBindAs(config, gone, 'Pw-1-trust-ok')).toBe(true);

    // A changed row (another surname) is checked; the others are still trusted.
    const changed = writeCsv(dir, `${p}-changed.csv`, [HEADER, ...people(p, 4).map((r, i) => (i === 2 ? [...r.slice(0, 2), 'Renamed', ...r.slice(3)] : r))]);
    expect((await importFile(changed, { verifyShare: 0 })).summary!.trust).toEqual({ trusted: 3, verified: 0 });

    // Other settings (here --create-groups) make every fingerprint new: nothing is trusted across them.
    expect((await importFile(file, { verifyShare: 0, createGroups: true })).summary!.trust).toEqual({ trusted: 0, verified: 0 });
    expect((await importFile(file, { verifyShare: 0, createGroups: true })).summary!.trust).toEqual({ trusted: 4, verified: 0 });

    // A dry run reads the same memory: it asks no back-end for the trusted rows either.
    const dry = await importFile(file, { verifyShare: 0, createGroups: true, dryRun: true });
    expect(dry.summary!.rows).toMatchObject({ exists: 4, valid: 0 });
    expect(dry.summary!.trust).toEqual({ trusted: 4, verified: 0 });
  }, 60_000);

  it('checks a share of the known users in every run, in turn: at 100% every one, at 50% some of them', async () => {
    const p = uniqueName('tv');
    const file = writeCsv(dir, `${p}.csv`, [HEADER, ...people(p, 40)]);
    await importFile(file, { verifyShare: 0 });
    expect((await importFile(file, { verifyShare: 100 })).summary!.trust).toEqual({ trusted: 0, verified: 40 });
    const half = (await importFile(file, { verifyShare: 50 })).summary!.trust!;
    expect(half.trusted + half.verified).toBe(40);
    expect(half.verified).toBeGreaterThan(0);
    expect(half.trusted).toBeGreaterThan(0);
  }, 60_000);

  it('forgets what it remembered for a user it writes again: an update that fails half-way is not trusted when the row goes back to what was remembered', async () => {
    const p = uniqueName('tf');
    const header = ['username', 'surname', 'mail', 'colocrouteaddr', 'language'];
    const rows = (surname: string) => Array.from({ length: 3 }, (_, i) => [`${p}${i}`, surname, `${p}${i}@test.tux`, `${p}${i}@localhost`, 'DE']);
    const file = writeCsv(dir, `${p}.csv`, [header, ...rows('Before')]);
    const options = { verifyShare: 0, onExisting: 'update', generatePasswords: true } as const;
    expect((await importFile(file, options)).summary!.rows).toMatchObject({ created: 3 });
    expect((await importFile(file, options)).summary!.trust).toEqual({ trusted: 3, verified: 0 });
    const surname = async (u: string) => withLdapAdmin(config, async (c) => String((await c.search(`uid=${u},${config.ldap.peopleDn}`, { scope: 'base', attributes: ['sn'] })).searchEntries[0].sn));

    // The database refuses the groupware part of the change (a trigger): the directory is changed, the row fails.
    const fn = `oxprov_test_refuse_${p.replace(/[^a-z0-9]/g, '')}`;
    await sqlQuery(config, `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by test'; END $$`);
    await sqlQuery(config, `CREATE TRIGGER ${fn} BEFORE UPDATE ON users FOR EACH ROW WHEN (NEW.username = '${p}1') EXECUTE FUNCTION ${fn}()`);
    try {
      const renamed = writeCsv(dir, `${p}-renamed.csv`, [header, ...rows('After')]);
      const half = await importFile(renamed, options);
      expect(half.report.find((r) => r.username === `${p}1`)).toMatchObject({ status: 'failed', ldap: 'updated' });
    } finally {
      await sqlQuery(config, `DROP TRIGGER ${fn} ON users`);
      await sqlQuery(config, `DROP FUNCTION ${fn}()`);
    }
    expect(await surname(`${p}1`)).toBe('After');
    const remembered = await sqlQuery<{ username: string }>(config, 'SELECT username FROM oxprov_runs.user_state WHERE username = ANY($1::text[])', [[`${p}0`, `${p}1`, `${p}2`]]);
    expect(remembered.map((r) => r.username).includes(`${p}1`)).toBe(false);

    // The first file again: the half-changed user is checked and put back, never trusted as remembered before.
    const back = await importFile(file, options);
    expect(back.report.find((r) => r.username === `${p}1`)).toMatchObject({ status: 'updated' });
    expect(await surname(`${p}1`)).toBe('Before');
  }, 60_000);
  it('a large dry run reads the directory once only when oxprov remembers few of its users; a user gone from the directory is never trusted either way', async () => {
    const p = uniqueName('td');
    const file = writeCsv(dir, `${p}.csv`, [HEADER, ...people(p, 4)]);
    expect((await importFile(file, { verifyShare: 0 })).summary!.rows).toMatchObject({ created: 4 });
    const gone = `${p}2`;
    await withLdapAdmin(config, (c) => c.del(`uid=${gone},${config.ldap.peopleDn}`));
    // The shared test directory may hold many users: the bound is lifted so that a snapshot is taken when one is due.
    const large = (estimatedRows: number) => ({ estimatedRows, snapshotMinRows: 1, snapshotMaxUsers: 10_000_000 });

    // A file oxprov remembers most of (it remembers at least half as many users as the file is taken to hold): searched part by part.
    const known = await importFile(file, { verifyShare: 0, dryRun: true }, large(8));
    expect(known.stderr).not.toMatch(/read the directory's/);
    // A file of many more rows than oxprov remembers users: the directory is read once, and it answers which users are still there.
    const unknown = await importFile(file, { verifyShare: 0, dryRun: true }, large(1_000_000_000));
    expect(unknown.stderr).toMatch(/read the directory's \d+ users once for the checks/);
    // --verify trusts no one: the directory is read once however much oxprov remembers.
    const verified = await importFile(file, { verify: true, dryRun: true }, large(8));
    expect(verified.stderr).toMatch(/read the directory's \d+ users once for the checks/);

    for (const [run, trusted] of [[known, 3], [unknown, 3], [verified, 0]] as const) {
      expect(run.summary!.trust).toMatchObject({ trusted });
      expect(run.summary!.rows).toMatchObject({ exists: 3, valid: 1 });
      expect(run.report.find((r) => r.username === gone)).toMatchObject({ status: 'valid' });
    }
  }, 60_000);
});
