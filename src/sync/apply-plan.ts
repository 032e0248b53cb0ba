import fs from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import { describeError } from '../errors.js';
import { asBackendError } from '../service/batch-work.js';
import { csvDataRow, csvRow } from '../import/csv-write.js';
import type { Services } from '../service/open-services.js';
import type { UserResult } from '../service/user-service.js';
import type { SyncOptions } from './sync-options.js';
import { attribute, type PlanEntry } from './sync-plan.js';

/** What applying a plan did: each entry's final status, the counts, the credentials file if passwords were made. */
export interface Applied {
  readonly statuses: Record<string, number>;
  readonly credentials?: string;
}

const BATCH = 200;

/**
 * Applies a plan through the user service: new people in batches, then each
 * changed person (a user the feed takes over is marked first), returners, and
 * leavers last (disabled, or deleted with --delete-leavers-after). Writes
 * report.csv as it goes, one line per entry, and credentials.csv (0600) for
 * generated passwords.
 */
export async function applyPlan(entries: readonly PlanEntry[], services: Services, options: SyncOptions, today: string): Promise<Applied> {
  const { users } = services;
  const statuses: Record<string, number> = {};
  const lines = [csvRow(['line', 'key', 'username', 'action', 'status', 'ldap', 'sql', 'groupware', 'imap', 'changes', 'error_code', 'field', 'value', 'message', 'notes'])];
  const credentials: string[] = [];
  const report = (e: PlanEntry, status: string, r?: UserResult) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    const errors = r?.errors ?? e.errors;
    lines.push(csvRow([
      e.line ?? '', e.key, e.username, e.action, status, r?.steps.ldap, r?.steps.sql, r?.steps.groupware, r?.steps.imap,
      e.changes.map((c) => c.attribute).join('|'), errors.map((x) => x.code).join('|'), errors.map((x) => x.field).filter(Boolean).join('|'),
      errors.map((x) => x.value).filter((v) => v !== undefined).join('|'), errors.map((x) => x.message).join(' | '), [...e.notes, ...(r?.notes ?? [])].join(' | '),
    ]));
    if (r?.generatedPassword) credentials.push(csvDataRow([e.username, r.generatedPassword, e.input?.mail ?? '', [e.input?.givenname, e.input?.surname].filter(Boolean).join(' ')]));
  };

  for (const e of entries) if (e.action === 'rejected') report(e, 'rejected');
  for (const e of entries) if (e.action === 'unchanged') report(e, 'unchanged');

  // A user whose entry was written but another back-end failed is marked: the next sync finishes it.
  const markUnfinished = async (e: PlanEntry, r: UserResult) => {
    if (r.status !== 'failed' || r.steps.ldap === undefined || r.steps.ldap === 'failed') return;
    try {
      await users.markPending(e.username, today);
    } catch (err) {
      r.notes.push(`could not mark it unfinished (${describeError(err)}): run again, or check it with oxprov showuser`);
    }
  };

  const creates = entries.filter((e) => e.action === 'create');
  for (let i = 0; i < creates.length; i += BATCH) {
    const part = creates.slice(i, i + BATCH);
    const results = await users.provision(part.map((e) => e.input!), { generatePasswords: options.generatePasswords, createGroups: options.createGroups, spread: options.spread });
    for (const [k, r] of results.entries()) {
      await markUnfinished(part[k], r);
      // A create that found the user made meanwhile (another run) is `exists`, not `created`.
      report(part[k], r.status === 'failed' || r.status === 'rejected' || r.status === 'exists' ? r.status : 'created', r);
    }
  }

  // Changed people, users taken over and returners, in batches like the new ones: one bulk look-up and a few writes per batch.
  const failedResult = (e: PlanEntry, err: unknown): UserResult => ({ username: e.username, status: 'failed', steps: { ldap: 'failed' }, errors: [asBackendError(err, 'ldap')], notes: [], ms: 0 });
  const finish = async (e: PlanEntry, r: UserResult | undefined): Promise<void> => {
    if (r && (r.status === 'failed' || r.status === 'rejected')) {
      await markUnfinished(e, r);
      report(e, r.status, r);
      return;
    }
    // Finished: the mark goes (if that fails, the next sync only repeats a repair that finds nothing to do).
    if (r && attribute(e.entry!, 'oxprovPending').length) await users.markPending(e.username, undefined).catch(() => {});
    if (e.action === 'enable') {
      const enabled = await users.setEnabled(e.entry!, true, today);
      report(e, enabled.status === 'failed' ? 'failed' : 'enabled', enabled.status === 'failed' ? enabled : r ?? enabled);
    } else report(e, 'updated', r);
  };
  const changing = entries.filter((x) => x.action === 'update' || x.action === 'enable');
  for (let i = 0; i < changing.length; i += BATCH) {
    const part = changing.slice(i, i + BATCH);
    const results = new Map<PlanEntry, UserResult>();
    for (const e of part.filter((x) => x.adopt)) {
      try {
        await users.manage(e.entry!, options.feed, e.key);
      } catch (err) {
        results.set(e, failedResult(e, err));
      }
    }
    // Every back-end is brought in line, so a repair makes what is missing.
    const writes = part.filter((e) => !results.has(e) && (e.changes.length || e.repair || e.adopt));
    if (writes.length) {
      const written = await users.provision(writes.map((e) => e.input!), { onExisting: 'update', matchedByKey: true, createGroups: options.createGroups });
      writes.forEach((e, k) => results.set(e, written[k]));
    }
    for (const e of part) await finish(e, results.get(e));
  }

  // Leavers, then deletions: a few at a time (each is a write per back-end), reported in plan order.
  const limit = pLimit(4);
  const leaving = entries.filter((x) => x.action === 'disable');
  const disabled = await Promise.all(leaving.map((e) => limit(() => users.setEnabled(e.entry!, false, today))));
  leaving.forEach((e, k) => report(e, disabled[k].status === 'failed' ? 'failed' : 'disabled', disabled[k]));
  const deleting = entries.filter((x) => x.action === 'delete');
  const deleted = await Promise.all(deleting.map((e) => limit(() => users.deleteUser(e.username))));
  deleting.forEach((e, k) => report(e, deleted[k].status === 'failed' ? 'failed' : 'deleted', deleted[k]));

  fs.writeFileSync(path.join(options.reportDir, 'report.csv'), `${lines.join('\n')}\n`, { mode: 0o600 });
  let credentialsFile: string | undefined;
  if (credentials.length) {
    credentialsFile = path.join(options.reportDir, 'credentials.csv');
    fs.writeFileSync(credentialsFile, `username,password,mail,displayname\n${credentials.join('\n')}\n`, { mode: 0o600 });
  }
  return { statuses, credentials: credentialsFile };
}
