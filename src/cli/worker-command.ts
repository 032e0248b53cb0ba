import type { Argv } from 'yargs';

/** The options of `worker`. */
export const WORKER_OPTIONS: readonly string[] = ['name', 'concurrency', 'mail', 'config'];

/**
 * `oxprov worker`: takes batches of runs handed to workers (`import --queue`,
 * `--workers N`) from the queue in the run database, on any machine with the same
 * config and queue.key. Runs until SIGINT or SIGTERM.
 */
export function workerCommand(yargs: Argv, setExit: (code: number) => void): Argv {
  return yargs.command('worker', 'take batches of runs handed to workers (import --queue or --workers) from the queue in the run database, until stopped (docs/workers.md)', (y) => y
    .option('name', { type: 'string', describe: 'shown beside each row it did, in the report and the ledger (default host name and process id)' })
    .option('concurrency', { type: 'string', describe: 'batches at once from each queue it serves (default 2)' })
    .option('mail', { type: 'string', describe: 'several mail servers: only the batches of these servers\' users, e.g. imap2,imap3 on their mail host (default all)' })
    .option('config', { type: 'string', describe: 'config file (default: the local stack\'s settings); queue.key must be the run starters\'' })
    .strict(),
  async (argv) => {
    const { runWorker } = await import('../run/worker-run.js');
    // A run's local worker (--workers N) is told its run's process: it stops when that one is gone.
    const parent = process.env.OXPROV_WORKER_PARENT ? Number(process.env.OXPROV_WORKER_PARENT) : undefined;
    const run = await runWorker({ name: argv.name, concurrency: argv.concurrency, mail: argv.mail, config: argv.config, parentPid: parent });
    setExit(run.exitCode);
  });
}
