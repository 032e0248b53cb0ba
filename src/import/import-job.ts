import pLimit, { type LimitFunction } from 'p-limit';
import { OxprovError, type ErrorCode } from '../errors.js';
import type { LedgerRow } from '../ledger/run-recorder.js';
import { trustNote } from '../ledger/user-trust.js';
import type { MapResult, PreparedRow, RowMapper } from '../mapping/row-mapper.js';
import { claimRows } from '../service/claim-rows.js';
import type { NameLookupCache } from '../service/name-lookup-cache.js';
import type { Backend } from '../model/backends.js';
import type { OnExisting } from '../model/outcomes.js';
import type { UserInput } from '../model/user-spec.js';
import type { UserLookupView } from '../service/directory-snapshot.js';
import type { ProvisionOptions, UserResult } from '../service/user-service.js';
import { InOrder } from './in-order.js';
import { ImportCounters, type BackendCounts, type RowCounts } from './import-counters.js';
import { generatePassword } from '../service/generate-password.js';
import type { LedgerOutcome, LedgerState } from '../ledger/run-recorder.js';
import type { RowOutcome } from './row-outcome.js';
import { isRowError, type RowSource, type SourceRecord, type SourceRowError } from './source.js';

/** What the job needs of the user service; the real one, or one over fake back-ends in unit tests. */
export interface UserProvisioning {
  /** A look-up of the names rows ask for, through `view` or the directory (see src/service/claim-rows.ts). */
  nameLookup(view?: UserLookupView): NameLookupCache;
  check(inputs: readonly UserInput[], options: ProvisionOptions): Promise<UserResult[]>;
  provision(inputs: readonly UserInput[], options: ProvisionOptions): Promise<UserResult[]>;
  hasPassword(username: string, password: string): Promise<boolean>;
}

/**
 * Where the job records what it does, so that a killed run can be resumed: the
 * run's ledger (src/ledger/run-recorder.ts). The rows of a batch, with the passwords
 * generated for them, are recorded before the batch is sent; the outcomes after.
 */
export interface ImportJournal {
  started(rows: readonly { item: string; line: number; username: string; password?: string }[]): Promise<void>;
  done(o: LedgerOutcome): void;
  /** Waits until every outcome so far is recorded. */
  flush(): Promise<void>;
}

/**
 * What oxprov remembers it wrote (src/ledger/user-trust.ts): a request equal to
 * the one last applied, for a user still there, is trusted as unchanged and sent
 * to no back-end; what a batch wrote is remembered.
 */
export interface ImportTrust {
  check(inputs: readonly UserInput[]): Promise<{ trusted: ReadonlyMap<string, { readonly runId?: string; readonly steps: Readonly<Record<string, string>> }>; verified: ReadonlySet<string>; known: ReadonlySet<string> }>;
  remember(written: readonly { input: UserInput; steps: Readonly<Record<string, string>> }[]): Promise<void>;
  /** Forgets what was remembered for users about to be written: until a write completes, none is trusted. */
  forget(usernames: readonly string[]): Promise<void>;
}

/** A row's item in the ledger. */
export const itemOf = (line: number): string => `L${line}`;

export interface ImportJobOptions {
  readonly dryRun: boolean;
  /** Users per call to the service (one SQL transaction, one directory look-up round). */
  readonly batchSize: number;
  readonly onExisting: OnExisting;
  readonly only: readonly Backend[];
  readonly generatePasswords: boolean;
  readonly createGroups: boolean;
  /** New users that name no mail server are spread over the servers by their number of users. */
  readonly spread?: boolean;
  /** Rows to provision (`--retry-failed`); every row is still mapped so derived names and duplicates come out the same. */
  readonly includeLine?: (line: number) => boolean;
  /** Batches at the service at once: keeps every back-end busy while bounding memory. Default 3. */
  readonly batchesInFlight?: number;
  /** The size of the input in bytes, for the estimate of its rows; unknown: no estimate until the end. */
  readonly inputBytes?: number;
  /** In place (`--in-place`): the column holding the DN of the entry each row fits. */
  readonly inPlaceColumn?: string;
  /** Answers the directory look-ups of a dry run from memory (a snapshot of the directory). */
  readonly view?: UserLookupView;
  readonly journal?: ImportJournal;
  /** Trust what an earlier run wrote (see {@link ImportTrust}); undefined: every row is checked in every back-end. */
  readonly trust?: ImportTrust;
  /** The ledger of a run that stopped: its done rows are reported as they were, its started rows finished. */
  readonly resume?: LedgerState;
  /** Stop the run after this many failed rows (`--max-failures`). */
  readonly maxFailures?: number;
  /**
   * Backpressure from whoever consumes the outcomes (the report files): undefined
   * while it can take more, else a promise to wait for before reading further.
   */
  readonly backpressure?: () => Promise<void> | undefined;
}

