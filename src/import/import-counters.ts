import type { Backend } from '../model/backends.js';
import { BACKENDS } from '../model/backends.js';
import type { StepOutcome } from '../model/outcomes.js';
import type { RowOutcome } from './row-outcome.js';

export type RowCounts = { read: number; created: number; updated: number; exists: number; valid: number; failed: number; rejected: number };
export type BackendCounts = Record<Backend, Record<Exclude<StepOutcome, 'deleted' | 'gone'>, number>>;

/** Every counter of a run, in one place: rows by status, back-end steps by outcome, errors by code. */
export class ImportCounters {
  readonly rows: RowCounts = { read: 0, created: 0, updated: 0, exists: 0, valid: 0, failed: 0, rejected: 0 };
  readonly backends: BackendCounts;
  readonly errors: Record<string, number> = {};

  constructor() {
    const zero = () => ({ created: 0, exists: 0, updated: 0, failed: 0, skipped: 0, 'on demand': 0 });
    this.backends = { ldap: zero(), sql: zero(), groupware: zero(), imap: zero() };
  }

  record(o: RowOutcome): void {
    this.rows.read++;
    this.rows[o.status]++;
    for (const b of BACKENDS) {
      const s = o.steps[b];
      if (s && s !== 'deleted' && s !== 'gone') this.backends[b][s]++;
    }
    for (const e of o.errors) this.errors[e.code] = (this.errors[e.code] ?? 0) + 1;
  }

  /** A copy, safe to hand out. */
  copy(): { rows: RowCounts; backends: BackendCounts; errors: Record<string, number> } {
    return structuredClone({ rows: this.rows, backends: this.backends, errors: this.errors });
  }
}
