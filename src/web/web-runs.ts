import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { OxprovError, isOxprovError, describeError, type Backend } from '../errors.js';
import { normalizeImportOptions, normalizeSyncOptions, RUN_KEY_FILE, type ImportHooks, type ImportJob, type ImportOptionsInput, type ImportSummary, type PlanSummary, type SyncOptionsInput, type RunStore, type WorkerStats } from '../run/index.js';
import { issuesOf, type RowIssue } from './row-issues.js';
import { progressOf, type RunProgress } from './run-progress.js';

export type RunKind = 'import' | 'sync';
/** A dry run or an import of a file; a plan of a sync, or the sync applied. */
export type RunMode = 'dry-run' | 'import' | 'plan' | 'apply';

/** What the page asks for: the options of `import` and `sync` that matter to a person. */
export interface RunRequest {
  readonly uploadId: string;
  readonly kind: RunKind;
  readonly mode: RunMode;
  readonly onExisting?: string;
  readonly generatePasswords?: boolean;
  readonly createGroups?: boolean;
  /** Only these back-ends (`--source_only`). */
  readonly only?: readonly Backend[];
  readonly key?: string;
  readonly feed?: string;
  /** The leaver threshold of a sync, when the administrator raises it. */
  readonly maxDisable?: number;
  /** An import (or a sync's apply) handed to this many local workers (`--workers`); its dry run (or plan) stays in the daemon. */
  readonly workers?: number;
}

/** An uploaded file (and its mapping), kept until the retention age. */
export interface UploadRecord {
  readonly id: string;
  readonly owner: string;
  readonly name: string;
  readonly size: number;
  readonly mappingName?: string;
  readonly createdAt: string;
}

/** One run as the page and the history show it; saved as web-run.json in its folder. */
export interface RunRecord {
  readonly id: string;
  readonly uploadId: string;
  readonly file: string;
  readonly mappingName?: string;
  readonly kind: RunKind;
  readonly mode: RunMode;
  /** The DN of the administrator who started it; the only one who may take its passwords. */
  readonly owner: string;
  readonly ownerName: string;
  readonly createdAt: string;
  finishedAt?: string;
  status: 'running' | 'done' | 'failed' | 'cancelled' | 'blocked' | 'interrupted';
  readonly options: Readonly<Record<string, unknown>>;
  exitCode?: number;
  /** What the run said on its error stream (never a password): why it could not run, header problems. */
  messages: string[];
  summary?: Omit<ImportSummary, 'reportDir' | 'credentialsFile'>;
  plan?: PlanSummary;
  applied?: Record<string, number>;
  /** A sync's apply handed to workers: the users each worker created or changed. */
  appliedBy?: Record<string, number>;
  credentials: 'none' | 'available' | 'downloaded';
  /** The report files that can be downloaded. */
  files: string[];
  /** An import or sync the daemon stopped during (killed): its ledger lets it be finished (`resume`). */
  resumable?: boolean;
}

/** A run of another door, as the page's history lists it (its reports are where that door wrote them). */
export interface ElsewhereRun {
  readonly id: string;
  readonly kind: string;
  readonly mode: string;
  readonly door: string;
  readonly startedBy: string;
  readonly state: string;
  readonly createdAt: string;
  readonly file: string;
  readonly counters: Readonly<Record<string, number>>;
}

/** Files of a run folder that can be downloaded; credentials.csv has its own door. */
export const REPORT_FILES = ['report.csv', 'rejected.csv', 'summary.json', 'plan.json', 'plan.csv'] as const;
const RECORD = 'web-run.json';
const ISSUES = 'issues.json';
const ID = /^[0-9TZ]{16}-[A-Za-z0-9_-]{8,32}$/;

interface Live {
  record: RunRecord;
  job?: ImportJob;
  abort: AbortController;
  issues: RowIssue[];
  done: Promise<void>;
}

