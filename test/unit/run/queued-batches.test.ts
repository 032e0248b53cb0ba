import { describe, expect, it } from 'vitest';
import { OxprovError } from '../../../src/errors.js';
import { QueueSeal } from '../../../src/ledger/queue-seal.js';
import type { UserInput } from '../../../src/model/user-spec.js';
import type { BatchQueue, BatchStatus } from '../../../src/service/open-services.js';
import type { ProvisionOptions, UserResult, UserService } from '../../../src/service/user-service.js';
import { batchHandler, batchId, QueuedProvisioning } from '../../../src/run/queued-batches.js';

/** A queue in memory whose one worker runs each batch as it is sent, once per id. */
class MemoryQueue implements BatchQueue {
  readonly jobs = new Map<string, { data: string; status: BatchStatus }>();
  constructor(private readonly handler: (data: unknown) => Promise<object>) {}
  async send(id: string, data: object) {
    if (this.jobs.has(id)) return false;
    const text = JSON.stringify(data);
    this.jobs.set(id, { data: text, status: { state: 'waiting' } });
    const out = await this.handler(JSON.parse(text)).then((o) => ({ state: 'done' as const, output: JSON.parse(JSON.stringify(o)) }), (e: Error) => ({ state: 'failed' as const, message: e.message }));
    this.jobs.get(id)!.status = out;
    return true;
  }
  async status(id: string) { return this.jobs.get(id)?.status ?? { state: 'missing' as const }; }
  async cancel(batches: readonly { id: string }[]) { for (const { id } of batches) { const j = this.jobs.get(id); if (j && j.status.state === 'waiting') j.status = { state: 'cancelled' }; } }
  async withdrawRun() { return 0; }
  async work() {}
  async stop() {}
}

/** A user service that records what it was asked and creates every user. */
function recordingService() {
  const asked: { inputs: UserInput[]; passwords: Record<string, string | undefined> }[] = [];
  const service = {
    async provision(inputs: readonly UserInput[], options: ProvisionOptions): Promise<UserResult[]> {
      const gen = typeof options.generatePasswords === 'function' ? options.generatePasswords : undefined;
      const passwords = Object.fromEntries(inputs.map((i) => [i.username, i.password ?? gen?.(i.username)]));
      asked.push({ inputs: [...inputs], passwords });
      return inputs.map((i) => ({
        username: i.username, status: i.username.endsWith('bad') ? 'failed' : 'created', steps: { ldap: 'created' }, notes: [], ms: 1,
        errors: i.username.endsWith('bad') ? [new OxprovError('LDAP_FAILED', 'refused', { backend: 'ldap', field: 'mail', value: i.mail })] : [],
        ...(i.password === undefined ? { generatedPassword: passwords[i.username] } : {}),
      }));
    },
    async hasPassword() { return false; },
  };
  return { service: service as unknown as UserService, asked };
}

const input = (username: string, extra: Partial<UserInput> = {}): UserInput => ({ username, surname: 'S', mail: `${username}@test.tux`, aliases: [], disable: [], groups: [], attributes: {}, ...extra });

