import { OxprovError } from '../errors.js';

/** The encodings a CSV file may be in; `auto` tells UTF-8 from Windows-1252 by its bytes. */
export type CsvEncodingOption = 'auto' | 'utf8' | 'windows-1252';

/** Options of `openCsv`, as a caller (CLI, daemon, test) gives them. */
export interface CsvOptions {
  /** `auto` (default): UTF-8 with or without BOM, else Windows-1252 (Excel exports in Western Europe). Aliases: `utf-8`, `cp1252`. */
  encoding?: string;
  /** `auto` (default): detected from the header line among `,` `;` tab `|`. Otherwise one character; `tab` and `\t` mean a tab. */
  delimiter?: string;
  /**
   * A quoted field still open after this many physical lines is taken as an unclosed
   * quote: the row is rejected at its first line and reading resumes on the next line.
   * Default 50.
   */
  maxRecordLines?: number;
  /** Upper bound for one physical line and for one row, in characters; keeps memory flat on a broken file. Default 1,048,576. */
  maxRecordChars?: number;
}

/** `CsvOptions` after checking: every field set, frozen. */
export interface NormalizedCsvOptions {
  readonly encoding: CsvEncodingOption;
  /** A single character, or `auto`. */
  readonly delimiter: string;
  readonly maxRecordLines: number;
  readonly maxRecordChars: number;
}

const ENCODINGS: Record<string, CsvEncodingOption> = {
  auto: 'auto', utf8: 'utf8', 'utf-8': 'utf8', 'windows-1252': 'windows-1252', cp1252: 'windows-1252',
};

/** Checks the options once, at the edge, naming the option and the bad value. */
export function normalizeCsvOptions(options: CsvOptions = {}): NormalizedCsvOptions {
  const encoding = ENCODINGS[(options.encoding ?? 'auto').toLowerCase()];
  if (encoding === undefined) {
    throw new OxprovError('CFG_INVALID', `encoding must be auto, utf8 or windows-1252, got ${JSON.stringify(options.encoding)}`, { field: 'encoding', value: String(options.encoding) });
  }
  return Object.freeze({
    encoding,
    delimiter: normalizeDelimiter(options.delimiter),
    maxRecordLines: positiveInt('maxRecordLines', options.maxRecordLines, 50),
    maxRecordChars: positiveInt('maxRecordChars', options.maxRecordChars, 1 << 20),
  });
}

function normalizeDelimiter(value: string | undefined): string {
  if (value === undefined || value === 'auto') return 'auto';
  if (value === 'tab' || value === '\\t') return '\t';
  // A quote, a line break or a space cannot separate fields without making the file ambiguous.
  if (value.length !== 1 || value === '"' || value === '\r' || value === '\n' || value === ' ') {
    throw new OxprovError('CFG_INVALID', `delimiter must be auto or one character other than a quote, space or line break, got ${JSON.stringify(value)}`, { field: 'delimiter', value });
  }
  return value;
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new OxprovError('CFG_INVALID', `${name} must be a positive integer, got ${JSON.stringify(value)}`, { field: name, value: String(value) });
  }
  return value;
}
