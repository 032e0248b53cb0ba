import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OxprovError, type ErrorCode } from '../errors.js';
import type { LedgerRow, NewRun, RunLock, RunRow, RunState, RunStore } from '../provision/run-store.js';

export type { LedgerRow } from '../provision/run-store.js';
import { newRunKeyPair, Opener, Sealer } from './seal.js';

/** Runs a call to the run database again while it is briefly out of reach. */
export type Retry = <T>(work: () => Promise<T>) => Promise<T>;

/** The private half of a run's key pair, beside its report (0600). */
export const RUN_KEY_FILE = 'run.key';

/** Ledger rows buffered before one write (rejected rows between batches, outcomes of a batch). */
const FLUSH_AT = 1000;

/** A row's outcome as the ledger records it (a subset of an import's or a sync's outcome). */
export interface LedgerOutcome extends Pick<LedgerRow, 'item' | 'line' | 'key' | 'username' | 'action' | 'status'> {
  readonly steps?: Readonly<Record<string, string | undefined>>;
  /** A planned change's payload for its apply (a sync's plan lives in the ledger). */
  readonly plan?: unknown;
  readonly errors?: readonly { code: ErrorCode; field?: string; value?: string; message: string }[];
  readonly notes?: readonly string[];
}

/** What the ledger of a run that stopped says, for the run that continues it. */
export interface LedgerState {
  /** Rows with an outcome other than `failed` and `started`, by item. */
  readonly done: ReadonlyMap<string, LedgerRow>;
  /** Rows sent to the back-ends without a recorded outcome, or failed: to be checked and finished. */
  readonly started: ReadonlySet<string>;
  /** Generated passwords by item, opened with the run's key. */
  readonly passwords: ReadonlyMap<string, string>;
}

/**
 * One run as this process records it: its record and its ledger in PostgreSQL,
 * written per batch (the rows of a batch with their sealed passwords before the
 * batch is sent, the outcomes after), so that the ledger accounts for every row
 * touched at any moment, even after `kill -9`. Holds the run (a lock that a dead
 * process gives back). The doors (CLI, daemon, page) and the import and sync
 * cores all record through it.
 */
export class RunRecorder {
  private buffer: LedgerRow[] = [];
  private writing: Promise<void> = Promise.resolve();
  private failure?: unknown;
  /** Writes handed on and not yet done: each holds its rows. */
  private pending = 0;

  private constructor(
    private readonly store: RunStore,
    readonly id: string,
    private readonly lock: RunLock,
    private readonly sealer: Sealer | undefined,
    private readonly opener: Opener | undefined,
    /** Rides out a short outage of the run database, as the back-ends' calls do (the service's retry). */
    private readonly retry: Retry,
  ) {}

  /**
   * Records a new run. With `reportDir` and `passwords`, makes the run's key pair:
   * the public half goes with the run, the private half to `run.key` (0600) in the
   * report folder, the only place it is kept.
   */
  static async start(store: RunStore, run: Omit<NewRun, 'id' | 'sealKey'> & { readonly passwords?: boolean }, options: { retry?: Retry; now?: Date } = {}): Promise<RunRecorder> {
    const now = options.now ?? new Date();
    const id = `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${crypto.randomBytes(3).toString('hex')}`;
    let keys: ReturnType<typeof newRunKeyPair> | undefined;
    if (run.passwords && run.reportDir) {
      keys = newRunKeyPair();
      fs.mkdirSync(run.reportDir, { recursive: true, mode: 0o700 });
      fs.writeFileSync(path.join(run.reportDir, RUN_KEY_FILE), keys.privateKeyPem, { mode: 0o600 });
    }
    const { passwords: _p, ...record } = run;
    const lock = await store.create({ ...record, id, sealKey: keys?.publicKey });
    return new RunRecorder(store, id, lock, keys ? new Sealer(keys.publicKey) : undefined, keys ? new Opener(keys.privateKeyPem) : undefined, options.retry ?? ((w) => w()));
  }

  /** Takes over a run that stopped, to continue it. @throws CFG_INVALID when another process runs it. */
  static async resume(store: RunStore, run: RunRow, options: { retry?: Retry } = {}): Promise<RunRecorder> {
    const lock = await store.claim(run.id);
    if (!lock) throw new OxprovError('CFG_INVALID', `run ${run.id} is still running in another process (${run.host ?? '?'} pid ${run.pid ?? '?'}): it cannot be resumed twice`, { field: '--resume' });
    let opener: Opener | undefined;
    const keyFile = run.reportDir ? path.join(run.reportDir, RUN_KEY_FILE) : undefined;
    if (run.sealKey && keyFile && fs.existsSync(keyFile)) opener = new Opener(fs.readFileSync(keyFile, 'utf8'));
    return new RunRecorder(store, run.id, lock, run.sealKey ? new Sealer(run.sealKey) : undefined, opener, options.retry ?? ((w) => w()));
  }

