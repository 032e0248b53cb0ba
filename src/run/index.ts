/**
 * The run core: an import (or its dry run) and a sync (or its plan), each one run
 * recorded with its ledger, that every door drives the same way: the command line
 * (src/cli/), the page (src/web/), the tests. A door normalises its options here,
 * starts a run with `runImport` (./import-run.ts) or `runSync` (./sync-run.ts),
 * loaded when first needed (they bring the back-ends' drivers), and reads its
 * result: exit code, summary or plan, what it said, what it applied.
 */
export { normalizeImportOptions, type ImportOptionsInput } from '../import/import-options.js';
export { normalizeSyncOptions, type SyncOptionsInput } from '../sync/sync-options.js';
export type { ImportJob, ImportSnapshot } from '../import/import-job.js';
export type { ImportSummary } from '../import/import-monitor.js';
export type { PlanSummary } from '../sync/plan-files.js';
export { RUN_KEY_FILE } from '../ledger/run-recorder.js';
export type { ImportHooks, ImportRun } from './import-run.js';
export type { SyncRun } from './sync-run.js';
export type { RunStore, WorkerStats } from '../service/open-services.js';
