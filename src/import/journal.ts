import fs from 'node:fs';
import path from 'node:path';
import { OxprovError, type ErrorCode } from '../errors.js';
import type { RowOutcome } from './row-outcome.js';

/** The journal's file in a report folder. Mode 0600: it holds generated passwords until their users are reported. */
export const JOURNAL_FILE = 'journal.jsonl';

/**
 * What the import records as it goes, so that the files on disk account for
 * every row touched at any moment, even after `kill -9`: the rows of a batch
 * before the batch is sent, a generated password before its user is written,
 * each row's outcome when it is done. Every record is one line written with a
 * synchronous write: nothing waits in a buffer of this process.
 */
export class JournalWriter {
  private constructor(private readonly fd: number) {}

  /** `append`: a resumed run goes on in the journal of the run it resumes. */
  static open(dir: string, append = false): JournalWriter {
    try {
      return new JournalWriter(fs.openSync(path.join(dir, JOURNAL_FILE), append ? 'a' : 'wx', 0o600));
    } catch (cause) {
      throw new OxprovError('REPORT_WRITE', `cannot write the journal in ${dir}: ${(cause as Error).message}`, { cause });
    }
  }

  /** The lines of a batch, before it is sent to the back-ends. */
  started(lines: readonly number[]): void {
    this.write({ s: lines });
  }

  /** A generated password, before its user is written. */
  password(line: number, password: string): void {
    this.write({ p: [line, password] });
  }

  /** A row's outcome (no raw text, no password). */
  done(o: RowOutcome): void {
    this.write({
      d: {
        line: o.line, username: o.username, status: o.status, steps: o.steps, notes: o.notes, ms: o.ms,
        errors: o.errors.map((e) => ({ code: e.code, message: e.message, field: e.field, value: e.value, backend: e.backend })),
      },
    });
  }

  private write(record: unknown): void {
    try {
      fs.writeSync(this.fd, `${JSON.stringify(record)}\n`);
    } catch (cause) {
      throw new OxprovError('REPORT_WRITE', `cannot write the journal: ${(cause as Error).message}`, { cause });
    }
  }

  close(): void {
    try { fs.closeSync(this.fd); } catch { /* closed already */ }
  }
}

/** What a journal says about a run that stopped. */
export interface JournalState {
  /** Rows with an outcome other than failed, by line (raw text and record come from the file again). */
  readonly done: ReadonlyMap<number, Omit<RowOutcome, 'raw' | 'record'>>;
  /** Rows sent to the back-ends without a recorded outcome, or failed: they are checked and finished. */
  readonly started: ReadonlySet<number>;
  /** Generated passwords by line, for rows whose user may already exist with it. */
  readonly passwords: ReadonlyMap<number, string>;
}

/** Reads a journal; a last line cut short by a kill is ignored. */
export function readJournal(dir: string): JournalState {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, JOURNAL_FILE), 'utf8');
  } catch (cause) {
    throw new OxprovError('CFG_INVALID', `${dir} holds no journal of an import (${JOURNAL_FILE}): it cannot be resumed`, { field: '--resume', cause });
  }
  const done = new Map<number, Omit<RowOutcome, 'raw' | 'record'>>();
  const started = new Set<number>();
  const passwords = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let r: { s?: number[]; p?: [number, string]; d?: JournaledRow };
    try {
      r = JSON.parse(line);
    } catch {
      continue;
    }
    if (r.s) for (const l of r.s) started.add(l);
    if (r.p) passwords.set(r.p[0], r.p[1]);
    if (r.d) {
      const d = r.d;
      // A failed row is not done: the resumed run provisions it again (every step can run twice).
      if (d.status === 'failed') done.delete(d.line);
      else done.set(d.line, { ...d, errors: d.errors.map((e) => new OxprovError(e.code, e.message, { field: e.field, value: e.value, backend: e.backend })) });
    }
  }
  for (const l of done.keys()) started.delete(l);
  return { done, started, passwords };
}

interface JournaledRow extends Omit<RowOutcome, 'raw' | 'record' | 'errors'> {
  errors: { code: ErrorCode; message: string; field?: string; value?: string; backend?: RowOutcome['errors'][number]['backend'] }[];
}
