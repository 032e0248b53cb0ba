import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { OxprovError, describeError } from '../errors.js';
import { createRowMapper, inMemorySchema, parseMapping, STANDARD_ATTRIBUTES, type AttributeSchema, type Mapping } from '../mapping/index.js';
import { loadTemplates, openServices, type ServiceSetup, type Services } from '../service/open-services.js';
import { UserService } from '../service/user-service.js';
import { ImportJob } from '../import/import-job.js';
import { ImportMonitor, renderSummary, type ImportSummary, type ProgressMode } from '../import/import-monitor.js';
import { normalizeImportOptions, RUN_FILE, runRecord, type ImportOptions, type ImportOptionsInput } from '../import/import-options.js';
import { currentUser, RunRecorder, type LedgerState } from '../ledger/run-recorder.js';
import { RunMessages } from './run-messages.js';
import { settingsDigest, UserTrust } from '../ledger/user-trust.js';
import { withRetry } from '../service/retry.js';
import { openRunStore, type RunStore } from '../service/open-services.js';
import { QUEUED_IN_FLIGHT, RunQueue } from './run-queue.js';
import type { UserProvisioning } from '../import/import-job.js';
import { openCsv } from '../import/read-csv.js';
import { LINE_COLUMN, ReportWriter } from '../import/report-writer.js';
import { isRowError, type RowSource, type SourceRow } from '../import/source.js';
import { failedRows } from '../import/retry-failed.js';
import { directoryColumns, DN_COLUMN } from '../import/directory-mapping.js';
import { openDirectory } from '../import/read-directory.js';
import type { CsvSource } from '../import/read-csv.js';

/** A dry run of at least this many rows (estimated from the file size) reads the directory once. */
const SNAPSHOT_MIN_ROWS = 50_000;
/** …unless the directory holds more users than this, or more than half the rows (about 60 bytes a user in memory). */
const SNAPSHOT_MAX_USERS = 1_000_000;
/** Problems of a header printed one by one; the rest are counted. */
const HEADER_ERRORS_SHOWN = 10;

export interface ImportIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Seams for tests and embedding: e.g. a mail store that fails for one user. */
export interface ImportHooks {
  setup?: Partial<ServiceSetup>;
  /** Stops the run as SIGINT would; by default SIGINT and SIGTERM do. */
  signal?: AbortSignal;
  /** Overrides the bound on the directory snapshot of a large dry run (tests on a shared directory). */
  snapshotMaxUsers?: number;
  /** Overrides the rows a dry run expects from its file's size (about 100 bytes a row), which decides whether it reads the directory once. */
  estimatedRows?: number;
  /** Overrides the rows from which a dry run may read the directory once (50,000). */
  snapshotMinRows?: number;
  /** Called with the job once it is built, before it runs: a page reads its snapshots and its rows. */
  onJob?: (job: ImportJob) => void;
  /** Which door starts the run and who, for its record (default `cli` and this process's user). */
  door?: string;
  startedBy?: string;
}

export interface ImportRun {
  /** 0 every row fine, 1 some rows rejected or failed, 2 could not run. */
  exitCode: 0 | 1 | 2;
  summary?: ImportSummary;
  /** What the run said besides its rows, in order (also written to stderr with the command's prefix). */
  messages: readonly string[];
}

/**
 * An import run, as every door starts it (`oxprov import FILE`, the page): the
 * options, the config, the services, the run's record and ledger, the report
 * folder, the progress display, signals and the exit code, around the import job. Problems that make the whole run impossible
 * (options, config, unreadable file, bad header, a back-end down) end it
 * before anything is written, with exit code 2.
 */
