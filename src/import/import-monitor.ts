import cliProgress from 'cli-progress';
import { BACKENDS } from '../model/backends.js';
import type { BackendCounts, RowCounts } from './import-counters.js';
import type { ImportSnapshot } from './import-job.js';

/** The figures of one run, as printed and as written to summary.json. */
export interface ImportSummary {
  file: string;
  dryRun: boolean;
  startedAt: string;
  seconds: number;
  rows: RowCounts;
  backends: BackendCounts;
  /** Rows that reached the back-ends (or would have, in a dry run) per second. */
  rowsPerSecond: number;
  /** Error codes and how often each occurred. */
  errors: Record<string, number>;
  /** Of the existing rows, those trusted as unchanged (no back-end asked), and known rows checked all the same. */
  trust?: { trusted: number; verified: number };
  reportDir: string;
  credentialsFile?: string;
  /** The run was stopped (SIGINT/SIGTERM) before the end of the input. */
  interrupted?: boolean;
  /** Why the run stopped on its own: a back-end unreachable for good, or too many failures. */
  stopped?: { reason: string; backend?: string; code: string; message: string };
  /** A run handed to workers: the users each worker did, by its name. */
  workers?: Record<string, number>;
}

export type ProgressMode = 'bar' | 'lines' | 'none';

/** What the monitor reads: the job's snapshot at any time. */
export interface ProgressSource {
  snapshot(): ImportSnapshot;
}

/**
 * Shows a job's progress and builds its summary from the job's counters. The
 * percentage and the ETA count rows done against the job's estimate of the
 * rows of the input (not bytes read: reading runs ahead of the back-ends). A
 * bar only on a terminal (cli-progress prints junk otherwise); plain lines every
 * few seconds elsewhere.
 */
export class ImportMonitor {
  private readonly startedAt = new Date().toISOString();
  private bar?: cliProgress.SingleBar;
  private timer?: NodeJS.Timeout;

