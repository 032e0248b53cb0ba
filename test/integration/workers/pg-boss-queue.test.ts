import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { openBatchQueue } from '../../../src/service/open-services.js';
import { batchId } from '../../../src/run/queued-batches.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * The batch queue on the real pg-boss in the stack's run database: a second send of an id is
 * refused (the run then knows the batch was sent before), a batch is withdrawn, taken and done,
 * and a route's queue is its own (a test's route: no other test's worker takes these batches).
 */
const config = stackConfig();

describe('the batch queue on pg-boss', () => {
  it('sends an id once, withdraws a waiting batch, and hands a route\'s batch to a worker of that route only', async () => {
    const queue = await openBatchQueue(config, 'queue-test');
    const run = uniqueName('qt');
    const route = run;
    try {
      const first = batchId(run, ['a']);
      expect(await queue.send(first, { n: 1 }, { order: 1, route })).toBe(true);
      expect(await queue.send(first, { n: 2 }, { order: 1, route })).toBe(false);
      expect(await queue.status(first, route)).toEqual({ state: 'waiting' });
      await queue.cancel([{ id: first, route }]);
      expect(await queue.status(first, route)).toEqual({ state: 'cancelled' });
      expect(await queue.status(batchId(run, ['never sent']), route)).toEqual({ state: 'missing' });

      const second = batchId(run, ['b']);
      expect(await queue.send(second, { n: 3 }, { order: 2, route })).toBe(true);
      const taken: unknown[] = [];
      await queue.work(1, async (data) => { taken.push(data); return { doubled: (data as { n: number }).n * 2 }; }, [route]);
      let status = await queue.status(second, route);
      for (let i = 0; i < 100 && status.state !== 'done'; i++, status = await queue.status(second, route)) await sleep(100);
      expect(status).toEqual({ state: 'done', output: { doubled: 6 } });
      // The withdrawn batch was never taken; the one of the same route was, once.
      expect(taken).toEqual([{ n: 3 }]);
      // Several batches' states in one read: as each one's own.
      const never = batchId(run, ['never sent']);
      expect(await queue.statuses!([{ id: first, route }, { id: second, route }, { id: never, route }])).toEqual(new Map([
        [first, { state: 'cancelled' }], [second, { state: 'done', output: { doubled: 6 } }], [never, { state: 'missing' }],
      ]));
    } finally {
      await queue.stop();
    }
  }, 60_000);

  it('withdraws what a run left waiting, on every route, and nothing of another run', async () => {
    const queue = await openBatchQueue(config, 'queue-test');
    const run = uniqueName('qw');
    const other = uniqueName('qw');
    try {
      const ids = [batchId(run, ['a']), batchId(run, ['b']), batchId(other, ['c'])];
      await queue.send(ids[0], { runId: run }, { route: `${run}-1` });
      await queue.send(ids[1], { runId: run }, { route: `${run}-2` });
      await queue.send(ids[2], { runId: other }, { route: `${run}-1` });
      expect(await queue.withdrawRun(run)).toBe(2);
      expect(await queue.status(ids[0], `${run}-1`)).toEqual({ state: 'cancelled' });
      expect(await queue.status(ids[1], `${run}-2`)).toEqual({ state: 'cancelled' });
      expect(await queue.status(ids[2], `${run}-1`)).toEqual({ state: 'waiting' });
      expect(await queue.withdrawRun(run)).toBe(0);
    } finally {
      await queue.stop();
    }
  }, 60_000);
});
