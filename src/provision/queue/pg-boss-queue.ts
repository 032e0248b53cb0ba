import { setTimeout as sleep } from 'node:timers/promises';
import PgBoss from 'pg-boss';
import type { Config } from '../../config/config.js';
import { describeError, OxprovError } from '../../errors.js';
import type { BatchQueue, BatchStatus } from '../batch-queue.js';
import { sqlTls } from '../sql/sql-tls.js';

/** The queue of batches without a route; pg-boss keeps its tables in a schema of its own. */
export const BATCH_QUEUE = 'oxprov-batches';

/** The queue of a route: the batches of one mail server's users. */
function queueOf(route: string | undefined): string {
  return route === undefined ? BATCH_QUEUE : `${BATCH_QUEUE}-${route}`;
}
const SCHEMA = 'oxprov_queue';

/**
 * The batch queue on pg-boss 10 (PostgreSQL only: jobs taken with SKIP LOCKED, ids
 * that make a second send a no-op, expiry and retry), in the run database. Every
 * instance supervises: the one whose turn it is moves batches of dead workers back
 * to the queue.
 */
export class PgBossQueue implements BatchQueue {
  /** Queues known to exist. */
  private readonly queues = new Set<string>([BATCH_QUEUE]);

  private constructor(private readonly boss: PgBoss, private readonly config: Readonly<Config>) {}

  static async open(config: Readonly<Config>, options: { name?: string } = {}): Promise<PgBossQueue> {
    const { expireSeconds, retryLimit } = config.queue;
    const tls = sqlTls(config);
    const make = () => {
      const boss = new PgBoss({
        connectionString: config.runs.url, schema: SCHEMA, max: 4, application_name: `oxprov ${options.name ?? 'run'}`.slice(0, 63),
        ...(tls.ssl === undefined ? {} : { ssl: tls.ssl }),
        supervise: true, schedule: false, migrate: true,
        // A dead worker's batch is found within a fraction of the expiry.
        maintenanceIntervalSeconds: Math.max(1, Math.min(30, Math.floor(expireSeconds / 4))),
        expireInSeconds: expireSeconds, retryLimit, retryDelay: 1,
      });
      // An error of its own loop (a connection lost) is retried by pg-boss; a run learns of it through its deadlines.
      boss.on('error', () => {});
      return boss;
    };
    let boss = make();
    try {
      // pg-boss creates and migrates its schema at the first start: processes that start at once may
      // deadlock there. A failed start cannot be started again: a new instance is.
      for (let attempt = 1; ; attempt++) {
        try {
          await boss.start();
          break;
        } catch (err) {
          await boss.stop({ graceful: false, wait: false }).catch(() => {});
          if (attempt >= 5 || !/deadlock|duplicate key|already exists/i.test(describeError(err))) throw err;
          await sleep(100 + Math.random() * 200 * attempt);
          boss = make();
        }
      }
      await ensureQueue(boss, BATCH_QUEUE, config);
    } catch (err) {
      await boss.stop({ graceful: false, wait: false }).catch(() => {});
      throw new OxprovError('QUEUE_FAILED', `cannot open the batch queue (pg-boss, schema ${SCHEMA}) in the run database: ${describeError(err)}`, { backend: 'sql', cause: err });
    }
    return new PgBossQueue(boss, config);
  }

  /** Creates a route's queue the first time it is used. */
  private async queue(route: string | undefined): Promise<string> {
    const name = queueOf(route);
    if (!this.queues.has(name)) {
      await ensureQueue(this.boss, name, this.config);
      this.queues.add(name);
    }
    return name;
  }

  async send(id: string, data: object, options: { order?: number; route?: string } = {}): Promise<boolean> {
    const { expireSeconds, retryLimit } = this.config.queue;
    try {
      const queue = await this.queue(options.route);
      // An id already there (the same batch sent again) is not inserted twice.
      // pg-boss takes the highest priority first, then the oldest (by id among jobs of one moment).
      const priority = options.order === undefined ? 0 : -Math.min(options.order, 2 ** 31 - 1);
      // pg-boss answers null when the id is there already.
      return (await this.boss.send(queue, data, { id, priority, expireInSeconds: expireSeconds, retryLimit, retryDelay: 1 })) !== null;
    } catch (err) {
      throw new OxprovError('QUEUE_FAILED', `cannot enqueue a batch: ${describeError(err)}`, { backend: 'sql', transient: true, cause: err });
    }
  }

  async status(id: string, route?: string): Promise<BatchStatus> {
    let job: { state: string; output?: unknown } | null;
    try {
      job = await this.boss.getJobById(await this.queue(route), id, { includeArchive: true }) as { state: string; output?: unknown } | null;
    } catch (err) {
      throw new OxprovError('QUEUE_FAILED', `cannot read a batch's state: ${describeError(err)}`, { backend: 'sql', transient: true, cause: err });
    }
    return job ? statusOf(job) : { state: 'missing' };
  }

