import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { describeError, OxprovError } from '../errors.js';
import { openCsv } from '../import/read-csv.js';
import { isRowError, type RowSource } from '../import/source.js';
import { directoryColumns, DN_COLUMN } from '../import/directory-mapping.js';
import { openDirectory } from '../import/read-directory.js';
import type { Config } from '../config/config.js';
import { createRowMapper, parseMapping } from '../mapping/index.js';
import type { PreparedRow, RowMapper } from '../mapping/row-mapper.js';
import { claimRows } from '../service/claim-rows.js';
import { fieldByName } from '../mapping/fields.js';
import type { UserInput } from '../model/user-spec.js';
import type { DirectoryUser } from '../service/user-service.js';
import { openRunStore, openServices, type RunStore, type Services } from '../service/open-services.js';
import { currentUser, RunRecorder, type LedgerState } from '../ledger/run-recorder.js';
import { RunMessages } from './run-messages.js';
import { withRetry } from '../service/retry.js';
import { changeText } from '../model/attribute-change.js';
import { applyPlan, itemOfEntry } from '../sync/apply-plan.js';
import { renderPlan, writePlanFiles, writePlanLdif, type PlanSummary } from '../sync/plan-files.js';
import { defaultMaxDisable, normalizeSyncOptions, SYNC_RUN_FILE, syncRecord, type SyncOptions, type SyncOptionsInput } from '../sync/sync-options.js';
import { completePlan } from '../sync/plan-changes.js';
import { attribute, isDisabledLeaver, planCounts, planSync, type PlanEntry, type PlanRow } from '../sync/sync-plan.js';
import { STYLE_ATTRIBUTE } from '../templates/dovecot-folders.js';

export interface SyncRun {
  /** 0 done (or a clean plan), 1 rows rejected or failed, 2 could not run or refused by the leaver threshold. */
  exitCode: 0 | 1 | 2;
  summary?: PlanSummary;
  entries?: readonly PlanEntry[];
  /** What the apply did, by outcome (a plan only: none). */
  applied?: Readonly<Record<string, number>>;
  /** credentials.csv, when the apply generated passwords. */
  credentialsFile?: string;
  /** What the run said besides its plan, in order (also written to stderr with the command's prefix). */
  messages: readonly string[];
}

/**
 * `oxprov sync FILE`: the file is the desired state of its feed. Reads the feed's
 * current state in bulk, writes the plan (plan.json, plan.csv, plan.ldif), and
 * unless `--plan-only` applies it through the user service, leavers last, when the
 * plan passes the leaver threshold.
 */
