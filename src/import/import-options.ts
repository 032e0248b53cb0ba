import fs from 'node:fs';
import path from 'node:path';
import { OxprovError, type Backend } from '../errors.js';
import { parseSourceOnly } from '../model/backends.js';
import type { OnExisting } from '../model/outcomes.js';
import type { DirectoryReadOptions } from '../service/company-directory.js';

/** `oxprov import` options as the user gives them (CLI flags, daemon params, tests). */
export interface ImportOptionsInput extends DirectoryInput {
  file: string;
  dryRun?: boolean;
  mapping?: string;
  encoding?: string;
  delimiter?: string;
  onExisting?: string;
  generatePasswords?: boolean;
  /** Groups named in a row that do not exist are created (else the row is refused). */
  createGroups?: boolean;
  /** `--spread`: new users that name no mail server go to the one with the fewest users. */
  spread?: boolean;
  /** A number for all back-ends, or `ldap=8,imap=4`. */
  concurrency?: string | number;
  batchSize?: string | number;
  report?: string;
  retryFailed?: string;
  /** The paper's `--source_only`, comma list. */
  sourceOnly?: string;
  progress?: string;
  config?: string;
  /** Stop after this many failed rows. */
  maxFailures?: string | number;
  /** How long a server that cannot be reached is waited for before its rows fail, in seconds (default 60). */
  outageWait?: string | number;
  /** Check every row in every back-end, trusting nothing an earlier run wrote. */
  verify?: boolean;
  /** The percentage of known, unchanged users checked all the same in each run, in turn (default 1). */
  verifyShare?: string | number;
  /** The report folder of a run that stopped: continue it (its options are read from there). */
  resume?: string;
  /** Start this many local workers (`oxprov worker`) for the run and hand its batches to them through the queue. */
  workers?: string | number;
  /** Hand the run's batches to workers through the queue (those started elsewhere; with `workers`, those too). */
  queue?: boolean;
}

/** `--from-ldap` as given, to `import` and to `sync`. */
export interface DirectoryInput {
  /** Read the people from a company directory (an LDAP URL) instead of a file. */
  fromLdap?: string;
  /** With `fromLdap`: the search base, scope (`one`/`sub`), filter, and whom to bind as. */
  base?: string;
  scope?: string;
  filter?: string;
  bindDn?: string;
  /** The bind password itself (from a file, the environment or a prompt: the CLI resolves those). */
  bindPassword?: string;
  /** The company directory is the groupware's: fit its entries where they are. */
  inPlace?: boolean;
}

/** Where the people come from when they are not in a file (`--from-ldap`), checked. */
export type DirectorySourceOptions = Readonly<Pick<DirectoryReadOptions, 'url' | 'base' | 'scope' | 'filter' | 'bindDn' | 'bindPassword'> & {
  /** Fit the entries where they are, in the groupware's own directory. */
  inPlace: boolean;
}>;

/** The options as the import uses them: checked once, frozen. */
export interface ImportOptions {
  readonly file: string;
  readonly dryRun: boolean;
  readonly mapping?: string;
  readonly encoding: 'auto' | 'utf8' | 'windows-1252';
  readonly delimiter: string;
  readonly onExisting: OnExisting;
  readonly generatePasswords: boolean;
  readonly createGroups: boolean;
  readonly spread: boolean;
  /** Parallel LDAP operations and IMAP sessions. */
  readonly concurrency: Readonly<{ ldap: number; imap: number }>;
  /** Users per SQL transaction (and per directory look-up round). */
  readonly batchSize: number;
  /** The report folder, not yet created. */
  readonly reportDir: string;
  readonly retryFailed?: string;
  readonly only: readonly Backend[];
  readonly progress: 'auto' | 'bar' | 'lines' | 'none';
  readonly config?: string;
  readonly maxFailures?: number;
  /** Milliseconds. */
  readonly outageMs: number;
  /** Trust nothing remembered: every row checked in every back-end. */
  readonly verify: boolean;
  /** Percent of the known, unchanged users checked all the same, in turn. */
  readonly verifyShare: number;
  /** Continue the run whose report folder is `reportDir`. */
  readonly resume: boolean;
  /** Set when the people come from a directory; `file` is then its URL. */
  readonly directory?: DirectorySourceOptions;
  /** Local workers started for the run (0: none). */
  readonly workers: number;
  /** The batches go through the queue to workers (`--queue`, or `--workers N`). */
  readonly queue: boolean;
}

/** The options a run records in its report folder, so that `--resume` continues it exactly. */
export const RUN_FILE = 'run.json';

const DEFAULT_CONCURRENCY = { ldap: 8, imap: 4 };

