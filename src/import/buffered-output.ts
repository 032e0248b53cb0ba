import type fs from 'node:fs';
import { once } from 'node:events';
import { OxprovError } from '../errors.js';

/** Text is handed to the stream in pieces of about this many characters. */
const CHUNK = 64 * 1024;

/**
 * A file written line by line at the rate of an import (100,000 lines a second):
 * lines are gathered into chunks of about 64 KB before they reach the stream.
 * One stream write per line costs a Buffer, a queue entry and a callback each,
 * kept alive until the disk write completes, so the collector has to move them
 * to the old generation; a chunk costs that once per thousand lines.
 *
 * The stream's backpressure is passed on: {@link drained} resolves when the
 * stream has taken in what it holds, and a caller that awaits it between rows
 * keeps memory flat on a slow disk.
 */
export class BufferedOutput {
  #pending = '';
  #error: Error | undefined;

  /** `encode`: how text becomes bytes (default UTF-8), e.g. Windows-1252 for a file written back for Excel. */
  constructor(readonly stream: fs.WriteStream, private readonly encode?: (text: string) => Buffer) {
    // A full disk must end the run with a clear error, not crash it with an unhandled 'error' event.
    stream.on('error', (err) => { this.#error ??= err; });
  }

  /** The write error, as a stable OxprovError, if the file could not be written. */
  get error(): OxprovError | undefined {
    const e = this.#error;
    return e && new OxprovError('REPORT_WRITE', `cannot write ${String(this.stream.path || 'a report file')}: ${e.message}`, { cause: e });
  }

  write(text: string): void {
    this.#pending += text;
    if (this.#pending.length >= CHUNK) this.flush();
  }

  /** Hands the gathered text to the stream. */
  flush(): void {
    if (this.#pending === '') return;
    const text = this.#pending;
    this.#pending = '';
    this.stream.write(this.encode ? this.encode(text) : text);
  }

  /** Undefined when the stream can take more, else a promise that resolves once it can. */
  drained(): Promise<void> | undefined {
    if (this.#error) return Promise.reject(this.error);
    if (!this.stream.writableNeedDrain || this.stream.destroyed) return undefined;
    // One listener of each kind, both removed whichever comes first: `once()` in a race would
    // leave the loser's listeners behind, 11 of them after a few drains (MaxListenersExceededWarning).
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        if (this.#error) reject(this.error);
        else resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
  }

  /** Flushes, ends the stream and waits until the file is closed. */
  async close(): Promise<void> {
    if (!this.stream.destroyed) {
      this.flush();
      const closed = once(this.stream, 'close');
      this.stream.end();
      await closed;
    }
    if (this.#error) throw this.error;
  }
}