export async function runSync(input: SyncOptionsInput, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }, door: { door?: string; startedBy?: string } = {}): Promise<SyncRun> {
  let services: Services | undefined;
  let lock: { release(): Promise<void> } | undefined;
  let runs: RunStore | undefined;
  let recorder: RunRecorder | undefined;
  let finished = false;
  const log = new RunMessages(io.stderr, 'oxprov sync: ');
  const say = (text: string) => log.say(text);
  try {
    const options = normalizeSyncOptions(input);
    const config = loadConfig({ file: options.config });
    services = await openServices(config, { only: options.planOnly && !options.checkMail ? ['ldap', 'sql'] : undefined, retry: { outageMs: options.outageMs } });
    // One sync of a feed at a time, across processes and machines: two at once made people twice.
    if (!options.planOnly) lock = await services.users.lockFeed(options.feed);
    // The run in oxprov's records: its ledger holds the plan, then each batch before and after it is sent.
    runs = await openRunStore(config);
    const reportDir = path.resolve(options.reportDir);
    const ledgerRetry = <T>(work: () => Promise<T>) => withRetry(work, { outageMs: options.outageMs });
    let resumed: LedgerState | undefined;
    if (options.resume) {
      const stopped = await runs.byReportDir(reportDir);
      if (!stopped) throw new OxprovError('CFG_INVALID', `no run of oxprov's records wrote to ${options.reportDir}: it cannot be resumed`, { field: '--resume' });
      recorder = await RunRecorder.resume(runs, stopped, { retry: ledgerRetry });
      resumed = await recorder.state();
      say(`resuming run ${recorder.id} (${options.reportDir}): ${resumed.done.size} entries recorded, ${resumed.started.size} to check and finish`);
    } else {
      const record = syncRecord(input);
      recorder = await RunRecorder.start(runs, {
        kind: 'sync', mode: options.planOnly ? 'plan' : 'run', door: door.door ?? 'cli', startedBy: door.startedBy ?? currentUser(),
        source: options.directory ? { directory: options.file, base: options.directory.base } : { file: path.resolve(options.file), mapping: options.mapping && path.resolve(options.mapping) },
        options: { ...record, feed: options.feed, key: options.key }, reportDir, passwords: !options.planOnly && options.generatePasswords,
      }, { retry: ledgerRetry });
      if (!options.planOnly) {
        fs.mkdirSync(options.reportDir, { recursive: true, mode: 0o700 });
        fs.writeFileSync(path.join(options.reportDir, SYNC_RUN_FILE), `${JSON.stringify({ ...record, runId: recorder.id }, null, 2)}\n`, { mode: 0o600 });
      }
    }
    const { rows: read, keyTarget, mapper } = await readRows(options, services, config);
    // The file's own directory attributes are compared too.
    const extra = new Set<string>();
    for (const r of read) {
      for (const name of Object.keys(r.prepared?.first.spec.attributes ?? {})) extra.add(name);
      for (const name of r.prepared?.emptyAttributes ?? []) extra.add(name);
    }
    // A mailbox's folders follow its entry's style.
    if (options.checkMail) extra.add(STYLE_ATTRIBUTE);
    const feedUsers = await services.users.feedUsers(options.feed, [...extra]);
    const byKey = new Map<string, DirectoryUser>();
    for (const u of feedUsers) {
      const key = attribute(u, 'oxprovKey')[0];
      if (key !== undefined) byKey.set(key.toLowerCase(), u);
    }
    const rows = await decideNames(read, mapper, byKey, services);
    // One read of the feed's groupware rows: what an earlier run left undone is finished.
    const sqlRows = await services.users.findRows(feedUsers.map((u) => u.username));
    const folderCounts = await services.users.folderCounts(feedUsers.map((u) => u.username));
    const folders = { counts: folderCounts, expected: (language: string) => services!.templates.groupware.foldersFor(language).length };
    const mail = options.checkMail ? await checkMailboxes(read, byKey, services, say) : undefined;
    const today = new Date().toISOString().slice(0, 10);
    const classified = planSync(rows, { feed: options.feed, byKey, rows: sqlRows, folders, mail, today, deleteAfterDays: options.deleteLeaversAfter, generatePasswords: options.generatePasswords, peopleDn: config.ldap.peopleDn });
    const entries = await completePlan(classified, services.users, { feed: options.feed, today, createGroups: options.createGroups, spread: options.spread, generatePasswords: options.generatePasswords });

    const counts = planCounts(entries);
    const maxDisable = options.maxDisable ?? defaultMaxDisable(feedUsers.length);
    // Leavers of this file; a leaver disabled again (a repair) is not a new one.
    const leavers = entries.filter((e) => e.action === 'disable' && !e.repair).length;
    const summary: PlanSummary = {
      feed: options.feed, key: keyTarget, file: options.file, counts, deletions: entries.filter((e) => e.action === 'delete').length,
      maxDisable, blocked: leavers > maxDisable,
    };
    // The plan in the ledger: one row per person and change, before anything is written.
    for (const e of entries) recorder.done({ item: itemOfEntry(e), line: e.line, key: e.key || undefined, username: e.username || undefined, action: e.action, status: e.action === 'rejected' ? 'rejected' : 'planned', errors: e.errors, notes: [...e.changes.map(changeText), ...e.notes] });
    await recorder.flush();
    writePlanFiles(options.reportDir, summary, entries);
    if (options.emitLdif) writePlanLdif(options.reportDir, entries, config.ldap.attributes);
    io.stdout.write(renderPlan(summary, entries));
    io.stdout.write(`  plan        ${path.join(options.reportDir, 'plan.json')}, plan.csv${options.emitLdif ? ', plan.ldif' : ''}\n`);
    if (summary.blocked) {
      // A truncated or empty export must never disable a company.
      const message = `SYNC_TOO_MANY_LEAVERS: the plan disables ${leavers} users of feed ${options.feed}, more than ${maxDisable} (${feedUsers.length} users in the feed); nothing was changed. If they really left, run again with --max-disable ${leavers}`;
      say(message);
      await recorder.finish('blocked', counts, message);
      finished = true;
      return { exitCode: 2, summary, entries, messages: log.list };
    }
    if (options.planOnly) {
      await recorder.finish('done', counts);
      finished = true;
      return { exitCode: counts.rejected > 0 ? 1 : 0, summary, entries, messages: log.list };
    }

    const rec = recorder;
    const done = await applyPlan(entries, services, options, today, {
      started: (rows) => rec.started(rows), done: (o) => rec.done(o), flush: () => rec.flush(), passwords: resumed?.passwords,
    });
    await recorder.finish((done.statuses.failed ?? 0) > 0 ? 'failed' : 'done', done.statuses);
    finished = true;
    fs.writeFileSync(path.join(options.reportDir, 'summary.json'), `${JSON.stringify({ ...summary, applied: done.statuses }, null, 2)}\n`, { mode: 0o600 });
    io.stdout.write(`applied: ${Object.entries(done.statuses).map(([s, n]) => `${s} ${n}`).join(', ') || 'nothing'}\n  report      ${path.join(options.reportDir, 'report.csv')}\n`);
    if (done.credentials) io.stdout.write(`  passwords   ${done.credentials} (mode 0600)\n`);
    return { exitCode: (done.statuses.failed ?? 0) + counts.rejected > 0 ? 1 : 0, summary, entries, applied: done.statuses, credentialsFile: done.credentials, messages: log.list };
  } catch (err) {
    say(`${err instanceof OxprovError ? `${err.code}: ` : ''}${describeError(err)}`);
    return { exitCode: 2, messages: log.list };
  } finally {
    if (recorder && !finished) await recorder.finish('failed', {}).catch(() => {});
    await runs?.close();
    await lock?.release();
    await services?.close();
  }
}

