import fs from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import { describeError } from '../errors.js';
import { asBackendError } from '../service/batch-work.js';
import { csvDataRow, csvRow } from '../import/csv-write.js';
import type { Services } from '../service/open-services.js';
import type { UserResult } from '../service/user-service.js';
import type { UserProvisioning } from '../import/import-job.js';
import { generatePassword } from '../service/generate-password.js';
import type { LedgerOutcome } from '../ledger/run-recorder.js';
import type { Remembered } from '../ledger/user-trust.js';
import type { SyncOptions } from './sync-options.js';
import { attribute, type PlanEntry } from './sync-plan.js';

/** What applying a plan did: each entry's final status, the counts, the credentials file if passwords were made. */
export interface Applied {
  readonly statuses: Record<string, number>;
  readonly credentials?: string;
}

/** Users sent at once in a run of one process. */
const BATCH = 200;
/** Batches written at once in the run's own process, as an import does: the back-ends' round trips overlap. */
const IN_FLIGHT = 3;
/** Users taken over at once within a batch (one LDAP modify each). */
const TAKE_OVERS = 8;

/** Where the apply's creates and changes are written: the user service, or the workers of a run handed to them (src/run/queued-batches.ts). */
export interface ApplyWrites {
  readonly provision: UserProvisioning['provision'];
  /** Users per batch, and batches sent before the first is settled (a run of one process: 200, three at a time). */
  readonly batch?: number;
  readonly inFlight?: number;
}

/**
 * A plan entry's item in the run's ledger: its person's key (the same person across a resumed run), else
 * its line; a rejected row by its line (the second row of one key is rejected, the first is the person).
 */
export const itemOfEntry = (e: Pick<PlanEntry, 'key' | 'line' | 'action'>): string => (e.key && e.action !== 'rejected' ? `K${e.key.toLowerCase()}` : `L${e.line ?? 0}`);

/** Where applying a plan records what it does: the run's ledger (src/ledger/run-recorder.ts). */
export interface ApplyJournal {
  started(rows: readonly { item: string; line?: number; key?: string; username?: string; action?: string; password?: string }[]): Promise<void>;
  done(o: LedgerOutcome): void;
  flush(): Promise<void>;
}

/**
 * Applies a plan through the user service, a part at a time as the run reads it
 * back from its ledger: new people in batches, then each changed person (a user the
 * feed takes over is marked first), returners, and leavers last (disabled, or
 * deleted with --delete-leavers-after). Every batch is recorded in the run's ledger
 * before it is sent (with the passwords generated for it, sealed) and after.
 * report.csv and credentials.csv (0600) are written as it goes.
 */
export class PlanApplier {
  private readonly statuses: Record<string, number> = {};
  private readonly report: number;
  private credentialsFd?: number;
  private readonly credentialsFile: string;
  private readonly users: Services['users'];
  private readonly writes: Required<ApplyWrites>;

  /** Requests applied completely (or found equal), to be remembered with their fingerprints. */
  private toRemember: Remembered[] = [];
  /** Lines of report.csv not yet written: written together, at the end of each batch settled (one write, not one a row). */
  private reportLines: string[] = [];

  /**
   * @param remember records what was applied for users, so that the next run trusts a row that is the same
   * again (src/ledger/user-trust.ts); a failure to record only costs that trust.
   * @param writes where creates and changes are written (default: the user service, a batch at a time).
   */
  constructor(services: Services, private readonly options: SyncOptions, private readonly today: string, private readonly journal?: ApplyJournal,
    private readonly remember?: (written: readonly Remembered[]) => Promise<void>, writes?: ApplyWrites) {
    this.users = services.users;
    const users = services.users;
    this.writes = { provision: writes?.provision ?? ((inputs, o) => users.provision(inputs, o)), batch: writes?.batch ?? BATCH, inFlight: writes?.inFlight ?? IN_FLIGHT };
    fs.mkdirSync(options.reportDir, { recursive: true, mode: 0o700 });
    this.report = fs.openSync(path.join(options.reportDir, 'report.csv'), 'w', 0o600);
    fs.writeSync(this.report, `${csvRow(['line', 'key', 'username', 'action', 'status', 'ldap', 'sql', 'groupware', 'imap', 'changes', 'error_code', 'field', 'value', 'message', 'notes'])}\n`);
    this.credentialsFile = path.join(options.reportDir, 'credentials.csv');
    // A credentials file of an earlier attempt of this run is written again, whole.
    fs.rmSync(this.credentialsFile, { force: true });
  }

  /** A user and the password they were given, in credentials.csv. */
  credit(username: string, password: string, mail: string, displayName: string): void {
    if (this.credentialsFd === undefined) {
      this.credentialsFd = fs.openSync(this.credentialsFile, 'w', 0o600);
      fs.writeSync(this.credentialsFd, 'username,password,mail,displayname\n');
    }
    fs.writeSync(this.credentialsFd, `${csvDataRow([username, password, mail, displayName])}\n`);
  }