/** The job's state at any moment, for a progress display, a web page, a worker. */
export interface ImportSnapshot {
  readonly state: 'idle' | 'running' | 'cancelling' | 'done';
  /** Rows read from the source so far. */
  readonly rowsRead: number;
  /** Rows with an outcome (reported). */
  readonly rowsDone: number;
  /** The rows of the whole input: estimated from the bytes read per row while reading, exact once the source has ended. */
  readonly rowsTotal?: number;
  readonly totalIsExact: boolean;
  readonly rows: RowCounts;
  readonly backends: BackendCounts;
  readonly errors: Readonly<Record<string, number>>;
  /** With trust: rows trusted as unchanged (no back-end asked), and known rows checked all the same. */
  readonly trust?: { readonly trusted: number; readonly verified: number };
  readonly elapsedMs: number;
  /** Cancelled before the end of the input (by the caller, or stopped: see `stopped`). */
  readonly cancelled: boolean;
  /** Why the job stopped on its own before the end of the input. */
  readonly stopped?: JobStop;
}

/**
 * A job stops on its own when a back-end stayed unreachable for longer than the
 * service waits (a circuit breaker: no point in failing every remaining row), or
 * after `maxFailures` failed rows.
 */
export interface JobStop {
  readonly reason: 'unreachable' | 'max-failures';
  readonly backend?: Backend;
  readonly code: string;
  readonly message: string;
}

type RowListener = (o: RowOutcome) => void;

/** Outcomes waiting for earlier rows before they are emitted (file order), at most this many. */
const MAX_HELD = 10_000;
/** Rows read but not yet decided (rejected ones between the valid rows of a batch), at most this many before they are decided. */
const MAX_UNDECIDED = 2_000;
/**
 * With trust, rows are decided and checked against what oxprov remembers this many at once (one
 * read of the states, one search of the directory), whatever the batch size: the second run of a
 * file is mostly trusted rows, and a batch of 200 was five reads where one does. What is not
 * trusted still goes to the back-ends in batches of the batch size.
 */
const TRUST_PART = 1_000;

interface Pending { line: number; raw: string; record: Readonly<Record<string, string>>; input: UserInput; notes: string[] }

/** A row read, waiting for its names to be decided with the rows around it. */
type Undecided =
  | { readonly kind: 'error'; readonly slot: number; readonly row: SourceRowError }
  | { readonly kind: 'row'; readonly slot?: number; readonly row: SourceRecord; readonly prepared: PreparedRow; readonly replay?: Omit<RowOutcome, 'raw' | 'record'> };

const PASSWORD_NOTE = 'password generated; must be changed at first login';

/**
 * The import as a job: reads rows from a source, maps them, hands them to the
 * user service in batches, and emits one outcome per row, in the order of the
 * input, as soon as that row and every row before it are done. No process,
 * no streams of its own: the CLI, the tests, the daemon's page and a worker drive
 * it alike and subscribe to its rows.
 *
 * Backpressure: the source is not read further while `batchesInFlight`
 * batches are at the service, or while the consumer says so, so memory stays
 * flat whatever the input size. `cancel()` stops reading: the batches at the
 * service are finished and their rows reported; rows not yet sent are not.
 */
export class ImportJob {
  private readonly listeners: RowListener[] = [];
  private readonly counters = new ImportCounters();
  private state: ImportSnapshot['state'] = 'idle';
  private cancelled = false;
  private stopped?: JobStop;
  private failures = 0;
  private readonly trustCounts = { trusted: 0, verified: 0 };
  /** Outcomes taken from the journal of the run being resumed: reported again, not journaled again. */
  private readonly replayed = new WeakSet<RowOutcome>();
  private rowsRead = 0;
  private bytesRead = 0;
  private sourceEnded = false;
  /** Rows read to the end but left unsent by a cancel: the run was cancelled all the same. */
  private unsent = false;
  private t0 = 0;
  private finishedMs = 0;
  private running?: Promise<ImportSnapshot>;
  /** Outcomes in input order: rows finish out of order, the report lists them as the file does. */
  private readonly order = new InOrder<RowOutcome>((o) => {
    this.counters.record(o);
    for (const l of this.listeners) l(o);
  });

