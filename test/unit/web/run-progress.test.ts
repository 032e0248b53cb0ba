import { describe, expect, it } from 'vitest';
import type { ImportSnapshot } from '../../../src/import/import-job.js';
import { progressOf } from '../../../src/web/run-progress.js';

const zero = { created: 0, updated: 0, exists: 0, failed: 0, skipped: 0, 'on demand': 0 };
const snap = (s: Partial<ImportSnapshot>): ImportSnapshot => ({
  state: 'running', rowsRead: 0, rowsDone: 0, totalIsExact: false, elapsedMs: 0, cancelled: false, errors: {},
  rows: { read: 0, created: 0, updated: 0, exists: 0, valid: 0, failed: 0, rejected: 0 },
  backends: { ldap: zero, sql: zero, groupware: zero, imap: zero }, ...s,
});

describe('the progress the page shows', () => {
  it('rows done of the estimated total, the rate and the time left', () => {
    expect(progressOf(snap({ rowsDone: 250, rowsTotal: 1000, elapsedMs: 5_000 }))).toMatchObject({ rowsDone: 250, rowsTotal: 1000, rate: 50, etaSeconds: 15, totalIsExact: false });
  });

  it('no rate and no ETA before anything is done or while the total is unknown', () => {
    expect(progressOf(snap({ elapsedMs: 0 }))).toMatchObject({ rate: 0, etaSeconds: undefined });
    expect(progressOf(snap({ rowsDone: 10, elapsedMs: 1_000 }))).toMatchObject({ rate: 10, etaSeconds: undefined });
    // An estimate that the rows done have passed is no negative time.
    expect(progressOf(snap({ rowsDone: 120, rowsTotal: 100, elapsedMs: 1_000 })).etaSeconds).toBe(0);
  });
});