  private outcome(e: PlanEntry, status: string, r?: UserResult): void {
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    const errors = r?.errors ?? e.errors;
    const notes = [...e.notes, ...(r?.notes ?? [])];
    this.reportLines.push(`${csvRow([
      e.line ?? '', e.key, e.username, e.action, status, r?.steps.ldap, r?.steps.sql, r?.steps.groupware, r?.steps.imap,
      e.changes.map((c) => c.attribute).join('|'), errors.map((x) => x.code).join('|'), errors.map((x) => x.field).filter(Boolean).join('|'),
      errors.map((x) => x.value).filter((v) => v !== undefined).join('|'), errors.map((x) => x.message).join(' | '), notes.join(' | '),
    ])}\n`);
    this.journal?.done({ item: itemOfEntry(e), line: e.line, key: e.key, username: e.username, action: e.action, status, steps: r?.steps, errors, notes });
    // Complete (or compared and found equal): the next run may trust the same request again. A leaver's is not kept.
    if (this.remember && e.input && !e.trustedSince && (status === 'created' || status === 'updated' || status === 'enabled' || status === 'unchanged')) {
      const steps: Record<string, string> = {};
      for (const [k, v] of Object.entries(r?.steps ?? {})) if (v !== undefined) steps[k] = v;
      // A sync's person is found by feed and key next time, and trusted when the row is the same again.
      const row = e.rowPrint !== undefined && e.key ? { feed: this.options.feed, key: e.key, print: e.rowPrint } : undefined;
      this.toRemember.push({ input: { ...e.input, username: e.username }, steps, ...(row ? { row } : {}) });
    }
    if (r?.generatedPassword) this.credit(e.username, r.generatedPassword, e.input?.mail ?? '', [e.input?.givenname, e.input?.surname].filter(Boolean).join(' '));
  }

  /** Writes the report's lines so far. */
  private flushReport(): void {
    if (this.reportLines.length === 0) return;
    fs.writeSync(this.report, this.reportLines.join(''));
    this.reportLines = [];
  }

  private started(part: readonly PlanEntry[], passwords?: ReadonlyMap<PlanEntry, string>): Promise<void> | undefined {
    return this.journal?.started(part.map((e) => ({ item: itemOfEntry(e), line: e.line, key: e.key, username: e.username, action: e.action, password: passwords?.get(e) })));
  }

  /** Records what was applied so far for the next run's trust. */
  async remembered(): Promise<void> {
    if (!this.remember || this.toRemember.length === 0) return;
    const written = this.toRemember;
    this.toRemember = [];
    await this.remember(written).catch(() => {});
  }

  /** Rejected and unchanged entries: reported, nothing written. */
  settled(entries: readonly PlanEntry[]): void {
    for (const e of entries) if (e.action === 'rejected' || e.action === 'unchanged') this.outcome(e, e.action);
    this.flushReport();
  }

  // A user whose entry was written but another back-end failed is marked: the next sync finishes it.
  private async markUnfinished(e: PlanEntry, r: UserResult): Promise<void> {
    if (r.status !== 'failed' || r.steps.ldap === undefined || r.steps.ldap === 'failed') return;
    try {
      await this.users.markPending(e.username, this.today);
    } catch (err) {
      r.notes.push(`could not mark it unfinished (${describeError(err)}): run again, or check it with oxprov showuser`);
    }
  }

  /**
   * A list's batches: each sent (recorded first), up to `inFlight` at once, and settled in order
   * (its outcomes reported, the ledger flushed), so the report keeps the plan's order.
   */
  private async inBatches<T>(list: readonly PlanEntry[], send: (part: readonly PlanEntry[]) => Promise<T>, settle: (part: readonly PlanEntry[], sent: T) => Promise<void>): Promise<void> {
    const going: { part: readonly PlanEntry[]; sent: Promise<T> }[] = [];
    const settleFirst = async () => {
      const { part, sent } = going.shift()!;
      await settle(part, await sent);
      this.flushReport();
      await this.journal?.flush();
      await this.remembered();
    };
    for (let i = 0; i < list.length; i += this.writes.batch) {
      const part = list.slice(i, i + this.writes.batch);
      const sent = send(part);
      // Failing while an earlier batch is settled: the failure is thrown when its turn comes.
      sent.catch(() => {});
      going.push({ part, sent });
      if (going.length >= this.writes.inFlight) await settleFirst();
    }
    while (going.length) await settleFirst();
  }

