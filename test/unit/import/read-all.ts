import { Readable } from 'node:stream';
import { openCsv, type CsvSource } from '../../../src/import/read-csv.js';
import type { CsvOptions } from '../../../src/import/read-csv-options.js';
import type { SourceRow } from '../../../src/import/source.js';

/** A row reduced to what tests compare: the record, or the error code, with the start line. */
export type Simple = { line: number; record: Record<string, string> } | { line: number; code: string };

/** Reads a whole CSV given as text or bytes (optionally cut into the given chunks). */
export async function readAll(
  input: string | Buffer | (string | Buffer)[],
  options: CsvOptions = {},
): Promise<{ source: CsvSource; rows: SourceRow[]; simple: Simple[] }> {
  const chunks = Array.isArray(input) ? input : [typeof input === 'string' ? Buffer.from(input) : input];
  // objectMode keeps the chunks exactly as cut, so boundary tests test the boundary they mean.
  const source = await openCsv(Readable.from(chunks, { objectMode: true }), options);
  const rows: SourceRow[] = [];
  for await (const row of source.rows) rows.push(row);
  const simple = rows.map((r) => ('error' in r ? { line: r.line, code: r.error.code } : { line: r.line, record: r.record }));
  return { source, rows, simple };
}

/** Splits a buffer at the given byte offsets. */
export function cut(buf: Buffer, ...at: number[]): Buffer[] {
  const parts: Buffer[] = [];
  let from = 0;
  for (const to of at) {
    parts.push(buf.subarray(from, to));
    from = to;
  }
  parts.push(buf.subarray(from));
  return parts;
}