function invalid(field: string, why: string, value: unknown): OxprovError {
  return new OxprovError('CFG_INVALID', `--${field}: ${why}, got "${String(value)}"`, { field: `--${field}`, value: String(value) });
}

/** A percentage from 0 to 100 (a decimal point allowed). */
export function percent(field: string, value: string | number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : /^\d+(\.\d+)?%?$/.test(value.trim()) ? Number(value.trim().replace(/%$/, '')) : NaN;
  if (!(n >= 0 && n <= 100)) throw invalid(field, 'must be a percentage from 0 to 100', value);
  return n;
}

export function positiveInt(field: string, value: string | number, max: number): number {
  const n = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw invalid(field, `must be a whole number from 1 to ${max}`, value);
  return n;
}

/** The report folder: `reports/<UTC timestamp>-<file name>`, with `-2`, `-3`… when runs start in the same second. */
export function defaultReportDir(file: string, now = new Date(), root = 'reports'): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const base = path.basename(file, path.extname(file)).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'input';
  const first = path.join(root, `${stamp}-${base}`);
  for (let n = 2, dir = first; ; dir = `${first}-${n++}`) if (!fs.existsSync(dir)) return dir;
}

export function normalizeImportOptions(given: ImportOptionsInput, now = new Date()): ImportOptions {
  const input = given.resume !== undefined ? resumedOptions(given) : given;
  const directory = directorySource(input);
  if (directory && input.file) throw new OxprovError('CFG_INVALID', `give either a file (${input.file}) or --from-ldap, not both`, { field: '--from-ldap' });
  if (directory && given.resume !== undefined) throw new OxprovError('CFG_INVALID', 'an import from a directory is not resumed: run it again, it adds only what is missing', { field: '--resume' });
  if (directory?.inPlace && input.generatePasswords) {
    throw new OxprovError('CFG_INVALID', '--in-place keeps every person\'s own password: --generate-passwords does not apply', { field: '--generate-passwords' });
  }
  if (!input.file && !directory) throw new OxprovError('CFG_MISSING', 'name the CSV file to import (or a directory with --from-ldap)', { field: 'FILE' });
  const onExisting = (input.onExisting ?? 'skip').toLowerCase();
  if (!['skip', 'update', 'fail'].includes(onExisting)) throw invalid('on-existing', 'must be skip, update or fail', input.onExisting);
  const encoding = (input.encoding ?? 'auto').toLowerCase().replace(/^utf-8$/, 'utf8').replace(/^(cp1252|win1252)$/, 'windows-1252');
  if (/^(latin-?1|iso-?8859-?1|ansi)$/.test(encoding)) {
    throw invalid('encoding', 'must be auto, utf8 or windows-1252 (what Excel calls ANSI or latin1 is windows-1252: use --encoding windows-1252)', input.encoding);
  }
  if (!['auto', 'utf8', 'windows-1252'].includes(encoding)) throw invalid('encoding', 'must be auto, utf8 or windows-1252', input.encoding);
  const delimiter = input.delimiter ?? 'auto';
  const concurrency = { ...DEFAULT_CONCURRENCY };
  if (input.concurrency !== undefined) {
    const text = String(input.concurrency).trim();
    if (/^\d+$/.test(text)) {
      concurrency.ldap = concurrency.imap = positiveInt('concurrency', text, 256);
    } else {
      for (const part of text.split(',')) {
        const [k, v] = part.split('=').map((s) => s.trim());
        if (k !== 'ldap' && k !== 'imap' || v === undefined) throw invalid('concurrency', 'must be a number or a list like ldap=8,imap=4', input.concurrency);
        concurrency[k] = positiveInt('concurrency', v, 256);
      }
    }
  }
  const only = parseSourceOnly(input.sourceOnly, 'CFG_INVALID', '--source_only');
  const workers = input.workers === undefined ? 0 : positiveInt('workers', input.workers, 64);
  if ((workers > 0 || input.queue) && (input.dryRun || directory)) {
    const why = input.dryRun ? 'a dry run writes nothing: there is nothing to hand to workers' : 'an import from a directory runs in one process';
    throw new OxprovError('CFG_INVALID', `${workers > 0 ? '--workers' : '--queue'}: ${why}`, { field: workers > 0 ? '--workers' : '--queue' });
  }
  const progress = (input.progress ?? 'auto').toLowerCase();
  if (!['auto', 'bar', 'lines', 'none'].includes(progress)) throw invalid('progress', 'must be auto, bar, lines or none', input.progress);
  return Object.freeze({
    file: directory ? directory.url : input.file!,
    directory,
    dryRun: input.dryRun ?? false,
    mapping: input.mapping,
    encoding: encoding as ImportOptions['encoding'],
    delimiter,
    onExisting: onExisting as OnExisting,
    generatePasswords: input.generatePasswords ?? false,
    createGroups: input.createGroups ?? false,
    spread: input.spread ?? false,
    concurrency: Object.freeze(concurrency),
    batchSize: input.batchSize === undefined ? 200 : positiveInt('batch-size', input.batchSize, 5000),
    reportDir: input.report ?? defaultReportDir(directory ? directory.base.split(',')[0].replace(/^[^=]*=/, '') : input.file!, now),
    retryFailed: input.retryFailed,
    only: Object.freeze(only as Backend[]),
    progress: progress as ImportOptions['progress'],
    config: input.config,
    maxFailures: input.maxFailures === undefined ? undefined : positiveInt('max-failures', input.maxFailures, 1e9),
    outageMs: input.outageWait === undefined ? 60_000 : positiveInt('outage-wait', input.outageWait, 86_400) * 1000,
    verify: input.verify ?? false,
    verifyShare: percent('verify-share', input.verifyShare, 1),
    resume: given.resume !== undefined,
    workers,
    queue: input.queue === true || workers > 0,
  });
}

