import type fs from 'node:fs';
import { once } from 'node:events';

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

  constructor(readonly stream: fs.WriteStream) {}

  write(text: string): void {
    this.#pending += text;
    if (this.#pending.length >= CHUNK) this.flush();
  }

  /** Hands the gathered text to the stream. */
  flush(): void {
    if (this.#pending === '') return;
    const text = this.#pending;
    this.#pending = '';
    this.stream.write(text);
  }

  /** Undefined when the stream can take more, else a promise that resolves once it can. */
  drained(): Promise<void> | undefined {
    if (!this.stream.writableNeedDrain || this.stream.destroyed) return undefined;
    return once(this.stream, 'drain').then(() => undefined);
  }

  /** Flushes, ends the stream and waits until the file is closed. */
  async close(): Promise<void> {
    this.flush();
    this.stream.end();
    await once(this.stream, 'close');
  }
}