  constructor(
    private readonly source: RowSource,
    private readonly mapper: RowMapper,
    private readonly users: UserProvisioning,
    private readonly options: ImportJobOptions,
  ) {}

  /** Calls `listener` with every row's outcome, in input order. */
  onRow(listener: RowListener): this {
    this.listeners.push(listener);
    return this;
  }

  /** Starts the job (once); resolves with the final snapshot when every row read has been reported. */
  run(): Promise<ImportSnapshot> {
    this.running ??= this.execute();
    return this.running;
  }

  /** Stops reading; the batches in flight are finished and reported. Safe at any time, and twice. */
  cancel(): void {
    if (this.state === 'done') return;
    this.cancelled = true;
    if (this.state === 'running') this.state = 'cancelling';
    this.order.wake();
  }

  snapshot(): ImportSnapshot {
    const c = this.counters.copy();
    const avg = this.rowsRead > 0 ? this.bytesRead / this.rowsRead : 0;
    const size = this.options.inputBytes;
    const rowsTotal = this.sourceEnded ? this.rowsRead
      : size !== undefined && avg > 0 ? Math.max(this.rowsRead, Math.round(this.rowsRead + Math.max(0, size - this.bytesRead) / avg)) : undefined;
    return {
      state: this.state, rowsRead: this.rowsRead, rowsDone: c.rows.read, rowsTotal, totalIsExact: this.sourceEnded,
      rows: c.rows, backends: c.backends, errors: c.errors, ...(this.options.trust ? { trust: { ...this.trustCounts } } : {}),
      elapsedMs: this.state === 'done' ? this.finishedMs : this.t0 ? performance.now() - this.t0 : 0,
      cancelled: this.cancelled && (!this.sourceEnded || this.unsent),
      stopped: this.stopped,
    };
  }

