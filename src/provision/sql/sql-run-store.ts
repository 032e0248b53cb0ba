import os from 'node:os';
import pg from 'pg';
import type { Config } from '../../config/config.js';
import { OxprovError } from '../../errors.js';
import type { LedgerRow, NewRun, RunKind, RunLock, RunRow, RunState, RunStore, UserState, WorkerStats } from '../run-store.js';
import { sqlError } from './sql-errors.js';
import { sqlTls } from './sql-tls.js';
import { SqlRunner } from './sql-runner.js';
import { unnestColumns, type UnnestColumn } from './unnest-columns.js';

/** The ledger's columns, in one table: the unnest list, the casts and the arrays come from it. */
const LEDGER_COLUMNS: readonly UnnestColumn<LedgerRow>[] = [
  { name: 'item', type: 'text', value: (r) => r.item },
  { name: 'line', type: 'int', value: (r) => r.line ?? null },
  { name: 'key', type: 'text', value: (r) => r.key ?? null },
  { name: 'username', type: 'text', value: (r) => r.username ?? null },
  { name: 'action', type: 'text', value: (r) => r.action ?? null },
  { name: 'status', type: 'text', value: (r) => r.status },
  { name: 'steps', type: 'text', value: (r) => (r.steps === undefined ? null : JSON.stringify(r.steps)) },
  { name: 'error_code', type: 'text', value: (r) => r.errorCode ?? null },
  { name: 'field', type: 'text', value: (r) => r.field ?? null },
  { name: 'value', type: 'text', value: (r) => r.value ?? null },
  { name: 'message', type: 'text', value: (r) => r.message ?? null },
  { name: 'notes', type: 'text', value: (r) => r.notes ?? null },
  { name: 'sealed_password', type: 'text', value: (r) => r.sealedPassword ?? null },
  { name: 'plan', type: 'text', value: (r) => (r.plan === undefined ? null : JSON.stringify(r.plan)) },
];

/** Rows written per statement: well under the 65,535 parameters of a bind message (14 arrays, any length each). */
const WRITE_CHUNK = 5000;

interface LedgerRecordRow {
  item: string; line: number | null; key: string | null; username: string | null; action: string | null; status: string; steps: Record<string, string> | null;
  error_code: string | null; field: string | null; value: string | null; message: string | null; notes: string | null; sealed_password: string | null; plan: unknown;
}

const toLedgerRow = (x: LedgerRecordRow): LedgerRow => ({
  item: x.item, line: x.line ?? undefined, key: x.key ?? undefined, username: x.username ?? undefined, action: x.action ?? undefined, status: x.status,
  steps: x.steps ?? undefined, errorCode: x.error_code ?? undefined, field: x.field ?? undefined, value: x.value ?? undefined, message: x.message ?? undefined,
  notes: x.notes ?? undefined, sealedPassword: x.sealed_password ?? undefined, plan: x.plan ?? undefined,
});

interface RunRecordRow {
  id: string; kind: RunRow['kind']; mode: RunRow['mode']; door: string; started_by: string; source: Record<string, unknown>; options: Record<string, unknown>;
  state: RunState; counters: Record<string, number>; report_dir: string | null; seal_key: string | null; host: string | null; pid: number | null; message: string | null;
  created_at: Date; updated_at: Date; finished_at: Date | null;
}

/**
 * The runs and their ledgers in PostgreSQL (schema `oxprov_runs`, migrations/002_runs.sql).
 * A run is held by its process with an advisory lock on a connection of its own: a
 * process that dies (kill -9, a machine gone) gives it back, and the run then shows
 * as `interrupted`, ready to be resumed by any process.
 */
export class SqlRunStore implements RunStore {
  private closed = false;
  private readonly held = new Set<pg.Client>();

  private constructor(private readonly pool: pg.Pool, private readonly db: SqlRunner, private readonly config: Readonly<Config>) {}

