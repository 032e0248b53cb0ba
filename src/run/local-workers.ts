import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The command line of oxprov itself (bin/oxprov.js runs the built code). */
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/oxprov.js');

/** Batches each local worker does at once: a run in one process has three in flight. */
const LOCAL_CONCURRENCY = 3;

export interface LocalWorkers {
  /** SIGTERM to each (they finish the batch in hand), then SIGKILL after `graceMs`; resolves when all have exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * `--workers N`: N `oxprov worker` processes on this machine for the run, with its
 * config; the queue's key reaches them in their environment, never on a command line, and so does
 * this process's id: a worker whose run is killed stops by itself.
 * Their output goes to a 0600 file in the report folder.
 */
export function startLocalWorkers(n: number, options: { config?: string; key: string; log: string }): LocalWorkers {
  fs.mkdirSync(path.dirname(options.log), { recursive: true, mode: 0o700 });
  const log = fs.openSync(options.log, 'a', 0o600);
  const children: ChildProcess[] = [];
  for (let i = 1; i <= n; i++) {
    // As many batches at once as a run in one process keeps in flight.
    const argv = [BIN, 'worker', '--name', `local-${i}`, '--concurrency', String(LOCAL_CONCURRENCY), ...(options.config ? ['--config', path.resolve(options.config)] : [])];
    const child = spawn(process.execPath, argv, { env: { ...process.env, OXPROV_QUEUE_KEY: options.key, OXPROV_QUEUE_KEY_FILE: '', OXPROV_WORKER_PARENT: String(process.pid) }, stdio: ['ignore', log, log] });
    child.on('error', () => {});
    children.push(child);
  }
  fs.closeSync(log);
  return {
    async stop(graceMs = 30_000) {
      await Promise.all(children.map((child) => new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      })));
    },
  };
}