  private async execute(): Promise<ImportSnapshot> {
    this.state = this.cancelled ? 'cancelling' : 'running';
    this.t0 = performance.now();
    const inFlight = new Set<Promise<void>>();
    const maxInFlight = this.options.batchesInFlight ?? 3;
    // With trust, parts are in flight; their batches share the service, as many at once as batches were.
    const sending = pLimit(maxInFlight);
    const include = this.options.includeLine ?? (() => true);
    let undecided: Undecided[] = [];
    let valid = 0;
    const partSize = this.options.trust ? Math.max(this.options.batchSize, TRUST_PART) : this.options.batchSize;

    // Decides the names of the rows read so far, in file order, and sends the valid ones to the service.
    const flush = async () => {
      if (undecided.length === 0) return;
      const rows = undecided;
      undecided = [];
      valid = 0;
      const decided = await this.decide(rows);
      // With trust, a part is checked at once and what is not trusted is sent a batch at a time; the parts overlap.
      const parts = this.options.trust ? [decided] : chunks(decided, this.options.batchSize);
      for (const part of parts) {
        while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
        const p = (this.options.trust ? this.processPart(part, sending) : this.processBatch(part)).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
    };

    try {
      for await (const row of this.source.rows) {
        if (this.cancelled) break;
        this.rowsRead++;
        this.bytesRead += Buffer.byteLength(row.raw) + 1;
        const drained = this.options.backpressure?.();
        if (drained) await drained;
        if (this.order.waiting >= MAX_HELD) {
          // The rows held back wait for earlier ones: those read but not sent go first, or nothing moves.
          await flush();
          while (this.order.waiting >= MAX_HELD && !this.cancelled) await this.order.moved();
          if (this.cancelled) break;
        }
        if (isRowError(row)) {
          if (include(row.line)) undecided.push({ kind: 'error', slot: this.order.slot(), row });
        } else {
          // Every row is decided, replayed and excluded ones too: the duplicate checks and derived names must come out the same.
          const prepared = this.mapper.prepare(row.record, row.line);
          const done = include(row.line) ? this.options.resume?.done.get(itemOf(row.line)) : undefined;
          const replay = done && outcomeOf(done);
          undecided.push({ kind: 'row', slot: include(row.line) ? this.order.slot() : undefined, row, prepared, replay });
          if (include(row.line) && !replay && prepared.first.issues.length === 0) valid++;
        }
        if (valid >= partSize || undecided.length >= MAX_UNDECIDED) await flush();
      }
      if (!this.cancelled) this.sourceEnded = true;
      if (!this.cancelled) await flush();
      else for (const u of undecided) if (u.slot !== undefined) this.order.skip(u.slot);
    } finally {
      // Whatever ended the reading (the end, an I/O error, a cancel), the batches already
      // sent to the back-ends are finished and reported before this returns.
      await Promise.allSettled(inFlight);
      await this.flushJournal();
      this.finishedMs = performance.now() - this.t0;
      this.state = 'done';
    }
    return this.snapshot();
  }

  /**
   * Decides the names of rows read (src/service/claim-rows.ts): one look-up of the
   * directory for the batch, then each row in file order. Rejected and replayed
   * rows are reported here; the valid rows are returned for the service.
   */
  private async decide(rows: readonly Undecided[]): Promise<{ slot: number; p: Pending }[]> {
    const prepared = rows.flatMap((u) => (u.kind === 'row' ? [u.prepared] : []));
    let claimed: MapResult[];
    let lookupFailed: OxprovError | undefined;
    try {
      claimed = await claimRows(this.mapper, prepared, this.users.nameLookup(this.options.view), () => ({ identity: 'import' }));
    } catch (err) {
      // The directory went away: the rows are decided on the file alone (so later rows come out the same) and fail.
      lookupFailed = err instanceof OxprovError ? err : new OxprovError('LDAP_FAILED', `looking up the rows' names failed: ${String(err)}`, { backend: 'ldap', cause: err });
      claimed = prepared.map((p) => this.mapper.claim(p) as MapResult);
    }
    const batch: { slot: number; p: Pending }[] = [];
    let k = 0;
    for (const u of rows) {
      if (u.kind === 'error') {
        this.settle(u.slot, { line: u.row.line, raw: u.row.raw, status: 'rejected', steps: {}, errors: [u.row.error], notes: [], ms: 0 });
        continue;
      }
      const m = claimed[k++];
      const { row } = u;
      if (u.slot === undefined) continue;
      if (u.replay) {
        // A user the stopped run created keeps the password it was given (sealed in the ledger): credentials.csv lists it again.
        const password = u.replay.status === 'created' ? this.options.resume?.passwords.get(itemOf(row.line)) : undefined;
        const o: RowOutcome = { ...u.replay, raw: row.raw, record: row.record, ...(m.ok ? { mail: m.spec.mail, displayName: displayName(m.spec) } : {}), ...(password ? { generatedPassword: password } : {}) };
        this.replayed.add(o);
        this.settle(u.slot, o);
        continue;
      }
      if (!m.ok) {
        this.settle(u.slot, { line: row.line, raw: row.raw, record: row.record, username: m.username, status: 'rejected', steps: {}, errors: m.errors, notes: m.notes, ms: 0 });
        continue;
      }
      if (lookupFailed) {
        this.settle(u.slot, { line: row.line, raw: row.raw, record: row.record, username: m.spec.username, status: 'failed', steps: {}, errors: [lookupFailed], notes: m.notes, ms: 0 });
        continue;
      }
      batch.push({ slot: u.slot, p: { line: row.line, raw: row.raw, record: row.record, input: requestOf({ ...m.spec, derived: m.derived }, row, this.options.inPlaceColumn), notes: m.notes } });
    }
    return batch;
  }

  /**
   * A part of the rows, with trust: checked at once against what oxprov remembers, and what is
   * not trusted sent to the service a batch at a time, through `sending` (shared by the parts in
   * flight, so that as many batches are at the service as without trust).
   */
  private async processPart(all: { slot: number; p: Pending }[], sending: LimitFunction): Promise<void> {
    const rest = await this.untrusted(all);
    await Promise.all(chunks(rest, this.options.batchSize).map((batch) => sending(async () => {
      if (!this.cancelled) return this.processBatch(batch);
      // Cancelled (or stopped) while it waited for the service: not sent, and not reported, as rows not yet read.
      this.unsent = true;
      for (const { slot } of batch) this.order.skip(slot);
    })));
    if (rest.length === 0) await this.flushJournal();
  }

  /**
   * Users whose request is the one an earlier run applied are trusted: no back-end is asked, they
   * are reported `exists`. Rows a stopped run started are always checked (their outcome was never
   * recorded). Returns the rest, to be sent to the back-ends.
   */
  private async untrusted(all: { slot: number; p: Pending }[]): Promise<{ slot: number; p: Pending }[]> {
    const o = this.options;
    if (!o.trust || all.length === 0) return all;
    let rest: { slot: number; p: Pending }[];
    try {
      const fresh = all.filter(({ p }) => !o.resume?.started.has(itemOf(p.line)));
      const { trusted, verified, known } = await o.trust.check(fresh.map(({ p }) => p.input));
      this.trustCounts.verified += verified.size;
      // What is written now was remembered with another request (or is checked all the same): forgotten first, so
      // that a write failing half-way is never trusted as the state an earlier run left.
      const started = all.filter(({ p }) => o.resume?.started.has(itemOf(p.line))).map(({ p }) => p.input.username);
      const stale = o.dryRun ? [] : [...[...known].filter((n) => !trusted.has(n)), ...started];
      if (stale.length) await o.trust.forget(stale);
      rest = all.filter(({ p }) => !trusted.has(p.input.username) || o.resume?.started.has(itemOf(p.line)));
      for (const { slot, p } of all) {
        const state = trusted.get(p.input.username);
        if (state === undefined || o.resume?.started.has(itemOf(p.line))) continue;
        this.trustCounts.trusted++;
        // No step: no back-end was asked.
        this.settle(slot, {
          line: p.line, raw: p.raw, record: p.record, username: p.input.username, status: 'exists', steps: {}, errors: [],
          notes: [...p.notes, trustNote(state).note], ms: 0,
          mail: p.input.mail, displayName: displayName(p.input),
        });
      }
    } catch {
      // What oxprov remembers could not be read: every row is checked, as without it.
      return all;
    }
    return rest;
  }

  private async processBatch(batch: readonly { slot: number; p: Pending }[]): Promise<void> {
    const t0 = performance.now();
    const o = this.options;
    // Passwords are generated before the batch and recorded (sealed) with its rows: a run killed
    // after a user was written, before its outcome was recorded, does not lose the password.
    const passwords = new Map<string, string>();
    if (o.generatePasswords && !o.dryRun && o.journal) {
      for (const { p } of batch) {
        const i = p.input;
        if (i.password === undefined && i.passwordHash === undefined && i.dn === undefined) passwords.set(i.username, o.resume?.passwords.get(itemOf(p.line)) ?? generatePassword());
      }
    }
    const call: ProvisionOptions = {
      only: o.only, onExisting: o.onExisting, createGroups: o.createGroups, spread: o.spread, view: o.view,
      generatePasswords: o.generatePasswords && (passwords.size ? (username: string) => passwords.get(username) ?? generatePassword() : true),
    };
    try {
      const inputs = batch.map((b) => b.p.input);
      if (!o.dryRun) await o.journal?.started(batch.map(({ p }) => ({ item: itemOf(p.line), line: p.line, username: p.input.username, password: passwords.get(p.input.username) })));
      const results = o.dryRun ? await this.users.check(inputs, call) : await this.users.provision(inputs, call);
      // What is now written completely is remembered for the next run (not in a dry run: nothing was).
      if (o.trust && !o.dryRun) {
        const complete = results.flatMap((r, i) => (r.status === 'created' || r.status === 'exists' || r.status === 'updated') && !Object.values(r.steps).includes('failed')
          ? [{ input: inputs[i], steps: r.steps as Readonly<Record<string, string>> }] : []);
        await o.trust.remember(complete).catch(() => {});
      }
      for (const [i, r] of results.entries()) {
        const { slot, p } = batch[i];
        const outcome: RowOutcome = {
          line: p.line, raw: p.raw, record: p.record, username: r.username, status: r.status, steps: r.steps, errors: r.errors,
          notes: [...p.notes, ...r.notes], ms: r.ms, generatedPassword: r.generatedPassword,
          mail: p.input.mail, displayName: displayName(p.input),
        };
        const item = itemOf(p.line);
        if (o.resume?.started.has(item)) outcome.notes.push('started by the run that stopped: checked and finished');
        // A user the stopped run created with a generated password, whose outcome it could not record: it is ours.
        const pending = o.resume?.started.has(item) ? o.resume.passwords.get(item) : undefined;
        if (pending !== undefined && r.steps.ldap === 'exists' && await this.users.hasPassword(r.username, pending).catch(() => false)) {
          outcome.generatedPassword = pending;
          outcome.notes.push(PASSWORD_NOTE);
        }
        this.settle(slot, outcome);
      }
    } catch (err) {
      // Not a row's fault (e.g. the directory went away during the look-up): every row of the batch failed, the run goes on.
      const e = err instanceof OxprovError ? err : new OxprovError('LDAP_FAILED', `the batch failed: ${String(err)}`, { backend: 'ldap', cause: err });
      const ms = Math.round(performance.now() - t0);
      for (const { slot, p } of batch) {
        this.settle(slot, { line: p.line, raw: p.raw, record: p.record, username: p.input.username, status: 'failed', steps: {}, errors: [e], notes: p.notes, ms });
      }
    }
    await this.flushJournal();
  }

  /** The outcomes so far into the ledger; a ledger that cannot be written stops the run (its rows would be unaccounted for). */
  private async flushJournal(): Promise<void> {
    try {
      await this.options.journal?.flush();
    } catch (err) {
      if (this.stopped) return;
      const e = err instanceof OxprovError ? err : new OxprovError('SQL_FAILED', String(err), { backend: 'sql', cause: err });
      this.stopped = { reason: 'unreachable', backend: 'sql', code: e.code, message: `the run's ledger could not be written (${e.code}: ${e.message})` };
      this.cancel();
    }
  }

  /** Journals a row's outcome as soon as it is done, then lets it wait for earlier rows. */
  private settle(slot: number, outcome: RowOutcome): void {
    // Journaled before it waits for earlier rows: a kill loses no finished row.
    if (!this.replayed.has(outcome) && !this.options.dryRun) {
      this.options.journal?.done({ item: itemOf(outcome.line), line: outcome.line, username: outcome.username, status: outcome.status, steps: outcome.steps, errors: outcome.errors, notes: outcome.notes });
    }
    // The breaker looks at rows as they finish, not in file order: the first back-end found down is named.
    if (outcome.status === 'failed' && !this.replayed.has(outcome)) this.onFailure(outcome);
    this.order.fill(slot, outcome);
  }

  private onFailure(o: RowOutcome): void {
    this.failures++;
    if (this.stopped) return;
    const down = o.errors.find((e) => e.unreachable);
    if (down) {
      this.stopped = { reason: 'unreachable', backend: down.backend, code: down.code, message: `the ${down.backend ?? 'back-end'} server could not be reached (${down.code}: ${down.message})` };
    } else if (this.options.maxFailures !== undefined && this.failures >= this.options.maxFailures) {
      this.stopped = { reason: 'max-failures', code: o.errors[0]?.code ?? 'failed', message: `${this.failures} rows failed (--max-failures ${this.options.maxFailures})` };
    }
    if (this.stopped) this.cancel();
  }
}


/** A list in slices of `size`. */
function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let k = 0; k < list.length; k += size) out.push(list.slice(k, k + size));
  return out;
}