export async function runImport(input: ImportOptionsInput, io: ImportIo = { stdout: process.stdout, stderr: process.stderr }, hooks: ImportHooks = {}): Promise<ImportRun> {
  const log = new RunMessages(io.stderr, 'oxprov import: ');
  const say = (text: string) => log.say(text);
  const fatal = (err: unknown): ImportRun => {
    const e = err as OxprovError;
    say(`${e.code ? `${e.code}: ` : ''}${describeError(err)}`);
    return { exitCode: 2, messages: log.list };
  };
  let options: ImportOptions;
  let services: Services | undefined;
  let source: RowSource | undefined;
  let runs: RunStore | undefined;
  let recorder: RunRecorder | undefined;
  let finished = false;
  let queue: RunQueue | undefined;
  try {
    options = normalizeImportOptions(input);
    if (options.resume && (options.dryRun || options.retryFailed)) {
      throw new OxprovError('CFG_INVALID', 'a dry run or a --retry-failed run keeps no ledger and cannot be resumed; run it again instead', { field: '--resume' });
    }
    const config = loadConfig({ file: options.config });
    queue = RunQueue.prepare(options, config);
    const fileMapping = options.mapping ? readMapping(options.mapping) : undefined;
    const fromDirectory = options.directory ? directoryColumns(fileMapping) : undefined;
    const mapping = fromDirectory?.mapping ?? fileMapping;
    const retried = options.retryFailed ? await failedRows(options.retryFailed) : undefined;
    const retry = retried && !options.directory ? retried.lines : undefined;
    if (retried && retried.lines.size === 0) say(`${options.retryFailed} lists no failed rows; nothing to retry`);

    let size = 0;
    let csv: CsvSource | undefined;
    if (options.directory) {
      // A source that is down or refuses the bind ends the run here, before anything is written.
      source = await openDirectory(options.directory, config, fromDirectory!, retried?.dns);
    } else {
      try {
        size = fs.statSync(options.file).size;
      } catch (cause) {
        throw new OxprovError('CSV_UNREADABLE', `cannot read ${options.file}: ${describeError(cause)}`, { cause });
      }
      source = csv = await openCsv(options.file, { encoding: options.encoding, delimiter: options.delimiter });
    }

    const setup: ServiceSetup = {
      ldapConcurrency: options.concurrency.ldap, imapConcurrency: options.concurrency.imap,
      idBlockSize: Math.min(64, options.batchSize), retry: { outageMs: options.outageMs }, ...hooks.setup,
    };
    if (options.dryRun) {
      // A dry run reads the directory only, and goes on without it when it is down.
      services = await openServices(config, { ...setup, only: ['ldap'], mailStore: undefined }).catch((err) => {
        say(`the directory is not reachable (${describeError(err)}); checking the file without it`);
        return undefined;
      });
    } else {
      services = await openServices(config, { ...setup, only: options.only });
    }
    const templates = services?.templates ?? loadTemplates(config);
    const schema: AttributeSchema = (await services?.users.schema()) ?? inMemorySchema(STANDARD_ATTRIBUTES);
    const mapper = createRowMapper({
      languages: templates.imap.languages, imapStyles: templates.imap.styles, schema, mapping,
      generatePasswords: options.generatePasswords || options.directory !== undefined, requireUserData: options.only.includes('ldap'), passwordPolicy: config.passwords,
    });
    const headerErrors = mapper.header(source.header);
    if (headerErrors.length) {
      // A handful is enough to see what is wrong; a header of 100,000 unknown columns must not flood the terminal.
      for (const e of headerErrors.slice(0, HEADER_ERRORS_SHOWN)) say(`${e.code}: ${e.message.replace(/^line \d+: /, `line ${e.line ?? 1}: `)}`);
      if (headerErrors.length > HEADER_ERRORS_SHOWN) {
        const codes = new Map<string, number>();
        for (const e of headerErrors.slice(HEADER_ERRORS_SHOWN)) codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
        say(`… and ${headerErrors.length - HEADER_ERRORS_SHOWN} more problems of the header (${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')})`);
      }
      throw new OxprovError(headerErrors[0].code, `the header of ${options.file} has ${headerErrors.length} problem(s); nothing was imported`);
    }

    // The run in oxprov's records: its ledger accounts for every row touched, so that a killed run can be resumed.
    // A dry run is recorded without a ledger; one whose database is down goes on unrecorded.
    runs = await openRunStore(config).catch((err) => {
      if (!options.dryRun) throw err;
      say(`the run is not recorded (${describeError(err)})`);
      return undefined;
    });
    // A large dry run reads the directory once rather than searching per batch (bounded: see snapshotDirectory),
    // unless oxprov remembers most of the file's users: those it trusts are looked up by a light search of the
    // part, and reading every user would cost more than that (100,000 users: 1.5 s more).
    // What earlier runs wrote is read, and trusted where the request is the same again (not for --retry-failed: its rows failed).
    const remembered = runs && services && !retried ? { runs, services } : undefined;
    const estimatedRows = hooks.estimatedRows ?? size / 100;
    const half = Math.ceil(estimatedRows / 2);
    const view = options.dryRun && services && estimatedRows >= (hooks.snapshotMinRows ?? SNAPSHOT_MIN_ROWS)
      && !(remembered && !options.verify && await remembered.runs.countStates(half).catch(() => 0) >= half)
      ? await services.users.snapshot(hooks.snapshotMaxUsers ?? Math.min(SNAPSHOT_MAX_USERS, estimatedRows / 2))
      : undefined;
    if (view) say(`read the directory's ${view.size} users once for the checks`);
    // Opened after what may refuse the run (its database, the directory's snapshot): a refused run leaves no report folder.
    const report = ReportWriter.open(options.reportDir, source.header, csv?.delimiter ?? ',', secretColumns(source.header, mapping), {
      resume: options.resume, idColumn: options.directory ? DN_COLUMN : undefined, source: csv ? { encoding: () => csv!.encoding, format: csv.format } : { encoding: () => 'utf8', format: { bom: false, eol: '\n', sepLine: false } },
    });
    let resume: LedgerState | undefined;
    const reportDir = path.resolve(options.reportDir);
    // The ledger rides out a short outage of its database as the back-ends do.
    const ledgerRetry = <T>(work: () => Promise<T>) => withRetry(work, { outageMs: options.outageMs });
    if (options.resume) {
      const stopped = await runs!.byReportDir(reportDir);
      if (!stopped) throw new OxprovError('CFG_INVALID', `no run of oxprov's records wrote to ${options.reportDir}: it cannot be resumed`, { field: '--resume' });
      recorder = await RunRecorder.resume(runs!, stopped, { retry: ledgerRetry });
      resume = await recorder.state();
      say(`resuming run ${recorder.id} (${options.reportDir}): ${resume.done.size} rows done, ${resume.started.size} to check and finish`);
    } else if (runs) {
      recorder = await RunRecorder.start(runs, {
        kind: 'import', mode: options.dryRun ? 'dry-run' : 'run', door: hooks.door ?? 'cli', startedBy: hooks.startedBy ?? currentUser(),
        source: options.directory ? { directory: options.file, base: options.directory.base } : { file: path.resolve(options.file), sha256: sha256Of(options.file), mapping: options.mapping && path.resolve(options.mapping) },
        options: { ...runRecord(input) }, reportDir, passwords: !options.dryRun && (options.generatePasswords || options.directory !== undefined),
      }, { retry: ledgerRetry });
    }
    // What a killed run needs to be resumed: its options (the ledger holds the rest).
    if (!options.dryRun && !options.resume && !options.directory) fs.writeFileSync(path.join(options.reportDir, RUN_FILE), `${JSON.stringify({ ...runRecord(input), runId: recorder?.id }, null, 2)}\n`, { mode: 0o600 });
    const journal = options.dryRun ? undefined : recorder;
    const local = services?.users ?? new UserService({ close: async () => {} }, templates, { mailServers: config.mail.servers });
    let users: UserProvisioning = local;
    // The batches go to workers through the queue; names, checks, the ledger and the report stay here.
    if (queue && recorder) users = await queue.provisioning(local, config, recorder.id, say);
    const rows = options.directory ? source : withOriginalLines(source);
    const trust = remembered ? new UserTrust({
      store: remembered.runs, runId: recorder?.id, verifyAll: options.verify, sharePercent: options.verifyShare, turn: await remembered.runs.countRuns('import').catch(() => 0),
      passwordsMatter: options.onExisting === 'update',
      digest: settingsDigest({
        v: 1, config, mapping: options.mapping ? fs.readFileSync(options.mapping, 'utf8') : null, directory: options.directory ?? null,
        templates: [config.templates.imapFolders, config.templates.groupwareFolders].map((f) => readOrEmpty(f)),
        options: { onExisting: options.onExisting, only: options.only, generatePasswords: options.generatePasswords, createGroups: options.createGroups, spread: options.spread },
      }),
      // A dry run that read the directory once asks that, not the server (a search per part).
      exists: (names) => (view ? view.existingUsers(names) : remembered.services.users.existingUsers(names)),
    }) : undefined;
    const job = new ImportJob(rows, mapper, users, {
      dryRun: options.dryRun, batchSize: options.dryRun ? Math.max(options.batchSize, 1000) : options.batchSize,
      onExisting: options.onExisting, only: options.only, generatePasswords: options.generatePasswords, createGroups: options.createGroups, spread: options.spread,
      includeLine: retry ? (line) => retry.has(line) : undefined,
      inputBytes: size, view, backpressure: () => report.drained(), ...(options.queue ? { batchesInFlight: QUEUED_IN_FLIGHT } : {}),
      journal, resume, maxFailures: options.maxFailures, inPlaceColumn: options.directory?.inPlace ? DN_COLUMN : undefined, trust,
    });
    job.onRow((o) => report.write(o));
    hooks.onJob?.(job);
    const mode: ProgressMode = options.progress === 'auto' ? (io.stderr.isTTY ? 'bar' : 'lines') : options.progress;
    const monitor = new ImportMonitor(job, options.file, options.dryRun, options.reportDir, mode, io.stderr);
    let summary!: ImportSummary;
    // Ctrl-C finishes the batches in flight and writes the report: no row is left done but unreported.
    let interrupts = 0;
    const onSignal = () => {
      if (interrupts++ > 0) {
        // Stopped at once: say what the report then lacks, and how to finish it.
        const s = job.snapshot();
        const lacking = Math.max(0, s.rowsRead - s.rowsDone);
        say(`stopped at once: the report lacks ${lacking} rows read but not reported (the batches in flight)${journal ? `; run again with --resume ${options.reportDir} to check and finish them` : ''}`);
        process.exit(130);
      }
      say('interrupted: stopped reading; finishing the batches in flight and writing the report (again to stop at once)');
      job.cancel();
      // No worker takes another batch of this run.
      queue?.cancel(say);
    };
    hooks.signal?.addEventListener('abort', onSignal, { once: true });
    // Aborted while the back-ends were opened (a daemon closing at once): 'abort' has fired already.
    if (hooks.signal?.aborted) onSignal();
    if (!hooks.signal) { process.on('SIGINT', onSignal); process.on('SIGTERM', onSignal); }
    try {
      await job.run();
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      const workers = queue?.doneBy(say);
      summary = monitor.finish(report.credentialsFile);
      if (workers) summary.workers = workers;
      await report.close(summary);
      io.stdout.write(renderSummary(summary));
    }
    const r = summary.rows;
    const counters = Object.fromEntries(Object.entries(r).filter((kv): kv is [string, number] => typeof kv[1] === 'number'));
    finished = true;
    // The report is written: a run database gone for good now costs the record of the end, not the run's outcome.
    await recorder?.finish(summary.stopped ? 'failed' : summary.interrupted ? 'stopped' : 'done', counters, summary.stopped?.message)
      .catch((err) => say(`the end of run ${recorder!.id} is not recorded (${describeError(err)}); it shows as interrupted, and --resume finishes it`));
    // A back-end down for good (or too many failures) ended the run early: it could not do its work.
    if (summary.stopped) return { exitCode: 2, summary, messages: log.list };
    return { exitCode: r.failed + r.rejected > 0 || summary.interrupted ? 1 : 0, summary, messages: log.list };
  } catch (err) {
    return fatal(err);
  } finally {
    if (recorder && !finished) await recorder.finish('failed', {}).catch(() => {});
    await queue?.stop(finished);
    await runs?.close();
    await source?.close();
    await services?.close();
  }
}

