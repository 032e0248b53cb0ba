import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load-config.js';
import { describeError, OxprovError } from '../errors.js';
import { openCsv } from '../import/read-csv.js';
import { isRowError, type RowSource, type SourceRow } from '../import/source.js';
import { directoryColumns, DN_COLUMN } from '../import/directory-mapping.js';
import { openDirectory } from '../import/read-directory.js';
import type { Config } from '../config/config.js';
import { createRowMapper, parseMapping } from '../mapping/index.js';
import type { PreparedRow, RowMapper } from '../mapping/row-mapper.js';
import { claimRows } from '../service/claim-rows.js';
import { fieldByName } from '../mapping/fields.js';
import { FoldedHashTable } from '../mapping/folded-hash-table.js';
import type { UserInput } from '../model/user-spec.js';
import type { DirectoryUser } from '../service/user-service.js';
import { openRunStore, openServices, type RunStore, type Services } from '../service/open-services.js';
import { currentUser, RunRecorder } from '../ledger/run-recorder.js';
import { settingsDigest, trustNote, UserTrust, type UserState } from '../ledger/user-trust.js';
import { readOrEmpty } from './import-run.js';
import { RunMessages } from './run-messages.js';
import { QUEUED_BATCH, QUEUED_IN_FLIGHT, RunQueue } from './run-queue.js';
import type { ApplyWrites } from '../sync/apply-plan.js';
import { withRetry } from '../service/retry.js';
import { changeText } from '../model/attribute-change.js';
import { itemOfEntry, PlanApplier } from '../sync/apply-plan.js';
import { PlanFileWriter, renderPlan, type PlanSummary } from '../sync/plan-files.js';
import { fromPayload, toPayload } from '../sync/plan-payload.js';
import { defaultMaxDisable, normalizeSyncOptions, SYNC_RUN_FILE, syncRecord, type SyncOptions, type SyncOptionsInput } from '../sync/sync-options.js';
import { completePlan } from '../sync/plan-changes.js';
import { attribute, isDisabledLeaver, planLeavers, planRows, unfinished, type PlanContext, type planCounts, type PlanEntry, type PlanRow, type SyncAction } from '../sync/sync-plan.js';
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
  /** Handed to workers: the users each worker created or changed, by its name. */
  workers?: Readonly<Record<string, number>>;
  /** What the run said besides its plan, in order (also written to stderr with the command's prefix). */
  messages: readonly string[];
}

/** Rows planned at once: one look-up per back-end each. */
const CHUNK = 1000;
/** Parts read at once while one is planned (4 read no faster than 2, and held 50 MB more at 30,000 people). */
const READ_AHEAD = 2;
/** The entries a run hands back to its door (plan.json has every one): the first that are not unchanged. */
const KEPT = 2000;

/**
 * `oxprov sync FILE`: the file is the desired state of its feed. Plans a part of
 * the file at a time (its people's entries, groupware rows and folders read in bulk
 * by key), then the leavers from a paged read of the feed, and writes the plan as
 * it goes into the run's ledger and plan.json, plan.csv, plan.ldif: memory stays
 * flat as the feed grows. Unless `--plan-only`, and when the plan passes the leaver
 * threshold, applies the plan read back from the ledger through the user service,
 * leavers last.
 */
