import crypto from 'node:crypto';
import { ERROR_CODES, OxprovError, type ErrorCode } from '../errors.js';
import type { UserProvisioning } from '../import/import-job.js';
import type { QueueSeal } from '../ledger/queue-seal.js';
import type { Backend } from '../model/backends.js';
import type { UserInput } from '../model/user-spec.js';
import { generatePassword } from '../service/generate-password.js';
import type { BatchQueue, BatchStatus } from '../service/open-services.js';
import type { ProvisionOptions, UserResult, UserService } from '../service/user-service.js';
import type { UserLookupView } from '../service/directory-snapshot.js';

/** How often a run reads the states of the batches it waits for (all of them in one read). */
const STATUS_TICK_MS = 100;

/** A batch as the queue holds it: requests without a secret in clear. */
interface BatchData {
  readonly v: 1;
  readonly runId: string;
  readonly options: { only?: readonly Backend[]; onExisting?: ProvisionOptions['onExisting']; createGroups?: boolean; spread?: boolean; matchedByKey?: boolean; generatePasswords: boolean };
  readonly items: readonly { input: WireInput; generated?: string }[];
}

/** A request with its secrets sealed (`password`, `passwordHash`) and its set of derived fields as a list. */
type WireInput = Omit<UserInput, 'password' | 'passwordHash' | 'derived'> & { sealedPassword?: string; sealedPasswordHash?: string; derived?: string[] };

interface WireError { code: string; message: string; line?: number; field?: string; value?: string; backend?: Backend; transient?: boolean; unreachable?: boolean }
type WireResult = Omit<UserResult, 'errors' | 'generatedPassword'> & { errors: WireError[]; sealedPassword?: string };

/** What a worker returns for a batch: its name, each user's result, and how long the batch took it (ms). */
interface BatchOutput { worker: string; results: WireResult[]; ms?: number }

export interface QueuedOptions {
  readonly queue: BatchQueue;
  readonly seal: QueueSeal;
  readonly runId: string;
  /** How long a batch may wait to be taken and done, in ms, before its rows fail (QUEUE_TIMEOUT). */
  readonly waitMs: number;
  /** Each batch's worker, as it finishes: for the progress and the run's record. */
  readonly onBatch?: (worker: string, rows: number) => void;
  /**
   * The route of a user's batch: the mail server the user lives on, so that a worker on that host does it
   * (`oxprov worker --mail imap2`); undefined: any worker. A batch of several servers' users is split.
   */
  readonly routeOf?: (input: UserInput) => string | undefined;
}

/**
 * The user service of a run whose batches workers do (`--queue`, `--workers N`):
 * names are decided, rows checked and recorded here, in file order, as in any run
 * (src/import/import-job.ts); `provision` hands the batch to the queue and waits for
 * its outcome. A batch's id comes from the run and its users, so a batch sent again
 * (a resumed run) is the same job: a batch done while its starter was away is not
 * done twice.
 */
export class QueuedProvisioning implements UserProvisioning {
  /** The batches sent so far: they are taken in this order. */
  private sent = 0;
  /** Batches sent that no worker has taken yet, by id, with their routes: what a stop withdraws. */
  private readonly waiting = new Map<string, string | undefined>();
  private cancelled = false;
  /** The batches waited for, by id: their states are read together, once a tick, and handed to each. */
  private asking = new Map<string, { route?: string; waiters: { resolve: (s: BatchStatus) => void; reject: (e: unknown) => void }[] }>();
  private ticking = false;

  constructor(private readonly local: UserService, private readonly options: QueuedOptions) {}

  /** A batch's state at the next tick: one read of the queue answers every batch the run waits for. */
  private nextStatus(id: string, route: string | undefined): Promise<BatchStatus> {
    return new Promise((resolve, reject) => {
      const asked = this.asking.get(id) ?? { route, waiters: [] };
      asked.waiters.push({ resolve, reject });
      this.asking.set(id, asked);
      if (!this.ticking) {
        this.ticking = true;
        setTimeout(() => void this.tick(), STATUS_TICK_MS);
      }
    });
  }

  private async tick(): Promise<void> {
    const asked = this.asking;
    this.asking = new Map();
    const { queue } = this.options;
    try {
      const batches = [...asked].map(([id, a]) => ({ id, route: a.route }));
      const states = queue.statuses ? await queue.statuses(batches) : new Map(await Promise.all(batches.map(async (b) => [b.id, await queue.status(b.id, b.route)] as const)));
      for (const [id, a] of asked) for (const w of a.waiters) w.resolve(states.get(id) ?? { state: 'missing' });
    } catch (err) {
      for (const a of asked.values()) for (const w of a.waiters) w.reject(err);
    } finally {
      if (this.asking.size) setTimeout(() => void this.tick(), STATUS_TICK_MS);
      else this.ticking = false;
    }
  }

  nameLookup(view?: UserLookupView) {
    return this.local.nameLookup(view);
  }

  check(inputs: readonly UserInput[], options: ProvisionOptions): Promise<UserResult[]> {
    return this.local.check(inputs, options);
  }