  /** Connects to the run database (`runs.url`, default the groupware database) and checks that its tables exist. */
  static async open(config: Readonly<Config>): Promise<SqlRunStore> {
    const pool = new pg.Pool({ connectionString: config.runs.url, max: 2, connectionTimeoutMillis: 10_000, query_timeout: config.sql.timeoutMs, ...sqlTls(config) });
    pool.on('error', () => {});
    const store = new SqlRunStore(pool, new SqlRunner(pool), config);
    try {
      const r = await pool.query<{ t: string | null }>("SELECT to_regclass('oxprov_runs.ledger')::text AS t");
      if (r.rows[0]?.t == null) {
        throw new OxprovError('SQL_MIGRATION', 'the run ledger\'s tables (schema oxprov_runs) are missing: apply migrations/002_runs.sql (`oxprov stack up` does on the local stack)', { backend: 'sql' });
      }
    } catch (err) {
      await pool.end().catch(() => {});
      if (err instanceof OxprovError) throw err;
      const e = sqlError(err, 'connecting to the run database');
      throw e.code === 'SQL_CONNECT' ? e : new OxprovError('SQL_CONNECT', e.message, { backend: 'sql', unreachable: true, cause: err });
    }
    return store;
  }

  async create(run: NewRun): Promise<RunLock> {
    const lock = await this.lock(run.id);
    if (!lock) throw new OxprovError('SQL_FAILED', `run ${run.id} is held by another process`, { backend: 'sql' });
    try {
      await this.db.query(
        `INSERT INTO oxprov_runs.runs (id, kind, mode, door, started_by, source, options, state, report_dir, seal_key, host, pid)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, 'running', $8, $9, $10, $11)`,
        [run.id, run.kind, run.mode, run.door, run.startedBy, JSON.stringify(run.source), JSON.stringify(run.options), run.reportDir ?? null, run.sealKey ?? null, os.hostname(), process.pid],
        `recording run ${run.id}`);
    } catch (err) {
      await lock.release();
      throw err;
    }
    return lock;
  }

  async claim(id: string): Promise<RunLock | undefined> {
    const lock = await this.lock(id);
    if (!lock) return undefined;
    await this.db.query("UPDATE oxprov_runs.runs SET state = 'running', host = $2, pid = $3, finished_at = NULL, updated_at = now() WHERE id = $1", [id, os.hostname(), process.pid], `taking over run ${id}`);
    return lock;
  }

  async update(id: string, change: { state?: RunState; counters?: Readonly<Record<string, number>>; message?: string; finished?: boolean }): Promise<void> {
    await this.db.query(
      `UPDATE oxprov_runs.runs SET state = coalesce($2, state), counters = coalesce($3::jsonb, counters), message = coalesce($4, message),
         finished_at = CASE WHEN $5 THEN now() ELSE finished_at END, updated_at = now() WHERE id = $1`,
      [id, change.state ?? null, change.counters ? JSON.stringify(change.counters) : null, change.message ?? null, change.finished ?? false], `updating run ${id}`);
  }

  async write(runId: string, rows: readonly LedgerRow[]): Promise<void> {
    // One statement may change a row once: the last write of an item wins.
    const last = new Map<string, LedgerRow>();
    for (const r of rows) last.set(r.item, r);
    const unique = last.size === rows.length ? rows : [...last.values()];
    for (let i = 0; i < unique.length; i += WRITE_CHUNK) {
      const part = unique.slice(i, i + WRITE_CHUNK);
      const { names, from, params } = unnestColumns(LEDGER_COLUMNS, part);
      const n = params.length;
      const select = names.map((c) => (c === 'steps' || c === 'plan' ? `t.${c}::jsonb` : `t.${c}`)).join(', ');
      await this.db.query(
        `INSERT INTO oxprov_runs.ledger (run_id, ${names.join(', ')})
         SELECT $${n + 1}, ${select} FROM ${from}
         ON CONFLICT (run_id, item) DO UPDATE SET
           line = coalesce(excluded.line, ledger.line), key = coalesce(excluded.key, ledger.key),
           username = coalesce(excluded.username, ledger.username), action = coalesce(excluded.action, ledger.action),
           status = excluded.status, steps = excluded.steps, error_code = excluded.error_code, field = excluded.field,
           value = excluded.value, message = excluded.message, notes = excluded.notes,
           sealed_password = coalesce(excluded.sealed_password, ledger.sealed_password),
           -- A planned change keeps its plan until it has an outcome (sent: started), then it goes.
           plan = CASE WHEN excluded.status IN ('planned', 'started') THEN coalesce(excluded.plan, ledger.plan) END, updated_at = now()`,
        [...params, runId], `writing the ledger of run ${runId}`);
    }
  }