export async function runSync(input: SyncOptionsInput, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }, door: { door?: string; startedBy?: string; signal?: AbortSignal } = {}): Promise<SyncRun> {
  let services: Services | undefined;
  let lock: { release(): Promise<void> } | undefined;
  let runs: RunStore | undefined;
  let recorder: RunRecorder | undefined;
  let writer: PlanFileWriter | undefined;
  let applier: PlanApplier | undefined;
  let queue: RunQueue | undefined;
  let onSignal: (() => void) | undefined;
  let interrupts = 0;
  let finished = false;
  const log = new RunMessages(io.stderr, 'oxprov sync: ');
  const say = (text: string) => log.say(text);
  try {
    const options = normalizeSyncOptions(input);
    const config = loadConfig({ file: options.config });
    queue = RunQueue.prepare(options, config);
    services = await openServices(config, { only: options.planOnly && !options.checkMail ? ['ldap', 'sql'] : undefined, retry: { outageMs: options.outageMs } });
    // One sync of a feed at a time, across processes and machines: two at once made people twice.
    if (!options.planOnly) lock = await services.users.lockFeed(options.feed);
    // The run in oxprov's records: its ledger holds the plan, then each batch before and after it is sent.
    runs = await openRunStore(config);
    const reportDir = path.resolve(options.reportDir);
    const ledgerRetry = <T>(work: () => Promise<T>) => withRetry(work, { outageMs: options.outageMs });
    let resumed = false;
    if (options.resume) {
      const stopped = await runs.byReportDir(reportDir);
      if (!stopped) throw new OxprovError('CFG_INVALID', `no run of oxprov's records wrote to ${options.reportDir}: it cannot be resumed`, { field: '--resume' });
      recorder = await RunRecorder.resume(runs, stopped, { retry: ledgerRetry });
      // What it planned and never sent is planned again, against what is there now.
      await recorder.dropPlanned();
      const counts = await recorder.statusCounts();
      const open = (counts.started ?? 0) + (counts.failed ?? 0);
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      say(`resuming run ${recorder.id} (${options.reportDir}): ${total - open} entries recorded, ${open} to check and finish`);
      resumed = true;
    } else {
      const record = syncRecord(input);
      recorder = await RunRecorder.start(runs, {
        kind: 'sync', mode: options.planOnly ? 'plan' : 'run', door: door.door ?? 'cli', startedBy: door.startedBy ?? currentUser(),
        source: options.directory ? { directory: options.file, base: options.directory.base } : { file: path.resolve(options.file), mapping: options.mapping && path.resolve(options.mapping) },
        // A run that applies keeps its plan's secrets (a row's own password) sealed to its key.
        options: { ...record, feed: options.feed, key: options.key }, reportDir, passwords: !options.planOnly,
      }, { retry: ledgerRetry });
      if (!options.planOnly) {
        fs.mkdirSync(options.reportDir, { recursive: true, mode: 0o700 });
        fs.writeFileSync(path.join(options.reportDir, SYNC_RUN_FILE), `${JSON.stringify({ ...record, runId: recorder.id }, null, 2)}\n`, { mode: 0o600 });
      }
    }
    const rec = recorder;
    const today = new Date().toISOString().slice(0, 10);
    writer = new PlanFileWriter(options.reportDir, { ldif: options.emitLdif, names: config.ldap.attributes });
    // Rejected and unchanged people are reported as they are planned; the rest is applied from the ledger.
    // What earlier syncs wrote, trusted where a known person's row is the request last applied.
    const present = new Set<string>();
    const trust = new UserTrust({
      store: runs, runId: recorder.id, verifyAll: options.verify, sharePercent: options.verifyShare, turn: await runs.countRuns('sync').catch(() => 0),
      passwordsMatter: false,
      digest: settingsDigest({
        v: 1, kind: 'sync', config, mapping: options.mapping ? readText(options.mapping) : null, directory: options.directory ?? null,
        templates: [config.templates.imapFolders, config.templates.groupwareFolders].map((f) => readOrEmpty(f)),
        // Only what changes what is written for a known person (generated passwords and the mail server's choice are a new person's).
        options: { feed: options.feed, key: options.key, emptyClears: options.emptyClears },
      }),
      // The users of a part were just read by key: those are there.
      exists: async (names) => new Set(names.map((n) => n.toLowerCase()).filter((n) => present.has(n))),
    });
    if (!options.planOnly) {
      // Handed to workers, the apply's creates and changes go through the queue, several batches at once; the plan, leavers and the report stay here.
      let writes: ApplyWrites | undefined;
      if (queue) {
        const queued = await queue.provisioning(services.users, config, recorder.id, say);
        writes = { provision: (inputs, o) => queued.provision(inputs, o), batch: QUEUED_BATCH, inFlight: QUEUED_IN_FLIGHT };
        // Ctrl-C or SIGTERM: no worker takes another batch of this sync (those in hand are finished); a second one stops at once.
        const q = queue;
        onSignal = () => {
          if (interrupts++ > 0) process.exit(130);
          say('interrupted: no worker takes another batch of this sync; --resume finishes it (again to stop at once)');
          q.cancel(say);
        };
        // A door of its own (the page's cancel) stops it as Ctrl-C does; otherwise the signals do.
        if (door.signal) door.signal.addEventListener('abort', onSignal, { once: true });
        else {
          process.on('SIGINT', onSignal);
          process.on('SIGTERM', onSignal);
        }
        if (door.signal?.aborted) onSignal();
      }
      applier = new PlanApplier(services, options, today, { started: (rows) => rec.started(rows), done: (o) => rec.done(o), flush: () => rec.flush() },
        (written) => trust.remember(written), writes);
    }
    const plan = await makePlan(options, services, config, rec, writer, applier, today, say, { trust, present });
    const { counts, feedCount } = plan;
    const maxDisable = options.maxDisable ?? defaultMaxDisable(feedCount);
    const summary: PlanSummary = {
      feed: options.feed, key: plan.keyTarget, file: options.file, counts, deletions: plan.deletions, maxDisable, blocked: plan.leavers > maxDisable,
      ...(plan.trust.trusted + plan.trust.verified > 0 ? { trust: plan.trust } : {}),
    };
    await recorder.flush();
    writer.close(summary);
    writer = undefined;
    io.stdout.write(renderPlan(summary, plan.kept, plan.changed));
    io.stdout.write(`  plan        ${path.join(options.reportDir, 'plan.json')}, plan.csv${options.emitLdif ? ', plan.ldif' : ''}\n`);
    if (summary.blocked) {
      // A truncated or empty export must never disable a company.
      const message = `SYNC_TOO_MANY_LEAVERS: the plan disables ${plan.leavers} users of feed ${options.feed}, more than ${maxDisable} (${feedCount} users in the feed); nothing was changed. If they really left, run again with --max-disable ${plan.leavers}`;
      say(message);
      applier?.close();
      applier = undefined;
      fs.rmSync(path.join(options.reportDir, 'report.csv'), { force: true });
      await recorder.finish('blocked', counts, message);
      finished = true;
      return { exitCode: 2, summary, entries: plan.kept, messages: log.list };
    }
    if (options.planOnly || !applier) {
      await recorder.finish('done', counts);
      finished = true;
      return { exitCode: counts.rejected > 0 ? 1 : 0, summary, entries: plan.kept, messages: log.list };
    }

    await applyFromLedger(rec, services, applier, resumed);
    const done = applier.close();
    applier = undefined;
    const workers = queue?.doneBy(say);
    await recorder.finish((done.statuses.failed ?? 0) > 0 ? 'failed' : 'done', done.statuses);
    finished = true;
    fs.writeFileSync(path.join(options.reportDir, 'summary.json'), `${JSON.stringify({ ...summary, applied: done.statuses, ...(workers ? { workers } : {}) }, null, 2)}\n`, { mode: 0o600 });
    io.stdout.write(`applied: ${Object.entries(done.statuses).map(([s, n]) => `${s} ${n}`).join(', ') || 'nothing'}\n  report      ${path.join(options.reportDir, 'report.csv')}\n`);
    if (done.credentials) io.stdout.write(`  passwords   ${done.credentials} (mode 0600)\n`);
    return { exitCode: (done.statuses.failed ?? 0) + counts.rejected > 0 ? 1 : 0, summary, entries: plan.kept, applied: done.statuses, credentialsFile: done.credentials, messages: log.list,
      ...(workers ? { workers } : {}) };
  } catch (err) {
    say(`${err instanceof OxprovError ? `${err.code}: ` : ''}${describeError(err)}`);
    return { exitCode: 2, messages: log.list };
  } finally {
    if (onSignal) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    writer?.abort();
    try {
      applier?.close();
    } catch { /* closed */ }
    if (recorder && !finished) await recorder.finish('failed', {}).catch(() => {});
    await queue?.stop(finished);
    await runs?.close();
    await lock?.release();
    await services?.close();
  }
}

