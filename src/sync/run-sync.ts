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
import { fieldByName } from '../mapping/fields.js';
import type { UserInput } from '../model/user-spec.js';
import type { DirectoryUser } from '../service/user-service.js';
import { openServices, type Services } from '../service/open-services.js';
import { applyPlan } from './apply-plan.js';
import { renderPlan, writePlanFiles, writePlanLdif, type PlanSummary } from './plan-files.js';
import { defaultMaxDisable, normalizeSyncOptions, type SyncOptions, type SyncOptionsInput } from './sync-options.js';
import { attribute, planCounts, planSync, suffixCandidates, type PlanEntry, type PlanRow } from './sync-plan.js';

export interface SyncRun {
  /** 0 done (or a clean plan), 1 rows rejected or failed, 2 could not run or refused by the leaver threshold. */
  exitCode: 0 | 1 | 2;
  summary?: PlanSummary;
  entries?: readonly PlanEntry[];
}

/**
 * `oxprov sync FILE`: the file is the desired state of its feed. Reads the feed's
 * current state in bulk, writes the plan (plan.json, plan.csv, plan.ldif), and
 * unless `--plan-only` applies it through the user service, leavers last, when the
 * plan passes the leaver threshold.
 */
export async function runSync(input: SyncOptionsInput, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<SyncRun> {
  let services: Services | undefined;
  try {
    const options = normalizeSyncOptions(input);
    const config = loadConfig({ file: options.config });
    services = await openServices(config, { only: options.planOnly ? ['ldap', 'sql'] : undefined, retry: { outageMs: options.outageMs } });
    const { rows, keyTarget } = await readRows(options, services, config);
    // The file's own directory attributes are compared too.
    const extra = new Set<string>();
    for (const r of rows) {
      for (const name of Object.keys(r.input?.attributes ?? {})) extra.add(name);
      for (const name of r.clears ?? []) extra.add(name);
    }
    const feedUsers = await services.users.feedUsers(options.feed, [...extra]);
    const byKey = new Map<string, DirectoryUser>();
    for (const u of feedUsers) {
      const key = attribute(u, 'oxprovKey')[0];
      if (key !== undefined) byKey.set(key.toLowerCase(), u);
    }
    // One bulk look-up of the user names new people ask for, and of their suffixed forms.
    const unknown = rows.filter((r) => r.key && r.input && !byKey.has(r.key.toLowerCase()));
    const names = unknown.flatMap((r) => (r.derivedUsername ? suffixCandidates(r.input!.username.toLowerCase()) : [r.input!.username.toLowerCase()]));
    const byName = await services.users.findUsers(names);
    // One read of the feed's groupware rows: what an earlier run left undone is finished.
    const sqlRows = await services.users.findRows(feedUsers.map((u) => u.username));
    const today = new Date().toISOString().slice(0, 10);
    let entries = planSync(rows, { feed: options.feed, byKey, byName, rows: sqlRows, quotaAttribute: config.ldap.quotaAttribute, today, deleteAfterDays: options.deleteLeaversAfter, generatePasswords: options.generatePasswords, peopleDn: config.ldap.peopleDn,
      mailServerOf: (imapServer) => (config.mail.servers.find((s) => s.imapServer.toLowerCase() === imapServer?.toLowerCase()) ?? config.mail.servers[0]).name });
    entries = await checkWithService(entries, services, options);

    const counts = planCounts(entries);
    const maxDisable = options.maxDisable ?? defaultMaxDisable(feedUsers.length);
    // Leavers of this file; a leaver disabled again (a repair) is not a new one.
    const leavers = entries.filter((e) => e.action === 'disable' && !e.repair).length;
    const summary: PlanSummary = {
      feed: options.feed, key: keyTarget, file: options.file, counts, deletions: entries.filter((e) => e.action === 'delete').length,
      maxDisable, blocked: leavers > maxDisable,
    };
    writePlanFiles(options.reportDir, summary, entries);
    if (options.emitLdif) writePlanLdif(options.reportDir, entries, today, options.feed, config.ldap.attributes);
    io.stdout.write(renderPlan(summary, entries));
    io.stdout.write(`  plan        ${path.join(options.reportDir, 'plan.json')}, plan.csv${options.emitLdif ? ', plan.ldif' : ''}\n`);
    if (summary.blocked) {
      // A truncated or empty export must never disable a company.
      io.stderr.write(`oxprov sync: SYNC_TOO_MANY_LEAVERS: the plan disables ${leavers} users of feed ${options.feed}, more than ${maxDisable} (${feedUsers.length} users in the feed); nothing was changed. If they really left, run again with --max-disable ${leavers}\n`);
      return { exitCode: 2, summary, entries };
    }
    if (options.planOnly) return { exitCode: counts.rejected > 0 ? 1 : 0, summary, entries };

    const done = await applyPlan(entries, services, options, today);
    fs.writeFileSync(path.join(options.reportDir, 'summary.json'), `${JSON.stringify({ ...summary, applied: done.statuses }, null, 2)}\n`, { mode: 0o600 });
    io.stdout.write(`applied: ${Object.entries(done.statuses).map(([s, n]) => `${s} ${n}`).join(', ') || 'nothing'}\n  report      ${path.join(options.reportDir, 'report.csv')}\n`);
    if (done.credentials) io.stdout.write(`  passwords   ${done.credentials} (mode 0600)\n`);
    return { exitCode: (done.statuses.failed ?? 0) + counts.rejected > 0 ? 1 : 0, summary, entries };
  } catch (err) {
    io.stderr.write(`oxprov sync: ${err instanceof OxprovError ? `${err.code}: ` : ''}${describeError(err)}\n`);
    return { exitCode: 2 };
  } finally {
    await services?.close();
  }
}

/** Every row of the file, mapped, with its key. The plan needs the whole desired state, so it is read whole. */
async function readRows(options: SyncOptions, services: Services, config: Readonly<Config>): Promise<{ rows: PlanRow[]; keyTarget: string }> {
  const fileMapping = options.mapping ? parseMapping(readText(options.mapping)) : undefined;
  const fromDirectory = options.directory ? directoryColumns(fileMapping) : undefined;
  const mapping = fromDirectory?.mapping ?? fileMapping;
  const schema = await services.users.schema()!;
  const mapper = createRowMapper({
    languages: services.templates.imap.languages, imapStyles: services.templates.imap.styles, schema, mapping,
    // A password is needed for new people only: the plan asks for it where it creates someone.
    generatePasswords: true, keyIdentity: true, reportEmpty: options.emptyClears,
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
    const keyOf = (spec: UserInput): string | undefined => (field !== undefined ? (spec as unknown as Record<string, unknown>)[field] as string | undefined : spec.attributes[attr!]?.[0]);
    const rows: PlanRow[] = [];
    for await (const row of source.rows) {
      if (isRowError(row)) {
        rows.push({ line: row.line, errors: [row.error], notes: [], derivedUsername: false, derivedMail: false });
        continue;
      }
      const m = mapper.map(row.record, row.line);
      if (!m.ok) {
        rows.push({ line: row.line, errors: m.errors, notes: m.notes, derivedUsername: false, derivedMail: false });
        continue;
      }
      const key = keyOf(m.spec);
      if (key === undefined || key === '') {
        const e = new OxprovError('MAP_MISSING_KEY', `line ${row.line}: the key ${options.key} is empty: the row names no person`, { line: row.line, field: options.key });
        rows.push({ line: row.line, errors: [e], notes: m.notes, derivedUsername: false, derivedMail: false });
        continue;
      }
      // In place each row names the entry it is; from another directory it may carry the person's password hash.
      const input = options.directory?.inPlace ? { ...m.spec, dn: row.record[DN_COLUMN] }
        : row.passwordHash !== undefined && m.spec.password === undefined ? { ...m.spec, passwordHash: row.passwordHash } : m.spec;
      rows.push({ line: row.line, key, input, errors: [], notes: m.notes, derivedUsername: m.derived.has('username'), derivedMail: m.derived.has('mail'), derived: m.derived, clears: m.emptyAttributes });
    }
    return { rows, keyTarget: field ?? attr! };
  } finally {
    await source.close();
  }
}

/** The user service's own rules (addresses of other users, unknown groups, …) for what the plan writes: a refused row is rejected in the plan too. */
async function checkWithService(entries: PlanEntry[], services: Services, options: SyncOptions): Promise<PlanEntry[]> {
  const out = [...entries];
  const check = async (indexes: number[], matchedByKey: boolean) => {
    if (indexes.length === 0) return;
    const results = await services.users.check(indexes.map((i) => out[i].input!), { createGroups: options.createGroups, spread: options.spread, generatePasswords: options.generatePasswords, matchedByKey, onExisting: 'update' });
    results.forEach((r, k) => {
      const i = indexes[k];
      if (r.status === 'rejected') out[i] = { ...out[i], action: 'rejected', errors: r.errors, changes: [] };
    });
  };
  await check(out.flatMap((e, i) => (e.action === 'create' ? [i] : [])), false);
  await check(out.flatMap((e, i) => ((e.action === 'update' || e.action === 'enable') && e.changes.length ? [i] : [])), true);
  return out;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new OxprovError('CFG_FILE_UNREADABLE', `cannot read the mapping file ${file}: ${describeError(cause)}`, { field: '--mapping', cause });
  }
}
