import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { describeError, OxprovError } from '../errors.js';
import { CsvDecoder, type CsvEncoding } from './detect-encoding.js';
import { CsvRecordParser } from './read-csv-records.js';
import { normalizeCsvOptions, type CsvOptions } from './read-csv-options.js';
import type { RowSource, SourceRow } from './source.js';

/** A CSV file opened for reading: its header is known, its rows are read on demand. */
export interface CsvSource extends RowSource {
  /** The delimiter in use (given or detected). */
  readonly delimiter: string;
  /** The encoding in use; undefined while the file has shown only ASCII (which reads the same in both). */
  readonly encoding: CsvEncoding | undefined;
  /** How the file is written, so that rows written back (rejected.csv) look like it: BOM, line ending, Excel's sep= line. */
  readonly format: { readonly bom: boolean; readonly eol: string; readonly sepLine: boolean };
}

/**
 * Opens a CSV file (a path or a byte stream) and reads up to its header. The rows are
 * then read as the consumer iterates, one chunk at a time, so memory stays flat
 * whatever the size of the file. A stream of strings is taken as already decoded.
 *
 * Throws OxprovError: CFG_INVALID (options), CSV_UNREADABLE, CSV_EMPTY,
 * CSV_DUPLICATE_HEADER, CSV_ENCODING, CSV_INVALID or CSV_UNCLOSED_QUOTE in the header.
 * Afterwards only an I/O failure makes `rows` throw; a bad row arrives as a row error.
 */
export async function openCsv(input: string | Readable, options: CsvOptions = {}): Promise<CsvSource> {
  const opts = normalizeCsvOptions(options);
  const stream = typeof input === 'string' ? createReadStream(input, { highWaterMark: 256 * 1024 }) : input;
  const name = typeof input === 'string' ? input : 'the input stream';
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const decoder = new CsvDecoder(opts.encoding);
  const parser = new CsvRecordParser(opts);
  let done = false;
  let closed = false;

  const step = async (): Promise<SourceRow[]> => {
    let next: IteratorResult<Buffer | string>;
    try {
      next = await chunks.next();
    } catch (err) {
      // close() during iteration destroys the stream on purpose: that ends the rows, it is not a read error.
      if (closed) {
        done = true;
        return [];
      }
      throw new OxprovError('CSV_UNREADABLE', `cannot read ${name}: ${describeError(err)}`, { cause: err });
    }
    if (next.done) {
      done = true;
      const last = parser.push(decoder.end());
      return last.concat(parser.end());
    }
    return parser.push(typeof next.value === 'string' ? next.value : decoder.write(next.value));
  };

  let early: SourceRow[] = [];
  try {
    while (parser.header === undefined && !done) early = early.concat(await step());
  } catch (err) {
    stream.destroy();
    throw err;
  }

  async function* rows(): AsyncGenerator<SourceRow> {
    try {
      yield* early;
      early = [];
      while (!done) for (const row of await step()) yield row;
    } finally {
      // Also reached when the consumer stops early (break, or an error in its loop).
      stream.destroy();
    }
  }

  return {
    header: parser.header!,
    delimiter: parser.delimiter!,
    get encoding() {
      return decoder.encoding;
    },
    format: { bom: decoder.bom, eol: parser.eol, sepLine: parser.sawSep },
    rows: rows(),
    async close() {
      closed = true;
      stream.destroy();
    },
  };
}
