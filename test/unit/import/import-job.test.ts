import { describe, expect, it } from 'vitest';
import { OxprovError } from '../../../src/errors.js';
import { ImportJob, type ImportJobOptions, type ImportSnapshot } from '../../../src/import/import-job.js';
import type { RowOutcome } from '../../../src/import/row-outcome.js';
import type { RowSource, SourceRow } from '../../../src/import/source.js';
import { createRowMapper, inMemorySchema, STANDARD_ATTRIBUTES } from '../../../src/mapping/index.js';
import { fakeService, type Faults } from '../../helpers/fake-backends.js';

/** The import job driven with in-memory back-ends behind the real user service. */

const HEADER = ['username', 'password', 'surname', 'mail', 'colocrouteaddr', 'language'];

/** A source of `n` rows; `bad` lines are rows the mapper rejects; counts what was read. */
function source(n: number, options: { bad?: (i: number) => boolean; onRead?: (i: number) => void } = {}): RowSource & { read: () => number } {
  let read = 0;
  async function* rows(): AsyncGenerator<SourceRow> {
    for (let i = 0; i < n; i++) {
      read++;
      options.onRead?.(i);
      const u = `user${i}`;
      const record = { username: u, password: 'Pw-123456', surname: 'Job', mail: options.bad?.(i) ? 'not-an-address' : `${u}@test.tux`, colocrouteaddr: `${u}@localhost`, language: 'DE' };
      yield { line: i + 2, record, raw: HEADER.map((h) => record[h as keyof typeof record]).join(',') };
    }
  }
  return { header: HEADER, rows: rows(), close: async () => {}, read: () => read };
}

function mapper() {
  const m = createRowMapper({ languages: ['EN', 'DE', 'FR'], schema: inMemorySchema(STANDARD_ATTRIBUTES) });
  m.header(HEADER);
  return m;
}

const OPTIONS: ImportJobOptions = { dryRun: false, batchSize: 10, onExisting: 'skip', only: ['ldap', 'sql', 'groupware', 'imap'], generatePasswords: false, createGroups: false };

