/**
 * The queue through which a run's batches reach workers on any machine
 * (`oxprov worker`): one job per batch, taken by one worker at a time; a batch a
 * worker took and did not finish (it died) is given to another after the
 * configured expiry. Implemented on pg-boss (src/provision/queue/pg-boss-queue.ts).
 *
 * A batch has a route: the mail server its users live on (several mail servers), or
 * none. A worker serves some routes (`oxprov worker --mail imap2`) or all of them.
 */
export interface BatchQueue {
  /**
   * Enqueues a batch under an id derived from what it is (run and rows): sending
   * the same batch twice is harmless. Nothing secret is in `data` in clear. Batches
   * of lower `order` are taken first (a run's batches in file order).
   * @returns false when a batch of this id was there already (nothing is enqueued).
   */
  send(id: string, data: object, options?: { order?: number; route?: string }): Promise<boolean>;
  /** Where a batch is: waiting or being done, done with its output, or failed for good (after its retries). */
  status(id: string, route?: string): Promise<BatchStatus>;
  /** Where each of several batches is, in one read where the queue can (a run waits for many at once). */
  statuses?(batches: readonly { id: string; route?: string }[]): Promise<Map<string, BatchStatus>>;
  /** Withdraws batches no worker has finished (a run stopped): those not yet taken are never taken. */
  cancel(batches: readonly { id: string; route?: string }[]): Promise<void>;
  /**
   * Withdraws every batch of a run that no worker has taken (on every route): what a killed run left in
   * the queue, before it is resumed. Batches being done are left to finish. @returns how many were withdrawn.
   */
  withdrawRun(runId: string): Promise<number>;
  /**
   * Takes batches of these routes (`undefined`: those without one), `concurrency` at a time from each,
   * until {@link stop}: the handler's result is the batch's output; a throw fails it (retried).
   */
  work(concurrency: number, handler: (data: unknown, id: string) => Promise<object>, routes?: readonly (string | undefined)[]): Promise<void>;
  /** Stops taking batches; waits for those being done (at most `timeoutMs`), then closes. */
  stop(timeoutMs?: number): Promise<void>;
}

export type BatchStatus =
  | { readonly state: 'waiting' | 'active' | 'missing' | 'cancelled' }
  | { readonly state: 'done'; readonly output: unknown }
  | { readonly state: 'failed'; readonly message: string };