describe('a batch handed to workers', () => {
  it('reaches the worker with its passwords, but the queue holds none of them in clear', async () => {
    const seal = new QueueSeal('a shared secret of the test');
    const { service, asked } = recordingService();
    const queue = new MemoryQueue(batchHandler(service, seal, 'w1'));
    const run = new QueuedProvisioning(service, { queue, seal, runId: 'run-1', waitMs: 1000 });
    const results = await run.provision([input('a', { password: 'Own-Secret-1', derived: new Set(['mail']) }), input('b'), input('cbad')], { generatePasswords: (u) => `Generated-${u}-9` });
    const [[jobId, job]] = [...queue.jobs];
    expect(job.data).not.toMatch(/Own-Secret-1|Generated-/);
    expect(JSON.stringify(job.status)).not.toMatch(/Own-Secret-1|Generated-/);
    expect(asked[0].passwords).toEqual({ a: 'Own-Secret-1', b: 'Generated-b-9', cbad: 'Generated-cbad-9' });
    expect(asked[0].inputs[0].derived).toEqual(new Set(['mail']));
    // Each row names its worker, and its batch (the first 8 characters of the job's id) with the time the worker took for it.
    const batchNote = expect.stringMatching(new RegExp(`^batch ${jobId.slice(0, 8)} in \\d+ ms$`));
    expect(results.map((r) => [r.username, r.status, r.generatedPassword, r.notes])).toEqual([
      ['a', 'created', undefined, ['worker w1', batchNote]], ['b', 'created', 'Generated-b-9', ['worker w1', batchNote]], ['cbad', 'failed', 'Generated-cbad-9', ['worker w1', batchNote]],
    ]);
    // An error comes back as the same error: its code, field and value.
    expect(results[2].errors[0]).toBeInstanceOf(OxprovError);
    expect(results[2].errors[0]).toMatchObject({ code: 'LDAP_FAILED', field: 'mail', value: 'cbad@test.tux', backend: 'ldap' });
  });

  it('is one job however often it is sent: its id comes from the run and its users', async () => {
    expect(batchId('run-1', ['a', 'b'])).toBe(batchId('run-1', ['a', 'b']));
    expect(batchId('run-1', ['a', 'b'])).not.toBe(batchId('run-2', ['a', 'b']));
    expect(batchId('run-1', ['a', 'b'])).not.toBe(batchId('run-1', ['ab']));
    expect(batchId('run-1', ['a'])).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const seal = new QueueSeal('a shared secret of the test');
    const { service, asked } = recordingService();
    const queue = new MemoryQueue(batchHandler(service, seal, 'w1'));
    const run = new QueuedProvisioning(service, { queue, seal, runId: 'run-1', waitMs: 1000 });
    await run.provision([input('a', { password: 'P-1-aaaaaa' })], {});
    await run.provision([input('a', { password: 'P-1-aaaaaa' })], {});
    expect(asked).toHaveLength(1);
  });

  it('is refused by a worker whose key is not the starter\'s, with QUEUE_KEY', async () => {
    const { service } = recordingService();
    const queue = new MemoryQueue(batchHandler(service, new QueueSeal('the worker has another key'), 'w1'));
    const run = new QueuedProvisioning(service, { queue, seal: new QueueSeal('a shared secret of the test'), runId: 'run-1', waitMs: 1000 });
    await expect(run.provision([input('a', { password: 'P-1-aaaaaa' })], {})).rejects.toMatchObject({ code: 'QUEUE_FAILED', message: expect.stringContaining('queue.key is not the one of the run\'s starter') });
  });

  it('fails its rows with QUEUE_TIMEOUT when no worker takes it in time', async () => {
    const seal = new QueueSeal('a shared secret of the test');
    const { service } = recordingService();
    const idle: BatchQueue = { send: async () => true, status: async () => ({ state: 'waiting' }), cancel: async () => {}, withdrawRun: async () => 0, work: async () => {}, stop: async () => {} };
    const run = new QueuedProvisioning(service, { queue: idle, seal, runId: 'run-1', waitMs: 300 });
    await expect(run.provision([input('a')], {})).rejects.toMatchObject({ code: 'QUEUE_TIMEOUT' });
  });

  it('withdraws the batches no worker has taken when the run is stopped: their rows fail with QUEUE_CANCELLED, and no later batch is sent', async () => {
    const seal = new QueueSeal('a shared secret of the test');
    const { service } = recordingService();
    const cancelled: string[] = [];
    const sent: string[] = [];
    const states = new Map<string, BatchStatus>();
    const slow: BatchQueue = {
      send: async (id) => { sent.push(id); states.set(id, { state: 'waiting' }); return true; },
      status: async (id) => states.get(id) ?? { state: 'missing' },
      cancel: async (batches) => { for (const { id } of batches) { cancelled.push(id); states.set(id, { state: 'cancelled' }); } },
      withdrawRun: async () => 0, work: async () => {}, stop: async () => {},
    };
    const run = new QueuedProvisioning(service, { queue: slow, seal, runId: 'run-1', waitMs: 10_000 });
    const first = run.provision([input('a')], {});
    await new Promise((r) => setTimeout(r, 50));
    await run.cancel();
    await expect(first).rejects.toMatchObject({ code: 'QUEUE_CANCELLED' });
    expect(cancelled).toEqual(sent);
    await expect(run.provision([input('b')], {})).rejects.toMatchObject({ code: 'QUEUE_CANCELLED' });
    expect(sent).toHaveLength(1);
    // The run resumed: the withdrawn batch is sent anew, under another id, and done.
    const again = new QueuedProvisioning(service, { queue: new MemoryQueue(batchHandler(service, seal, 'w1')), seal, runId: 'run-1', waitMs: 1000 });
    const memory = (again as unknown as { options: { queue: MemoryQueue } }).options.queue;
    memory.jobs.set(sent[0], { data: '{}', status: { state: 'cancelled' } });
    expect((await again.provision([input('a')], {}))[0].status).toBe('created');
    expect([...memory.jobs.keys()]).toEqual([sent[0], batchId('run-1', ['a'], 1)]);
  });
});