  async statuses(batches: readonly { id: string; route?: string }[]): Promise<Map<string, BatchStatus>> {
    const found = new Map<string, BatchStatus>();
    try {
      // One read per queue (its partition, by its key): a run waiting for 16 batches asks once, not 16 times.
      for (const [queue, ids] of idsByQueue(batches.map((b) => ({ id: b.id, queue: queueOf(b.route) })))) {
        const r = await this.boss.getDb().executeSql(`SELECT id::text AS id, state, output FROM ${SCHEMA}.job WHERE name = $1 AND id = ANY($2::uuid[])`, [queue, ids]);
        for (const row of r.rows as { id: string; state: string; output?: unknown }[]) found.set(row.id, statusOf(row));
      }
    } catch (err) {
      throw new OxprovError('QUEUE_FAILED', `cannot read the batches' states: ${describeError(err)}`, { backend: 'sql', transient: true, cause: err });
    }
    // Not in the queue's table: archived (pg-boss moves old jobs), or never sent.
    for (const b of batches) if (!found.has(b.id)) found.set(b.id, await this.status(b.id, b.route));
    return found;
  }

  async cancel(batches: readonly { id: string; route?: string }[]): Promise<void> {
    try {
      for (const [queue, ids] of idsByQueue(batches.map((b) => ({ id: b.id, queue: queueOf(b.route) })))) await this.boss.cancel(queue, ids);
    } catch (err) {
      throw new OxprovError('QUEUE_FAILED', `cannot withdraw the run's batches: ${describeError(err)}`, { backend: 'sql', transient: true, cause: err });
    }
  }

  async withdrawRun(runId: string): Promise<number> {
    try {
      // pg-boss answers by id within a queue; the run's id is in each batch's data (src/run/queued-batches.ts).
      const r = await this.boss.getDb().executeSql(
        `SELECT name, id::text AS id FROM ${SCHEMA}.job WHERE data->>'runId' = $1 AND state IN ('created', 'retry')`, [runId]);
      for (const [queue, ids] of idsByQueue((r.rows as { name: string; id: string }[]).map((row) => ({ id: row.id, queue: row.name })))) await this.boss.cancel(queue, ids);
      return r.rows.length;
    } catch (err) {
      throw new OxprovError('QUEUE_FAILED', `cannot withdraw the batches run ${runId} left in the queue: ${describeError(err)}`, { backend: 'sql', transient: true, cause: err });
    }
  }

  async work(concurrency: number, handler: (data: unknown, id: string) => Promise<object>, routes: readonly (string | undefined)[] = [undefined]): Promise<void> {
    // pg-boss 10 has one job at a time per registration: `concurrency` registrations per queue.
    for (const route of routes) {
      const queue = await this.queue(route);
      for (let i = 0; i < concurrency; i++) {
        await this.boss.work(queue, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => handler(job.data, job.id));
      }
    }
  }

  async stop(timeoutMs = 30_000): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, close: true, timeout: timeoutMs }).catch(() => {});
  }
}

/**
 * A queue with the config's expiry and retries. Processes that start at once create queues at once:
 * PostgreSQL may answer one of them with a deadlock (each queue is a partition of one table), or the
 * queue is there already; either way it is asked again, a few times, after a short random pause.
 */
async function ensureQueue(boss: PgBoss, name: string, config: Readonly<Config>): Promise<void> {
  const { expireSeconds, retryLimit } = config.queue;
  for (let attempt = 1; ; attempt++) {
    try {
      if (await boss.getQueue(name)) return;
      await boss.createQueue(name, { name, expireInSeconds: expireSeconds, retryLimit, retryDelay: 1 });
      return;
    } catch (err) {
      if (await boss.getQueue(name).catch(() => null)) return;
      if (attempt >= 8) throw new OxprovError('QUEUE_FAILED', `cannot create the queue ${name}: ${describeError(err)}`, { backend: 'sql', cause: err });
      await sleep(50 + Math.random() * 100 * attempt);
    }
  }
}

/** Jobs' ids by their queue: pg-boss cancels, and its table is read, a queue at a time. */
function idsByQueue(jobs: readonly { id: string; queue: string }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { id, queue } of jobs) {
    const ids = out.get(queue);
    if (ids) ids.push(id);
    else out.set(queue, [id]);
  }
  return out;
}

/** A pg-boss job's state as a batch's. */
function statusOf(job: { state: string; output?: unknown }): BatchStatus {
  switch (job.state) {
    case 'completed':
      return { state: 'done', output: job.output };
    case 'cancelled':
      return { state: 'cancelled' };
    case 'failed': {
      const o = job.output as { message?: string; value?: { message?: string } } | undefined;
      return { state: 'failed', message: o?.message ?? o?.value?.message ?? job.state };
    }
    case 'active':
      return { state: 'active' };
    default:
      return { state: 'waiting' };
  }
}
