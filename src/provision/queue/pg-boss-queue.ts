import PgBoss from 'pg-boss';
import type { Config } from '../../config/config.js';
import { describeError, OxprovError } from '../../errors.js';
import type { BatchQueue, BatchStatus } from '../batch-queue.js';
import { sqlTls } from '../sql/sql-tls.js';

/** The one queue of batches; pg-boss keeps its tables in a schema of its own. */
export const BATCH_QUEUE = 'oxprov-batches';
const SCHEMA = 'oxprov_queue';

/**
 * The batch queue on pg-boss 10 (PostgreSQL only: jobs taken with SKIP LOCKED, ids
 * that make a second send a no-op, expiry and retry), in the run database. Every
 * instance supervises: the one whose turn it is moves batches of dead workers back
 * to the queue.
 */
export class PgBossQueue implements BatchQueue {
  private constructor(private readonly boss: PgBoss, private readonly config: Readonly<Config>) {}

  static async open(config: Readonly<Config>, options: { name?: string } = {}): Promise<PgBossQueue> {
    const { expireSeconds, retryLimit } = config.queue;
    const tls = sqlTls(config);
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
    try {
      await boss.start();
      if (!(await boss.getQueue(BATCH_QUEUE))) {
        // Two processes may create it at once: the second finds it there.
        await boss.createQueue(BATCH_QUEUE, { name: BATCH_QUEUE, expireInSeconds: expireSeconds, retryLimit, retryDelay: 1 })
          .catch(async (err) => { if (!(await boss.getQueue(BATCH_QUEUE))) throw err; });
      }
    } catch (err) {
      await boss.stop({ graceful: false, wait: false }).catch(() => {});
      throw new OxprovError('QUEUE_FAILED', `cannot open the batch queue (pg-boss, schema ${SCHEMA}) in the run database: ${describeError(err)}`, { backend: 'sql', cause: err });
    }
    return new PgBossQueue(boss, config);
  }

  async send(id: string, data: object, options: { order?: number } = {}): Promise<void> {
    const { expireSeconds, retryLimit } = this.config.queue;
    try {
      // An id already there (the same batch sent again) is not inserted twice.
      // pg-boss takes the highest priority first, then the oldest (by id among jobs of one moment).
      const priority = options.order === undefined ? 0 : -Math.min(options.order, 2 ** 31 - 1);
      await this.boss.send(BATCH_QUEUE, data, { id, priority, expireInSeconds: expireSeconds, retryLimit, retryDelay: 1 });
    } catch (err) {
      throw new OxprovError('QUEUE_FAILED', `cannot enqueue a batch: ${describeError(err)}`, { backend: 'sql', transient: true, cause: err });
    }
  }

  async status(id: string): Promise<BatchStatus> {
    let job: { state: string; output?: unknown } | null;
    try {
      job = await this.boss.getJobById(BATCH_QUEUE, id, { includeArchive: true }) as { state: string; output?: unknown } | null;
    } catch (err) {
      throw new OxprovError('QUEUE_FAILED', `cannot read a batch's state: ${describeError(err)}`, { backend: 'sql', transient: true, cause: err });
    }
    if (!job) return { state: 'missing' };
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

  async cancel(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.boss.cancel(BATCH_QUEUE, [...ids]);
    } catch (err) {
      throw new OxprovError('QUEUE_FAILED', `cannot withdraw the run's batches: ${describeError(err)}`, { backend: 'sql', transient: true, cause: err });
    }
  }

  async work(concurrency: number, handler: (data: unknown, id: string) => Promise<object>): Promise<void> {
    // pg-boss 10 has one job at a time per registration: `concurrency` registrations.
    for (let i = 0; i < concurrency; i++) {
      await this.boss.work(BATCH_QUEUE, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => handler(job.data, job.id));
    }
  }

  async stop(timeoutMs = 30_000): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, close: true, timeout: timeoutMs }).catch(() => {});
  }
}
