import { OxprovError } from '../errors.js';
import type { AttributeChange } from '../model/attribute-change.js';
import { isBelow } from '../model/dn.js';
import type { UserInput } from '../model/user-spec.js';
import { attributeValues } from '../service/user-rules.js';
import type { DirectoryUser, GroupwareUser } from '../service/user-service.js';

export type { AttributeChange } from '../model/attribute-change.js';

/**
 * The plan of a sync: the file is the desired state of its feed. Which action
 * each person gets is decided here, purely, from the rows (their names already
 * decided, src/service/claim-rows.ts) and the feed's current state; what each
 * action writes is then computed by the user service and the directory, by the
 * code that writes it (plan-changes.ts), so that the plan is what the apply does.
 */
export type SyncAction = 'create' | 'update' | 'disable' | 'enable' | 'unchanged' | 'rejected' | 'delete';

export interface PlanEntry {
  readonly action: SyncAction;
  /** The row of the file (leavers have none). */
  readonly line?: number;
  readonly key: string;
  readonly username: string;
  /** Every attribute of the entry the apply changes, old and new (a password hash is marked secret, never shown). */
  readonly changes: readonly AttributeChange[];
  readonly errors: readonly OxprovError[];
  readonly notes: readonly string[];
  /** What is written for a create or an update (filled, the user name the person keeps). */
  readonly input?: UserInput;
  /** The user as the directory holds it (update, enable, disable, delete, a take-over). */
  readonly entry?: DirectoryUser;
  /** An existing user the feed takes over (made by an import before the first sync). */
  readonly adopt?: boolean;
  /** Why the user is provisioned again although its attributes are right: what an earlier run left undone. */
  readonly repair?: readonly string[];
  /** Unchanged without asking the back-ends: the row is the request the run named here applied last (src/ledger/user-trust.ts). */
  readonly trustedSince?: string;
  /** The fingerprint of the row before its names were decided: remembered with the person's key once applied. */
  readonly rowPrint?: string;
}

export const COUNTED: readonly SyncAction[] = ['create', 'update', 'disable', 'enable', 'unchanged', 'rejected'];

/** A row of the file, mapped and its names decided, with its key, as the plan receives it. */
export interface PlanRow {
  readonly line: number;
  readonly key?: string;
  /** The request with the row's decided names; absent for a rejected row. */
  readonly input?: UserInput;
  readonly errors: readonly OxprovError[];
  readonly notes: readonly string[];
  /** The user name the row itself gives (a cell), when it gives one. */
  readonly givenUsername?: string;
  /** A user of the directory that no feed manages, found under the row's names with its mail: the feed takes it over. */
  readonly takeOver?: DirectoryUser;
  /** The fingerprint of the row before its names were decided (src/ledger/user-trust.ts). */
  readonly rowPrint?: string;
}

export interface PlanContext {
  readonly feed: string;
  /** The feed's users: lower-cased key → user. */
  readonly byKey: ReadonlyMap<string, DirectoryUser>;
  /** The groupware rows of the feed's users (one SQL read): lower-cased name → row. Without it the rows are not checked. */
  readonly rows?: ReadonlyMap<string, GroupwareUser>;
  /** Today (YYYY-MM-DD) and how old a leaver's disabling must be for it to be deleted. */
  readonly today: string;
  readonly deleteAfterDays?: number;
  /** Passwords are generated for new people who have none (else such a row is rejected). */
  readonly generatePasswords?: boolean;
  /** Where oxprov creates users: an entry elsewhere was fitted in place and keeps the company's password when it leaves. */
  readonly peopleDn?: string;
  /** The default groupware folders each of the feed's users has (one SQL read), and how many a user of a language should have. */
  readonly folders?: { readonly counts: ReadonlyMap<string, number>; readonly expected: (language: string) => number };
  /** With `--check-mail`: the folders each listed mailbox lacks (lower-cased name → names; complete ones absent). */
  readonly mail?: ReadonlyMap<string, readonly string[]>;
}

/** Every value of a user's attribute, its name matched without case. */
export const attribute: (user: DirectoryUser, name: string) => readonly string[] = attributeValues;

/** A user the feed disabled as a leaver. */
export function isDisabledLeaver(user: DirectoryUser): boolean {
  return attribute(user, 'oxprovDisabledAt').length > 0;
}

/**
 * What an earlier run left undone for a feed's user: a step that failed after the
 * entry was written (marked on the entry), a missing groupware row, or a groupware
 * activation that disagrees with the entry. Empty when nothing is.
 */
export function unfinished(user: DirectoryUser, ctx: Pick<PlanContext, 'rows' | 'folders' | 'mail'>, shouldBeActive: boolean): string[] {
  const why: string[] = [];
  const pending = attribute(user, 'oxprovPending')[0];
  if (pending) why.push(`left unfinished by the run of ${pending}`);
  if (ctx.rows) {
    const row = ctx.rows.get(user.username.toLowerCase());
    if (!row) why.push('no groupware row');
    else if (row.activated !== shouldBeActive) why.push(`groupware ${row.activated ? 'activated' : 'deactivated'} but the entry is ${shouldBeActive ? 'enabled' : 'disabled'}`);
    // Folders lost behind oxprov's back (deleted, or a database that lost committed work) are made again.
    if (row && ctx.folders) {
      const missing = ctx.folders.expected(row.language) - (ctx.folders.counts.get(user.username.toLowerCase()) ?? 0);
      if (missing > 0) why.push(`groupware folders missing: ${missing}`);
    }
  }
  const mail = ctx.mail?.get(user.username.toLowerCase());
  if (mail?.length) why.push(`mail folders missing: ${mail.join(', ')}`);
  return why;
}