const newId = (now: Date) => `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(9).toString('base64url')}`;

/** The command line's printed summary and plan: the page shows them from the run's result instead. */
const discard = (): Writable => new Writable({ write(_c, _e, done) { done(); } });

function writePrivate(file: string, data: unknown): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * The page's uploads and runs: each in a private folder under the data folder
 * (`uploads/ID/`, `runs/ID/`, 0700, files 0600), driven through the same
 * run core (src/run/) as the command line. Runs in progress live in
 * memory; finished ones are read back from their folders for the history.
 */
export class WebRuns {
  private readonly live = new Map<string, Live>();
  private closing = false;
  /** oxprov's records (the history of the other doors, a run's workers): see records(). */
  private store?: Promise<RunStore>;

  /** `setup`: the import's seam for tests (e.g. a slower mail store), as runImport's hooks. */
  constructor(private readonly dataDir: string, private readonly configFile?: string, private readonly setup?: ImportHooks['setup'], private readonly log?: (line: string) => void) {}

  /** The audit line of a page action: which run, what it is, by whom, and what it did (never a password). */
  private audit(r: RunRecord, what: string): void {
    const feed = typeof r.options.feed === 'string' ? `, feed ${r.options.feed}` : '';
    this.log?.(`${new Date().toISOString()} ui run ${r.id} (${r.kind} ${r.mode} of ${JSON.stringify(r.file)}${feed}) by ${JSON.stringify(r.ownerName)}: ${what}`);
  }

  /** What a run did, in counts, for the audit line. */
  private static did(r: RunRecord): string {
    const rows = r.summary?.rows as Record<string, unknown> | undefined;
    const counts = rows ? Object.entries(rows).filter(([k, v]) => typeof v === 'number' && v > 0 && k !== 'read') : Object.entries(r.applied ?? r.plan?.counts ?? {}).filter(([, v]) => v);
    return counts.map(([k, v]) => `${k} ${String(v)}`).join(', ') || 'nothing';
  }

  get uploadsDir(): string {
    return path.join(this.dataDir, 'uploads');
  }

  get runsDir(): string {
    return path.join(this.dataDir, 'runs');
  }

  /** A new, empty, private upload folder. */
  newUpload(): { id: string; dir: string } {
    const id = newId(new Date());
    const dir = path.join(this.uploadsDir, id);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    return { id, dir };
  }

  saveUpload(record: UploadRecord): void {
    writePrivate(path.join(this.uploadsDir, record.id, 'upload.json'), record);
  }

  upload(id: string): UploadRecord | undefined {
    return ID.test(id) ? readJson<UploadRecord>(path.join(this.uploadsDir, id, 'upload.json')) : undefined;
  }