  hasPassword(username: string, password: string): Promise<boolean> {
    return this.local.hasPassword(username, password);
  }

  /**
   * The run is stopped (Ctrl-C, SIGTERM, the page's cancel): the batches no worker has taken are
   * withdrawn, so no worker takes another of this run; their rows fail with QUEUE_CANCELLED and
   * `--resume` finishes them. Batches being done are finished.
   */
  async cancel(): Promise<void> {
    this.cancelled = true;
    await this.options.queue.cancel([...this.waiting].map(([id, route]) => ({ id, route })));
  }

  async provision(inputs: readonly UserInput[], options: ProvisionOptions): Promise<UserResult[]> {
    if (this.cancelled) throw cancelledError();
    if (options.view) throw new OxprovError('CFG_INVALID', 'a run read from a snapshot of the directory cannot be handed to workers', { field: '--queue' });
    // One job per route: each mail server's users go to the workers that serve it.
    const routeOf = this.options.routeOf ?? (() => undefined);
    const groups = new Map<string | undefined, number[]>();
    inputs.forEach((input, k) => {
      const route = routeOf(input);
      const positions = groups.get(route);
      if (positions) positions.push(k);
      else groups.set(route, [k]);
    });
    const results = new Array<UserResult>(inputs.length);
    const done = await Promise.allSettled([...groups].map(async ([route, positions]) => {
      const part = await this.batch(positions.map((k) => inputs[k]), options, route);
      positions.forEach((k, j) => { results[k] = part[j]; });
    }));
    const failed = done.find((d): d is PromiseRejectedResult => d.status === 'rejected');
    if (failed) throw failed.reason;
    return results;
  }

  private async batch(inputs: readonly UserInput[], options: ProvisionOptions, route: string | undefined): Promise<UserResult[]> {
    const { seal, runId } = this.options;
    const gen = typeof options.generatePasswords === 'function' ? options.generatePasswords : undefined;
    const generated = new Map<string, string>();
    const data: BatchData = {
      v: 1, runId,
      options: { only: options.only, onExisting: options.onExisting, createGroups: options.createGroups, spread: options.spread, matchedByKey: options.matchedByKey, generatePasswords: Boolean(options.generatePasswords) },
      items: inputs.map((input) => {
        const own = input.password === undefined && input.passwordHash === undefined && input.dn === undefined;
        const password = gen && own ? gen(input.username) : undefined;
        if (password !== undefined) generated.set(input.username, password);
        return { input: toWire(input, seal), ...(password !== undefined ? { generated: seal.seal(password) } : {}) };
      }),
    };
    if (this.cancelled) throw cancelledError();
    const { queue } = this.options;
    const usernames = inputs.map((i) => i.username);
    const order = ++this.sent;
    let id = batchId(runId, usernames);
    // A batch of this id already there was sent before (a resumed run): done or going, it is waited for, not
    // done twice; withdrawn (a stopped run) or failed for good, it is sent anew under the next id.
    for (let attempt = 1; !(await queue.send(id, data, { order, route })) && attempt <= 100; attempt++) {
      const before = await queue.status(id, route);
      if (before.state !== 'cancelled' && before.state !== 'failed') break;
      id = batchId(runId, usernames, attempt);
    }
    this.waiting.set(id, route);
    try {
      // Stopped while it was being sent: withdrawn as the others were.
      if (this.cancelled) await queue.cancel([{ id, route }]).catch(() => {});
      return await this.outcome(id, route, inputs, generated);
    } finally {
      this.waiting.delete(id);
    }
  }

  /** Waits for a batch sent: its results, with what a second execution after a dead worker needs. */
  private async outcome(id: string, route: string | undefined, inputs: readonly UserInput[], generated: ReadonlyMap<string, string>): Promise<UserResult[]> {
    const { seal } = this.options;
    const deadline = Date.now() + this.options.waitMs;
    // Asked each tick, with every other batch the run waits for: a batch done is reported (and the next one sent) soon after.
    for (;;) {
      const s = await this.nextStatus(id, route);
      if (s.state === 'active' || s.state === 'done') this.waiting.delete(id);
      if (s.state === 'cancelled') throw cancelledError();
      if (s.state === 'done') {
        const out = s.output as BatchOutput;
        if (!out || !Array.isArray(out.results) || out.results.length !== inputs.length) throw new OxprovError('QUEUE_FAILED', `the batch ${id} came back without an outcome per user`);
        this.options.onBatch?.(out.worker, inputs.length);
        const results = out.results.map((r) => fromWireResult(r, seal));
        // Beside the worker's name, its batch and how long it took: `oxprov runs show` and the page count batches and rates from them.
        if (typeof out.ms === 'number' && Number.isFinite(out.ms)) for (const r of results) r.notes.push(`batch ${id.slice(0, 8)} in ${Math.max(0, Math.round(out.ms))} ms`);
        // A batch done again after its first worker died: a user that worker created has the password
        // this run generated for it (sent with the batch both times), so it is this run's: credentials.csv lists it.
        for (const r of results) {
          const password = generated.get(r.username);
          if (password === undefined || r.generatedPassword !== undefined || r.steps.ldap !== 'exists') continue;
          if (await this.local.hasPassword(r.username, password).catch(() => false)) {
            r.generatedPassword = password;
            r.notes.push('created by a worker that stopped before its batch was done: the password this run generated works, so it is listed');
          }
        }
        return results;
      }
      if (s.state === 'failed') throw new OxprovError('QUEUE_FAILED', `the workers failed the batch ${id} (after its retries): ${s.message}`);
      if (Date.now() > deadline) {
        throw new OxprovError('QUEUE_TIMEOUT', `no worker finished the batch ${id} within ${Math.round(this.options.waitMs / 1000)} s (queue.waitSeconds): is an oxprov worker running with this run database? --resume finishes the rows`, { transient: true });
      }
    }
  }
}

