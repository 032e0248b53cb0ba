import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/**
 * `oxprov ARGS --report REPORT` started in the background with local workers, handed back once one of
 * them has done a batch of `size` users (its workers.log says so) or after `waitMs`: the moment a
 * test stops the run (Ctrl-C, kill -9). `stderr()` is what the run has said so far.
 */
export async function startUntilBatch(args: readonly string[], report: string, size: number, waitMs = 90_000): Promise<{ child: ChildProcess; exited: Promise<number | null>; stderr: () => string }> {
  const child = spawn(process.execPath, [path.join(root, 'bin/oxprov.js'), ...args, '--report', report], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let said = '';
  child.stderr!.on('data', (d) => { said += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const log = path.join(report, 'workers.log');
  const batch = new RegExp(`batch [0-9a-f]{8}: ${size} users`);
  for (const end = Date.now() + waitMs; Date.now() < end && !(fs.existsSync(log) && batch.test(fs.readFileSync(log, 'utf8')));) await sleep(100);
  return { child, exited, stderr: () => said };
}