  /**
   * Checks the request with the command line's own option checks, then starts the run.
   * @throws OxprovError WEB_NOT_FOUND for an unknown upload, CFG_INVALID for a bad option.
   */
  start(request: RunRequest, admin: { dn: string; user: string }): RunRecord {
    if (this.closing) throw new OxprovError('WEB_CONFLICT', 'the daemon is stopping: start the run again when it is back');
    const upload = this.upload(request.uploadId);
    if (upload === undefined) throw new OxprovError('WEB_NOT_FOUND', 'no such upload (deleted after its import or sync, or as too old): upload the file again', { field: 'uploadId' });
    // The history shows every run's upload id; the file is its uploader's to run.
    if (upload.owner.toLowerCase() !== admin.dn.toLowerCase()) throw new OxprovError('WEB_FORBIDDEN', 'only the administrator who uploaded this file may run it: upload it yourself', { field: 'uploadId' });
    const kind = request.kind;
    const modes: Record<RunKind, RunMode[]> = { import: ['dry-run', 'import'], sync: ['plan', 'apply'] };
    if (!modes[kind]?.includes(request.mode)) {
      throw new OxprovError('WEB_INVALID_REQUEST', `an ${String(kind)} run is ${modes[kind]?.join(' or ') ?? 'import or sync'}, got "${String(request.mode)}"`, { field: 'mode', value: String(request.mode) });
    }
    const now = new Date();
    const id = newId(now);
    const dir = path.join(this.runsDir, id);
    const uploadDir = path.join(this.uploadsDir, upload.id);
    const file = path.join(uploadDir, 'input.csv');
    const mapping = upload.mappingName ? path.join(uploadDir, 'mapping.json') : undefined;
    let start: (live: Live) => Promise<void>;
    let options: Record<string, unknown>;
    if (kind === 'import') {
      const input: ImportOptionsInput = {
        file, mapping, dryRun: request.mode === 'dry-run', onExisting: request.onExisting, generatePasswords: request.generatePasswords,
        createGroups: request.createGroups, sourceOnly: request.only?.length ? request.only.join(',') : undefined,
        report: dir, progress: 'none', config: this.configFile,
        ...(request.mode !== 'dry-run' && request.workers ? { workers: request.workers } : {}),
      };
      const o = normalizeImportOptions(input, now);
      options = { onExisting: o.onExisting, generatePasswords: o.generatePasswords, createGroups: o.createGroups, only: o.only, workers: request.workers ?? 0 };
      start = (live) => this.runImport(live, input);
    } else {
      const input: SyncOptionsInput = {
        file, mapping, key: request.key || undefined, feed: request.feed || undefined, generatePasswords: request.generatePasswords,
        createGroups: request.createGroups, planOnly: request.mode === 'plan', maxDisable: request.maxDisable, report: dir, config: this.configFile,
        ...(request.mode === 'apply' && request.workers ? { workers: request.workers } : {}),
      };
      const o = normalizeSyncOptions(input, now);
      options = { key: o.key, feed: o.feed, generatePasswords: o.generatePasswords, createGroups: o.createGroups, maxDisable: o.maxDisable, workers: request.workers ?? 0 };
      start = (live) => this.runSync(live, input);
    }
    // One run of a file at a time: a second click on "Apply" must not apply the same plan twice at once.
    const busy = [...this.live.values()].find((l) => l.record.status === 'running' && l.record.uploadId === upload.id);
    if (busy) throw new OxprovError('WEB_CONFLICT', `run ${busy.record.id} of this file is still going: wait for it to finish (or cancel it)`, { field: 'uploadId' });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const record: RunRecord = {
      id, uploadId: upload.id, file: upload.name, mappingName: upload.mappingName, kind, mode: request.mode, owner: admin.dn, ownerName: admin.user,
      createdAt: now.toISOString(), status: 'running', options, messages: [], credentials: 'none', files: [],
    };
    writePrivate(path.join(dir, RECORD), record);
    const live: Live = { record, abort: new AbortController(), issues: [], done: Promise.resolve() };
    this.live.set(id, live);
    this.audit(record, 'started');
    live.done = start(live).catch((err) => {
      live.record.status = 'failed';
      live.record.messages.push(`${isOxprovError(err) ? `${err.code}: ` : ''}${describeError(err)}`);
    }).finally(() => this.finish(live, dir));
    return record;
  }

  private async runImport(live: Live, input: ImportOptionsInput): Promise<void> {
    // Loaded when first needed: the back-ends' drivers take most of a second to load, and the daemon starts without them.
    const { runImport } = await import('../run/import-run.js');
    const run = await runImport(input, { stdout: discard(), stderr: discard() }, {
      signal: live.abort.signal, setup: this.setup, door: 'page', startedBy: live.record.ownerName,
      onJob: (job) => {
        live.job = job;
        job.onRow((o) => {
          if (o.status === 'rejected' || o.status === 'failed') live.issues.push(...issuesOf({ line: o.line, name: o.username, status: o.status, errors: o.errors }));
        });
      },
    });
    const r = live.record;
    r.exitCode = run.exitCode;
    r.messages = [...run.messages];
    if (run.summary) {
      const { reportDir: _d, credentialsFile, ...summary } = run.summary;
      r.summary = { ...summary, file: r.file };
      if (credentialsFile) r.credentials = 'available';
    }
    r.status = !run.summary ? 'failed' : run.summary.stopped ? 'failed' : run.summary.interrupted ? 'cancelled' : 'done';
  }