  async get(id: string): Promise<RunRow | undefined> {
    const r = await this.db.query<RunRecordRow>('SELECT * FROM oxprov_runs.runs WHERE id = $1', [id], `reading run ${id}`);
    return r.rows[0] ? await this.alive(toRun(r.rows[0])) : undefined;
  }

  async byReportDir(dir: string): Promise<RunRow | undefined> {
    const r = await this.db.query<RunRecordRow>('SELECT * FROM oxprov_runs.runs WHERE report_dir = $1 ORDER BY created_at DESC LIMIT 1', [dir], `finding the run of ${dir}`);
    return r.rows[0] ? await this.alive(toRun(r.rows[0])) : undefined;
  }

  async list(limit: number): Promise<RunRow[]> {
    const r = await this.db.query<RunRecordRow>('SELECT * FROM oxprov_runs.runs ORDER BY created_at DESC LIMIT $1', [limit], 'listing runs');
    return Promise.all(r.rows.map((row) => this.alive(toRun(row))));
  }

  async countRuns(kind: RunKind): Promise<number> {
    const r = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM oxprov_runs.runs WHERE kind = $1', [kind], 'counting runs');
    return Number(r.rows[0].n);
  }

  async countStates(atMost: number): Promise<number> {
    const r = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM (SELECT 1 FROM oxprov_runs.user_state LIMIT $1) s', [Math.max(0, Math.floor(atMost))], 'counting what oxprov remembers');
    return Number(r.rows[0].n);
  }

  async userStates(usernames: readonly string[]): Promise<Map<string, UserState>> {
    const out = new Map<string, UserState>();
    if (usernames.length === 0) return out;
    const r = await this.db.query<StateRow>(`SELECT ${STATE_COLUMNS} FROM oxprov_runs.user_state WHERE username = ANY($1::text[])`, [[...usernames]], 'reading what oxprov last wrote');
    for (const row of r.rows) out.set(row.username, toState(row));
    return out;
  }

  async userStatesByKey(feed: string, keys: readonly string[]): Promise<Map<string, UserState[]>> {
    const out = new Map<string, UserState[]>();
    if (keys.length === 0) return out;
    const r = await this.db.query<StateRow>(`SELECT ${STATE_COLUMNS} FROM oxprov_runs.user_state WHERE feed = $1 AND feed_key = ANY($2::text[])`,
      [feed, keys.map((k) => k.toLowerCase())], `reading what oxprov last wrote for feed ${feed}`);
    for (const row of r.rows) {
      const state = toState(row);
      const list = out.get(row.feed_key!);
      if (list) list.push(state);
      else out.set(row.feed_key!, [state]);
    }
    return out;
  }

  async rememberStates(states: readonly UserState[]): Promise<void> {
    if (states.length === 0) return;
    const last = new Map(states.map((s) => [s.username, s]));
    const rows = [...last.values()];
    // A user written by a run without a feed (an import) loses its feed's row print: the next sync reads it again.
    await this.db.query(
      `INSERT INTO oxprov_runs.user_state (username, fingerprint, steps, run_id, feed, feed_key, row_print)
       SELECT t.username, t.fingerprint, t.steps::jsonb, t.run_id, t.feed, t.feed_key, t.row_print
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS t(username, fingerprint, steps, run_id, feed, feed_key, row_print)
       ON CONFLICT (username) DO UPDATE SET fingerprint = excluded.fingerprint, steps = excluded.steps, run_id = excluded.run_id,
         feed = excluded.feed, feed_key = excluded.feed_key, row_print = excluded.row_print, applied_at = now()`,
      [rows.map((s) => s.username), rows.map((s) => s.fingerprint), rows.map((s) => JSON.stringify(s.steps)), rows.map((s) => s.runId ?? null),
        rows.map((s) => s.feed ?? null), rows.map((s) => s.key?.toLowerCase() ?? null), rows.map((s) => s.rowPrint ?? null)], 'recording what oxprov wrote');
  }

