import { OxprovError } from '../errors.js';
import type { SourceRow } from './source.js';
import { detectDelimiter } from './detect-delimiter.js';
import { FOREIGN_UTF8 } from './detect-encoding.js';

/** Excel's first line `sep=;` (any one character). */
const SEP_LINE = /^sep=(.)\s*$/i;
import { splitFields, type SplitResult } from './read-csv-fields.js';
import { LineSplitter, type PhysicalLine } from './read-csv-lines.js';
import type { NormalizedCsvOptions } from './read-csv-options.js';

/**
 * The CSV reader without streams: decoded text in, rows out. It groups physical lines
 * into logical records (a quoted field may span lines), takes the first non-empty
 * record as the header, and turns every other record into a row or a row error.
 *
 * Unclosed quote rule: when a quoted field is still open after `maxRecordLines`
 * physical lines or `maxRecordChars` characters, or at the end of the input, the row is
 * rejected with CSV_UNCLOSED_QUOTE at the line where it started, and the lines after
 * that first line are read again as new rows. One stray quote thus costs one row,
 * not the rest of the file.
 *
 * Rows whose cells are all empty are skipped like blank lines: Excel writes `;;;` for
 * an empty row. A row may have more cells than the header if the extra ones are empty
 * (Excel pads to its used range); fewer cells, or a non-empty extra cell, is
 * CSV_INCONSISTENT_COLUMNS. A row holding U+FFFD (bytes not valid in the file's encoding)
 * is CSV_ENCODING rather than a user created with a broken name.
 */
export class CsvRecordParser {
  /** Column names, once the header has been read. */
  header: string[] | undefined;
  /** The first line was Excel's `sep=`. */
  sawSep = false;
  /** The line ending of the header line: rows written back for this file use it too. */
  eol = '\n';
  /** The delimiter in use, once the header has been read. */
  delimiter: string | undefined;
  private readonly lines: LineSplitter;
  /** Lines of a record whose quoted field is still open. */
  private open: PhysicalLine[] = [];
  private openText = '';

  constructor(private readonly options: NormalizedCsvOptions) {
    this.lines = new LineSplitter(options.maxRecordChars);
    if (options.delimiter !== 'auto') this.delimiter = options.delimiter;
  }

  /** Reads a piece of decoded text; returns the rows it completed. */
  push(text: string): SourceRow[] {
    const lines: PhysicalLine[] = [];
    this.lines.push(text, lines);
    const out: SourceRow[] = [];
    this.feed(lines, out);
    return out;
  }

  /** Ends the input; returns the last rows. Throws CSV_EMPTY when there was no header. */
  end(): SourceRow[] {
    const lines: PhysicalLine[] = [];
    this.lines.end(lines);
    const out: SourceRow[] = [];
    this.feed(lines, out);
    while (this.open.length > 0) this.feed(this.giveUp(out, 'by the end of the file'), out);
    if (this.header === undefined) throw new OxprovError('CSV_EMPTY', 'the file is empty: no header line');
    return out;
  }

  private feed(lines: PhysicalLine[], out: SourceRow[]): void {
    for (let i = 0; i < lines.length; i++) {
      const again = this.take(lines[i], out);
      // Lines to read again go in front of the ones not read yet.
      if (again !== undefined) lines.splice(i + 1, 0, ...again);
    }
  }

  private take(line: PhysicalLine, out: SourceRow[]): PhysicalLine[] | undefined {
    if (line.overlong) {
      if (this.open.length > 0) return [...this.giveUp(out, `before the overlong line ${line.line}`), line];
      const error = new OxprovError('CSV_INVALID', `line ${line.line} is longer than ${this.options.maxRecordChars} characters; skipped`, { line: line.line });
      if (this.header === undefined) throw error;
      this.reject(out, line.line, line.text, error);
      return undefined;
    }
    if (this.open.length === 0) {
      if (line.text.length === 0) return undefined;
      // A BOM survives decoding only when the caller passed text; it is not part of the first name.
      if (line.line === 1 && line.text.charCodeAt(0) === 0xfeff) line = { ...line, text: line.text.slice(1) };
      // Excel's `sep=;` before the header names the delimiter, as Excel honours it (unless --delimiter says otherwise).
      const sep = this.header === undefined && !this.sawSep ? SEP_LINE.exec(line.text) : null;
      if (sep) {
        this.sawSep = true;
        if (this.options.delimiter === 'auto') this.delimiter = sep[1] === '\t' ? '\t' : sep[1];
        return undefined;
      }
      this.openText = line.text;
    } else {
      this.openText += this.open[this.open.length - 1].eol + line.text;
    }
    this.open.push(line);
    const delimiter = this.delimiter ?? detectDelimiter(this.open[0].text);
    const result = splitFields(this.openText, delimiter);
    if (result.kind === 'open') {
      if (this.open.length >= this.options.maxRecordLines) return this.giveUp(out, `within ${this.options.maxRecordLines} lines`);
      if (this.openText.length > this.options.maxRecordChars) return this.giveUp(out, `within ${this.options.maxRecordChars} characters`);
      return undefined;
    }
    // A quote opened on one line and "closed" by the opening quote of a field of a later row leaves text
    // after the closing quote: the quote was unclosed, and the lines after its first are rows of their own.
    if (this.open.length > 1 && this.header !== undefined && result.kind === 'junk') {
      return this.giveUp(out, `before line ${line.line}, where a quote of another row ends it`);
    }
    const start = this.open[0].line;
    if (this.header === undefined && this.open[0].eol !== '') this.eol = this.open[0].eol;
    const raw = this.openText;
    this.open = [];
    this.openText = '';
    if (this.header === undefined) this.readHeader(result, start, delimiter);
    else this.emit(result, start, raw, out);
    return undefined;
  }