/**
 * A worker's work on one batch (`oxprov worker`): its secrets opened with the shared
 * key, its users provisioned through the user service as any run's are. A batch done
 * a second time (its first worker died) is idempotent: what exists is completed, never
 * doubled, and a generated password is the one the run's starter recorded.
 */
export function batchHandler(users: UserService, seal: QueueSeal, worker: string): (data: unknown) => Promise<object> {
  return async (raw) => {
    const data = raw as BatchData;
    if (!data || data.v !== 1 || !Array.isArray(data.items)) throw new OxprovError('QUEUE_FAILED', 'a batch of an unknown form (a worker of another version of oxprov?)');
    const began = performance.now();
    const passwords = new Map<string, string>();
    const inputs = data.items.map((item) => {
      const input = fromWire(item.input, seal);
      if (item.generated !== undefined) passwords.set(input.username, seal.open(item.generated));
      return input;
    });
    const o = data.options;
    const results = await users.provision(inputs, {
      only: o.only, onExisting: o.onExisting, createGroups: o.createGroups, spread: o.spread, matchedByKey: o.matchedByKey,
      generatePasswords: o.generatePasswords && (passwords.size ? (username: string) => passwords.get(username) ?? generatePassword() : true),
    });
    const output: BatchOutput = { worker, results: results.map((r) => toWireResult({ ...r, notes: [...r.notes, `worker ${worker}`] }, seal)), ms: Math.round(performance.now() - began) };
    return output;
  };
}

function cancelledError(): OxprovError {
  return new OxprovError('QUEUE_CANCELLED', 'the run was stopped before a worker took this batch: --resume finishes its rows');
}

/** A job id (a UUID, as pg-boss keeps them) derived from the run and the batch's users (and the attempt: a batch sent anew). */
export function batchId(runId: string, usernames: readonly string[], attempt = 0): string {
  const h = crypto.createHash('sha256').update(runId).update('\0').update(usernames.join('\0')).update(attempt ? `\0${attempt}` : '').digest();
  h[6] = (h[6] & 0x0f) | 0x50; // version 5 layout: name-based
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

function toWire(input: UserInput, seal: QueueSeal): WireInput {
  const { password, passwordHash, derived, ...rest } = input;
  return {
    ...rest,
    ...(password !== undefined ? { sealedPassword: seal.seal(password) } : {}),
    ...(passwordHash !== undefined ? { sealedPasswordHash: seal.seal(passwordHash) } : {}),
    ...(derived !== undefined ? { derived: [...derived] } : {}),
  };
}

function fromWire(wire: WireInput, seal: QueueSeal): UserInput {
  const { sealedPassword, sealedPasswordHash, derived, ...rest } = wire;
  return {
    ...rest,
    ...(sealedPassword !== undefined ? { password: seal.open(sealedPassword) } : {}),
    ...(sealedPasswordHash !== undefined ? { passwordHash: seal.open(sealedPasswordHash) } : {}),
    ...(derived !== undefined ? { derived: new Set(derived) } : {}),
  } as UserInput;
}

function toWireResult(r: UserResult, seal: QueueSeal): WireResult {
  const { generatedPassword, errors, ...rest } = r;
  return {
    ...rest,
    errors: errors.map((e) => ({ code: e.code, message: e.message, line: e.line, field: e.field, value: e.value, backend: e.backend, transient: e.transient, unreachable: e.unreachable })),
    ...(generatedPassword !== undefined ? { sealedPassword: seal.seal(generatedPassword) } : {}),
  };
}

function fromWireResult(r: WireResult, seal: QueueSeal): UserResult {
  const { sealedPassword, errors, ...rest } = r;
  return {
    ...rest,
    errors: errors.map((e) => new OxprovError((ERROR_CODES as readonly string[]).includes(e.code) ? e.code as ErrorCode : 'QUEUE_FAILED', e.message, {
      line: e.line ?? undefined, field: e.field ?? undefined, value: e.value ?? undefined, backend: e.backend ?? undefined, transient: e.transient, unreachable: e.unreachable,
    })),
    ...(sealedPassword !== undefined ? { generatedPassword: seal.open(sealedPassword) } : {}),
  };
}