function job(src: RowSource, faults: Faults = {}, options: Partial<ImportJobOptions> = {}) {
  const fake = fakeService(faults);
  const j = new ImportJob(src, mapper(), fake.users, { ...OPTIONS, ...options });
  const rows: RowOutcome[] = [];
  j.onRow((o) => rows.push(o));
  return { j, rows, ...fake };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a job and cancels it after `ms`: its final snapshot. */
async function cancelAfter(j: ImportJob, ms: number): Promise<ImportSnapshot> {
  const run = j.run();
  await sleep(ms);
  j.cancel();
  return run;
}

/** What oxprov remembers, in memory: `check` says who is trusted (every user it trusts is known); nothing is written. */
function fakeTrust(check: NonNullable<ImportJobOptions['trust']>['check'] = async () => ({ trusted: new Map(), verified: new Set(), known: new Set() })): NonNullable<ImportJobOptions['trust']> {
  return { check, remember: async () => {}, forget: async () => {} };
}

describe('the import job', () => {
  it('provisions every row and emits one outcome per row, in input order', async () => {
    const src = source(95, { bad: (i) => i % 7 === 3 });
    const { j, rows, directory, mail } = job(src);
    const end = await j.run();
    expect(rows.map((r) => r.line)).toEqual(Array.from({ length: 95 }, (_, i) => i + 2));
    expect(rows.filter((r) => r.status === 'rejected').map((r) => r.line)).toEqual(Array.from({ length: 95 }, (_, i) => i).filter((i) => i % 7 === 3).map((i) => i + 2));
    expect(end.rows).toMatchObject({ read: 95, created: 81, rejected: 14 });
    expect(end).toMatchObject({ state: 'done', rowsRead: 95, rowsDone: 95, rowsTotal: 95, totalIsExact: true, cancelled: false });
    expect(directory.users.size).toBe(81);
    expect(mail.mailboxes.get('user0')).toEqual(['INBOX', 'Gesendete Objekte', 'Entwürfe', 'Papierkorb', 'Spam']);
  });

  it('never waits on itself: one valid row followed by 20,000 rejected rows is provisioned and every row reported', async () => {
    const src = source(20_001, { bad: (i) => i > 0 });
    const { j, rows, directory } = job(src, {}, { batchSize: 500 });
    const end = await j.run();
    expect(end.rows).toMatchObject({ read: 20_001, created: 1, rejected: 20_000 });
    expect(rows).toHaveLength(20_001);
    expect(directory.users.has('user0')).toBe(true);
  });

  it('never waits on itself: 40,000 rows of one user name are one user and 39,999 duplicates', async () => {
    let read = 0;
    const rows: RowOutcome[] = [];
    async function* same(): AsyncGenerator<SourceRow> {
      for (let i = 0; i < 40_000; i++) {
        read++;
        const record = { username: 'solo', password: 'Pw-123456', surname: 'Job', mail: 'solo@test.tux', colocrouteaddr: 'solo@localhost', language: 'DE' };
        yield { line: i + 2, record, raw: 'solo' };
      }
    }
    const fake = fakeService();
    const j = new ImportJob({ header: HEADER, rows: same(), close: async () => {} }, mapper(), fake.users, { ...OPTIONS, batchSize: 500 });
    j.onRow((o) => rows.push(o));
    const end = await j.run();
    expect(read).toBe(40_000);
    expect(end.rows).toMatchObject({ read: 40_000, created: 1, rejected: 39_999 });
    expect(new Set(rows.slice(1).map((r) => r.errors[0].code))).toEqual(new Set(['MAP_DUPLICATE_USERNAME']));
  });

  it('applies backpressure: reads no further than the batches in flight while the back-ends are slow', async () => {
    let inFlightMax = 0;
    let done = 0;
    const src = source(200, { onRead: () => { inFlightMax = Math.max(inFlightMax, src.read() - done); } });
    const { j } = job(src, { imap: async () => { await sleep(5); } }, { batchSize: 10, batchesInFlight: 2 });
    j.onRow(() => { done++; });
    await j.run();
    // Two batches at the service and the one being filled: never more than 30 rows read ahead of the report.
    expect(inFlightMax).toBeLessThanOrEqual(31);
    expect(done).toBe(200);
  });

  it('waits for the consumer of the outcomes when it says so', async () => {
    const src = source(50);
    let release!: () => void;
    let blocked = true;
    const gate = new Promise<void>((r) => { release = r; });
    const { j, rows } = job(src, {}, { backpressure: () => (blocked ? gate : undefined) });
    const run = j.run();
    await sleep(20);
    expect(src.read()).toBe(1);
    blocked = false;
    release();
    await run;
    expect(rows).toHaveLength(50);
  });

  it('cancel: stops reading, finishes and reports the batches in flight, nothing after them', async () => {
    const src = source(1000);
    const { j, rows, directory } = job(src, { imap: async () => { await sleep(10); } }, { batchSize: 10, batchesInFlight: 2 });
    const end = await cancelAfter(j, 25);
    expect(end.cancelled).toBe(true);
    expect(end.rowsRead).toBeLessThan(1000);
    // Every row that reached the directory is reported, and as done; none was half-reported.
    expect(rows.length).toBe(directory.users.size);
    expect(rows.every((r) => r.status === 'created')).toBe(true);
    expect(rows.map((r) => r.line)).toEqual(rows.map((_, i) => i + 2));
  });

  it('with trust: checks 1,000 rows at once whatever the batch size, sends the rest in batches of the batch size, as many at once as without trust', async () => {
    const checked: number[] = [];
    // Every other user is remembered as written by run r0.
    const trust = fakeTrust(async (inputs) => {
      checked.push(inputs.length);
      const trusted = new Map(inputs.filter((i) => Number(i.username.slice(4)) % 2 === 0).map((i) => [i.username, { runId: 'r0', steps: {} }]));
      return { trusted, verified: new Set(), known: new Set(trusted.keys()) };
    });
    const { j, rows, users } = job(source(2500), {}, { batchSize: 200, batchesInFlight: 2, trust });
    const sizes: number[] = [];
    let at = 0;
    let most = 0;
    const provision = users.provision.bind(users);
    users.provision = async (inputs, o) => {
      sizes.push(inputs.length);
      most = Math.max(most, ++at);
      await sleep(2);
      try { return await provision(inputs, o); } finally { at--; }
    };
    const end = await j.run();
    expect(checked).toEqual([1000, 1000, 500]);
    expect(end.trust).toEqual({ trusted: 1250, verified: 0 });
    expect(Math.max(...sizes)).toBe(200);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1250);
    expect(most).toBe(2);
    expect(rows.filter((r) => r.status === 'exists' && Object.keys(r.steps).length === 0)).toHaveLength(1250);
    expect(rows.filter((r) => r.status === 'created')).toHaveLength(1250);
    expect(rows.map((r) => r.line)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 2));
  });

  it('with trust, a cancel sends none of the batches still waiting for the service, and the run counts as cancelled', async () => {
    const { j, rows, directory } = job(source(600), { imap: async () => { await sleep(10); } }, { batchSize: 50, batchesInFlight: 2, trust: fakeTrust() });
    const end = await cancelAfter(j, 15);
    expect(end.cancelled).toBe(true);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(600);
    expect(rows.length).toBe(directory.users.size);
    expect(rows.every((r) => r.status === 'created')).toBe(true);
  });

  it('a batch whose back-end fails fails its own rows only, with that back-end\'s code, and the run goes on', async () => {
    const src = source(30);
    const refused = new OxprovError('IMAP_FAILED', 'the mail store refused the request', { backend: 'imap' });
    const { j, rows } = job(src, { imap: (names) => { if (names.includes('user12')) throw refused; } }, { batchSize: 10 });
    const end = await j.run();
    const failed = rows.filter((r) => r.status === 'failed');
    expect(failed.map((r) => r.username)).toEqual(Array.from({ length: 10 }, (_, i) => `user${10 + i}`));
    expect(failed[0].steps).toEqual({ ldap: 'created', sql: 'created', groupware: 'created', imap: 'failed' });
    expect(failed[0].errors.map((e) => e.code)).toEqual(['IMAP_FAILED']);
    expect(end.rows).toMatchObject({ created: 20, failed: 10 });
    expect(end.backends.imap).toMatchObject({ created: 20, failed: 10 });
    expect(end.stopped).toBeUndefined();
  });

  it('a back-end that stays unreachable stops the run (a circuit breaker): the batches in flight are reported, nothing new starts', async () => {
    const src = source(500);
    const down = new OxprovError('IMAP_CONNECT', 'the mail store is down', { backend: 'imap', unreachable: true, transient: true });
    const { j, rows, directory } = job(src, { imap: async (names) => { await sleep(2); if (names.some((n) => Number(n.slice(4)) >= 100)) throw down; } }, { batchSize: 10, batchesInFlight: 2 });
    const end = await j.run();
    expect(end.stopped).toMatchObject({ reason: 'unreachable', backend: 'imap', code: 'IMAP_CONNECT' });
    expect(end.cancelled).toBe(true);
    expect(end.rowsRead).toBeLessThan(150);
    expect(rows.filter((r) => r.status === 'created')).toHaveLength(100);
    // Everything written is reported: the users of the failed batches are in the directory and reported failed.
    expect(rows).toHaveLength(directory.users.size);
    expect(rows.slice(100).every((r) => r.status === 'failed' && r.steps.imap === 'failed')).toBe(true);
  });

  it('--max-failures stops the run after that many failed rows', async () => {
    const src = source(300);
    const refused = new OxprovError('SQL_FAILED', 'constraint', { backend: 'sql' });
    const { j, rows } = job(src, { sql: () => { throw refused; } }, { batchSize: 10, batchesInFlight: 1, maxFailures: 25 });
    const end = await j.run();
    expect(end.stopped).toMatchObject({ reason: 'max-failures' });
    expect(rows.length).toBeLessThan(60);
    expect(rows.length).toBeGreaterThanOrEqual(25);
  });

  it('a batch whose look-up fails (the directory went away) is reported failed, row by row', async () => {
    const src = source(20);
    const fake = fakeService();
    let calls = 0;
    const lookups = fake.directory.findUsers.bind(fake.directory);
    fake.directory.findUsers = async (names) => { if (calls++ === 1) throw new OxprovError('LDAP_CONNECT', 'gone', { backend: 'ldap', unreachable: true }); return lookups(names); };
    const j = new ImportJob(src, mapper(), fake.users, { ...OPTIONS, batchSize: 10, batchesInFlight: 1 });
    const rows: RowOutcome[] = [];
    j.onRow((o) => rows.push(o));
    await j.run();
    expect(rows.filter((r) => r.status === 'failed')).toHaveLength(10);
    expect(rows.filter((r) => r.status === 'failed').every((r) => r.errors[0].code === 'LDAP_CONNECT')).toBe(true);
  });

  it('progress: rows done against an estimate of the input\'s rows, exact once the source has ended', async () => {
    const rowBytes = Buffer.byteLength('user10,Pw-123456,Job,user10@test.tux,user10@localhost,DE') + 1;
    const src = source(100);
    const snapshots: ImportSnapshot[] = [];
    const { j } = job(src, { imap: async () => { await sleep(2); } }, { inputBytes: rowBytes * 100, batchSize: 10 });
    j.onRow(() => { snapshots.push(j.snapshot()); });
    expect(j.snapshot()).toMatchObject({ state: 'idle', rowsDone: 0 });
    const end = await j.run();
    const early = snapshots[5];
    expect(early.rowsDone).toBe(6);
    // Estimated from bytes per row read so far: close to 100, and not "done" while rows are still missing.
    expect(early.rowsTotal).toBeGreaterThan(90);
    expect(early.rowsTotal).toBeLessThan(110);
    expect(early.totalIsExact).toBe(false);
    expect(snapshots.every((s) => s.rowsDone <= (s.rowsTotal ?? Infinity))).toBe(true);
    expect(end).toMatchObject({ rowsDone: 100, rowsTotal: 100, totalIsExact: true, state: 'done' });
  });

  it('a dry run writes nothing and says what would be created', async () => {
    const src = source(12, { bad: (i) => i === 4 });
    const { j, rows, directory, mail } = job(src, {}, { dryRun: true });
    const end = await j.run();
    expect(end.rows).toMatchObject({ valid: 11, rejected: 1 });
    expect(rows[4]).toMatchObject({ status: 'rejected', username: 'user4' });
    expect(directory.writes).toBe(0);
    expect(mail.requests).toBe(0);
  });

  it('a second run of the same rows creates nothing twice', async () => {
    const fake = fakeService();
    for (const expected of ['created', 'exists']) {
      const j = new ImportJob(source(15), mapper(), fake.users, OPTIONS);
      const rows: RowOutcome[] = [];
      j.onRow((o) => rows.push(o));
      await j.run();
      expect(new Set(rows.map((r) => r.status))).toEqual(new Set([expected]));
    }
    expect(fake.directory.users.size).toBe(15);
  });
});
