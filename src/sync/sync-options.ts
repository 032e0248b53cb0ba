import fs from 'node:fs';
import path from 'node:path';
import { OxprovError } from '../errors.js';
import { defaultReportDir, directorySource, percent, positiveInt, type DirectoryInput, type DirectorySourceOptions } from '../import/import-options.js';

/** `oxprov sync` options as given; `--from-ldap` reads the feed from a directory (copy, or `--in-place`). */
export interface SyncOptionsInput extends DirectoryInput {
  file: string;
  mapping?: string;
  /** The field that identifies a person across runs (default `username`), e.g. `employeeNumber`. */
  key?: string;
  /** The feed this file is the desired state of (default `default`). */
  feed?: string;
  generatePasswords?: boolean;
  createGroups?: boolean;
  spread?: boolean;
  planOnly?: boolean;
  /** An empty cell deletes the directory attribute its column maps to (default: an empty cell leaves it alone). */
  emptyClears?: boolean;
  /** The mailboxes of the feed's users are checked too (their folders listed, one login each): missing folders are planned. */
  checkMail?: boolean;
  /** `ldif`: also write plan.ldif. */
  emit?: string;
  maxDisable?: string | number;
  deleteLeaversAfter?: string | number;
  /** Seconds a server that cannot be reached is waited for (default 60). */
  outageWait?: string | number;
  encoding?: string;
  delimiter?: string;
  report?: string;
  config?: string;
  /** Continue the sync whose report folder this is (its run in oxprov's records), with its own file and options. */
  resume?: string;
  /** Trust nothing an earlier run wrote: every known user is compared with the back-ends. */
  verify?: boolean;
  /** The percentage of known users compared all the same in each run, in turn (default 1). */
  verifyShare?: string | number;
  /** Start this many local workers (`oxprov worker`) and hand the apply's creates and changes to them through the queue. */
  workers?: string | number;
  /** Hand the apply's creates and changes to workers through the queue (those started elsewhere; with `workers`, those too). */
  queue?: boolean;
}

export interface SyncOptions {
  /** Set when the feed is a directory; `file` is then its URL. */
  readonly directory?: DirectorySourceOptions;
  readonly file: string;
  readonly mapping?: string;
  readonly key: string;
  readonly feed: string;
  readonly generatePasswords: boolean;
  readonly createGroups: boolean;
  /** New people that name no mail server go to the one with the fewest users. */
  readonly spread: boolean;
  readonly planOnly: boolean;
  readonly emptyClears: boolean;
  /** The plan compares each known user's mailbox with its folder template too (a listing per user). */
  readonly checkMail: boolean;
  readonly emitLdif: boolean;
  /** Undefined: the larger of 5 and 10% of the feed's users. */
  readonly maxDisable?: number;
  readonly deleteLeaversAfter?: number;
  readonly outageMs: number;
  readonly encoding: 'auto' | 'utf8' | 'windows-1252';
  readonly delimiter: string;
  readonly reportDir: string;
  readonly config?: string;
  /** This run continues the one recorded in `reportDir`. */
  readonly resume: boolean;
  /** Every known user is compared with the back-ends, none trusted as the last run left them. */
  readonly verify: boolean;
  /** The percentage of known users compared all the same in each run, in turn. */
  readonly verifyShare: number;
  /** Local workers started for the apply (0: none). */
  readonly workers: number;
  /** The apply's creates and changes go through the queue to workers (`--queue`, or `--workers N`). */
  readonly queue: boolean;
}

/** The options a sync records in its report folder, so that `--resume` continues it exactly. */
export const SYNC_RUN_FILE = 'run.json';

const count = (name: string, v: string | number | undefined, min: number): number | undefined => {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new OxprovError('CFG_INVALID', `--${name} must be a whole number of at least ${min}, got "${String(v)}"`, { field: `--${name}`, value: String(v) });
  return n;
};