interface MadePlan {
  readonly counts: ReturnType<typeof planCounts>;
  readonly deletions: number;
  /** Leavers of this file; a leaver disabled again (a repair) is not a new one. */
  readonly leavers: number;
  readonly feedCount: number;
  readonly keyTarget: string;
  /** The first entries that are not unchanged, and how many there are. */
  readonly kept: PlanEntry[];
  readonly changed: number;
  /** Known people trusted as the last run left them, and those compared all the same. */
  readonly trust: { readonly trusted: number; readonly verified: number };
}

/**
 * The plan, a part of the file at a time, then the leavers: each part's entries go
 * into the ledger (with what their apply needs), the plan's files and, for a run that
 * applies, the report (rejected and unchanged people), and are then let go.
 */
async function makePlan(options: SyncOptions, services: Services, config: Readonly<Config>, recorder: RunRecorder, writer: PlanFileWriter, applier: PlanApplier | undefined,
  today: string, say: (text: string) => void, trusting: { trust: UserTrust; present: Set<string> }): Promise<MadePlan> {
  const trustCounts = { trusted: 0, verified: 0 };
  const counts = { create: 0, update: 0, disable: 0, enable: 0, unchanged: 0, rejected: 0 };
  let deletions = 0;
  let leavers = 0;
  let changed = 0;
  const kept: PlanEntry[] = [];
  const mailChecked = { listed: 0, lacking: 0, onDemand: 0 };
  const completeOptions = { feed: options.feed, today, createGroups: options.createGroups, spread: options.spread, generatePasswords: options.generatePasswords };
  const record = (entries: readonly PlanEntry[]) => {
    for (const e of entries) {
      if (e.action === 'delete') deletions++;
      else counts[e.action]++;
      if (e.action === 'disable' && !e.repair) leavers++;
      if (e.action !== 'unchanged') {
        changed++;
        if (kept.length < KEPT) kept.push(e);
      }
      const settled = e.action === 'rejected' || e.action === 'unchanged';
      // A run that applies reports what is settled now; the rest is planned, with what its apply needs.
      if (applier && settled) continue;
      recorder.done({
        item: itemOfEntry(e), line: e.line, key: e.key || undefined, username: e.username || undefined, action: e.action,
        status: e.action === 'rejected' ? 'rejected' : 'planned', errors: e.errors, notes: [...e.changes.map(changeText), ...e.notes],
        plan: applier && !settled ? toPayload(e, (secret) => recorder.seal(secret)) : undefined,
      });
    }
    applier?.settled(entries);
    writer.add(entries);
  };

  // A run that applies forgets what was written for the people it is about to write (or disable): until its
  // write completes, none is trusted, so a change that fails half-way is never taken for the state last applied.
  const forgetWritten = async (entries: readonly PlanEntry[]) => {
    if (!applier) return;
    const names = entries.flatMap((e) => (e.action !== 'unchanged' && e.action !== 'rejected' && e.username ? [e.username] : []));
    if (names.length) await trusting.trust.forget(names);
  };
  const feed = await openFeed(options, services, config);
  // A part's people as the back-ends have them: first those whose row is the one last applied for their key,
  // trusted without reading their entries; then the entries of the others by key, their groupware rows, folders
  // and what oxprov last wrote for them, at once. Nothing is written while a sync plans, so the next part is read
  // while this one is planned.
  const readPart = async (whole: ReadRow[]) => {
    const quick = await trustByKey(whole, options, services, trusting.trust);
    const chunk = quick.rest;
    // The file's own directory attributes are compared too; a mailbox's folders follow its entry's style.
    const extra = new Set<string>();
    for (const r of chunk) {
      for (const name of Object.keys(r.prepared?.first.spec.attributes ?? {})) extra.add(name);
      for (const name of r.prepared?.emptyAttributes ?? []) extra.add(name);
    }
    if (options.checkMail) extra.add(STYLE_ATTRIBUTE);
    const keys = chunk.flatMap((r) => (r.key !== undefined && r.prepared ? [r.key] : []));
    const known = keys.length ? await services.users.feedUsers(options.feed, [...extra], keys) : [];
    const byKey = new Map<string, DirectoryUser>();
    for (const u of known) {
      const key = attribute(u, 'oxprovKey')[0];
      if (key !== undefined) byKey.set(key.toLowerCase(), u);
    }
    const names = known.map((u) => u.username);
    const [sqlRows, folderCounts, states] = await Promise.all([
      services.users.findRows(names), services.users.folderCounts(names),
      // What oxprov remembers is a help, not a need: unread, nobody is trusted.
      trusting.trust.states(names).catch(() => new Map<string, UserState>()),
    ]);
    return { chunk, trusted: quick.trusted, prints: quick.prints, known, byKey, sqlRows, folderCounts, states };
  };
  try {
    const parts = feed.chunks()[Symbol.asyncIterator]();
    // Parts are read ahead, READ_AHEAD at once: most of a part's time is the back-ends' answers.
    // A part read ahead that fails while this one fails too is not a second, unhandled error.
    const ahead = () => {
      const p = parts.next().then(async (r) => (r.done ? undefined : readPart(r.value)));
      p.catch(() => {});
      return p;
    };
    // The file's parts come in order (a generator answers its calls in turn); their reads overlap.
    const coming = [ahead()];
    for (;;) {
      while (coming.length < READ_AHEAD) coming.push(ahead());
      const part = await coming.shift()!;
      if (part === undefined) break;
      const { chunk, known, byKey, sqlRows } = part;
      trustCounts.trusted += part.trusted.length;
      const rows = (await decideNames(chunk, feed.mapper, byKey, services)).map((r) => {
        const rowPrint = part.prints.get(r.line);
        return rowPrint !== undefined && r.input ? { ...r, rowPrint } : r;
      });
      // The groupware rows and folders of the part's people: what an earlier run left undone is finished.
      const folders = folderCheck(services, part.folderCounts);
      const mail = options.checkMail ? await checkMailboxes(chunk, byKey, services, mailChecked) : undefined;
      const ctx = { feed: options.feed, byKey, rows: sqlRows, folders, mail, today, deleteAfterDays: options.deleteLeaversAfter, generatePasswords: options.generatePasswords, peopleDn: config.ldap.peopleDn };
      trusting.present.clear();
      for (const u of known) trusting.present.add(u.username.toLowerCase());
      const planned = await trustKnown(planRows(rows, ctx), trusting.trust, trustCounts, part.states);
      const completed = await completePlan(planned.filter((e) => !e.trustedSince), services.users, completeOptions);
      let k = 0;
      const entries = byLine(part.trusted, planned.map((e) => (e.trustedSince ? e : completed[k++])));
      await forgetWritten(entries);
      record(entries);
      await recorder.keepUp();
      await applier?.remembered();
    }
  } finally {
    await feed.close();
  }
  if (options.checkMail) {
    say(`--check-mail: listed the mailboxes of ${mailChecked.listed} users, ${mailChecked.lacking} lack folders${mailChecked.onDemand ? `; ${mailChecked.onDemand} users are on a server that makes their folders at the first login, not listed` : ''}`);
  }

  // Leavers: the feed's users whose key the file lacks, from a paged read of the feed.
  let feedCount = 0;
  for await (const page of services.users.feedPages(options.feed, [], true)) {
    feedCount += page.length;
    const names = page.filter((u) => {
      const key = attribute(u, 'oxprovKey')[0];
      return key !== undefined && !feed.has(key);
    }).map((u) => u.username);
    if (names.length === 0) continue;
    // Whole entries of the leavers only: what disabling them compares and moves.
    const gone = [...(await services.users.findUsers(names)).values()];
    const sqlRows = await services.users.findRows(gone.map((u) => u.username));
    const ctx = { feed: options.feed, byKey: new Map<string, DirectoryUser>(), rows: sqlRows, today, deleteAfterDays: options.deleteLeaversAfter, peopleDn: config.ldap.peopleDn };
    const entries = await completePlan(planLeavers(gone, ctx), services.users, completeOptions);
    await forgetWritten(entries);
    record(entries);
    await recorder.keepUp();
  }
  return { counts, deletions, leavers, feedCount, keyTarget: feed.keyTarget, kept, changed, trust: trustCounts };
}

