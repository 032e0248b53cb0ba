import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { OxprovError } from '../errors.js';
import { BACKENDS } from '../provision/user-spec.js';
import { csvRow } from './csv-write.js';
import type { RowOutcome } from './row-outcome.js';

export const REPORT_COLUMNS = ['line', 'username', 'status', ...BACKENDS, 'error_code', 'field', 'message', 'notes', 'ms'] as const;

/**
 * Writes the report folder as rows finish: report.csv (every row), rejected.csv
 * (the raw rejected rows under the file's own header, ready to fix and import
 * again), credentials.csv (generated passwords only, mode 0600) and summary.json.
 * No password reaches report.csv or rejected.csv: messages never carry one, and
 * a rejected row's raw text is the administrator's own input file.
 */
export class ReportWriter {
  private readonly report: fs.WriteStream;
  private readonly rejected: fs.WriteStream;
  private credentials?: fs.WriteStream;

  private constructor(
    readonly dir: string,
    private readonly header: readonly string[],
    private readonly delimiter: string,
    private readonly secretColumns: ReadonlySet<string>,
  ) {
    this.report = fs.createWriteStream('', { fd: fs.openSync(path.join(dir, 'report.csv'), 'wx') });
    this.report.write(`${csvRow([...REPORT_COLUMNS])}\n`);
    // 0600: a row that could not be parsed is kept as written, and may hold a password.
    this.rejected = fs.createWriteStream('', { fd: fs.openSync(path.join(dir, 'rejected.csv'), 'wx', 0o600) });
    this.rejected.write(`${csvRow([...header], delimiter)}\n`);
  }

  /**
   * Creates the report folder; files that exist already are refused, so no report is overwritten.
   * `secretColumns` are the header names holding passwords: their cells are left empty in rejected.csv.
   */
  static open(dir: string, sourceHeader: readonly string[], delimiter: string, secretColumns: Iterable<string> = []): ReportWriter {
    fs.mkdirSync(dir, { recursive: true });
    try {
      return new ReportWriter(dir, sourceHeader, delimiter, new Set(secretColumns));
    } catch (cause) {
      throw new OxprovError('CFG_INVALID', `cannot write the report in ${dir}: ${(cause as Error).message} (a report is never overwritten: choose another --report folder)`, { field: '--report', cause });
    }
  }

  private rejectedLine(o: RowOutcome): string {
    if (!o.record || this.secretColumns.size === 0) return o.raw;
    return csvRow(this.header.map((h) => (this.secretColumns.has(h) ? '' : o.record![h] ?? '')), this.delimiter);
  }

  write(o: RowOutcome): void {
    const codes = o.errors.map((e) => e.code).join('|');
    const fields = [...new Set(o.errors.map((e) => e.field).filter(Boolean))].join('|');
    const messages = o.errors.map((e) => (e.backend ? `${e.backend}: ${e.message}` : e.message)).join(' | ');
    this.report.write(`${csvRow([o.line, o.username ?? '', o.status, ...BACKENDS.map((b) => o.steps[b] ?? ''), codes, fields, messages, o.notes.join(' | '), o.ms])}\n`);
    if (o.status === 'rejected') this.rejected.write(`${this.rejectedLine(o)}\n`);
    if (o.generatedPassword !== undefined && o.username) {
      this.credentials ??= this.openCredentials();
      this.credentials.write(`${csvRow([o.username, o.generatedPassword])}\n`);
    }
  }

  private openCredentials(): fs.WriteStream {
    const file = path.join(this.dir, 'credentials.csv');
    // Created 0600 before the first byte is written: the passwords are never readable by others.
    const fd = fs.openSync(file, 'wx', 0o600);
    const s = fs.createWriteStream('', { fd });
    s.write('username,password\n');
    return s;
  }

  get credentialsFile(): string | undefined {
    return this.credentials ? path.join(this.dir, 'credentials.csv') : undefined;
  }

  async close(summary: unknown): Promise<void> {
    const streams = [this.report, this.rejected, this.credentials].filter((s): s is fs.WriteStream => s !== undefined);
    await Promise.all(streams.map(async (s) => { s.end(); await once(s, 'close'); }));
    fs.writeFileSync(path.join(this.dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  }
}