/**
 * `--check-mail`: the mailbox of every known, enabled person of the file listed
 * (one session each), and the folders it lacks; what it found is said.
 */
async function checkMailboxes(read: readonly ReadRow[], byKey: ReadonlyMap<string, DirectoryUser>, services: Services, say: (text: string) => void): Promise<Map<string, readonly string[]>> {
  const users = read.flatMap((r) => {
    const u = r.key !== undefined && r.prepared && !r.errors.length ? byKey.get(r.key.toLowerCase()) : undefined;
    return u && !isDisabledLeaver(u) ? [u] : [];
  });
  const gaps = await services.users.mailboxGaps(users);
  const missing = new Map<string, readonly string[]>();
  let onDemand = 0;
  for (const [name, gap] of gaps) {
    if (gap === 'on demand') onDemand++;
    else if (gap.length) missing.set(name, gap);
  }
  const checked = gaps.size - onDemand;
  say(`--check-mail: listed the mailboxes of ${checked} users, ${missing.size} lack folders${onDemand ? `; ${onDemand} users are on a server that makes their folders at the first login, not listed` : ''}`);
  return missing;
}

/** A row of the feed as read: checked but for its names, with its key; or why it was refused. */
interface ReadRow {
  readonly line: number;
  readonly key?: string;
  readonly prepared?: PreparedRow;
  readonly errors: readonly OxprovError[];
  /** In place, the entry the row is; from another directory, the person's password hash. */
  readonly dn?: string;
  readonly passwordHash?: string;
}