/**
 * The people of a part whose row is, to its fingerprint, the row last applied for their key
 * (src/ledger/user-trust.ts), whose user the directory still has, that no earlier run left
 * unfinished (no mark on the entry; their groupware rows there and activated, their folders all
 * there: one light search, and one SQL read that returns one row while all is well) and that are
 * not due to be compared in this run: unchanged, without reading or comparing their entries or
 * mailboxes. Attributes changed behind oxprov's back are found by `--verify` and the share of
 * each run compared in turn. Reading each person's groupware row and folders instead was a third
 * of the CPU of an unchanged sync. The rest of the part is read and planned in full.
 * Every row of the part gets its fingerprint, remembered with its person once applied.
 */
async function trustByKey(chunk: ReadRow[], options: SyncOptions, services: Services, trust: UserTrust): Promise<{ trusted: PlanEntry[]; rest: ReadRow[]; prints: Map<number, string> }> {
  const prints = new Map<number, string>();
  const candidates: ReadRow[] = [];
  for (const r of chunk) {
    if (!r.prepared || r.errors.length || r.key === undefined || r.prepared.first.issues.length) continue;
    prints.set(r.line, trust.rowPrint({ spec: r.prepared.first.spec, derived: r.prepared.first.derived, clear: r.prepared.emptyAttributes, dn: r.dn }));
    candidates.push(r);
  }
  // --check-mail lists the mailboxes of every known person; --verify compares every one.
  if (candidates.length === 0 || options.checkMail || options.verify) return { trusted: [], rest: chunk, prints };
  // What oxprov remembers is a help, not a need: unread, nobody is trusted.
  const states = await trust.statesByKey(options.feed, candidates.map((r) => r.key!)).catch(() => new Map<string, UserState[]>());
  const same: [ReadRow, UserState][] = [];
  for (const r of candidates) {
    const found = states.get(r.key!.toLowerCase());
    // A key remembered for two users (one deleted by hand, say) is read, not trusted.
    if (found?.length !== 1 || found[0].rowPrint !== prints.get(r.line) || trust.due(found[0].username)) continue;
    same.push([r, found[0]]);
  }
  if (same.length === 0) return { trusted: [], rest: chunk, prints };
  // What an earlier run left undone, or a back-end lost, is never trusted away: the entry's marks are read (one light
  // search), and whether the groupware rows and folders of all of them are there (one SQL read of one row). Only when
  // something is missing are the rows and folders read person by person.
  const names = same.map(([, s]) => s.username);
  const [marked, whole] = await Promise.all([services.users.userMarks(names), services.users.groupwareWhole(names)]);
  const [rows, counts] = whole ? [] : await Promise.all([services.users.findRows(names), services.users.folderCounts(names)]);
  // The same rules as for a person read whole (src/sync/sync-plan.ts).
  const ctx = rows && counts ? { rows, folders: folderCheck(services, counts) } : {};
  const trusted: PlanEntry[] = [];
  const lines = new Set<number>();
  for (const [r, state] of same) {
    const user = marked.get(state.username.toLowerCase());
    if (!user || isDisabledLeaver(user) || unfinished(user, ctx, true).length) continue;
    const { since, note } = trustNote(state);
    lines.add(r.line);
    trusted.push({
      action: 'unchanged', line: r.line, key: r.key!, username: state.username, changes: [], errors: [], trustedSince: since,
      notes: [...r.prepared!.first.notes, note],
    });
  }
  return { trusted, rest: lines.size ? chunk.filter((r) => !lines.has(r.line)) : chunk, prints };
}

