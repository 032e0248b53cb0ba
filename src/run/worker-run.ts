import os from 'node:os';
import { loadConfig } from '../config/load-config.js';
import { describeError, OxprovError } from '../errors.js';
import { QueueSeal } from '../ledger/queue-seal.js';
import { openBatchQueue, openServices, type BatchQueue, type Services } from '../service/open-services.js';
import { batchHandler } from './queued-batches.js';
import { RunMessages } from './run-messages.js';

/** `oxprov worker` as given. */
export interface WorkerOptionsInput {
  config?: string;
  /** Shown in the report and the ledger beside each row it did (default: host name and process id). */
  name?: string;
  /** Batches at once from each queue it serves (default 2). */
  concurrency?: string | number;
  /** Several mail servers: only the batches of these servers' users (comma list of names), e.g. on a mail host. */
  mail?: string;
  /** A run's local worker: the process of that run; once it is gone (killed), the worker stops as on SIGTERM. */
  parentPid?: number;
}

export interface WorkerHooks {
  /** Stops the worker as SIGTERM would. */
  signal?: AbortSignal;
  /** Called once it takes batches. */
  onReady?: () => void;
}

/**
 * A worker (`oxprov worker`), on any machine with the same config: it takes batches
 * of any run from the queue in the run database and provisions their users through
 * the user service, as a run in one process does. SIGINT or SIGTERM: no further batch
 * is taken, those in hand are finished, then it exits 0.
 */
export async function runWorker(input: WorkerOptionsInput, io: { stderr: NodeJS.WritableStream } = { stderr: process.stderr }, hooks: WorkerHooks = {}): Promise<{ exitCode: 0 | 2 }> {
  const name = input.name ?? `${os.hostname()}-${process.pid}`;
  const log = new RunMessages(io.stderr, `oxprov worker ${name}: `);
  const say = (text: string) => log.say(text);
  let services: Services | undefined;
  let queue: BatchQueue | undefined;
  try {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) throw new OxprovError('CFG_INVALID', '--name must be letters, digits, dots, dashes or underscores (at most 64)', { field: '--name', value: name });
    const concurrency = input.concurrency === undefined ? 2 : Number(input.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new OxprovError('CFG_INVALID', '--concurrency must be a whole number from 1 to 64', { field: '--concurrency', value: String(input.concurrency) });
    const config = loadConfig({ file: input.config });
    if (config.queue.key === undefined) {
      throw new OxprovError('CFG_MISSING', 'a worker needs the key its runs\' starters use (queue.key in the config, queue.keyFile, or OXPROV_QUEUE_KEY_FILE)', { field: 'queue.key' });
    }
    const seal = new QueueSeal(config.queue.key);
    const servers = config.mail.servers.map((m) => m.name);
    const routes = input.mail === undefined ? [undefined, ...(servers.length > 1 ? servers : [])] : mailRoutes(input.mail, servers);
    // As an import's: uidNumbers reserved 64 at a time (a round trip to the id pool each, not one per user).
    services = await openServices(config, { ldapConcurrency: 8, imapConcurrency: 4, idBlockSize: 64 });
    queue = await openBatchQueue(config, name);
    const handle = batchHandler(services.users, seal, name);
    const stopped = new Promise<void>((resolve) => {
      const stop = () => resolve();
      hooks.signal?.addEventListener('abort', stop, { once: true });
      if (!hooks.signal) {
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      }
      // Its run killed (kill -9 leaves no time to stop its workers): the worker is then the child of another process.
      if (input.parentPid !== undefined) {
        const watch = setInterval(() => {
          if (process.ppid === input.parentPid) return;
          clearInterval(watch);
          say(`the run that started it (process ${input.parentPid}) is gone: --resume finishes its rows`);
          stop();
        }, 1000);
        watch.unref();
      }
    });
    let batches = 0;
    let users = 0;
    await queue.work(concurrency, async (data, id) => {
      const t0 = performance.now();
      const out = await handle(data) as { results: unknown[] };
      batches++;
      users += out.results.length;
      say(`batch ${id.slice(0, 8)}: ${out.results.length} users in ${Math.round(performance.now() - t0)} ms (${users} users in ${batches} batches so far)`);
      return out;
    }, routes);
    const served = input.mail === undefined ? '' : ` of the users of ${input.mail}`;
    say(`taking batches${served}, ${concurrency} at a time, from the queue in the run database; Ctrl-C or SIGTERM stops it after the batches in hand`);
    hooks.onReady?.();
    await stopped;
    say(`stopping: finishing the batches in hand (${users} users in ${batches} batches done)`);
    return { exitCode: 0 };
  } catch (err) {
    say(`${err instanceof OxprovError ? `${err.code}: ` : ''}${describeError(err)}`);
    return { exitCode: 2 };
  } finally {
    await queue?.stop();
    await services?.close();
  }
}

/** `--mail imap2,imap3`: the mail servers whose users' batches a worker does, each one of the config's. */
function mailRoutes(list: string, servers: readonly string[]): string[] {
  const names = list.split(',').map((n) => n.trim()).filter(Boolean);
  if (servers.length < 2) throw new OxprovError('CFG_INVALID', '--mail chooses among several mail servers, and the config names fewer than two (mail.servers)', { field: '--mail', value: list });
  const unknown = names.filter((n) => !servers.includes(n));
  if (names.length === 0 || unknown.length) {
    throw new OxprovError('CFG_INVALID', `--mail: ${unknown.length ? `no mail server ${unknown.join(', ')} in the config` : 'name at least one mail server'} (known: ${servers.join(', ')})`, { field: '--mail', value: list });
  }
  return names;
}
