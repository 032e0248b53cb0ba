import type { ImportSnapshot } from '../run/index.js';

/** What the page shows while an import runs. */
export interface RunProgress {
  readonly state: ImportSnapshot['state'];
  readonly rowsDone: number;
  readonly rowsTotal?: number;
  readonly totalIsExact: boolean;
  /** Rows per second since the start. */
  readonly rate: number;
  /** Seconds left at that rate, when the total is known or estimated. */
  readonly etaSeconds?: number;
  readonly rows: ImportSnapshot['rows'];
  readonly backends: ImportSnapshot['backends'];
  readonly errors: ImportSnapshot['errors'];
}

/** The job's snapshot in the page's terms: done of (estimated) total, rate, ETA. */
export function progressOf(s: ImportSnapshot): RunProgress {
  const seconds = s.elapsedMs / 1000;
  const rate = seconds > 0 ? s.rowsDone / seconds : 0;
  const etaSeconds = s.rowsTotal !== undefined && rate > 0 ? Math.max(0, Math.round((s.rowsTotal - s.rowsDone) / rate)) : undefined;
  return {
    state: s.state, rowsDone: s.rowsDone, rowsTotal: s.rowsTotal, totalIsExact: s.totalIsExact,
    rate: Math.round(rate * 10) / 10, etaSeconds, rows: s.rows, backends: s.backends, errors: s.errors,
  };
}
