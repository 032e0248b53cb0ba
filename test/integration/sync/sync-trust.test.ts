import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../../src/run/sync-run.js';
import { openServices, type Services } from '../../../src/service/open-services.js';
import { sqlQuery } from '../../helpers/clients.js';
import { sink, tmpDir, writeCsv } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * A sync remembers what it applied (oxprov_runs.user_state): a known person whose
 * row is the request the last sync applied is unchanged without asking the
 * back-ends. What changed behind oxprov's back stays until `--verify` compares
 * every user; a changed row, mapping or option is never trusted.
 */
const config = stackConfig();
const dir = tmpDir('strust');
let svc: Services;
beforeAll(async () => { svc = await openServices(config); });
afterAll(async () => { await svc?.close(); });

const HEADER = ['Personalnummer', 'username', 'Nachname', 'mail', 'colocrouteaddr'];
const person = (p: string, i: number, surname = `Trust${i}`) => [String(800_000 + i), `${p}${i}`, surname, `${p}${i}@test.tux`, `${p}${i}@localhost`];
const N = 30;

async function sync(file: string, mapping: string, feed: string, extra: Record<string, unknown> = {}) {
  const stdout = sink();
  const stderr = sink();
  const run = await runSync({ file, mapping, key: 'employeeNumber', feed, report: path.join(dir, uniqueName('r')), generatePasswords: true, verifyShare: 0, ...extra }, { stdout, stderr });
  return { ...run, out: stdout.text(), err: stderr.text() };
}