  /** Rejects the open record at its first line; returns its other lines, to be read again. */
  private giveUp(out: SourceRow[], within: string): PhysicalLine[] {
    const [first, ...later] = this.open;
    this.open = [];
    this.openText = '';
    const error = new OxprovError('CSV_UNCLOSED_QUOTE', `line ${first.line}: a quoted field opened here is not closed ${within}; reading resumes on line ${first.line + 1}`, { line: first.line });
    if (this.header === undefined) throw error;
    this.reject(out, first.line, first.text, error);
    return later;
  }

  private emit(result: Exclude<SplitResult, { kind: 'open' }>, line: number, raw: string, out: SourceRow[]): void {
    const header = this.header!;
    const { fields } = result;
    if (allEmpty(fields, 0)) return;
    if (result.kind === 'junk') {
      const field = header[result.column - 1];
      return this.reject(out, line, raw, OxprovError.rowProblem('CSV_INVALID', `line ${line}: text after the closing quote in column ${result.column}${field === undefined ? '' : ` (${field})`}`, { line, field }));
    }
    if (raw.indexOf('\uFFFD') !== -1) {
      return this.reject(out, line, raw, OxprovError.rowProblem('CSV_ENCODING', `line ${line}: bytes that are not valid in the file's encoding (UTF-8, as its first line with accented letters is): save the whole file as "CSV UTF-8", or pass --encoding`, { line }));
    }
    if (raw.indexOf(FOREIGN_UTF8) !== -1) {
      return this.reject(out, line, raw, OxprovError.rowProblem('CSV_ENCODING', `line ${line}: written in UTF-8, but the file is Windows-1252 (as its first line with accented letters is): save the whole file in one encoding, or pass --encoding`, { line }));
    }
    if (fields.length < header.length || (fields.length > header.length && !allEmpty(fields, header.length))) {
      return this.reject(out, line, raw, OxprovError.rowProblem('CSV_INCONSISTENT_COLUMNS', `line ${line}: ${fields.length} cells, the header has ${header.length}`, { line }));
    }
    const record: Record<string, string> = {};
    for (let k = 0; k < header.length; k++) record[header[k]] = fields[k];
    out.push({ line, record, raw });
  }

  private reject(out: SourceRow[], line: number, raw: string, error: OxprovError): void {
    out.push({ line, error, raw });
  }

  private readHeader(result: Exclude<SplitResult, { kind: 'open' }>, line: number, delimiter: string): void {
    const names = result.fields;
    if (allEmpty(names, 0)) return;
    if (result.kind === 'junk') throw new OxprovError('CSV_INVALID', `header line ${line}: text after the closing quote in column ${result.column}`, { line });
    // Excel pads the header with empty cells up to its used range; those are not columns.
    let count = names.length;
    while (names[count - 1] === '') count--;
    const header = names.slice(0, count);
    const seen = new Set<string>();
    header.forEach((name, i) => {
      if (name.includes('\uFFFD')) {
        throw new OxprovError('CSV_ENCODING', `header line ${line}: bytes that are not valid in the file's encoding; save the file as "CSV UTF-8" or pass the encoding`, { line });
      }
      if (name === '' || name === '__proto__') {
        throw new OxprovError('CSV_INVALID', `header line ${line}: column ${i + 1} has no usable name, got ${JSON.stringify(name)}`, { line, value: name });
      }
      if (seen.has(name)) {
        throw new OxprovError('CSV_DUPLICATE_HEADER', `header line ${line}: column name "${name}" appears twice (columns ${header.indexOf(name) + 1} and ${i + 1})`, { line, field: name, value: name });
      }
      seen.add(name);
    });
    this.header = header;
    this.delimiter = delimiter;
  }
}

function allEmpty(fields: string[], from: number): boolean {
  for (let i = from; i < fields.length; i++) if (fields[i] !== '') return false;
  return true;
}
