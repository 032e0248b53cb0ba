import { OxprovError } from '../../errors.js';

/** The part of `process.stdin` a prompt needs; a test passes a fake. */
export interface SecretInput {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  removeListener(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

/**
 * A reader that asks for a secret on a terminal without echo: raw mode, the
 * prompt on stderr, nothing printed while typing. Enter ends the input,
 * Backspace deletes, Ctrl-U clears, Ctrl-C or Ctrl-D cancels (CFG_MISSING).
 * Escape sequences (arrow keys) are ignored.
 */
export function createTtyReader(input: SecretInput, output: { write(s: string): unknown }): (prompt: string) => Promise<string> {
  return (prompt) =>
    new Promise<string>((resolve, reject) => {
      let value = '';
      const finish = (err?: OxprovError) => {
        input.removeListener('data', onData);
        input.setRawMode?.(false);
        input.pause();
        output.write('\n');
        if (err) reject(err);
        else resolve(value);
      };
      const onData = (chunk: Buffer | string) => {
        const text = chunk.toString();
        if (text.startsWith('\u001b')) return;
        for (const ch of text) {
          if (ch === '\r' || ch === '\n') return finish();
          if (ch === '\u0003' || (ch === '\u0004' && value === '')) return finish(new OxprovError('CFG_MISSING', 'password prompt cancelled'));
          if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
          else if (ch === '\u0015') value = '';
          else if (ch >= ' ') value += ch;
        }
      };
      output.write(prompt);
      input.setRawMode?.(true);
      input.on('data', onData);
      input.resume();
    });
}
