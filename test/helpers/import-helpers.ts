import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { runImport, type ImportHooks, type ImportRun } from '../../src/run/import-run.js';
import type { ImportOptionsInput } from '../../src/import/import-options.js';

/** A writable that keeps what was written, for asserting on output. */
export function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({ write(c, _e, done) { chunks.push(String(c)); done(); } }) as Writable & { text: () => string };
  w.text = () => chunks.join('');
  return w;
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `oxprov-${prefix}-`));
}

export interface ImportOutput extends ImportRun { stdout: string; stderr: string; reportDir: string; report: Record<string, string>[] }

/** Runs an import the way the CLI does, into a fresh report folder, and reads report.csv back. */
export async function importFile(file: string, options: Omit<ImportOptionsInput, 'file'> = {}, hooks: ImportHooks = {}): Promise<ImportOutput> {
  const reportDir = options.resume ?? options.report ?? path.join(tmpDir('report'), 'r');
  const stdout = sink();
  const stderr = sink();
  // A resumed run takes its file and report folder from the run it continues.
  const given = options.resume ? { progress: 'none', ...options, file } : { progress: 'none', ...options, file, report: reportDir };
  const run = await runImport(given, { stdout, stderr }, hooks);
  const reportFile = path.join(reportDir, 'report.csv');
  return { ...run, stdout: stdout.text(), stderr: stderr.text(), reportDir, report: fs.existsSync(reportFile) ? readCsv(reportFile) : [] };
}

/** A tiny reader for our own report files (no embedded line breaks). */
export function readCsv(file: string): Record<string, string>[] {
  const [head, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const split = (l: string) => {
    const out: string[] = [];
    let cur = '';
    let q = false;
    for (let i = 0; i < l.length; i++) {
      const c = l[i];
      if (q) { if (c === '"' && l[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') q = false; else cur += c; }
      else if (c === '"') q = true;
      else if (c === ',') { out.push(cur); cur = ''; }
      else cur += c;
    }
    out.push(cur);
    return out;
  };
  const cols = split(head);
  return lines.filter(Boolean).map((l) => Object.fromEntries(split(l).map((v, i) => [cols[i], v])));
}

/** Writes a CSV file of rows (arrays of cells, quoted when needed) and returns its path. */
export function writeCsv(dir: string, name: string, rows: string[][], delimiter = ','): string {
  const q = (v: string) => (/[",;\t|\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${rows.map((r) => r.map(q).join(delimiter)).join('\n')}\n`);
  return file;
}