  private async runSync(live: Live, input: SyncOptionsInput): Promise<void> {
    const { runSync } = await import('../run/sync-run.js');
    const run = await runSync(input, { stdout: discard(), stderr: discard() }, { door: 'page', startedBy: live.record.ownerName, signal: cancellableSync(live.record) ? live.abort.signal : undefined });
    const r = live.record;
    r.exitCode = run.exitCode;
    r.messages = [...run.messages];
    const blocked = run.summary?.blocked ? run.summary : undefined;
    if (blocked) {
      // The page's own words: its field, not the command line's option.
      const leavers = blocked.counts.disable;
      r.messages = [`SYNC_TOO_MANY_LEAVERS: the plan disables ${leavers} users of feed ${blocked.feed}, more than ${blocked.maxDisable}; nothing was changed. If they really left, type ${leavers} in "Disable at most" and apply the plan again.`];
    }
    r.plan = run.summary;
    for (const e of run.entries ?? []) {
      if (e.action === 'rejected') live.issues.push(...issuesOf({ line: e.line, name: e.username || e.key, status: 'rejected', errors: e.errors }));
    }
    r.applied = run.applied && { ...run.applied };
    if (run.workers) r.appliedBy = { ...run.workers };
    if (run.credentialsFile) r.credentials = 'available';
    r.status = run.summary?.blocked ? 'blocked' : live.abort.signal.aborted && run.exitCode !== 0 ? 'cancelled' : run.exitCode === 2 ? 'failed' : 'done';
  }

  private finish(live: Live, dir: string): void {
    const r = live.record;
    // Nothing here may throw: an error would leave the run "running" (busy for ever, its file
    // refused as in use) and reject a promise nobody waits on, which ends the daemon.
    const tidy = (what: string, f: () => void) => {
      try {
        f();
      } catch (err) {
        r.messages.push(`could not delete ${what}: ${describeError(err)}`);
      }
    };
    // The run's key opens the generated passwords sealed in its ledger, so that a killed run can be
    // finished. credentials.csv must be the one copy of the passwords, deleted once downloaded: the key
    // goes when the run ends.
    tidy('the key of the run', () => fs.rmSync(path.join(dir, RUN_KEY_FILE), { force: true }));
    // The uploaded file may hold a password column: once an import or a sync has written from it,
    // it is not kept for weeks. A dry run or plan keeps it for the run that follows; a failed or
    // blocked run too, to be tried again. The retention sweep takes what is left.
    if ((r.mode === 'import' || r.mode === 'apply') && (['done', 'cancelled'] as RunRecord['status'][]).includes(r.status)) {
      tidy('the uploaded file', () => fs.rmSync(path.join(this.uploadsDir, r.uploadId), { recursive: true, force: true }));
    }
    r.finishedAt = new Date().toISOString();
    this.audit(r, `${r.status}: ${WebRuns.did(r)}`);
    live.job = undefined;
    try {
      r.files = REPORT_FILES.filter((f) => fs.existsSync(path.join(dir, f)));
      writePrivate(path.join(dir, ISSUES), live.issues);
      writePrivate(path.join(dir, RECORD), r);
      // Saved: read back from the folder from now on, so that the rows of finished runs are not
      // held in memory for the weeks the folders are kept.
      this.live.delete(r.id);
    } catch {
      // The folder went away (retention, an operator): the run stays visible until the daemon stops.
    }
  }