/** Every row of the file, checked, with its key. The plan needs the whole desired state, so it is read whole. */
async function readRows(options: SyncOptions, services: Services, config: Readonly<Config>): Promise<{ rows: ReadRow[]; keyTarget: string; mapper: RowMapper }> {
  const fileMapping = options.mapping ? parseMapping(readText(options.mapping)) : undefined;
  const fromDirectory = options.directory ? directoryColumns(fileMapping) : undefined;
  const mapping = fromDirectory?.mapping ?? fileMapping;
  const schema = await services.users.schema()!;
  const mapper = createRowMapper({
    languages: services.templates.imap.languages, imapStyles: services.templates.imap.styles, schema, mapping, passwordPolicy: config.passwords,
    // A password is needed for new people only: the plan asks for it where it creates someone.
    generatePasswords: true, reportEmpty: options.emptyClears,
  });
  // A directory that is down or refuses the bind ends the run here, before any write.
  const source: RowSource = options.directory
    ? await openDirectory(options.directory, config, fromDirectory!)
    : await openCsv(options.file, { encoding: options.encoding, delimiter: options.delimiter });
  try {
    const headerErrors = mapper.header(source.header);
    if (headerErrors.length) throw new OxprovError(headerErrors[0].code, `the header of ${options.file}: ${headerErrors.map((e) => e.message).slice(0, 10).join('; ')}`);
    const field = fieldByName(options.key);
    const attr = field === undefined ? schema.attribute(options.key)?.name : undefined;
    if (field === undefined && attr === undefined) throw new OxprovError('CFG_INVALID', `--key ${options.key} is neither a field nor an attribute of the directory`, { field: '--key' });
    const keyOf = (spec: Partial<UserInput>): string | undefined => (field !== undefined ? (spec as unknown as Record<string, unknown>)[field] as string | undefined : spec.attributes?.[attr!]?.[0]);
    const rows: ReadRow[] = [];
    const seenKeys = new Map<string, number>();
    for await (const row of source.rows) {
      if (isRowError(row)) {
        rows.push({ line: row.line, errors: [row.error] });
        continue;
      }
      const prepared = mapper.prepare(row.record, row.line);
      const extra = { dn: options.directory?.inPlace ? row.record[DN_COLUMN] : undefined, passwordHash: row.passwordHash };
      if (prepared.first.issues.length) {
        rows.push({ line: row.line, prepared, errors: [], ...extra });
        continue;
      }
      const key = keyOf(prepared.first.spec);
      if (key === undefined || key === '') {
        const e = new OxprovError('MAP_MISSING_KEY', `line ${row.line}: the key ${options.key} is empty: the row names no person`, { line: row.line, field: options.key });
        rows.push({ line: row.line, errors: [e] });
        continue;
      }
      const first = seenKeys.get(key.toLowerCase());
      if (first !== undefined) {
        const e = new OxprovError('MAP_DUPLICATE_KEY', `line ${row.line}: key ${key} is already used on line ${first}`, { line: row.line, field: 'key', value: key });
        rows.push({ line: row.line, key, errors: [e] });
        continue;
      }
      seenKeys.set(key.toLowerCase(), row.line);
      rows.push({ line: row.line, key, prepared, errors: [], ...extra });
    }
    return { rows, keyTarget: field ?? attr!, mapper };
  } finally {
    await source.close();
  }
}

/**
 * Decides every row's names in file order (src/service/claim-rows.ts): a person
 * found by key keeps the user name they have, and what derives from it follows;
 * a new person's derived names are free in the file and the directory, or belong
 * to the user an import made for them (taken over).
 */
async function decideNames(read: readonly ReadRow[], mapper: RowMapper, byKey: ReadonlyMap<string, DirectoryUser>, services: Services): Promise<PlanRow[]> {
  const prepared = read.flatMap((r) => (r.prepared ? [r.prepared] : []));
  const keyOfLine = new Map(read.map((r) => [r.line, r.key]));
  const claimed = await claimRows(mapper, prepared, services.users.nameLookup(), (row) => {
    const existing = byKey.get(keyOfLine.get(row.line)?.toLowerCase() ?? '');
    return existing ? { identity: 'sync', existing: { username: existing.username } } : { identity: 'sync' };
  });
  // The users to take over, read whole (their entries are written).
  const takeOvers = await services.users.findUsers(claimed.flatMap((m) => (m.ok && m.holder ? [m.holder.username] : [])));
  const rows: PlanRow[] = [];
  let k = 0;
  for (const r of read) {
    if (!r.prepared) {
      rows.push({ line: r.line, key: r.key, errors: r.errors, notes: [] });
      continue;
    }
    const m = claimed[k++];
    const given = r.prepared.first.derived.has('username') ? undefined : r.prepared.first.spec.username;
    if (!m.ok) {
      rows.push({ line: r.line, key: r.key, errors: m.errors, notes: m.notes, givenUsername: m.username ?? given });
      continue;
    }
    // In place each row names the entry it is; from another directory it may carry the person's password hash.
    let input: UserInput = { ...m.spec, derived: m.derived, ...(m.emptyAttributes?.length ? { clear: m.emptyAttributes } : {}) };
    if (r.dn !== undefined) input = { ...input, dn: r.dn };
    else if (r.passwordHash !== undefined && input.password === undefined) input = { ...input, passwordHash: r.passwordHash };
    const takeOver = m.holder && !byKey.has(r.key!.toLowerCase()) ? takeOvers.get(m.holder.username.toLowerCase()) : undefined;
    rows.push({ line: r.line, key: r.key, input, errors: [], notes: m.notes, givenUsername: given, takeOver });
  }
  return rows;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new OxprovError('CFG_FILE_UNREADABLE', `cannot read the mapping file ${file}: ${describeError(cause)}`, { field: '--mapping', cause });
  }
}
