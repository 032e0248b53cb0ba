import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BufferedOutput } from '../../../src/import/buffered-output.js';

describe('BufferedOutput', () => {
  it('waits for drains without leaving listeners behind (no MaxListenersExceededWarning)', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oxprov-buf-')), 'out.csv');
    // A tiny buffer so that every chunk needs a drain.
    const stream = fs.createWriteStream(file, { highWaterMark: 16 });
    const out = new BufferedOutput(stream);
    const before = { close: stream.listenerCount('close'), error: stream.listenerCount('error'), drain: stream.listenerCount('drain') };
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 40; i++) {
        out.write(`${'x'.repeat(70_000)}\n`);
        await out.drained();
      }
      expect(stream.listenerCount('close')).toBe(before.close);
      expect(stream.listenerCount('error')).toBe(before.error);
      expect(stream.listenerCount('drain')).toBe(before.drain);
      await out.close();
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    expect(fs.statSync(file).size).toBe(40 * 70_001);
  });
});
