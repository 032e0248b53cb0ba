import fs from 'node:fs';
import { Transform } from 'node:stream';
import { loadConfig } from '../config/load-config.js';
import { OxprovError, describeError } from '../errors.js';
import { createRowMapper, inMemorySchema, parseMapping, STANDARD_ATTRIBUTES, type AttributeSchema, type Mapping } from '../mapping/index.js';
import { ImapFolderTemplates } from '../provision/imap/folder-templates.js';
import { LdapDirectory } from '../provision/ldap/ldap-directory.js';
import type { Provisioner, ProvisionerOptions } from '../provision/provisioner.js';
import { ImportMonitor, renderSummary, type ImportSummary, type ProgressMode } from './import-monitor.js';
import { normalizeImportOptions, type ImportOptions, type ImportOptionsInput } from './import-options.js';
import { snapshotDirectory } from './directory-view.js';
import { runPipeline } from './pipeline.js';
import { openCsv } from './read-csv.js';
import { ReportWriter } from './report-writer.js';
import { failedLines } from './retry-failed.js';

/** A dry run of at least this many rows (estimated from the file size) reads the directory once. */
const SNAPSHOT_MIN_ROWS = 50_000;
/** …unless the directory holds more users than this, or more than half the rows (about 60 bytes a user in memory). */
const SNAPSHOT_MAX_USERS = 1_000_000;

export interface ImportIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Seams for tests and embedding: e.g. a mail store that fails for one user. */
export interface ImportHooks {
  provisionerOptions?: Partial<ProvisionerOptions>;
  /** Stops the run as SIGINT would; by default SIGINT and SIGTERM do. */
  signal?: AbortSignal;
  /** Overrides the bound on the directory snapshot of a large dry run (tests on a shared directory). */
  snapshotMaxUsers?: number;
}

export interface ImportRun {
  /** 0 every row fine, 1 some rows rejected or failed, 2 could not run. */
  exitCode: 0 | 1 | 2;
  summary?: ImportSummary;
}

/**
 * `oxprov import FILE`: everything around the pipeline. Problems that make the
 * whole run impossible (options, config, unreadable file, bad header, a back-end
 * down) end it before anything is written, with exit code 2.
 */
