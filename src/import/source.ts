import type { OxprovError } from '../errors.js';

/**
 * One row as a source delivers it: either a record keyed by header name, or an
 * error that rejects this row only. Both keep `raw` so a rejected row can be written
 * back, unchanged, to a file the user fixes and imports again.
 */
export type SourceRow = SourceRecord | SourceRowError;

/** A row that was read and split into fields. */
export interface SourceRecord {
  /** 1-based line of the input where the row starts. */
  line: number;
  /** Field values keyed by header name; every header name is present. */
  record: Record<string, string>;
  /** The row's original text (decoded, without its final line break). */
  raw: string;
  /**
   * A directory source: the person's password hash as the company stores it (`{SSHA}…`), copied to
   * a user created from the entry. Outside `record`, so that no report or rejected file can show it.
   */
  passwordHash?: string;
}

/** A row that could not be read; the source carries on with the next one. */
export interface SourceRowError {
  /** 1-based line of the input where the row starts. */
  line: number;
  /** Why the row was rejected; `error.line` equals `line`. */
  error: OxprovError;
  /** The row's original text (decoded, without its final line break). */
  raw: string;
}

/**
 * What the import pipeline reads from: a header and an async iterable of rows.
 * A CSV file is one implementation; a directory (LDAP) can be another.
 */
export interface RowSource {
  /** Column names, in file order, unique. */
  readonly header: readonly string[];
  /** The rows, once. Errors on a single row arrive as `SourceRowError`; only a failure of the whole source (I/O) throws. */
  readonly rows: AsyncIterable<SourceRow>;
  /** Releases the underlying resource; safe to call twice and after the rows were read. */
  close(): Promise<void>;
}

export function isRowError(row: SourceRow): row is SourceRowError {
  return 'error' in row;
}
