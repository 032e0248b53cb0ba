import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { OxprovError } from '../errors.js';
import { BACKENDS } from '../model/backends.js';
import { BufferedOutput } from './buffered-output.js';
import { csvCell, csvDataRow, csvRow } from './csv-write.js';
import type { RowOutcome } from './row-outcome.js';

/** The column of rejected.csv that holds each row's line in the original file; an import of that file reports those lines. */
export const LINE_COLUMN = 'oxprov_line';

/** How the source file is written. */
export interface SourceFormat {
  /** Known once the file has shown a non-ASCII byte; until then ASCII reads the same in every encoding. */
  encoding(): 'utf8' | 'windows-1252' | undefined;
  readonly format: { readonly bom: boolean; readonly eol: string; readonly sepLine: boolean };
}

const UTF8_LF: SourceFormat = { encoding: () => 'utf8', format: { bom: false, eol: '\n', sepLine: false } };

export const REPORT_COLUMNS = ['line', 'username', 'status', ...BACKENDS, 'error_code', 'field', 'value', 'message', 'notes', 'ms'] as const;

/**
 * Writes the report folder as rows finish: report.csv (every row), rejected.csv
 * (the raw rejected rows under the file's own header, ready to fix and import
 * again), credentials.csv (generated passwords only, mode 0600) and summary.json.
 * No password reaches report.csv or rejected.csv: messages never carry one, and
 * a rejected row's raw text is the administrator's own input file.
 */
export class ReportWriter {
  private readonly report: BufferedOutput;
  private readonly rejected: BufferedOutput;
  private credentials?: BufferedOutput;

  private constructor(
    readonly dir: string,
    private readonly header: readonly string[],
    private readonly delimiter: string,
    private readonly secretColumns: ReadonlySet<string>,
    private readonly resume: boolean,
    private readonly source: SourceFormat,
    /** A source column that names each row besides its line (`dn` for a directory): the report's second column. */
    private readonly idColumn?: string,
  ) {
    // A resumed run writes the whole report anew (the ledger holds what the stopped run did).
    const flags = resume ? 'w' : 'wx';
    this.report = new BufferedOutput(fs.createWriteStream('', { fd: fs.openSync(path.join(dir, 'report.csv'), flags, 0o600) }));
    this.report.write(`${csvRow(idColumn ? ['line', idColumn, ...REPORT_COLUMNS.slice(1)] : [...REPORT_COLUMNS])}\n`);
    // 0600: a row that could not be parsed is kept as written, and may hold a password.
    // Written as the source was (encoding, BOM, line ending, Excel's sep= line), so that German Excel
    // opens it as it opened the export; the last column keeps each row's line in the original file.
    const encode = (text: string) => (source.encoding() === 'windows-1252' ? iconv.encode(text, 'windows-1252') : Buffer.from(text, 'utf8'));
    this.rejected = new BufferedOutput(fs.createWriteStream('', { fd: fs.openSync(path.join(dir, 'rejected.csv'), flags, 0o600) }), encode);
    const eol = source.format.eol;
    this.rejected.write(`${source.format.bom ? '\uFEFF' : ''}${source.format.sepLine ? `sep=${delimiter}${eol}` : ''}${csvDataRow([...header, LINE_COLUMN], delimiter)}${eol}`);
  }

  /**
   * Creates the report folder; files that exist already are refused, so no report is overwritten.
   * `secretColumns` are the header names holding passwords: their cells are left empty in rejected.csv.
   */
  static open(dir: string, sourceHeader: readonly string[], delimiter: string, secretColumns: Iterable<string> = [], options: { resume?: boolean; source?: SourceFormat; idColumn?: string } = {}): ReportWriter {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // The file's header without our own line column: a rejected.csv imported again and rejected again keeps one.
    const header = sourceHeader.filter((h) => h.trim().toLowerCase() !== LINE_COLUMN);
    try {
      return new ReportWriter(dir, header, delimiter, new Set(secretColumns), options.resume ?? false, options.source ?? UTF8_LF, options.idColumn);
    } catch (cause) {
      throw new OxprovError('CFG_INVALID', `cannot write the report in ${dir}: ${(cause as Error).message} (a report is never overwritten: choose another --report folder)`, { field: '--report', cause });
    }
  }