/** "Stephan Martin": the name a letter is addressed to. */
function displayName(input: UserInput): string | undefined {
  const name = [input.givenname, input.surname].filter(Boolean).join(' ');
  return name === '' ? undefined : name;
}

/** The request of a row: in place it names its entry; from another directory it may carry the person's password hash. */
function requestOf(spec: UserInput, row: { record: Readonly<Record<string, string>>; passwordHash?: string }, inPlaceColumn: string | undefined): UserInput {
  if (inPlaceColumn !== undefined) return { ...spec, dn: row.record[inPlaceColumn] };
  if (row.passwordHash !== undefined && spec.password === undefined) return { ...spec, passwordHash: row.passwordHash };
  return spec;
}

/** A row a stopped run finished, as its ledger recorded it: reported again as it was. */
function outcomeOf(r: LedgerRow): Omit<RowOutcome, 'raw' | 'record'> {
  const codes = r.errorCode ? r.errorCode.split('|') as ErrorCode[] : [];
  const fields = r.field?.split('|') ?? [];
  const messages = r.message?.split(' | ') ?? [];
  return {
    line: r.line ?? 0, username: r.username, status: r.status as RowOutcome['status'], steps: (r.steps ?? {}) as RowOutcome['steps'],
    errors: codes.map((code, i) => OxprovError.rowProblem(code, messages[i] ?? messages[0] ?? code, { line: r.line, field: fields[i] })),
    notes: r.notes ? r.notes.split(' | ') : [], ms: 0,
  };
}