/**
 * The actions: create the new people, bring the known ones in line (`update`,
 * settled to `unchanged` when nothing is to be written), enable returners, take
 * over users an import made, disable leavers (users of this feed whose key the
 * file lacks) and, with `deleteAfterDays`, delete leavers disabled for longer.
 * Users of other feeds and users made by hand are never leavers.
 */
export function planSync(rows: readonly PlanRow[], ctx: PlanContext): PlanEntry[] {
  const seenKeys = new Set(rows.flatMap((r) => (r.key !== undefined ? [r.key.toLowerCase()] : [])));
  return [...planRows(rows, ctx), ...planLeavers([...ctx.byKey].filter(([key]) => !seenKeys.has(key)).map(([, u]) => u), ctx)];
}

/** The actions of the file's rows (see {@link planSync}); `ctx.byKey` needs only the users of these rows' keys. */
export function planRows(rows: readonly PlanRow[], ctx: PlanContext): PlanEntry[] {
  const entries: PlanEntry[] = [];
  for (const row of rows) {
    if (row.errors.length || !row.input || row.key === undefined) {
      entries.push({ action: 'rejected', line: row.line, key: row.key ?? '', username: row.input?.username ?? row.givenUsername ?? '', changes: [], errors: row.errors, notes: row.notes });
      continue;
    }
    const key = row.key;
    const user = ctx.byKey.get(key.toLowerCase());
    if (user) {
      const notes = [...row.notes];
      if (row.givenUsername !== undefined && row.givenUsername.toLowerCase() !== user.username.toLowerCase()) {
        notes.push(`the user name stays ${user.username} (the file says ${row.givenUsername}: a user name never changes)`);
      }
      const returning = isDisabledLeaver(user);
      const repair = returning ? [] : unfinished(user, ctx, true);
      if (repair.length) notes.push(`finishes what an earlier run left undone: ${repair.join('; ')}`);
      entries.push({ action: returning ? 'enable' : 'update', line: row.line, key, username: user.username, changes: [], errors: [], notes, input: row.input, entry: user, ...(repair.length ? { repair } : {}), ...print(row) });
      continue;
    }
    if (row.takeOver) {
      entries.push({ action: 'update', line: row.line, key, username: row.takeOver.username, changes: [], errors: [], notes: [...row.notes, `taken over by feed ${ctx.feed} (made before the first sync)`], input: row.input, entry: row.takeOver, adopt: true, ...print(row) });
      continue;
    }
    if (row.input.password === undefined && row.input.passwordHash === undefined && row.input.dn === undefined && !ctx.generatePasswords) {
      const e = new OxprovError('MAP_MISSING_FIELD', `line ${row.line}: a new person needs a password (or let oxprov make one: --generate-passwords)`, { line: row.line, field: 'password' });
      entries.push({ action: 'rejected', line: row.line, key, username: row.input.username, changes: [], errors: [e], notes: row.notes });
      continue;
    }
    entries.push({ action: 'create', line: row.line, key, username: row.input.username, changes: [], errors: [], notes: [...row.notes], input: { ...row.input, managed: { feed: ctx.feed, key } }, ...print(row) });
  }
  return entries;
}

function print(row: PlanRow): { rowPrint?: string } {
  return row.rowPrint !== undefined ? { rowPrint: row.rowPrint } : {};
}

/**
 * Leavers: users of this feed whose key the file does not have. Disabled, deleted
 * once disabled for longer than `ctx.deleteAfterDays`, or disabled again when an
 * earlier run left them some access (`ctx.rows` holds their groupware rows).
 */
export function planLeavers(users: Iterable<DirectoryUser>, ctx: PlanContext): PlanEntry[] {
  const entries: PlanEntry[] = [];
  for (const user of users) {
    const shownKey = attribute(user, 'oxprovKey')[0] ?? '';
    if (!isDisabledLeaver(user)) {
      entries.push({ action: 'disable', key: shownKey, username: user.username, changes: [], errors: [], notes: [], entry: user });
      continue;
    }
    const since = attribute(user, 'oxprovDisabledAt')[0];
    if (ctx.deleteAfterDays !== undefined && daysBetween(since, ctx.today) > ctx.deleteAfterDays) {
      entries.push({ action: 'delete', key: shownKey, username: user.username, changes: [], errors: [], notes: [`disabled since ${since}`], entry: user });
      continue;
    }
    // A leaver that a failed run (or plan.ldif loaded by hand) left with some access is disabled again.
    const row = ctx.rows?.get(user.username.toLowerCase());
    const repair = [
      ...(row?.activated ? ['groupware still activated'] : []),
      ...(attribute(user, 'mailEnabled')[0]?.toUpperCase() !== 'NO' ? ['mail still enabled'] : []),
      ...(attribute(user, 'userPassword').length && (ctx.peopleDn === undefined || isBelow(user.dn, ctx.peopleDn)) ? ['a password hash in userPassword'] : []),
    ];
    if (repair.length) {
      entries.push({ action: 'disable', key: shownKey, username: user.username, changes: [], errors: [], notes: [`finishes what an earlier run left undone: ${repair.join('; ')}`], entry: user, repair });
    }
  }
  return entries;
}

export function daysBetween(from: string, to: string): number {
  return Math.floor((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The counts of a plan, exactly the six the report names. */
export function planCounts(entries: readonly PlanEntry[]): Record<'create' | 'update' | 'disable' | 'enable' | 'unchanged' | 'rejected', number> {
  const counts = { create: 0, update: 0, disable: 0, enable: 0, unchanged: 0, rejected: 0 };
  for (const e of entries) if (e.action !== 'delete') counts[e.action]++;
  return counts;
}
