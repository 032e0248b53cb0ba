import cliProgress from 'cli-progress';
import type { Backend } from '../errors.js';
import type { StepOutcome } from '../provision/provisioner.js';
import { BACKENDS } from '../provision/user-spec.js';
import type { RowOutcome } from './row-outcome.js';

/** The figures of one run, as printed and as written to summary.json. */
export interface ImportSummary {
  file: string;
  dryRun: boolean;
  startedAt: string;
  seconds: number;
  rows: { read: number; created: number; updated: number; exists: number; valid: number; failed: number; rejected: number };
  backends: Record<Backend, Record<Exclude<StepOutcome, 'deleted' | 'gone'>, number>>;
  /** Rows that reached the back-ends (or would have, in a dry run) per second. */
  rowsPerSecond: number;
  /** Error codes and how often each occurred. */
  errors: Record<string, number>;
  reportDir: string;
  credentialsFile?: string;
  /** The run was stopped (SIGINT/SIGTERM) before the end of the input. */
  interrupted?: boolean;
}

export type ProgressMode = 'bar' | 'lines' | 'none';

/**
 * Owns every counter of a run, the progress display and the summary table.
 * A bar only on a terminal (cli-progress prints junk otherwise); plain lines every few seconds elsewhere.
 */
export class ImportMonitor {
  private readonly summary: ImportSummary;
  private readonly t0 = performance.now();
  private bar?: cliProgress.SingleBar;
  private timer?: NodeJS.Timeout;
  private fraction = 0;

  constructor(file: string, dryRun: boolean, reportDir: string, mode: ProgressMode, private readonly out: NodeJS.WritableStream = process.stderr) {
    const zero = () => ({ created: 0, exists: 0, updated: 0, failed: 0, skipped: 0 });
    this.summary = {
      file, dryRun, reportDir, startedAt: new Date().toISOString(), seconds: 0, rowsPerSecond: 0, errors: {},
      rows: { read: 0, created: 0, updated: 0, exists: 0, valid: 0, failed: 0, rejected: 0 },
      backends: { ldap: zero(), sql: zero(), groupware: zero(), imap: zero() },
    };
    if (mode === 'bar') {
      this.bar = new cliProgress.SingleBar({
        format: ' {bar} {percentage}% | {value} rows | {rate} rows/s | ETA {eta_formatted} | {failed} failed, {rejected} rejected',
        stream: out, hideCursor: true, clearOnComplete: false,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(100, 0, { rate: 0, failed: 0, rejected: 0 });
      this.bar.setTotal(100);
    }
    if (mode !== 'none') this.timer = setInterval(() => this.show(), mode === 'bar' ? 200 : 5000).unref();
  }

  /** Share of the input read so far (0..1), for the bar and the ETA. */
  setProgress(fraction: number): void {
    this.fraction = Math.min(1, Math.max(0, fraction));
  }

  record(o: RowOutcome): void {
    const r = this.summary.rows;
    r.read++;
    r[o.status]++;
    for (const b of BACKENDS) {
      const s = o.steps[b];
      if (s && s !== 'deleted' && s !== 'gone') this.summary.backends[b][s]++;
    }
    for (const e of o.errors) this.summary.errors[e.code] = (this.summary.errors[e.code] ?? 0) + 1;
  }

  private rate(): number {
    const s = (performance.now() - this.t0) / 1000;
    return s > 0 ? this.summary.rows.read / s : 0;
  }

  private show(): void {
    const r = this.summary.rows;
    if (this.bar) {
      // The bar counts rows; its total is extrapolated from the share of bytes read.
      const total = this.fraction > 0 ? Math.max(r.read, Math.round(r.read / this.fraction)) : r.read + 1;
      this.bar.setTotal(total);
      this.bar.update(r.read, { rate: Math.round(this.rate()), failed: r.failed, rejected: r.rejected });
    } else {
      this.out.write(`progress: ${r.read} rows (${Math.round(this.fraction * 100)}% of the file), ${Math.round(this.rate())} rows/s, ${r.failed} failed, ${r.rejected} rejected\n`);
    }
  }

  finish(credentialsFile?: string, interrupted = false): ImportSummary {
    if (interrupted) this.summary.interrupted = true;
    if (this.timer) clearInterval(this.timer);
    if (this.bar) {
      this.bar.setTotal(this.summary.rows.read);
      this.bar.update(this.summary.rows.read, { rate: Math.round(this.rate()), failed: this.summary.rows.failed, rejected: this.summary.rows.rejected });
      this.bar.stop();
    }
    const elapsed = (performance.now() - this.t0) / 1000;
    this.summary.seconds = Math.round(elapsed * 100) / 100;
    const r = this.summary.rows;
    const worked = r.created + r.updated + r.exists + r.valid + r.failed;
    this.summary.rowsPerSecond = elapsed > 0 ? Math.round((worked / elapsed) * 10) / 10 : 0;
    if (credentialsFile) this.summary.credentialsFile = credentialsFile;
    return structuredClone(this.summary);
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
  if (!s.dryRun) {
    lines.push(`  back-end    ${['created', 'updated', 'exists', 'failed', 'skipped'].map((h) => pad(h)).join('')}`);
    for (const b of BACKENDS) {
      const c = s.backends[b];
      lines.push(`  ${b.padEnd(10)}  ${[c.created, c.updated, c.exists, c.failed, c.skipped].map((v) => pad(v)).join('')}`);
    }
  }
  const codes = Object.entries(s.errors).sort((a, b) => b[1] - a[1]);
  if (codes.length) lines.push(`  errors      ${codes.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  lines.push(`  time        ${pad(`${s.seconds.toFixed(2)} s`)}   (${s.rowsPerSecond} ${s.dryRun ? 'rows' : 'users'}/s)`);
  lines.push(`  report      ${s.reportDir}`);
  if (s.interrupted) lines.push('  INTERRUPTED before the end of the file: run it again to import the rest');
  if (s.credentialsFile) lines.push(`  passwords   ${s.credentialsFile} (mode 0600)`);
  return `${lines.join('\n')}\n`;
}
