/**
 * `npm run bench -- --scale N`: the second run at scale, on a private stack (.stack-bench-scale,
 * ports 27201…, fresh for the run and removed after it) with folders on demand. Loads N users with
 * `import` while it reads the run's ledger every second (the rate of each 10% window of the load),
 * then runs the same file again: as an import, as a dry run, as a first sync (which takes the users
 * over: a write each) and as a sync again (unchanged), then a sync with 1% of the rows changed and
 * 0.5% of the people gone. Prints each run's rate and peak RSS, and `rerun_ratio` (the import again
 * over the first load), `scale_sync_ratio` (the unchanged sync over the first load) and
 * `scale_dry_rows_s` (the dry run against the full directory).
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config/load-config.js';
import { useBenchStack } from './bench-stack.js';

export interface ScaleBenchDeps {
  root: string;
  work: string;
  tag: string;
  log: (s: string) => void;
  run: (cmd: string, argv: string[], env?: NodeJS.ProcessEnv) => Promise<string>;
  generateUsers: (file: string, rows: number, prefix: string) => Promise<void>;
}

interface Figures { seconds: number; rowsPerSecond: number; maxRssMB: number; counts: Record<string, number> }

export async function scaleBench(n: number, d: ScaleBenchDeps): Promise<void> {
  const stack = useBenchStack(d.root, '.stack-bench-scale', 27201, 'dovecot');
  stack.up();
  // The mail server makes the folders at the first login: the runs skip the mail step.
  process.env.OXPROV_IMAP_FOLDERS = 'on-demand';
  try {
    await measure(n, d);
  } finally {
    stack.done();
  }
}

async function measure(n: number, d: ScaleBenchDeps): Promise<void> {
  const { log } = d;
  log(`oxprov bench --scale ${n}: folders on demand; 10% windows of the first load, then the same file again`);
  const file = path.join(d.work, `scale-${n}.csv`);
  await d.generateUsers(file, n, `sc${d.tag}x`);
  const report = (name: string) => path.join(d.work, `report-scale-${name}`);
  const imp = async (name: string, flags: string[] = []): Promise<Figures> => {
    const out = JSON.parse((await d.run(process.execPath, [path.join(d.root, 'bench/child-import.mjs'), file, ...flags, '--report', report(name)])).trim().split('\n').pop()!);
    return { seconds: out.seconds, rowsPerSecond: out.rowsPerSecond, maxRssMB: out.maxRssMB, counts: out.rows };
  };
  const sync = async (name: string, f: string, maxDisable = 0): Promise<Figures> => {
    const out = JSON.parse((await d.run(process.execPath, [path.join(d.root, 'bench/child-sync.mjs'), f, `scale${d.tag}`, report(name), '--max-disable', String(maxDisable)])).trim().split('\n').pop()!);
    if (out.exitCode !== 0) throw new Error(`the sync ${name} exited ${out.exitCode}: ${JSON.stringify(out.counts)}`);
    return out;
  };
  const show = (what: string, r: Figures) => log(`  ${what.padEnd(34)}${r.seconds.toFixed(1).padStart(8)} s ${String(r.rowsPerSecond).padStart(8)} rows/s  ${String(r.maxRssMB).padStart(4)} MB peak RSS  ${Object.entries(r.counts ?? {}).filter(([, k]) => k).map(([k, v]) => `${k} ${v}`).join(', ')}`);

  // The first load, its ledger read every second: when each tenth of the rows was done.
  const windows = await windowsOf(n, report('first'), () => imp('first'));
  const first = windows.figures;
  show(`first load (${n} users)`, first);
  const rates = windows.rates;
  const sorted = [...rates].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  log(`  10% windows (users/s): ${rates.map((r) => Math.round(r)).join(', ')}; median ${Math.round(median)}, the farthest ${Math.round(Math.max(...rates.map((r) => Math.abs(r / median - 1))) * 100)}% from it`);

  const again = await imp('again');
  show('the same file again (import)', again);
  const dry = await imp('dry', ['--dry-run']);
  show('the same file again (dry run)', dry);
  const takeOver = await sync('take-over', file, 0);
  show('first sync (takes everyone over)', takeOver);
  const same = await sync('same', file, 0);
  show('sync again (unchanged)', same);
  // 1% of the surnames changed, every 200th person gone.
  const changed = file.replace(/\.csv$/, '-changed.csv');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const out = [lines[0]];
  let gone = 0;
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]) continue;
    if (i % 200 === 0) { gone++; continue; }
    out.push(i % 100 === 1 ? lines[i].replace(/^([^,]*,[^,]*,)[^,]*/, '$1Geändert') : lines[i]);
  }
  fs.writeFileSync(changed, `${out.join('\n')}\n`);
  show('sync, 1% changed, 0.5% gone', await sync('changed', changed, gone));

  log(`rerun_ratio=${(again.rowsPerSecond / first.rowsPerSecond).toFixed(2)}`);
  log(`scale_sync_ratio=${(same.rowsPerSecond / first.rowsPerSecond).toFixed(2)}`);
  log(`scale_dry_rows_s=${dry.rowsPerSecond}`);
}

/** Runs the first load while reading its ledger every second: the rate of each tenth of the rows. */
async function windowsOf(n: number, reportDir: string, load: () => Promise<Figures>): Promise<{ figures: Figures; rates: number[] }> {
  const db = new pg.Client({ connectionString: loadConfig().sql.url });
  await db.connect();
  const samples: [number, number][] = [[performance.now(), 0]];
  let stop = false;
  const poll = (async () => {
    while (!stop) {
      await new Promise((r) => setTimeout(r, 1000));
      const r = await db.query<{ n: string }>(`SELECT count(*) AS n FROM oxprov_runs.ledger l JOIN oxprov_runs.runs r ON r.id = l.run_id
        WHERE r.report_dir = $1 AND l.status <> 'started'`, [path.resolve(reportDir)]).catch(() => undefined);
      if (r) samples.push([performance.now(), Number(r.rows[0].n)]);
    }
  })();
  try {
    const figures = await load();
    stop = true;
    await poll;
    samples.push([performance.now(), n]);
    // The time each tenth was reached, by linear interpolation between samples.
    const at = (rows: number) => {
      const k = samples.findIndex(([, done]) => done >= rows);
      if (k <= 0) return samples[Math.max(k, 0)][0];
      const [[t0, d0], [t1, d1]] = [samples[k - 1], samples[k]];
      return t0 + ((t1 - t0) * (rows - d0)) / Math.max(d1 - d0, 1);
    };
    const rates = Array.from({ length: 10 }, (_, i) => (n / 10) / ((at((n * (i + 1)) / 10) - at((n * i) / 10)) / 1000));
    return { figures, rates };
  } finally {
    stop = true;
    await db.end();
  }
}