/** The default groupware folders users have, and how many a user of a language should have: what a plan checks. */
function folderCheck(services: Services, counts: ReadonlyMap<string, number>): NonNullable<PlanContext['folders']> {
  return { counts, expected: (language) => services.templates.groupware.foldersFor(language).length };
}

/** Two lists of entries in line order, merged in line order. */
function byLine(a: readonly PlanEntry[], b: readonly PlanEntry[]): PlanEntry[] {
  if (a.length === 0) return [...b];
  if (b.length === 0) return [...a];
  const out: PlanEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push((a[i].line ?? 0) <= (b[j].line ?? 0) ? a[i++] : b[j++]);
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}

/**
 * Known people whose row is the request the last sync applied for them, and that
 * nothing marks for repair, are unchanged without asking the back-ends (their
 * entries, rows and folders were read all the same: a repair is never trusted away);
 * `--verify`, and a share of each run in turn, compares them all the same.
 */
async function trustKnown(entries: PlanEntry[], trust: UserTrust, counts: { trusted: number; verified: number }, states: ReadonlyMap<string, UserState>): Promise<PlanEntry[]> {
  const candidates = entries.filter((e) => e.action === 'update' && !e.repair && !e.adopt && e.input);
  if (candidates.length === 0) return entries;
  const { trusted, verified } = await trust.check(candidates.map((e) => e.input!), states);
  counts.trusted += trusted.size;
  counts.verified += verified.size;
  if (trusted.size === 0) return entries;
  return entries.map((e) => {
    const state = e.action === 'update' && !e.repair && !e.adopt && e.input ? trusted.get(e.input.username) : undefined;
    if (!state) return e;
    const { since, note } = trustNote(state);
    return { ...e, action: 'unchanged', trustedSince: since, notes: [...e.notes, note] };
  });
}