export async function runImport(input: ImportOptionsInput, io: ImportIo = { stdout: process.stdout, stderr: process.stderr }, hooks: ImportHooks = {}): Promise<ImportRun> {
  const fatal = (err: unknown): ImportRun => {
    const e = err as OxprovError;
    io.stderr.write(`oxprov import: ${e.code ? `${e.code}: ` : ''}${describeError(err)}\n`);
    return { exitCode: 2 };
  };
  let options: ImportOptions;
  let provisioner: Provisioner | undefined;
  let directory: LdapDirectory | undefined;
  let source: Awaited<ReturnType<typeof openCsv>> | undefined;
  try {
    options = normalizeImportOptions(input);
    const config = loadConfig({ file: options.config });
    const mapping = options.mapping ? readMapping(options.mapping) : undefined;
    const retry = options.retryFailed ? await failedLines(options.retryFailed) : undefined;
    if (retry && retry.size === 0) io.stderr.write(`oxprov import: ${options.retryFailed} lists no failed rows; nothing to retry\n`);

    let size = 0;
    try {
      size = fs.statSync(options.file).size;
    } catch (cause) {
      throw new OxprovError('CSV_UNREADABLE', `cannot read ${options.file}`, { cause });
    }
    let bytes = 0;
    const counter = new Transform({ transform(chunk, _enc, done) { bytes += chunk.length; done(null, chunk); } });
    const file = fs.createReadStream(options.file, { highWaterMark: 256 * 1024 });
    file.on('error', (err) => counter.destroy(err));
    source = await openCsv(file.pipe(counter), { encoding: options.encoding, delimiter: options.delimiter });

    if (options.dryRun) {
      directory = await LdapDirectory.connect(config).catch((err) => {
        io.stderr.write(`oxprov import: the directory is not reachable (${describeError(err)}); checking the file without it\n`);
        return undefined;
      });
    } else {
      // Loaded only when writing: a dry run needs neither the SQL nor the IMAP client.
      const { Provisioner } = await import('../provision/provisioner.js');
      provisioner = await Provisioner.open(config, {
        backends: options.only,
        ldapConcurrency: options.concurrency.ldap,
        imapConcurrency: options.concurrency.imap,
        ldap: { idBlockSize: Math.min(64, options.batchSize) },
        ...hooks.provisionerOptions,
      });
      directory = provisioner.ldap;
    }
    const schema: AttributeSchema = directory ? await directory.schema() : inMemorySchema(STANDARD_ATTRIBUTES);
    const templates = ImapFolderTemplates.load(config.templates.imapFolders);
    const mapper = createRowMapper({
      languages: templates.languages, imapStyles: templates.styles, schema, mapping,
      generatePasswords: options.generatePasswords,
    });
    const headerErrors = mapper.header(source.header);
    if (headerErrors.length) {
      for (const e of headerErrors) io.stderr.write(`oxprov import: ${e.code}: line ${e.line ?? 1}, ${e.field ? `column "${e.field}": ` : ''}${e.message}\n`);
      throw new OxprovError(headerErrors[0].code, `the header of ${options.file} has ${headerErrors.length} problem(s); nothing was imported`);
    }

    const report = ReportWriter.open(options.reportDir, source.header, source.delimiter, secretColumns(source.header, mapping));
    const mode: ProgressMode = options.progress === 'auto' ? (io.stderr.isTTY ? 'bar' : 'lines') : options.progress;
    const monitor = new ImportMonitor(options.file, options.dryRun, options.reportDir, mode, io.stderr);
    let summary!: ImportSummary;
    // Ctrl-C finishes the batches in flight and writes the report: no row is left done but unreported.
    const stop = new AbortController();
    const onSignal = () => {
      if (stop.signal.aborted) process.exit(130);
      io.stderr.write('oxprov import: interrupted: finishing the batches in flight and writing the report (again to stop at once)\n');
      stop.abort();
    };
    hooks.signal?.addEventListener('abort', onSignal, { once: true });
    if (!hooks.signal) { process.on('SIGINT', onSignal); process.on('SIGTERM', onSignal); }
    try {
      // A large dry run reads the directory once rather than searching per batch (bounded: see snapshotDirectory).
      const estimatedRows = size / 100;
      const snapshot = options.dryRun && directory && estimatedRows >= SNAPSHOT_MIN_ROWS
        ? await snapshotDirectory(directory, hooks.snapshotMaxUsers ?? Math.min(SNAPSHOT_MAX_USERS, estimatedRows / 2))
        : undefined;
      if (snapshot) io.stderr.write(`oxprov import: read the directory's ${snapshot.size} users once for the checks\n`);
      const view = snapshot ?? directory;
      await runPipeline(source.rows, { mapper, provisioner, directory: view }, {
        dryRun: options.dryRun, batchSize: options.dryRun ? Math.max(options.batchSize, 1000) : options.batchSize,
        onExisting: options.onExisting, only: options.only, generatePasswords: options.generatePasswords,
        includeLine: retry ? (line) => retry.has(line) : undefined,
        signal: stop.signal,
        outputDrained: () => report.drained(),
      }, (o) => {
        report.write(o);
        monitor.record(o);
        monitor.setProgress(size ? bytes / size : 1);
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      summary = monitor.finish(report.credentialsFile, stop.signal.aborted);
      await report.close(summary);
      io.stdout.write(renderSummary(summary));
    }
    const r = summary.rows;
    return { exitCode: r.failed + r.rejected > 0 || summary.interrupted ? 1 : 0, summary };
  } catch (err) {
    return fatal(err);
  } finally {
    await source?.close();
    if (provisioner) await provisioner.close();
    else await directory?.close();
  }
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