/** A file's text, or nothing when it cannot be read (it is then part of no fingerprint). */
export function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The SHA-256 of a file, to tell later which file a run read. */
function sha256Of(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n = fs.readSync(fd, buf); n > 0; n = fs.readSync(fd, buf)) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

function readMapping(file: string): Mapping {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new OxprovError('CFG_FILE_UNREADABLE', `cannot read the mapping file ${file}`, { field: '--mapping', cause });
  }
  return parseMapping(text);
}

/** The header names that hold passwords: `password`, or a column the mapping sends there. */
function secretColumns(header: readonly string[], mapping?: Mapping): string[] {
  return header.filter((h) => {
    const key = h.trim().toLowerCase();
    const mapped = mapping?.columns.get(key);
    return mapped ? mapped.target.toLowerCase() === 'password' : key === 'password';
  });
}

/**
 * A file written back by an earlier run (rejected.csv, fixed by HR) carries each
 * row's line in the original file: the report then points at those lines.
 */
function withOriginalLines(source: RowSource): RowSource {
  const found = source.header.find((h) => h.trim().toLowerCase() === LINE_COLUMN);
  if (found === undefined) return source;
  const column: string = found;
  async function* rows(): AsyncGenerator<SourceRow> {
    for await (const row of source.rows) {
      const original = isRowError(row) ? undefined : Number(row.record[column]);
      yield original !== undefined && Number.isSafeInteger(original) && original > 0 ? { ...row, line: original } : row;
    }
  }
  return { header: source.header, rows: rows(), close: () => source.close() };
}
