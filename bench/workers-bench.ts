/**
 * `npm run bench -- --workers 1,2,4`: the same import in one process and handed to 1, 2, 4 local workers
 * (`--workers N`: `oxprov worker` processes, the batches through the pg-boss queue in the run database),
 * each a file of fresh users, on a private stack (.stack-bench-workers, ports 27401…) with the mail folders
 * made by oxprov (the mail step is where the round trips are). Prints each rate and `queue_ratio` (one queue
 * worker over the run in one process). `latency_scale` (4 workers over 1 with 1 ms of round trip added by
 * netem on a namespace link) needs the kernel's netem: it is said when this kernel has none.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { useBenchStack } from './bench-stack.js';
import type { MultiBenchDeps } from './multi-bench.js';

/** What the bench's main gives it: the same as the several-mail-servers bench's. */
export type WorkersBenchDeps = Pick<MultiBenchDeps, 'root' | 'work' | 'rows' | 'tag' | 'log' | 'run' | 'generateUsers'>;

interface Figures { seconds: number; rowsPerSecond: number; maxRssMB: number; rows: Record<string, number> }

export async function workersBench(counts: readonly number[], d: WorkersBenchDeps): Promise<void> {
  const stack = useBenchStack(d.root, '.stack-bench-workers', 27401, 'dovecot');
  stack.up();
  // A key the run's starter and its local workers share (they get it in their environment).
  process.env.OXPROV_QUEUE_KEY = `bench-${d.tag}-queue-key-of-this-run`;
  try {
    const imp = async (name: string, flags: string[]): Promise<Figures> => {
      const file = path.join(d.work, `workers-${name}.csv`);
      await d.generateUsers(file, d.rows, `wb${name}${d.tag}x`);
      const out = await d.run(process.execPath, [path.join(d.root, 'bench/child-import.mjs'), file, ...flags, '--report', path.join(d.work, `report-workers-${name}`)]);
      const r = JSON.parse(out.trim().split('\n').pop()!);
      if (r.rows.failed || r.rows.created !== d.rows) throw new Error(`the import ${name} created ${r.rows.created} of ${d.rows}, ${r.rows.failed} failed`);
      return r;
    };
    d.log(`oxprov bench --workers ${counts.join(',')}: ${d.rows} users each, mail folders made by oxprov`);
    const show = (what: string, r: Figures) => d.log(`  ${what.padEnd(26)}${r.seconds.toFixed(1).padStart(8)} s ${String(r.rowsPerSecond).padStart(8)} users/s  ${String(r.maxRssMB).padStart(4)} MB peak RSS (the starter)`);
    const inProcess = await imp('p', []);
    show('in one process', inProcess);
    const rates = new Map<number, number>();
    for (const n of counts) {
      const r = await imp(`w${n}`, ['--workers', String(n)]);
      rates.set(n, r.rowsPerSecond);
      show(`${n} worker${n > 1 ? 's' : ''} through the queue`, r);
    }
    if (rates.has(1)) d.log(`queue_ratio=${(rates.get(1)! / inProcess.rowsPerSecond).toFixed(2)}`);
    for (const n of counts) if (n > 1 && rates.has(1)) d.log(`workers_${n}_over_1=${(rates.get(n)! / rates.get(1)!).toFixed(2)}`);
    d.log(hasNetem() ? 'latency_scale: not measured yet (netem is there, the namespace run is not built)' : 'latency_scale: not measured: this kernel has no netem (tc qdisc … netem: "Specified qdisc kind is unknown")');
  } finally {
    delete process.env.OXPROV_QUEUE_KEY;
    stack.done();
  }
}

/** Whether `tc … netem` works here: tried on the loopback of a namespace made and deleted for it. */
function hasNetem(): boolean {
  const ns = `oxnetem${process.pid % 10000}`;
  try {
    execFileSync('ip', ['netns', 'add', ns], { stdio: 'ignore' });
    execFileSync('tc', ['-n', ns, 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }); } catch { /* not made */ }
  }
}