  private rejectedLine(o: RowOutcome): string {
    const line = o.record?.[LINE_COLUMN] || String(o.line);
    // A row whose structure is broken is kept as written; its line goes after it.
    if (!o.record) return `${o.raw}${this.delimiter}${line}`;
    // Exact values: rejected.csv is imported again, so `+49 30 …` must stay as it was.
    return csvDataRow([...this.header.map((h) => (this.secretColumns.has(h) ? '' : o.record![h] ?? '')), line], this.delimiter);
  }

  write(o: RowOutcome): void {
    let line = `${csvCell(o.line)},${this.idColumn ? `${csvCell(o.record?.[this.idColumn])},` : ''}${csvCell(o.username)},${csvCell(o.status)}`;
    for (const b of BACKENDS) line += `,${csvCell(o.steps[b])}`;
    if (o.errors.length === 0) line += ',,,,';
    else {
      const codes = o.errors.map((e) => e.code).join('|');
      const fields = [...new Set(o.errors.map((e) => e.field).filter(Boolean))].join('|');
      // The offending values (an error never carries a password's): the cell a person fixes.
      const values = o.errors.map((e) => e.value).filter((v) => v !== undefined).join('|');
      const messages = o.errors.map((e) => (e.backend ? `${e.backend}: ${e.message}` : e.message)).join(' | ');
      line += `,${csvCell(codes)},${csvCell(fields)},${csvCell(values)},${csvCell(messages)}`;
    }
    line += `,${csvCell(o.notes.length === 1 ? o.notes[0] : o.notes.join(' | '))},${csvCell(o.ms)}\n`;
    this.report.write(line);
    if (o.status === 'rejected') this.rejected.write(`${this.rejectedLine(o)}${this.source.format.eol}`);
    if (o.generatedPassword !== undefined && o.username) {
      this.credentials ??= this.openCredentials();
      // Not gathered: each password reaches the file as soon as its user exists.
      // Exact values: a formula guard would change a password that starts with = + or -.
      this.credentials.write(`${csvDataRow([o.username, o.generatedPassword, o.mail ?? '', o.displayName ?? ''])}\n`);
      this.credentials.flush();
    }
  }

  /**
   * Undefined while the files can take more rows, else a promise that resolves
   * when they can: the pipeline waits on it, so a slow disk slows the import
   * instead of filling memory with report lines.
   */
  drained(): Promise<void> | undefined {
    const report = this.report.drained();
    const rejected = this.rejected.drained();
    if (report === undefined) return rejected;
    return rejected === undefined ? report : Promise.all([report, rejected]).then(() => undefined);
  }

  private openCredentials(): BufferedOutput {
    const file = path.join(this.dir, 'credentials.csv');
    // A resumed run writes the file anew: every user the run created is reported again, with the
    // password its ledger holds (sealed), those the stopped run reported and those it could not.
    // Created 0600 before the first byte is written: the passwords are never readable by others.
    const out = new BufferedOutput(fs.createWriteStream('', { fd: fs.openSync(file, this.resume ? 'w' : 'wx', 0o600) }));
    // Mail and name beside each password, for the letter or mail merge that hands them out.
    out.write('username,password,mail,displayname\n');
    return out;
  }

  get credentialsFile(): string | undefined {
    const file = path.join(this.dir, 'credentials.csv');
    return this.credentials || (this.resume && fs.existsSync(file)) ? file : undefined;
  }

  async close(summary: unknown): Promise<void> {
    const closed = await Promise.allSettled([this.report.close(), this.rejected.close(), this.credentials?.close()]);
    fs.writeFileSync(path.join(this.dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`, { mode: 0o600 });
    const failed = closed.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
