import { isAscii, isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { OxprovError } from '../errors.js';
import type { CsvEncodingOption } from './read-csv-options.js';

/** The encodings a file may turn out to be in. */
export type CsvEncoding = 'utf8' | 'windows-1252';

/**
 * Decodes a byte stream chunk by chunk, telling UTF-8 from Windows-1252 when asked to.
 *
 * The decision is lazy: ASCII reads the same in both, so it waits for the first
 * non-ASCII byte (an Excel export is often pure ASCII for thousands of lines before the
 * first "Müller") and then weighs the rest of that line: UTF-8 when it holds more
 * well-formed multi-byte sequences than stray bytes (Windows-1252 text almost never
 * forms such sequences). A file is one encoding: the rows in the other one are
 * rejected, whichever came first: bytes that are not UTF-8 in a UTF-8 file decode to
 * U+FFFD, UTF-8 sequences in a Windows-1252 file to {@link FOREIGN_UTF8}. A
 * UTF-8 sequence cut at a chunk boundary is held back and joined with the next chunk,
 * both for the decision and for decoding. Bytes that are invalid later on decode to
 * U+FFFD, which the record parser rejects row by row (CSV_ENCODING).
 */
export class CsvDecoder {
  /** The encoding in use; undefined while `auto` has seen only ASCII. */
  encoding: CsvEncoding | undefined;
  /** The input started with a UTF-8 byte order mark. */
  bom = false;
  private pending: Buffer | undefined;
  private atStart = true;
  /** The encoding was decided from the file (not given): rows in the other one are marked, to be rejected. */
  private readonly detected: boolean;

  constructor(option: CsvEncodingOption) {
    this.encoding = option === 'auto' ? undefined : option;
    this.detected = option === 'auto';
  }

  write(chunk: Buffer): string {
    return this.decode(chunk, false);
  }

  /** Flushes held-back bytes at the end of the input. */
  end(): string {
    return this.decode(Buffer.alloc(0), true);
  }

  private decode(chunk: Buffer, final: boolean): string {
    let buf = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    if (this.atStart) {
      // A BOM needs 3 bytes to be recognised; a first chunk that short is rare but legal.
      if (buf.length < 3 && !final) return this.hold(buf);
      this.atStart = false;
      if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
        throw new OxprovError('CSV_ENCODING', 'the file is UTF-16 ("Unicode text" in Excel); save it as "CSV UTF-8" instead');
      }
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf && this.encoding !== 'windows-1252') {
        this.encoding = 'utf8';
        this.bom = true;
        buf = buf.subarray(3);
      }
    }
    if (this.encoding === undefined) {
      if (isAscii(buf)) return buf.toString('latin1');
      let first = 0;
      while (buf[first] < 0x80) first++;
      const rest = buf.subarray(first);
      const cut = final ? 0 : incompleteUtf8Tail(rest);
      if (cut === rest.length) {
        // Only the start of one sequence so far: decide when its end arrives.
        this.pending = Buffer.from(rest);
        return buf.toString('latin1', 0, first);
      }
      // A file is one encoding, the one of its first line with a non-ASCII character.
      const lineEnd = rest.indexOf(0x0a);
      this.encoding = looksLikeUtf8(rest.subarray(0, lineEnd < 0 ? rest.length - cut : lineEnd)) ? 'utf8' : 'windows-1252';
    }
    if (this.encoding === 'windows-1252') {
      if (!this.detected) return iconv.decode(buf, 'windows-1252');
      // A UTF-8 sequence cut at the chunk's end waits for the rest, to be recognised as one.
      const cut = final ? 0 : incompleteUtf8Tail(buf);
      if (cut > 0) this.pending = Buffer.from(buf.subarray(buf.length - cut));
      return markUtf8(buf.subarray(0, buf.length - cut));
    }
    const cut = final ? 0 : incompleteUtf8Tail(buf);
    if (cut > 0) this.pending = Buffer.from(buf.subarray(buf.length - cut));
    return iconv.decode(buf.subarray(0, buf.length - cut), 'utf8', { stripBOM: false });
  }

  private hold(buf: Buffer): string {
    this.pending = Buffer.from(buf);
    return '';
  }
}

/**
 * Stands for a UTF-8 sequence found in a file read as Windows-1252: the record
 * parser rejects its row (CSV_ENCODING) instead of storing "MÃ¼ller". A noncharacter,
 * which no Windows-1252 byte decodes to.
 */
export const FOREIGN_UTF8 = '\uFFFE';

/** Windows-1252 text with every well-formed UTF-8 multi-byte sequence replaced by {@link FOREIGN_UTF8}. */
function markUtf8(buf: Buffer): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < buf.length; i++) {
    const size = utf8SequenceAt(buf, i);
    if (size < 2) continue;
    out += iconv.decode(buf.subarray(from, i), 'windows-1252') + FOREIGN_UTF8;
    i += size - 1;
    from = i + 1;
  }
  return from === 0 ? iconv.decode(buf, 'windows-1252') : out + iconv.decode(buf.subarray(from), 'windows-1252');
}

/** The length of the well-formed UTF-8 multi-byte sequence starting at `i`, else 0. */
function utf8SequenceAt(buf: Buffer, i: number): number {
  const b = buf[i];
  const size = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
  if (size === 0 || i + size > buf.length) return 0;
  for (let k = 1; k < size; k++) if ((buf[i + k] & 0xc0) !== 0x80) return 0;
  return size;
}

/** True when `buf` holds more well-formed UTF-8 multi-byte sequences than bytes that fit none. */
export function looksLikeUtf8(buf: Buffer): boolean {
  if (isUtf8(buf)) return true;
  let good = 0;
  let bad = 0;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if (b < 0x80) continue;
    const size = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    let ok = size > 0 && i + size <= buf.length;
    for (let k = 1; ok && k < size; k++) ok = (buf[i + k] & 0xc0) === 0x80;
    if (ok) { good++; i += size - 1; } else bad++;
  }
  return good > bad;
}

/** Number of bytes at the end of `buf` that start a UTF-8 sequence whose remaining bytes are missing. */
function incompleteUtf8Tail(buf: Buffer): number {
  const n = buf.length;
  for (let k = 1; k <= 3 && k <= n; k++) {
    const b = buf[n - k];
    if ((b & 0xc0) === 0x80) continue;
    if (b < 0xc0) return 0;
    const size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return size > k ? k : 0;
  }
  return 0;
}