  async forgetStates(usernames: readonly string[]): Promise<void> {
    if (usernames.length === 0) return;
    await this.db.query('DELETE FROM oxprov_runs.user_state WHERE username = ANY($1::text[])', [[...usernames]], 'forgetting what oxprov wrote');
  }

  async statusCounts(runId: string): Promise<Record<string, number>> {
    const r = await this.db.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM oxprov_runs.ledger WHERE run_id = $1 GROUP BY status ORDER BY status', [runId], `counting the ledger of run ${runId}`);
    return Object.fromEntries(r.rows.map((x) => [x.status, Number(x.n)]));
  }

  async workers(runId: string): Promise<WorkerStats[]> {
    // Each row a worker did carries its notes `worker w1` and `batch 83ab4aa9 in 267 ms` (src/run/queued-batches.ts), notes joined
    // with ' | '; a batch's start is its outcome's time less its duration.
    const r = await this.db.query<{ worker: string; rows: string; batches: string; seconds: number | null }>(
      `WITH w AS (
         SELECT substring(notes from '(?:^|\\| )worker ([A-Za-z0-9][A-Za-z0-9._-]*)(?: \\||$)') AS worker,
                substring(notes from '(?:^|\\| )batch ([0-9a-f]{8}) in [0-9]+ ms(?: \\||$)') AS batch,
                substring(notes from '(?:^|\\| )batch [0-9a-f]{8} in ([0-9]{1,9}) ms(?: \\||$)')::bigint AS ms, updated_at
         FROM oxprov_runs.ledger WHERE run_id = $1 AND notes LIKE '%worker %')
       SELECT worker, count(*) AS rows, count(DISTINCT batch) AS batches,
              extract(epoch FROM max(updated_at) - min(updated_at - ms * interval '1 millisecond'))::float8 AS seconds
       FROM w WHERE worker IS NOT NULL GROUP BY worker ORDER BY worker`,
      [runId], `reading the workers of run ${runId}`);
    return r.rows.map((x) => {
      const rows = Number(x.rows);
      const seconds = x.seconds === null ? undefined : Number(x.seconds);
      return { name: x.worker, rows, batches: Number(x.batches), ...(seconds !== undefined && seconds > 0.001 ? { rowsPerSecond: Math.round((rows / seconds) * 10) / 10 } : {}) };
    });
  }

  async *planned(runId: string, actions: readonly string[], pageSize = 1000): AsyncIterable<readonly LedgerRow[]> {
    // Keyset pages in source order over the partial index of planned rows; a page applied is no longer planned.
    let after: [number, string] = [-1, ''];
    for (;;) {
      const r = await this.db.query<LedgerRecordRow & { ord: number }>(
        `SELECT *, coalesce(line, 2147483647) AS ord FROM oxprov_runs.ledger
         WHERE run_id = $1 AND status = 'planned' AND action = ANY($2::text[]) AND (coalesce(line, 2147483647), item) > ($3, $4)
         ORDER BY coalesce(line, 2147483647), item LIMIT $5`, [runId, [...actions], after[0], after[1], pageSize], `reading the plan of run ${runId}`);
      if (r.rows.length === 0) return;
      yield r.rows.map(toLedgerRow);
      const last = r.rows[r.rows.length - 1];
      after = [Number(last.ord), last.item];
      if (r.rows.length < pageSize) return;
    }
  }

  async dropPlanned(runId: string): Promise<number> {
    const r = await this.db.query(`DELETE FROM oxprov_runs.ledger WHERE run_id = $1 AND status = 'planned' AND sealed_password IS NULL`, [runId], `dropping the old plan of run ${runId}`);
    // A row planned again after it had been sent once keeps the password generated then: it is started, not forgotten.
    await this.db.query(`UPDATE oxprov_runs.ledger SET status = 'started', plan = NULL, updated_at = now() WHERE run_id = $1 AND status = 'planned'`, [runId], `dropping the old plan of run ${runId}`);
    return r.rowCount ?? 0;
  }