function ldapmodify(ldif: string) {
  const pwFile = path.join(dir, 'admin.pw');
  fs.writeFileSync(pwFile, config.ldap.bindPassword, { mode: 0o600 });
  const file = path.join(dir, `${uniqueName('m')}.ldif`);
  fs.writeFileSync(file, ldif);
  const r = spawnSync('ldapmodify', ['-x', '-H', config.ldap.url, '-D', config.ldap.bindDn, '-y', pwFile, '-f', file], { encoding: 'utf8', timeout: 30_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

describe('a sync trusts what it applied last', () => {
  it('trusts an unchanged feed; an attribute edited with ldapmodify stays until --verify puts it back; a changed row is planned', async () => {
    const p = uniqueName('tr').replace(/[^a-z0-9]/g, '');
    const mapping = path.join(dir, `${p}.json`);
    fs.writeFileSync(mapping, JSON.stringify({ columns: { Personalnummer: 'employeeNumber', Nachname: 'surname' } }));
    const rows = Array.from({ length: N }, (_, i) => person(p, i));
    const file = writeCsv(dir, `${p}.csv`, [HEADER, ...rows]);
    expect((await sync(file, mapping, p)).applied).toEqual({ created: N });

    // The same file again: every person trusted, none compared, nothing written.
    const again = await sync(file, mapping, p);
    expect(again.summary!.counts).toMatchObject({ unchanged: N, update: 0 });
    expect(again.summary!.trust).toEqual({ trusted: N, verified: 0 });
    expect(again.out).toContain(`(${N} trusted as the last sync left them, no back-end asked; 0 compared all the same)`);

    // Behind oxprov's back: a surname edited in the directory.
    const victim = (await svc.users.findUser(`${p}3`))!;
    ldapmodify(`dn: ${victim.dn}\nchangetype: modify\nreplace: sn\nsn: Edited\n`);
    const plain = await sync(file, mapping, p);
    expect(plain.summary!.counts).toMatchObject({ unchanged: N, update: 0 });
    expect(plain.summary!.trust!.trusted).toBe(N);
    expect((await svc.users.findUser(`${p}3`))!.attributes.sn).toEqual(['Edited']);

    // --verify compares every known person with the back-ends and puts the surname back.
    const verified = await sync(file, mapping, p, { verify: true });
    expect(verified.summary!.counts).toMatchObject({ unchanged: N - 1, update: 1 });
    expect(verified.summary!.trust).toEqual({ trusted: 0, verified: N });
    expect(verified.entries!.filter((e) => e.action === 'update').map((e) => [e.username, e.changes.find((c) => c.attribute === 'sn')])).toEqual([[`${p}3`, { attribute: 'sn', old: ['Edited'], new: ['Trust3'] }]]);
    expect((await svc.users.findUser(`${p}3`))!.attributes.sn).toEqual(['Trust3']);

    // A row that changed in the file is never trusted.
    const changed = writeCsv(dir, `${p}-2.csv`, [HEADER, ...rows.map((r, i) => (i === 7 ? person(p, i, 'Renamed') : r))]);
    const next = await sync(changed, mapping, p);
    expect(next.summary!.counts).toMatchObject({ unchanged: N - 1, update: 1 });
    expect(next.summary!.trust!.trusted).toBe(N - 1);
    expect((await svc.users.findUser(`${p}7`))!.attributes.sn).toEqual(['Renamed']);
  }, 120_000);

  it('trusts nothing across a change of the mapping or of an option; --verify-share must be a percentage', async () => {
    const p = uniqueName('tm').replace(/[^a-z0-9]/g, '');
    const mapping = path.join(dir, `${p}.json`);
    fs.writeFileSync(mapping, JSON.stringify({ columns: { Personalnummer: 'employeeNumber', Nachname: 'surname' } }));
    const file = writeCsv(dir, `${p}.csv`, [HEADER, ...Array.from({ length: N }, (_, i) => person(p, i))]);
    expect((await sync(file, mapping, p)).applied).toEqual({ created: N });
    expect((await sync(file, mapping, p)).summary!.trust).toEqual({ trusted: N, verified: 0 });

    // The same columns, written differently: a new mapping, so every person is compared again (and found equal).
    const other = path.join(dir, `${p}-b.json`);
    fs.writeFileSync(other, JSON.stringify({ columns: { Nachname: 'surname', Personalnummer: 'employeeNumber' } }, null, 2));
    const remapped = await sync(file, other, p);
    expect(remapped.summary!.counts).toMatchObject({ unchanged: N, update: 0 });
    expect(remapped.summary!.trust).toBeUndefined();
    // Another option (--empty-clears) is another request too.
    expect((await sync(file, other, p, { emptyClears: true })).summary!.trust).toBeUndefined();

    const refused = await sync(file, other, p, { verifyShare: '150' });
    expect(refused.exitCode).toBe(2);
    expect(refused.err).toContain('CFG_INVALID: --verify-share: must be a percentage from 0 to 100, got "150"');
  }, 120_000);

  it('finds what it applied by feed and key, before any entry is read; a leaver is forgotten and enabled when back; a user deleted by hand, one left unfinished and a lost groupware row are planned, not trusted', async () => {
    const p = uniqueName('tk').replace(/[^a-z0-9]/g, '');
    const mapping = path.join(dir, `${p}.json`);
    fs.writeFileSync(mapping, JSON.stringify({ columns: { Personalnummer: 'employeeNumber', Nachname: 'surname' } }));
    const rows = Array.from({ length: N }, (_, i) => person(p, i));
    const file = writeCsv(dir, `${p}.csv`, [HEADER, ...rows]);
    expect((await sync(file, mapping, p)).applied).toEqual({ created: N });
    const state = async (i: number) => (await sqlQuery<{ feed: string; feed_key: string; row_print: string | null }>(config,
      'SELECT feed, feed_key, row_print FROM oxprov_runs.user_state WHERE username = $1', [`${p}${i}`]))[0];
    // Remembered with the person's feed and key, and the fingerprint of the row itself.
    expect(await state(4)).toMatchObject({ feed: p, feed_key: String(800_004), row_print: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect((await sync(file, mapping, p)).summary!.trust).toEqual({ trusted: N, verified: 0 });

    // A leaver: disabled, and what was applied for them forgotten; back in the file, enabled (never trusted as they were).
    const without = writeCsv(dir, `${p}-gone.csv`, [HEADER, ...rows.filter((_, i) => i !== 5)]);
    const left = await sync(without, mapping, p, { maxDisable: 1 });
    expect(left.summary!.counts).toMatchObject({ disable: 1, unchanged: N - 1 });
    expect(await state(5)).toBeUndefined();
    const back = await sync(file, mapping, p);
    expect(back.summary!.counts).toMatchObject({ enable: 1, unchanged: N - 1 });
    expect(back.summary!.trust!.trusted).toBe(N - 1);
    expect(await state(5)).toMatchObject({ feed: p, feed_key: String(800_005) });
    expect((await sync(file, mapping, p)).summary!.trust).toEqual({ trusted: N, verified: 0 });

    // Behind oxprov's back: an entry deleted, another marked unfinished, a third user's groupware row deleted.
    ldapmodify(`dn: ${(await svc.users.findUser(`${p}9`))!.dn}\nchangetype: delete\n`);
    ldapmodify(`dn: ${(await svc.users.findUser(`${p}11`))!.dn}\nchangetype: modify\nadd: oxprovPending\noxprovPending: 2026-01-02\n`);
    // The one-row read a trusted part is checked with: whole until a row is lost, or a folder.
    const names = Array.from({ length: N }, (_, i) => `${p}${i}`).filter((n) => n !== `${p}9`);
    expect(await svc.users.groupwareWhole(names)).toBe(true);
    await sqlQuery(config, 'DELETE FROM users WHERE username = $1', [`${p}13`]);
    expect(await svc.users.groupwareWhole(names)).toBe(false);
    expect(await svc.users.groupwareWhole(names.filter((n) => n !== `${p}13`))).toBe(true);
    const plan = await sync(file, mapping, p, { planOnly: true });
    expect(plan.summary!.counts).toMatchObject({ create: 1, update: 2, unchanged: N - 3 });
    expect(plan.summary!.trust!.trusted).toBe(N - 3);
    const entry = (i: number) => plan.entries!.find((e) => e.line === i + 2)!;
    expect(entry(9)).toMatchObject({ action: 'create', username: `${p}9` });
    expect(entry(11)).toMatchObject({ action: 'update', username: `${p}11`, repair: ['left unfinished by the run of 2026-01-02'] });
    expect(entry(13)).toMatchObject({ action: 'update', username: `${p}13`, repair: ['no groupware row'] });
    // One default folder lost: that user is not whole, the others are.
    await sqlQuery(config, 'DELETE FROM folders WHERE id = (SELECT min(f.id) FROM folders f JOIN users u ON u.id = f.owner_id WHERE u.username = $1 AND f.is_default)', [`${p}14`]);
    expect(await svc.users.groupwareWhole([`${p}14`])).toBe(false);
    expect(await svc.users.groupwareWhole([`${p}15`, `${p}16`])).toBe(true);
  }, 120_000);
});
