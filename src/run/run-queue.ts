import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { describeError, OxprovError } from '../errors.js';
import { QueueSeal } from '../ledger/queue-seal.js';
import type { UserInput } from '../model/user-spec.js';
import { openBatchQueue, type BatchQueue } from '../service/open-services.js';
import type { UserService } from '../service/user-service.js';
import { startLocalWorkers, type LocalWorkers } from './local-workers.js';
import { QueuedProvisioning } from './queued-batches.js';

/** Batches a run handed to workers keeps in the queue at once: enough for several workers, each a few at a time. */
export const QUEUED_IN_FLIGHT = 16;
/** Users in a batch of a sync's apply handed to workers: small enough that several workers share a page of the plan. */
export const QUEUED_BATCH = 100;

/** How a run is handed to workers: `--queue` (workers elsewhere), `--workers N` (N local ones, through the queue too). */
export interface RunQueueSettings {
  readonly queue: boolean;
  readonly workers: number;
  readonly config?: string;
  readonly reportDir: string;
  /** New users that name no mail server are spread over the servers (their batches then go to any worker). */
  readonly spread: boolean;
  /** The run continues one that was stopped or killed: what it left in the queue is withdrawn first. */
  readonly resume: boolean;
}

/** The key of a run's own local workers, in its report folder (0600) while the run is not finished: `--resume` uses it again. */
export const LOCAL_QUEUE_KEY_FILE = 'queue.key';

/**
 * The part of a run that workers do (`oxprov import|sync --workers N | --queue`),
 * the same for every kind of run: the queue's key checked, local workers started,
 * the run's batches sent through the queue (src/run/queued-batches.ts) and who did
 * how many rows counted; at the end the workers stopped and the queue closed.
 */
export class RunQueue {
  private queue?: BatchQueue;
  private workers?: LocalWorkers;
  private queued?: QueuedProvisioning;
  private readonly byWorker = new Map<string, number>();

  private constructor(private readonly settings: RunQueueSettings, private readonly secret: string) {}

  /**
   * The run's queue, or undefined when the run stays in one process. A run handed to workers elsewhere needs the
   * key they share (refused without it, before anything is written); local workers are given one of the run's own,
   * and start at once: they connect while the run opens its file and back-ends.
   */
  static prepare(settings: RunQueueSettings, config: Readonly<Config>): RunQueue | undefined {
    if (!settings.queue) return undefined;
    const secret = config.queue.key ?? (settings.workers > 0 ? localSecret(settings) : undefined);
    if (secret === undefined) {
      throw new OxprovError('CFG_MISSING', '--queue hands the batches to workers started elsewhere: they and this run need the same queue.key (queue.keyFile, or OXPROV_QUEUE_KEY_FILE)', { field: 'queue.key' });
    }
    const run = new RunQueue(settings, secret);
    if (settings.workers > 0) run.workers = startLocalWorkers(settings.workers, { config: settings.config, key: secret, log: run.log });
    return run;
  }

  private get log(): string {
    return path.join(this.settings.reportDir, 'workers.log');
  }

  /** The user service of the run's writes, its batches done by workers; names, checks, the ledger and the report stay in the run. */
  async provisioning(local: UserService, config: Readonly<Config>, runId: string, say: (text: string) => void): Promise<QueuedProvisioning> {
    this.queue = await openBatchQueue(config, `run ${runId}`);
    // A killed run's batches that no worker took: its rows are checked and sent again as this run's, not done twice.
    if (this.settings.resume) {
      const withdrawn = await this.queue.withdrawRun(runId);
      if (withdrawn) say(`withdrew ${withdrawn} batches the stopped run left in the queue: their rows are checked and sent again`);
    }
    this.queued = new QueuedProvisioning(local, {
      queue: this.queue, seal: new QueueSeal(this.secret), runId, waitMs: config.queue.waitSeconds * 1000,
      onBatch: (worker, n) => this.byWorker.set(worker, (this.byWorker.get(worker) ?? 0) + n),
      // Several mail servers: a batch goes to the workers of its users' server (a new user without one: the default, unless spread).
      ...(config.mail.servers.length > 1 ? { routeOf: (i: UserInput) => i.mailServer ?? (this.settings.spread ? undefined : config.mail.defaultServer) } : {}),
    });
    if (this.settings.workers > 0) say(`${this.settings.workers} local worker${this.settings.workers === 1 ? '' : 's'} started (their output: ${this.log})`);
    else say(`run ${runId}: its batches wait in the queue for workers (oxprov worker) with this run database and queue.key`);
    return this.queued;
  }

  /** The run is stopped: no worker takes another of its batches. */
  cancel(say: (text: string) => void): void {
    this.queued?.cancel().catch((err) => say(`the batches not yet taken could not be withdrawn (${describeError(err)}): workers may still do them; --resume reports them`));
  }

  /**
   * The users each worker did, by name (undefined when no batch came back), said as the run's word on its
   * workers: `batches done by local-1 (310 users), local-2 (290 users)`.
   */
  doneBy(say: (text: string) => void): Record<string, number> | undefined {
    const done = [...this.byWorker].sort(([a], [b]) => a.localeCompare(b));
    if (done.length === 0) return undefined;
    say(`batches done by ${done.map(([w, n]) => `${w} (${n} users)`).join(', ')}`);
    return Object.fromEntries(done);
  }

  /**
   * Local workers stopped (they finish the batch in hand), the queue closed. `finished`: the run is over
   * (not killed): the key of its local workers goes with it.
   */
  async stop(finished = true): Promise<void> {
    await this.workers?.stop();
    await this.queue?.stop();
    if (finished) fs.rmSync(path.join(this.settings.reportDir, LOCAL_QUEUE_KEY_FILE), { force: true });
  }
}

/**
 * The queue key of a run's own local workers (no queue.key in the config): made for the run and kept in its
 * report folder (0600), so that a resumed run's workers open the batches the killed run sent.
 */
function localSecret(settings: RunQueueSettings): string {
  const file = path.join(settings.reportDir, LOCAL_QUEUE_KEY_FILE);
  if (settings.resume) {
    try {
      return fs.readFileSync(file, 'utf8').trim();
    } catch { /* a run without one: a new key */ }
  }
  const secret = QueueSeal.newSecret();
  fs.mkdirSync(settings.reportDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