/** `--from-ldap URL --base DN …`: checked here, once; the options that need it are refused without it. */
export function directorySource(input: DirectoryInput): DirectorySourceOptions | undefined {
  const url = input.fromLdap;
  // Given, but empty (an unset shell variable, `--from-ldap ""`): said as such, not as "not given".
  if (url !== undefined && url.trim() === '') throw new OxprovError('CFG_INVALID', '--from-ldap is empty: give the URL of the company\'s directory, e.g. ldaps://ldap.example.com (an unset shell variable?)', { field: '--from-ldap', value: url });
  if (url === undefined) {
    for (const [name, v] of [['base', input.base], ['scope', input.scope], ['filter', input.filter], ['bind-dn', input.bindDn], ['in-place', input.inPlace || undefined]] as const) {
      if (v !== undefined) throw new OxprovError('CFG_INVALID', `--${name} belongs to --from-ldap, which is not given`, { field: `--${name}` });
    }
    return undefined;
  }
  if (!/^ldaps?:\/\/[^\s/]+\/?$/i.test(url)) throw invalid('from-ldap', 'must be an ldap:// or ldaps:// URL', url);
  if (!input.base) throw new OxprovError('CFG_MISSING', '--from-ldap needs --base: the DN under which the company\'s people are', { field: '--base' });
  const scope = (input.scope ?? 'sub').toLowerCase();
  if (!['one', 'sub'].includes(scope)) throw invalid('scope', 'must be one or sub', input.scope);
  const filter = input.filter ?? '(objectClass=inetOrgPerson)';
  if (!/^\(.*\)$/s.test(filter.trim())) throw invalid('filter', 'must be an LDAP filter in parentheses, e.g. (objectClass=inetOrgPerson)', filter);
  return Object.freeze({
    url: url.replace(/\/$/, ''), base: input.base, scope: scope as 'one' | 'sub', filter: filter.trim(),
    bindDn: input.bindDn, bindPassword: input.bindPassword, inPlace: input.inPlace ?? false,
  });
}

/**
 * `--resume DIR`: the options of the run recorded in DIR, with the report folder
 * DIR. Only how the run is shown may be given anew; anything else would no
 * longer be the same run.
 */
function resumedOptions(given: ImportOptionsInput): ImportOptionsInput {
  const dir = given.resume!;
  const others = Object.entries(given).filter(([k, v]) => v !== undefined && !['resume', 'progress', 'file'].includes(k));
  if (others.length > 0 || (given.file !== undefined && given.file !== '')) {
    throw new OxprovError('CFG_INVALID', `--resume continues the run recorded in ${dir} with its own file and options; give only --resume (and --progress)`, { field: '--resume' });
  }
  let saved: ImportOptionsInput;
  try {
    saved = JSON.parse(fs.readFileSync(path.join(dir, RUN_FILE), 'utf8'));
  } catch (cause) {
    throw new OxprovError('CFG_INVALID', `${dir} is not the report folder of an import that can be resumed (no readable ${RUN_FILE})`, { field: '--resume', cause });
  }
  return { ...saved, report: dir, progress: given.progress ?? saved.progress, resume: dir };
}

/** What a run records for `--resume`: its options as given, with paths made absolute. */
export function runRecord(input: ImportOptionsInput): ImportOptionsInput {
  const abs = (p: string | undefined) => (p === undefined ? undefined : path.resolve(p));
  const { resume: _r, report: _d, ...rest } = input;
  return { ...rest, file: path.resolve(input.file), mapping: abs(input.mapping), config: abs(input.config), retryFailed: abs(input.retryFailed) };
}
