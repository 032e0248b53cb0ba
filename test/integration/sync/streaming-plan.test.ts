import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSync } from '../../../src/run/sync-run.js';
import { openServices, type Services } from '../../../src/service/open-services.js';
import { ldapBindAs, sqlQuery } from '../../helpers/clients.js';
import { sink, tmpDir } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * A sync plans its feed a part at a time (1,000 rows each) and keeps its plan in
 * the run's ledger, not in memory: what the parts decide must be what one whole
 * plan decided. Names are claimed across parts, leavers come from a paged read of
 * the feed, plan.json holds every entry, and the apply reads the plan back.
 */
const config = stackConfig();
const dir = tmpDir('stream');
let svc: Services;
beforeAll(async () => { svc = await openServices(config); });
afterAll(async () => { await svc?.close(); });

const PEOPLE = 1_250;
const HEADER = ['Personalnummer', 'Vorname', 'Nachname', 'Sprache'];

function files(tag: string) {
  const mapping = path.join(dir, `${tag}.json`);
  fs.writeFileSync(mapping, JSON.stringify({
    columns: { Personalnummer: 'employeeNumber', Vorname: 'givenname', Nachname: 'surname', Sprache: 'language' },
    derive: { username: `{givenname|ascii|lower}.{surname|ascii|lower}${tag}`, mail: '{username}@firma.tux', colocrouteaddr: '{username}@localhost' },
  }));
  // Everyone has a name of their own but three namesakes, one in each part of the file.
  const rows = Array.from({ length: PEOPLE }, (_, i) => [String(500_000 + i), `Vor${i}`, `Nach${i}`, 'DE']);
  for (const i of [5, 1_005, 1_205]) rows[i] = [String(500_000 + i), 'Hans', 'Müller', 'DE'];
  const write = (name: string, r: string[][]) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, `${[HEADER, ...r].map((x) => x.join(';')).join('\n')}\n`);
    return f;
  };
  return { mapping, rows, write };
}

async function sync(file: string, mapping: string, feed: string) {
  const report = path.join(dir, uniqueName('r'));
  const stdout = sink();
  const stderr = sink();
  const run = await runSync({ file, mapping, key: 'employeeNumber', feed, report, generatePasswords: true }, { stdout, stderr });
  const runId = JSON.parse(fs.readFileSync(path.join(report, 'run.json'), 'utf8')).runId as string;
  return { ...run, out: stdout.text(), err: stderr.text(), report, runId };
}

const csvRows = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));

describe('a sync planned a part at a time, its plan in the ledger', () => {
  it('namesakes in different parts get the next names, each their own mailbox; plan.json and credentials.csv hold everyone; the applied plan leaves no payload behind', async () => {
    const tag = uniqueName('st').replace(/[^a-z0-9]/g, '');
    const { mapping, rows, write } = files(tag);
    const run = await sync(write(`${tag}.csv`, rows), mapping, tag);
    expect(run.err).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.summary!.counts).toEqual({ create: PEOPLE, update: 0, disable: 0, enable: 0, unchanged: 0, rejected: 0 });
    expect(run.applied).toEqual({ created: PEOPLE });

    // The names of the three namesakes, decided in file order across the parts.
    const base = `hans.mueller${tag}`;
    const byKey = new Map(JSON.parse(fs.readFileSync(path.join(run.report, 'plan.json'), 'utf8')).entries.map((e: { key: string; username: string }) => [e.key, e.username]));
    expect(byKey.size).toBe(PEOPLE);
    expect([500_005, 501_005, 501_205].map((k) => byKey.get(String(k)))).toEqual([base, `${base}2`, `${base}3`]);
    for (const name of [base, `${base}2`, `${base}3`]) {
      const u = await svc.users.findUser(name);
      expect([u?.attributes.mail?.[0], u?.attributes.colocRouteAddr?.[0]]).toEqual([`${name}@firma.tux`, `${name}@localhost`]);
    }

    // Every generated password, and the last namesake logs in with his.
    const credentials = csvRows(path.join(run.report, 'credentials.csv'));
    expect(credentials).toHaveLength(PEOPLE);
    const third = credentials.find((c) => c[0] === `${base}3`)!;
    expect(await ldapBindAs(config, third[0], third[1])).toBe(true);

    // Every row of the ledger has its outcome; no planned change, and no payload, is left.
    const ledger = await sqlQuery<{ status: string; n: string; payloads: string }>(config,
      'SELECT status, count(*) AS n, count(plan) AS payloads FROM oxprov_runs.ledger WHERE run_id = $1 GROUP BY status', [run.runId]);
    expect(ledger.map((r) => [r.status, Number(r.n), Number(r.payloads)])).toEqual([['created', PEOPLE, 0]]);
  }, 180_000);

  it('the next month: leavers found from the feed, a refused row of a known person is not a leaver, everyone else unchanged', async () => {
    const tag = uniqueName('sn').replace(/[^a-z0-9]/g, '');
    const { mapping, rows, write } = files(tag);
    const first = await sync(write(`${tag}-1.csv`, rows), mapping, tag);
    expect(first.exitCode).toBe(0);

    // Three people leave (one of each part); one row has a language the server does not have.
    const gone = [10, 1_010, 1_240].map((i) => rows[i][0]);
    const next = rows.filter((r) => !gone.includes(r[0])).map((r) => (r[0] === '500700' ? [...r.slice(0, 3), 'XX'] : r));
    const run = await sync(write(`${tag}-2.csv`, next), mapping, tag);
    expect(run.exitCode).toBe(1);
    expect(run.summary!.counts).toEqual({ create: 0, update: 0, disable: 3, enable: 0, unchanged: PEOPLE - 4, rejected: 1 });
    const rejected = run.entries!.filter((e) => e.action === 'rejected');
    expect(rejected.map((e) => [e.key, e.errors[0].code, e.errors[0].field])).toEqual([['500700', 'MAP_INVALID_LANGUAGE', 'Sprache']]);
    expect(run.entries!.filter((e) => e.action === 'disable').map((e) => e.key).sort()).toEqual([...gone].sort());
    expect(run.applied).toMatchObject({ disabled: 3, unchanged: PEOPLE - 4, rejected: 1 });

    // The leavers are disabled; the person of the refused row keeps the access they had.
    const plan = JSON.parse(fs.readFileSync(path.join(first.report, 'plan.json'), 'utf8')).entries as { key: string; username: string }[];
    const nameOf = (key: string) => plan.find((e) => e.key === key)!.username;
    for (const key of gone) expect((await svc.users.findUser(nameOf(key)))?.attributes.mailEnabled).toEqual(['NO']);
    expect((await svc.users.findUser(nameOf('500700')))?.attributes.mailEnabled).toEqual(['OK']);
  }, 180_000);
});
