/**
 * oxprov's own records of its runs and their ledgers (migrations/002_runs.sql),
 * in PostgreSQL so that every process, machine and door sees the same runs. The
 * SQL lives in src/provision/sql/sql-run-store.ts.
 */

export type RunKind = 'import' | 'sync';
export type RunMode = 'run' | 'dry-run' | 'plan';
export type RunState = 'running' | 'stopped' | 'done' | 'failed' | 'interrupted' | 'blocked';

/** One run, as recorded. */
export interface RunRow {
  readonly id: string;
  readonly kind: RunKind;
  readonly mode: RunMode;
  /** `cli`, `page`, `daemon`, `worker`. */
  readonly door: string;
  readonly startedBy: string;
  readonly source: Readonly<Record<string, unknown>>;
  readonly options: Readonly<Record<string, unknown>>;
  readonly state: RunState;
  readonly counters: Readonly<Record<string, number>>;
  readonly reportDir?: string;
  readonly sealKey?: string;
  readonly host?: string;
  readonly pid?: number;
  readonly message?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
}

/** One row of a ledger: a row of the source or a planned change, and what became of it. */
export interface LedgerRow {
  /** `L<line>` or `K<key>`. */
  readonly item: string;
  readonly line?: number;
  readonly key?: string;
  readonly username?: string;
  readonly action?: string;
  /** `started`, then the outcome: `created`, `updated`, `exists`, `failed`, `rejected`, `valid`, `unchanged`, `disabled`, … */
  readonly status: string;
  readonly steps?: Readonly<Record<string, string>>;
  readonly errorCode?: string;
  readonly field?: string;
  readonly value?: string;
  readonly message?: string;
  readonly notes?: string;
  /** A generated password, sealed to the run's key (see src/ledger/seal.ts). */
  readonly sealedPassword?: string;
  /** A sync's planned change: what its apply needs (src/sync/plan-payload.ts), kept until it has an outcome. */
  readonly plan?: unknown;
}

/** What oxprov last wrote for a user (migrations/004_user_state.sql). */
export interface UserState {
  readonly username: string;
  /** The fingerprint of the desired state applied: the mapped row, the mapping, the config, the options. */
  readonly fingerprint: string;
  /** Each back-end's outcome then. */
  readonly steps: Readonly<Record<string, string>>;
  readonly runId?: string;
  /** A sync's person: the feed, the key (lower-cased) and the fingerprint of the row last applied (migrations/006_user_state_keys.sql). */
  readonly feed?: string;
  readonly key?: string;
  readonly rowPrint?: string;
}

/** What a new run is recorded with. */
export type NewRun = Pick<RunRow, 'id' | 'kind' | 'mode' | 'door' | 'startedBy' | 'source' | 'options' | 'reportDir' | 'sealKey'>;

/** A run's lock: held while its process runs it; a process that dies gives it back. */
export interface RunLock {
  release(): Promise<void>;
}

/** A worker's part of a run, from the ledger: its rows, its batches and their pace. */
export interface WorkerStats {
  readonly name: string;
  readonly rows: number;
  readonly batches: number;
  /** Rows a second, from the start of its first batch to the end of its last (undefined: not known, or too short to tell). */
  readonly rowsPerSecond?: number;
}

export interface RunStore {
  /** Records a new run, `running`, held by this process (see {@link RunLock}). */
  create(run: NewRun): Promise<RunLock>;
  /** Takes over a run to continue it (`--resume`); undefined while another process holds it. */
  claim(id: string): Promise<RunLock | undefined>;
  /** The run's state, counters and message (e.g. at its end). */
  update(id: string, change: { state?: RunState; counters?: Readonly<Record<string, number>>; message?: string; finished?: boolean }): Promise<void>;
  /**
   * Writes these ledger rows in one statement: new rows are added, known ones updated.
   * A sealed password once written is kept (a later row without one does not clear it).
   */
  write(runId: string, rows: readonly LedgerRow[]): Promise<void>;
  get(id: string): Promise<RunRow | undefined>;
  /** The run whose report folder this is. */
  byReportDir(dir: string): Promise<RunRow | undefined>;
  /** The latest runs, newest first; a `running` run whose process is gone is shown `interrupted`. */
  list(limit: number): Promise<RunRow[]>;
  /** How many ledger rows of a run have each status. */
  statusCounts(runId: string): Promise<Record<string, number>>;
  /** What each worker did for a run (`oxprov worker`, named in the notes of the rows it did), by name. */
  workers(runId: string): Promise<WorkerStats[]>;
  /** Every ledger row of a run, in the order of the source (rows without a line last), a page at a time. */
  ledger(runId: string, pageSize?: number): AsyncIterable<readonly LedgerRow[]>;
  /** The planned rows of a run with these actions (status `planned`), in source order, a page at a time. */
  planned(runId: string, actions: readonly string[], pageSize?: number): AsyncIterable<readonly LedgerRow[]>;
  /**
   * Forgets the changes a run planned and never sent (a resumed sync plans again); how many. A planned
   * row that holds a password generated when it was sent before (a run resumed twice) is kept, `started`.
   */
  dropPlanned(runId: string): Promise<number>;
  /** How many runs of this kind were recorded before (the turn of a run in the rotation of what is verified). */
  countRuns(kind: RunKind): Promise<number>;
  /** How many users oxprov remembers a state of, counted up to `atMost` (a count that stops there). */
  countStates(atMost: number): Promise<number>;
  /** What oxprov last wrote for these users, in one read: name → state. */
  userStates(usernames: readonly string[]): Promise<Map<string, UserState>>;
  /** Records what was written for these users, in one statement (the last state of a name wins). */
  rememberStates(states: readonly UserState[]): Promise<void>;
  /** What oxprov last wrote for a feed's people, by key (lower-cased): a key may name more than one user. */
  userStatesByKey(feed: string, keys: readonly string[]): Promise<Map<string, UserState[]>>;
  /** Forgets what oxprov wrote for these users: they are about to be written, or have left. */
  forgetStates(usernames: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