/** The order of an apply: new people, then changed people and returners, then leavers. */
const APPLY_ORDER: readonly (readonly SyncAction[])[] = [['create'], ['update', 'enable'], ['disable', 'delete']];

/**
 * Applies the plan the ledger holds, a page at a time: each page's users are read
 * again (as they are now), its secrets opened with the run's key. A resumed run
 * then gives the users a stopped run created the password it generated for them,
 * when it works (credentials.csv).
 */
async function applyFromLedger(recorder: RunRecorder, services: Services, applier: PlanApplier, resumed: boolean): Promise<void> {
  const open = (sealed: string) => recorder.open(sealed);
  for (const actions of APPLY_ORDER) {
    for await (const page of recorder.planned(actions)) {
      const existing = page.filter((r) => r.action !== 'create' && r.username).map((r) => r.username!);
      const found = existing.length ? await services.users.findUsers(existing) : new Map<string, DirectoryUser>();
      const entries: PlanEntry[] = [];
      const kept = new Map<string, string>();
      for (const r of page) {
        const e = fromPayload(r, open, found.get(r.username?.toLowerCase() ?? ''));
        if (e.action !== 'create' && !e.entry) {
          // Gone since the plan was made: nothing to change.
          const gone = new OxprovError('LDAP_NO_SUCH_OBJECT', `${e.username} is no longer in the directory (deleted after the plan was made)`, { field: 'username', value: e.username });
          applier.settled([{ ...e, action: 'rejected', errors: [gone] }]);
          continue;
        }
        const pw = recorder.open(r.sealedPassword);
        if (pw !== undefined) kept.set(r.item, pw);
        entries.push(e);
      }
      if (actions[0] === 'create') await applier.creates(entries, kept);
      else if (actions[0] === 'update') await applier.changes(entries);
      else await applier.leavers(entries);
    }
  }
  if (!resumed) return;
  // Users a stopped run created whose outcome it could not record: the password its ledger holds is theirs if it works.
  for await (const page of recorder.rows()) {
    const open = page.filter((r) => r.sealedPassword !== undefined && r.status !== 'created' && r.username);
    if (open.length === 0) continue;
    const users = await services.users.findUsers(open.map((r) => r.username!));
    for (const r of open) {
      const pw = recorder.open(r.sealedPassword);
      const u = users.get(r.username!.toLowerCase());
      if (pw === undefined || !u || !(await services.users.hasPassword(u.username, pw).catch(() => false))) continue;
      applier.credit(u.username, pw, attribute(u, 'mail')[0] ?? '', [attribute(u, 'givenName')[0], attribute(u, 'sn')[0]].filter(Boolean).join(' '));
    }
  }
}