  /**
   * Tidies the runs a daemon left when it was killed during them (no close()): they are marked
   * interrupted; the key that opens their sealed passwords goes; a credentials.csv they
   * wrote can still be taken once by their administrator. Called once, before the first request.
   */
  recover(): void {
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.runsDir);
    } catch {
      return;
    }
    for (const n of names) {
      if (!ID.test(n) || this.live.has(n)) continue;
      const dir = path.join(this.runsDir, n);
      const r = readJson<RunRecord>(path.join(dir, RECORD));
      if (!r || r.status !== 'running') continue;
      try {
        // An import or a sync that wrote keeps its ledger in oxprov's records: it can be finished, with
        // the key that opens the passwords it generated and the uploaded file it reads. Others lose the key.
        const resumable = (r.mode === 'import' || r.mode === 'apply') && fs.existsSync(path.join(dir, 'run.json')) && fs.existsSync(path.join(this.uploadsDir, r.uploadId));
        if (!resumable) fs.rmSync(path.join(dir, RUN_KEY_FILE), { force: true });
        r.status = 'interrupted';
        r.resumable = resumable;
        r.messages = [...(r.messages ?? []), `the daemon stopped during this run: see report.csv for the rows it did${resumable ? '; resume it to finish it' : ''}`];
        r.credentials = fs.existsSync(path.join(dir, 'credentials.csv')) ? 'available' : 'none';
        r.files = REPORT_FILES.filter((f) => fs.existsSync(path.join(dir, f)));
        writePrivate(path.join(dir, RECORD), r);
      } catch {
        // Not ours to change: get() still shows it as interrupted.
      }
    }
  }

  /**
   * Finishes an import or sync the daemon was killed during, from its ledger (`--resume`): rows it
   * did are reported as they were, rows it had started are checked and finished, the rest done; its
   * credentials.csv then lists every user it created. Only by the administrator who started it.
   */
  resume(id: string, admin: { dn: string; user: string }): RunRecord {
    if (this.closing) throw new OxprovError('WEB_CONFLICT', 'the daemon is stopping: resume the run when it is back');
    const r = this.get(id);
    if (!r) throw new OxprovError('WEB_NOT_FOUND', 'no such run (it may have been deleted as too old)', { field: 'id' });
    if (r.owner.toLowerCase() !== admin.dn.toLowerCase()) throw new OxprovError('WEB_FORBIDDEN', 'only the administrator who started this run may resume it');
    if (r.status !== 'interrupted' || !r.resumable) throw new OxprovError('WEB_CONFLICT', `this run is ${r.status}: only an import or sync the daemon stopped during can be resumed`, { field: 'id' });
    const dir = path.join(this.runsDir, id);
    const record: RunRecord = { ...r, status: 'running', resumable: false, finishedAt: undefined, messages: [...r.messages, `resumed by ${admin.user}`] };
    writePrivate(path.join(dir, RECORD), record);
    const live: Live = { record, abort: new AbortController(), issues: [], done: Promise.resolve() };
    this.live.set(id, live);
    this.audit(record, `resumed by ${JSON.stringify(admin.user)}`);
    const start = r.kind === 'import'
      ? this.runImport(live, { file: '', resume: dir, progress: 'none' })
      : this.runSync(live, { file: '', resume: dir });
    live.done = start.catch((err) => {
      live.record.status = 'failed';
      live.record.messages.push(`${isOxprovError(err) ? `${err.code}: ` : ''}${describeError(err)}`);
    }).finally(() => this.finish(live, dir));
    return record;
  }

  /** A run, live or from its folder. */
  get(id: string): RunRecord | undefined {
    const live = this.live.get(id)?.record;
    if (live) return live;
    if (!ID.test(id)) return undefined;
    const saved = readJson<RunRecord>(path.join(this.runsDir, id, RECORD));
    // Saved as running but not running here: the daemon stopped during it.
    if (saved && saved.status === 'running') saved.status = 'interrupted';
    return saved;
  }

  /** The live progress of an import, while it runs. */
  progress(id: string): RunProgress | undefined {
    const job = this.live.get(id)?.job;
    return job ? progressOf(job.snapshot()) : undefined;
  }

  /** The rejected and failed rows of a run. */
  issues(id: string): readonly RowIssue[] {
    const live = this.live.get(id);
    if (live) return live.issues;
    return (ID.test(id) ? readJson<RowIssue[]>(path.join(this.runsDir, id, ISSUES)) : undefined) ?? [];
  }

  /** The plan of a sync (plan.json's entries). */
  planEntries(id: string): readonly PlanFileEntry[] {
    const r = this.get(id);
    if (!r || r.kind !== 'sync' || r.status === 'running') return [];
    return readJson<{ entries?: PlanFileEntry[] }>(path.join(this.runsDir, id, 'plan.json'))?.entries ?? [];
  }

  /** Stops an import after the batches in flight (they are reported). */
  cancel(id: string): RunRecord {
    const live = this.live.get(id);
    if (!live || live.record.status !== 'running') {
      const r = live?.record ?? this.get(id);
      if (!r) throw new OxprovError('WEB_NOT_FOUND', 'no such run', { field: 'id' });
      throw new OxprovError('WEB_CONFLICT', `the run has ended already (${r.status}): there is nothing to cancel`, { field: 'id' });
    }
    // A sync's apply handed to workers stops at a batch's end (no worker takes another); one in the daemon applies its plan in one go.
    if (live.record.kind !== 'import' && !cancellableSync(live.record)) throw new OxprovError('WEB_INVALID_REQUEST', 'a sync applies its plan in one go and cannot be stopped halfway (unless it is handed to workers)', { field: 'id' });
    this.audit(live.record, live.record.kind === 'import' ? `cancel asked (${live.job?.snapshot().rowsDone ?? 0} rows done)` : 'cancel asked');
    live.abort.abort();
    return live.record;
  }

  /** Newest first. */
  list(): RunRecord[] {
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.runsDir);
    } catch {
      // none yet
    }
    const records = names.filter((n) => ID.test(n)).map((n) => this.get(n)).filter((r): r is RunRecord => r !== undefined);
    for (const l of this.live.values()) if (!records.some((r) => r.id === l.record.id)) records.push(l.record);
    return records.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** The path of a report file of a finished run, or undefined. */
  reportFile(id: string, name: string): string | undefined {
    const r = this.get(id);
    if (!r || r.status === 'running' || !(REPORT_FILES as readonly string[]).includes(name)) return undefined;
    const file = path.join(this.runsDir, id, name);
    return fs.existsSync(file) ? file : undefined;
  }

  /**
   * The generated passwords of a run, once, to the administrator who ran it;
   * the file is deleted from the server as it is handed out.
   * @throws OxprovError WEB_FORBIDDEN for another administrator, WEB_GONE when already taken.
   */
  takeCredentials(id: string, dn: string): Buffer {
    const r = this.get(id);
    if (!r) throw new OxprovError('WEB_NOT_FOUND', 'no such run', { field: 'id' });
    if (r.owner.toLowerCase() !== dn.toLowerCase()) throw new OxprovError('WEB_FORBIDDEN', 'only the administrator who ran it may download its passwords');
    if (r.status === 'running') throw new OxprovError('WEB_INVALID_REQUEST', 'the run is still going: its passwords are handed out when it has finished');
    const file = path.join(this.runsDir, id, 'credentials.csv');
    if (r.credentials !== 'available' || !fs.existsSync(file)) throw new OxprovError('WEB_GONE', 'the passwords of this run were downloaded already (or it generated none); they are not kept on the server');
    const data = fs.readFileSync(file);
    fs.rmSync(file, { force: true });
    r.credentials = 'downloaded';
    writePrivate(path.join(this.runsDir, id, RECORD), r);
    this.audit(r, `credentials.csv downloaded (${Math.max(0, data.toString('utf8').trim().split('\n').length - 1)} passwords) and deleted from the server`);
    return data;
  }

  /** True for the folder of a run in progress or of the upload it reads (kept by the retention sweep). */
  busy(name: string): boolean {
    for (const l of this.live.values()) if (l.record.status === 'running' && (l.record.id === name || l.record.uploadId === name)) return true;
    return false;
  }

  /** Forgets finished runs whose folders are gone. */
  forget(names: readonly string[]): void {
    for (const n of names) if (this.live.get(n)?.record.status !== 'running') this.live.delete(n);
  }

  /** Stops the imports in progress and waits for them (their reports are written). */
  /**
   * The runs of the other doors (the command line, other daemons), from oxprov's records: the page's
   * history shows them beside its own. Empty when the records cannot be read (the page goes on).
   */
  async elsewhere(limit: number): Promise<ElsewhereRun[]> {
    try {
      const store = await this.records();
      const own = path.resolve(this.runsDir);
      return (await store.list(limit))
        .filter((r) => !(r.reportDir && path.resolve(r.reportDir).startsWith(`${own}${path.sep}`)))
        .map((r) => ({ id: r.id, kind: r.kind, mode: r.mode, door: r.door, startedBy: r.startedBy, state: r.state, createdAt: r.createdAt,
          file: typeof r.source.file === 'string' ? path.basename(r.source.file) : String(r.source.directory ?? ''), counters: r.counters }));
    } catch {
      this.forgetRecords();
      return [];
    }
  }

  /**
   * The workers of a run handed to them, from its ledger (src/provision/run-store.ts): each one's rows,
   * batches and pace, while the run goes and after. Empty for a run in the daemon alone, or when the
   * records cannot be read (the page goes on).
   */
  async workers(record: RunRecord): Promise<WorkerStats[]> {
    if (!record.options.workers || record.mode === 'dry-run' || record.mode === 'plan') return [];
    try {
      const store = await this.records();
      const run = await store.byReportDir(path.resolve(this.runsDir, record.id));
      return run ? await store.workers(run.id) : [];
    } catch {
      this.forgetRecords();
      return [];
    }
  }

  /** oxprov's records, opened once (when first asked for) and kept until the daemon closes; opened again after a failure. */
  private records(): Promise<RunStore> {
    this.store ??= (async () => {
      const { loadConfig } = await import('../config/load-config.js');
      const { openRunStore } = await import('../service/open-services.js');
      return openRunStore(loadConfig({ file: this.configFile }));
    })();
    return this.store;
  }

  /** The records could not be read: closed, to be opened again when next asked for. */
  private forgetRecords(): void {
    const store = this.store;
    this.store = undefined;
    store?.then((x) => x.close()).catch(() => {});
  }

  async close(): Promise<void> {
    this.closing = true;
    const store = this.store;
    this.store = undefined;
    await store?.then((x) => x.close()).catch(() => {});
    for (const l of this.live.values()) l.abort.abort();
    await Promise.allSettled([...this.live.values()].map((l) => l.done));
  }

  /** Waits for a run (tests). */
  async settled(id: string): Promise<void> {
    await this.live.get(id)?.done;
  }
}

/** A sync's apply handed to workers: the page can stop it (no worker takes another of its batches). */
function cancellableSync(r: RunRecord): boolean {
  return r.kind === 'sync' && r.mode === 'apply' && typeof r.options.workers === 'number' && r.options.workers > 0;
}

/** One entry of plan.json. */
export interface PlanFileEntry {
  readonly action: string;
  readonly line?: number;
  readonly key: string;
  readonly username: string;
  readonly changes: readonly { attribute: string; old: string[]; new: string[] }[];
  readonly errors: readonly { code: string; field?: string; value?: string; message: string }[];
  readonly notes: readonly string[];
}

/** The error stream of a run as lines, without the command's prefix. */