  /** The rows of a batch, before it is sent, with the passwords generated for them (sealed): written at once. */
  async started(rows: readonly { item: string; line?: number; key?: string; username?: string; action?: string; password?: string }[]): Promise<void> {
    await this.flush();
    if (rows.some((r) => r.password !== undefined) && !this.sealer) throw new OxprovError('CFG_INVALID', `run ${this.id} has no key to seal its passwords with`);
    const sealed = rows.map((r) => ({
      item: r.item, line: r.line, key: r.key, username: r.username, action: r.action, status: 'started',
      ...(r.password !== undefined ? { sealedPassword: this.sealer!.seal(r.password) } : {}),
    }));
    await this.retry(() => this.store.write(this.id, sealed));
  }

  /** An outcome, written with the next ones (see {@link flush}). */
  done(o: LedgerOutcome): void {
    const e = o.errors ?? [];
    const steps = o.steps ? Object.fromEntries(Object.entries(o.steps).filter((kv): kv is [string, string] => kv[1] !== undefined)) : undefined;
    this.buffer.push({
      item: o.item, line: o.line, key: o.key, username: o.username, action: o.action, status: o.status, steps,
      errorCode: e.length ? e.map((x) => x.code).join('|') : undefined, field: e.map((x) => x.field).filter(Boolean).join('|') || undefined,
      value: e.map((x) => x.value).filter((v) => v !== undefined).join('|') || undefined, message: e.length ? e.map((x) => x.message).join(' | ') : undefined,
      notes: o.notes?.length ? o.notes.join(' | ') : undefined, plan: o.plan,
    });
    if (this.buffer.length >= FLUSH_AT) void this.flush().catch(() => {});
  }

  /**
   * Backpressure: waits while more than one write is behind (each holds a thousand rows, a sync's with
   * their plans); a run that makes rows faster than the database takes them then keeps pace with it.
   * @throws the write's error (the database went away).
   */
  async keepUp(): Promise<void> {
    if (this.pending > 1) await this.flush();
  }

  /** Waits until every outcome so far is written. @throws the write's error (the database went away). */
  async flush(): Promise<void> {
    if (this.buffer.length) {
      const rows = this.buffer;
      this.buffer = [];
      this.pending++;
      this.writing = this.writing.then(() => this.retry(() => this.store.write(this.id, rows))).catch((err) => { this.failure ??= err; }).finally(() => { this.pending--; });
    }
    await this.writing;
    if (this.failure !== undefined) throw this.failure;
  }

  /** What the ledger says of the run so far, passwords opened with the run's key (none without it). */
  async state(): Promise<LedgerState> {
    await this.flush();
    const done = new Map<string, LedgerRow>();
    const started = new Set<string>();
    const passwords = new Map<string, string>();
    for await (const page of this.store.ledger(this.id)) {
      for (const r of page) {
        if (r.status === 'started' || r.status === 'failed') started.add(r.item);
        else done.set(r.item, r);
        const pw = r.sealedPassword !== undefined ? this.opener?.open(r.sealedPassword) : undefined;
        if (pw !== undefined) passwords.set(r.item, pw);
      }
    }
    return { done, started, passwords };
  }

  /** Every ledger row, in source order, a page at a time (exports). */
  rows(): AsyncIterable<readonly LedgerRow[]> {
    return this.store.ledger(this.id);
  }

  /** Seals a secret to the run's key (a row's own password kept in a planned change). @throws CFG_INVALID without a key. */
  seal(secret: string): string {
    if (!this.sealer) throw new OxprovError('CFG_INVALID', `run ${this.id} has no key to seal its secrets with`);
    return this.sealer.seal(secret);
  }

  /** The planned rows of the run with these actions, a page at a time (a sync's apply reads its plan back). */
  planned(actions: readonly string[]): AsyncIterable<readonly LedgerRow[]> {
    return this.store.planned(this.id, actions);
  }

  /** Forgets what the run planned and never sent: a resumed sync plans again against what is there now. */
  async dropPlanned(): Promise<number> {
    await this.flush();
    return this.retry(() => this.store.dropPlanned(this.id));
  }

  /** How many ledger rows have each status. */
  statusCounts(): Promise<Record<string, number>> {
    return this.retry(() => this.store.statusCounts(this.id));
  }

  /** Opens a sealed password of this run (undefined without the run's key). */
  open(sealed: string | undefined): string | undefined {
    return sealed === undefined ? undefined : this.opener?.open(sealed);
  }

  /** Records the run's end (or its progress: counters alone) and, with a final state, gives the run up. */
  async finish(state: RunState, counters: Readonly<Record<string, number>>, message?: string): Promise<void> {
    await this.flush().catch(() => {});
    try {
      await this.retry(() => this.store.update(this.id, { state, counters, message, finished: state !== 'running' }));
    } finally {
      if (state !== 'running') await this.lock.release();
    }
  }

  /** Gives the run up without recording an end (the process stops at once): it shows as interrupted. */
  async abandon(): Promise<void> {
    await this.lock.release();
  }
}

/** Who starts a run from this process: the login of its user. */
export function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}