/**
 * `--check-mail`: the mailbox of every known, enabled person of a part of the file
 * listed (one session each), and the folders it lacks; counted in `stats`.
 */
async function checkMailboxes(read: readonly ReadRow[], byKey: ReadonlyMap<string, DirectoryUser>, services: Services, stats: { listed: number; lacking: number; onDemand: number }): Promise<Map<string, readonly string[]>> {
  const users = read.flatMap((r) => {
    const u = r.key !== undefined && r.prepared && !r.errors.length ? byKey.get(r.key.toLowerCase()) : undefined;
    return u && !isDisabledLeaver(u) ? [u] : [];
  });
  const gaps = await services.users.mailboxGaps(users);
  const missing = new Map<string, readonly string[]>();
  for (const [name, gap] of gaps) {
    if (gap === 'on demand') stats.onDemand++;
    else {
      stats.listed++;
      if (gap.length) missing.set(name, gap);
    }
  }
  stats.lacking += missing.size;
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

/** The feed being read: its rows checked but for their names, with their keys, a part at a time. */
interface OpenFeed {
  readonly mapper: RowMapper;
  /** The field or attribute the key is. */
  readonly keyTarget: string;
  /** Whether a row read so far names the person of this key (compared without case). */
  has(key: string): boolean;
  chunks(): AsyncIterable<ReadRow[]>;
  close(): Promise<void>;
}

/** Opens the file (or the directory) of a sync: its header checked, its key known. */
async function openFeed(options: SyncOptions, services: Services, config: Readonly<Config>): Promise<OpenFeed> {
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
    // Keys of the file so far (→ line), compared without case: a key twice is refused; a key the file lacks is a
    // leaver. Hashes only, off the heap (12–16 bytes a person): a feed of millions stays small.
    const seenKeys = new FoldedHashTable();
    const refusedKeys = new FoldedHashTable();
    const read = (row: SourceRow): ReadRow => {
      if (isRowError(row)) return { line: row.line, errors: [row.error] };
      const prepared = mapper.prepare(row.record, row.line);
      const extra = { dn: options.directory?.inPlace ? row.record[DN_COLUMN] : undefined, passwordHash: row.passwordHash };
      if (prepared.first.issues.length) {
        // Refused, but still the person of its key: a mistake in one cell never makes them a leaver.
        const key = keyOf(prepared.first.spec) || undefined;
        if (key !== undefined) refusedKeys.setIfAbsent(key, 0);
        return { line: row.line, key, prepared, errors: [], ...extra };
      }
      const key = keyOf(prepared.first.spec);
      if (key === undefined || key === '') {
        const e = new OxprovError('MAP_MISSING_KEY', `line ${row.line}: the key ${options.key} is empty: the row names no person`, { line: row.line, field: options.key });
        return { line: row.line, errors: [e] };
      }
      const first = seenKeys.get(key);
      if (first !== undefined) {
        const e = new OxprovError('MAP_DUPLICATE_KEY', `line ${row.line}: key ${key} is already used on line ${first}`, { line: row.line, field: 'key', value: key });
        return { line: row.line, key, errors: [e] };
      }
      seenKeys.setIfAbsent(key, row.line);
      return { line: row.line, key, prepared, errors: [], ...extra };
    };
    return {
      mapper, keyTarget: field ?? attr!,
      has: (key) => seenKeys.get(key) !== undefined || refusedKeys.get(key) !== undefined,
      async *chunks() {
        let chunk: ReadRow[] = [];
        for await (const row of source.rows) {
          chunk.push(read(row));
          if (chunk.length >= CHUNK) {
            yield chunk;
            chunk = [];
          }
        }
        if (chunk.length) yield chunk;
      },
      close: () => source.close(),
    };
  } catch (err) {
    await source.close();
    throw err;
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
  // The known people were just read by key: their own names and addresses need no second look-up.
  const lookup = services.users.nameLookup();
  lookup.prime(byKey.values());
  const claimed = await claimRows(mapper, prepared, lookup, (row) => {
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