  /** New people, in batches; `kept`: passwords a stopped run generated for them (by item), used again. */
  async creates(creates: readonly PlanEntry[], kept?: ReadonlyMap<string, string>): Promise<void> {
    const { options } = this;
    await this.inBatches(creates, async (part) => {
      // Passwords are made before the batch and recorded (sealed) with it: a kill after a user was written loses none.
      const passwords = new Map<PlanEntry, string>();
      if (options.generatePasswords) {
        for (const e of part) {
          const i2 = e.input!;
          if (i2.password === undefined && i2.passwordHash === undefined && i2.dn === undefined) passwords.set(e, kept?.get(itemOfEntry(e)) ?? generatePassword());
        }
      }
      await this.started(part, passwords);
      const byName = new Map([...passwords].map(([e, pw]) => [e.input!.username, pw]));
      return this.writes.provision(part.map((e) => e.input!), {
        generatePasswords: options.generatePasswords && (byName.size ? (username: string) => byName.get(username) ?? generatePassword() : true),
        createGroups: options.createGroups, spread: options.spread,
      });
    }, async (part, results) => {
      for (const [k, r] of results.entries()) {
        await this.markUnfinished(part[k], r);
        // A create that found the user made meanwhile (another run) is `exists`, not `created`.
        this.outcome(part[k], r.status === 'failed' || r.status === 'rejected' || r.status === 'exists' ? r.status : 'created', r);
      }
    });
  }

  /** Changed people, users taken over and returners, in batches like the new ones: one bulk look-up and a few writes per batch. */
  async changes(changing: readonly PlanEntry[]): Promise<void> {
    const { users, options, today } = this;
    const failedResult = (e: PlanEntry, err: unknown): UserResult => ({ username: e.username, status: 'failed', steps: { ldap: 'failed' }, errors: [asBackendError(err, 'ldap')], notes: [], ms: 0 });
    const finish = async (e: PlanEntry, r: UserResult | undefined): Promise<void> => {
      if (r && (r.status === 'failed' || r.status === 'rejected')) {
        await this.markUnfinished(e, r);
        this.outcome(e, r.status, r);
        return;
      }
      // Finished: the mark goes (if that fails, the next sync only repeats a repair that finds nothing to do).
      if (r && attribute(e.entry!, 'oxprovPending').length) await users.markPending(e.username, undefined).catch(() => {});
      if (e.action === 'enable') {
        const enabled = await users.setEnabled(e.entry!, true, today);
        this.outcome(e, enabled.status === 'failed' ? 'failed' : 'enabled', enabled.status === 'failed' ? enabled : r ?? enabled);
      } else this.outcome(e, 'updated', r);
    };
    await this.inBatches(changing, async (part) => {
      await this.started(part);
      const results = new Map<PlanEntry, UserResult>();
      const limit = pLimit(TAKE_OVERS);
      await Promise.all(part.filter((x) => x.adopt).map((e) => limit(async () => {
        try {
          await users.manage(e.entry!, options.feed, e.key);
        } catch (err) {
          results.set(e, failedResult(e, err));
        }
      })));
      // Every back-end is brought in line, so a repair makes what is missing.
      const writes = part.filter((e) => !results.has(e) && (e.changes.length || e.repair || e.adopt));
      if (writes.length) {
        const written = await this.writes.provision(writes.map((e) => e.input!), { onExisting: 'update', matchedByKey: true, createGroups: options.createGroups });
        writes.forEach((e, k) => results.set(e, written[k]));
      }
      return results;
    }, async (part, results) => {
      for (const e of part) await finish(e, results.get(e));
    });
  }

  /** Leavers, then deletions: a few at a time (each is a write per back-end), reported in plan order. */
  async leavers(entries: readonly PlanEntry[]): Promise<void> {
    const { users, today } = this;
    const limit = pLimit(4);
    const leaving = entries.filter((x) => x.action === 'disable');
    const deleting = entries.filter((x) => x.action === 'delete');
    await this.started([...leaving, ...deleting]);
    const disabled = await Promise.all(leaving.map((e) => limit(() => users.setEnabled(e.entry!, false, today))));
    leaving.forEach((e, k) => this.outcome(e, disabled[k].status === 'failed' ? 'failed' : 'disabled', disabled[k]));
    const deleted = await Promise.all(deleting.map((e) => limit(() => users.deleteUser(e.username))));
    deleting.forEach((e, k) => this.outcome(e, deleted[k].status === 'failed' ? 'failed' : 'deleted', deleted[k]));
    this.flushReport();
    await this.journal?.flush();
  }

  /** Closes report.csv and credentials.csv: what the apply did. */
  close(): Applied {
    this.flushReport();
    fs.closeSync(this.report);
    if (this.credentialsFd !== undefined) fs.closeSync(this.credentialsFd);
    return { statuses: { ...this.statuses }, credentials: this.credentialsFd !== undefined ? this.credentialsFile : undefined };
  }
}
