import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { OxprovError } from '../../../../src/errors.js';
import { createTtyReader } from '../../../../src/cli/tools/read-secret-tty.js';

/** A terminal stand-in: records raw mode, lets the test type. */
class FakeTty extends EventEmitter {
  readonly isTTY = true;
  raw: boolean[] = [];
  paused = true;
  setRawMode(mode: boolean) { this.raw.push(mode); }
  resume() { this.paused = false; }
  pause() { this.paused = true; }
  type(...chunks: string[]) { for (const c of chunks) this.emit('data', Buffer.from(c)); }
}

function setup() {
  const input = new FakeTty();
  let shown = '';
  const read = createTtyReader(input, { write: (s: string) => { shown += s; } });
  return { input, read, shown: () => shown };
}

describe('createTtyReader', () => {
  it('reads without echo in raw mode and restores the terminal', async () => {
    const { input, read, shown } = setup();
    const answer = read('Password: ');
    input.type('s3', 'cr', 'et\r');
    expect(await answer).toBe('s3cret');
    expect(shown()).toBe('Password: \n');
    expect(input.raw).toEqual([true, false]);
    expect(input.paused).toBe(true);
    expect(input.listenerCount('data')).toBe(0);
  });
  it('handles backspace, Ctrl-U and ignores arrow keys', async () => {
    const { input, read } = setup();
    const answer = read('P: ');
    input.type('abx\u007f', '\u001b[D', 'zz\u0015ok', '\n');
    expect(await answer).toBe('ok');
  });
  it('keeps non-ASCII characters whole', async () => {
    const { input, read } = setup();
    const answer = read('P: ');
    input.type('Grüße€\u007f\r');
    expect(await answer).toBe('Grüße');
  });
  it('cancels on Ctrl-C with CFG_MISSING and restores the terminal', async () => {
    const { input, read } = setup();
    const answer = read('P: ').catch((e: unknown) => e);
    input.type('abc\u0003');
    const err = (await answer) as OxprovError;
    expect(err.code).toBe('CFG_MISSING');
    expect(err.message).not.toContain('abc');
    expect(input.raw).toEqual([true, false]);
  });
});