  constructor(private readonly job: ProgressSource, private readonly file: string, private readonly dryRun: boolean, private readonly reportDir: string,
    mode: ProgressMode, private readonly out: NodeJS.WritableStream = process.stderr) {
    if (mode === 'bar') {
      this.bar = new cliProgress.SingleBar({
        format: ' {bar} {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted} | {failed} failed, {rejected} rejected',
        stream: out, hideCursor: true, clearOnComplete: false, etaBuffer: 50,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(1, 0, { rate: 0, failed: 0, rejected: 0 });
    }
    if (mode !== 'none') this.timer = setInterval(() => this.show(), mode === 'bar' ? 200 : 5000).unref();
  }

  private show(): void {
    const s = this.job.snapshot();
    const rate = s.elapsedMs > 0 ? Math.round(s.rowsDone / (s.elapsedMs / 1000)) : 0;
    const total = s.rowsTotal ?? s.rowsDone + 1;
    if (this.bar) {
      this.bar.setTotal(Math.max(total, s.rowsDone, 1));
      this.bar.update(s.rowsDone, { rate, failed: s.rows.failed, rejected: s.rows.rejected });
    } else {
      const of = s.rowsTotal === undefined ? '' : ` of ${s.totalIsExact ? '' : 'about '}${s.rowsTotal} (${Math.floor((100 * s.rowsDone) / Math.max(1, s.rowsTotal))}%)`;
      this.out.write(`progress: ${s.rowsDone} rows${of}, ${rate} rows/s, ${s.rows.failed} failed, ${s.rows.rejected} rejected\n`);
    }
  }

  finish(credentialsFile?: string): ImportSummary {
    if (this.timer) clearInterval(this.timer);
    const s = this.job.snapshot();
    if (this.bar) {
      this.bar.setTotal(Math.max(1, s.rowsDone));
      this.bar.update(s.rowsDone, { rate: 0, failed: s.rows.failed, rejected: s.rows.rejected });
      this.bar.stop();
    }
    const elapsed = s.elapsedMs / 1000;
    const r = s.rows;
    const worked = r.created + r.updated + r.exists + r.valid + r.failed;
    const summary: ImportSummary = {
      file: this.file, dryRun: this.dryRun, reportDir: this.reportDir, startedAt: this.startedAt,
      seconds: Math.round(elapsed * 100) / 100,
      rowsPerSecond: elapsed > 0 ? Math.round((worked / elapsed) * 10) / 10 : 0,
      rows: { ...r }, backends: structuredClone(s.backends), errors: { ...s.errors },
    };
    if (s.trust) summary.trust = { ...s.trust };
    if (s.cancelled) summary.interrupted = true;
    if (s.stopped) summary.stopped = { ...s.stopped };
    if (credentialsFile) summary.credentialsFile = credentialsFile;
    return summary;
  }
}

/** The summary table printed at the end of a run. */
export function renderSummary(s: ImportSummary): string {
  const r = s.rows;
  const pad = (v: string | number, n = 9) => String(v).padStart(n);
  const lines = [
    `${s.dryRun ? 'dry run of' : 'import of'} ${s.file}`,
    `  rows read   ${pad(r.read)}`,
    ...(s.dryRun
      ? [`  valid       ${pad(r.valid)}   (would be created)`, `  existing    ${pad(r.exists)}   (would be completed or skipped)`]
      : [`  created     ${pad(r.created)}`, `  updated     ${pad(r.updated)}`, `  existing    ${pad(r.exists)}`, `  failed      ${pad(r.failed)}`]),
    `  rejected    ${pad(r.rejected)}`,
  ];
  const t = s.trust;
  if (t && t.trusted + t.verified > 0) {
    lines.splice(lines.length - (s.dryRun ? 1 : 2), 0, `  trusted     ${pad(t.trusted)}   (of the existing: unchanged since an earlier run, no back-end asked; ${t.verified} checked all the same)`);
  }
  if (!s.dryRun) {
    // Mailboxes left to the server (imap.folders on-demand) get a column of their own, only then.
    const onDemand = BACKENDS.some((b) => (s.backends[b]['on demand'] ?? 0) > 0);
    lines.push(`  back-end    ${['created', 'updated', 'exists', 'failed', 'skipped', ...(onDemand ? ['on demand'] : [])].map((h, i) => pad(h, i === 5 ? 11 : 9)).join('')}`);
    for (const b of BACKENDS) {
      const c = s.backends[b];
      lines.push(`  ${b.padEnd(10)}  ${[c.created, c.updated, c.exists, c.failed, c.skipped, ...(onDemand ? [c['on demand'] ?? 0] : [])].map((v, i) => pad(v, i === 5 ? 11 : 9)).join('')}`);
    }
  }
  const codes = Object.entries(s.errors).sort((a, b) => b[1] - a[1]);
  if (codes.length) lines.push(`  errors      ${codes.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  const worked = r.created + r.updated + r.exists + r.valid + r.failed;
  // A rate of nothing is no figure: a run whose every row was rejected shows its time alone.
  lines.push(`  time        ${pad(`${s.seconds.toFixed(2)} s`)}${worked > 0 ? `   (${s.rowsPerSecond} ${s.dryRun ? 'rows' : 'users'}/s)` : ''}`);
  lines.push(`  report      ${s.reportDir}`);
  if (s.stopped) lines.push(`  STOPPED: ${s.stopped.message}`, `  the rows not in the report were not touched: run it again (or --resume ${s.reportDir}) to import the rest`);
  else if (s.interrupted) lines.push(`  INTERRUPTED before the end of the file: run it again (or --resume ${s.reportDir}) to import the rest`);
  if (s.credentialsFile) lines.push(`  passwords   ${s.credentialsFile} (mode 0600)`);
  return `${lines.join('\n')}\n`;
}