  async *ledger(runId: string, pageSize = 10_000): AsyncIterable<readonly LedgerRow[]> {
    // Keyset pages in source order: flat memory for a ledger of millions.
    let after: [number, string] = [-1, ''];
    for (;;) {
      const r = await this.db.query<LedgerRecordRow & { ord: number }>(
        `SELECT *, coalesce(line, 2147483647) AS ord FROM oxprov_runs.ledger WHERE run_id = $1 AND (coalesce(line, 2147483647), item) > ($2, $3)
         ORDER BY coalesce(line, 2147483647), item LIMIT $4`, [runId, after[0], after[1], pageSize], `reading the ledger of run ${runId}`);
      if (r.rows.length === 0) return;
      yield r.rows.map(toLedgerRow);
      const last = r.rows[r.rows.length - 1];
      after = [Number(last.ord), last.item];
      if (r.rows.length < pageSize) return;
    }
  }

  /** A run recorded `running` whose process is gone (nobody holds its lock) is `interrupted`: recorded so, and shown so. */
  private async alive(run: RunRow): Promise<RunRow> {
    if (run.state !== 'running') return run;
    const r = await this.db.query<{ free: boolean }>(
      'SELECT CASE WHEN pg_try_advisory_lock(hashtextextended($1, 0)) THEN pg_advisory_unlock(hashtextextended($1, 0)) ELSE false END AS free',
      [`oxprov:run:${run.id}`], `checking run ${run.id}`);
    if (!r.rows[0]?.free) return run;
    await this.db.query("UPDATE oxprov_runs.runs SET state = 'interrupted', updated_at = now() WHERE id = $1 AND state = 'running'", [run.id], `marking run ${run.id} interrupted`);
    return { ...run, state: 'interrupted' };
  }

  private async lock(id: string): Promise<RunLock | undefined> {
    const client = new pg.Client({ connectionString: this.config.runs.url, connectionTimeoutMillis: 10_000, query_timeout: this.config.sql.timeoutMs, ...sqlTls(this.config) });
    client.on('error', () => {});
    try {
      await client.connect();
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [`oxprov:run:${id}`]);
      if (!r.rows[0]?.ok) {
        await client.end().catch(() => {});
        return undefined;
      }
    } catch (err) {
      await client.end().catch(() => {});
      throw sqlError(err, `taking run ${id}`);
    }
    this.held.add(client);
    let released: Promise<void> | undefined;
    return { release: () => (released ??= (this.held.delete(client), client.end().catch(() => {}))) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.held].map((c) => c.end().catch(() => {})));
    await this.pool.end().catch(() => {});
  }
}

function toRun(r: RunRecordRow): RunRow {
  return {
    id: r.id, kind: r.kind, mode: r.mode, door: r.door, startedBy: r.started_by, source: r.source, options: r.options, state: r.state, counters: r.counters,
    reportDir: r.report_dir ?? undefined, sealKey: r.seal_key ?? undefined, host: r.host ?? undefined, pid: r.pid ?? undefined, message: r.message ?? undefined,
    createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(), finishedAt: r.finished_at?.toISOString(),
  };
}

const STATE_COLUMNS = 'username, fingerprint, steps, run_id, feed, feed_key, row_print';
interface StateRow { username: string; fingerprint: string; steps: Record<string, string>; run_id: string | null; feed: string | null; feed_key: string | null; row_print: string | null }

function toState(row: StateRow): UserState {
  return {
    username: row.username, fingerprint: row.fingerprint, steps: row.steps, runId: row.run_id ?? undefined,
    ...(row.feed !== null ? { feed: row.feed } : {}), ...(row.feed_key !== null ? { key: row.feed_key } : {}), ...(row.row_print !== null ? { rowPrint: row.row_print } : {}),
  };
}