export function normalizeSyncOptions(given: SyncOptionsInput, now = new Date()): SyncOptions {
  const input = given.resume !== undefined ? resumedSyncOptions(given) : given;
  const directory = directorySource(input);
  if (directory && input.file) throw new OxprovError('CFG_INVALID', `give either a file (${input.file}) or --from-ldap, not both`, { field: '--from-ldap' });
  if (!input.file && !directory) throw new OxprovError('CFG_MISSING', 'name the CSV file of the feed (or a directory with --from-ldap)', { field: 'FILE' });
  const feed = (input.feed ?? 'default').trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(feed)) throw new OxprovError('CFG_INVALID', `--feed must be a name of letters, digits, ".", "_", "-", got "${feed}"`, { field: '--feed', value: feed });
  const key = (input.key ?? 'username').trim();
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(key)) throw new OxprovError('CFG_INVALID', `--key must name a field or an LDAP attribute, got "${key}"`, { field: '--key', value: key });
  if (input.emit !== undefined && input.emit !== 'ldif') throw new OxprovError('CFG_INVALID', `--emit knows only ldif, got "${input.emit}"`, { field: '--emit', value: input.emit });
  const encoding = (input.encoding ?? 'auto').toLowerCase().replace(/^utf-8$/, 'utf8');
  if (!['auto', 'utf8', 'windows-1252'].includes(encoding)) throw new OxprovError('CFG_INVALID', `--encoding must be auto, utf8 or windows-1252, got "${input.encoding}"`, { field: '--encoding' });
  const workers = input.workers === undefined ? 0 : positiveInt('workers', input.workers, 64);
  if ((workers > 0 || input.queue) && (input.planOnly || directory)) {
    const why = input.planOnly ? 'a plan writes nothing: there is nothing to hand to workers' : 'a sync from a directory runs in one process';
    throw new OxprovError('CFG_INVALID', `${workers > 0 ? '--workers' : '--queue'}: ${why}`, { field: workers > 0 ? '--workers' : '--queue' });
  }
  return Object.freeze({
    file: directory ? directory.url : input.file, directory, mapping: input.mapping, key, feed,
    generatePasswords: input.generatePasswords ?? false, createGroups: input.createGroups ?? false, spread: input.spread ?? false,
    planOnly: input.planOnly ?? false, emptyClears: input.emptyClears ?? false, checkMail: input.checkMail ?? false, emitLdif: input.emit === 'ldif',
    maxDisable: count('max-disable', input.maxDisable, 0), deleteLeaversAfter: count('delete-leavers-after', input.deleteLeaversAfter, 0),
    outageMs: input.outageWait === undefined ? 60_000 : positiveInt('outage-wait', input.outageWait, 86_400) * 1000,
    encoding: encoding as SyncOptions['encoding'], delimiter: input.delimiter ?? 'auto',
    reportDir: input.report ?? defaultReportDir(`sync-${directory ? directory.base.split(',')[0].replace(/^[^=]*=/, '') : path.basename(input.file)}`, now),
    config: input.config, resume: given.resume !== undefined,
    verify: input.verify ?? false, verifyShare: percent('verify-share', input.verifyShare, 1),
    workers, queue: workers > 0 || (input.queue ?? false),
  });
}

/** `--resume DIR`: the options of the sync recorded in DIR, its report folder DIR. */
function resumedSyncOptions(given: SyncOptionsInput): SyncOptionsInput {
  const dir = given.resume!;
  const others = Object.entries(given).filter(([k, v]) => v !== undefined && v !== '' && !['resume', 'file'].includes(k));
  if (others.length > 0 || (given.file !== undefined && given.file !== '')) {
    throw new OxprovError('CFG_INVALID', `--resume continues the sync recorded in ${dir} with its own file and options; give only --resume`, { field: '--resume' });
  }
  let saved: SyncOptionsInput;
  try {
    saved = JSON.parse(fs.readFileSync(path.join(dir, SYNC_RUN_FILE), 'utf8')) as SyncOptionsInput;
  } catch (cause) {
    throw new OxprovError('CFG_INVALID', `${dir} is not the report folder of a sync that can be resumed (no readable ${SYNC_RUN_FILE})`, { field: '--resume', cause });
  }
  return { ...saved, planOnly: false, report: dir, resume: dir };
}

/** What a sync records for `--resume`: its options as given, paths made absolute (never a password: none is an option). */
export function syncRecord(input: SyncOptionsInput): SyncOptionsInput {
  const abs = (p: string | undefined) => (p === undefined || p === '' ? p : path.resolve(p));
  const { resume: _r, report: _d, planOnly: _p, bindPassword: _b, ...rest } = input;
  return { ...rest, file: input.fromLdap ? input.file : abs(input.file) ?? '', mapping: abs(input.mapping), config: abs(input.config) };
}

/** The leaver threshold: the larger of 5 and a tenth of the feed. */
export function defaultMaxDisable(feedUsers: number): number {
  return Math.max(5, Math.floor(feedUsers / 10));
}
