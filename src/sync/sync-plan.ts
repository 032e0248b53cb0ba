import { OxprovError } from '../errors.js';
import { isBelow } from '../model/dn.js';
import type { UserInput } from '../model/user-spec.js';
import { attributeValues } from '../service/user-rules.js';
import type { DirectoryUser, GroupwareUser } from '../service/user-service.js';

/**
 * The plan of a sync: the file is the desired state of its feed. Pure: the
 * current state is read before (in bulk), the writes come after.
 */
export type SyncAction = 'create' | 'update' | 'disable' | 'enable' | 'unchanged' | 'rejected' | 'delete';

/** One changed attribute: the old and the new values (never a password's). */
export interface AttributeChange {
  readonly attribute: string;
  readonly old: readonly string[];
  readonly new: readonly string[];
}

export interface PlanEntry {
  readonly action: SyncAction;
  /** The row of the file (leavers have none). */
  readonly line?: number;
  readonly key: string;
  readonly username: string;
  readonly changes: readonly AttributeChange[];
  readonly errors: readonly OxprovError[];
  readonly notes: readonly string[];
  /** What is written for a create or an update (filled, the user name the person keeps). */
  readonly input?: UserInput;
  /** The user as the directory holds it (update, enable, disable, delete). */
  readonly entry?: DirectoryUser;
  /** An existing user the feed takes over (made by an import before the first sync). */
  readonly adopt?: boolean;
  /** Why the user is provisioned again although its attributes are right: what an earlier run left undone. */
  readonly repair?: readonly string[];
}

export const COUNTED: readonly SyncAction[] = ['create', 'update', 'disable', 'enable', 'unchanged', 'rejected'];

/** A mapped row with its key, as the plan receives it. */
export interface PlanRow {
  readonly line: number;
  readonly key?: string;
  readonly input?: UserInput;
  readonly errors: readonly OxprovError[];
  readonly notes: readonly string[];
  /** The user name came from a derive rule (so a new person's may get a suffix). */
  readonly derivedUsername: boolean;
  /** The mail came from a derive rule (so a changed name changes it). */
  readonly derivedMail: boolean;
  /** Every field that came from a derive rule. */
  readonly derived?: ReadonlySet<string>;
  /** With `--empty-clears`: directory attributes whose cell is empty, to be deleted. */
  readonly clears?: readonly string[];
}

export interface PlanContext {
  readonly feed: string;
  /** The feed's users: lower-cased key → user. */
  readonly byKey: ReadonlyMap<string, DirectoryUser>;
  /** Users of the directory under the user names the rows ask for, and their suffixed candidates: lower-cased name → user. */
  readonly byName: ReadonlyMap<string, DirectoryUser>;
  /** The groupware rows of the feed's users (one SQL read): lower-cased name → row. Without it the rows are not checked. */
  readonly rows?: ReadonlyMap<string, GroupwareUser>;
  /** The attribute that holds the quota in MB. */
  readonly quotaAttribute: string;
  /** Today (YYYY-MM-DD) and how old a leaver's disabling must be for it to be deleted. */
  readonly today: string;
  readonly deleteAfterDays?: number;
  /** Passwords are generated for new people who have none (else such a row is rejected). */
  readonly generatePasswords?: boolean;
  /** Where oxprov creates users: an entry elsewhere was fitted in place and keeps the company's password when it leaves. */
  readonly peopleDn?: string;
  /** Several mail servers: the name of the server an entry's imapServer names (a person is never moved: a row naming another server gets MAIL_SERVER_KEPT). */
  readonly mailServerOf?: (imapServer: string | undefined) => string;
}

/** The attributes a row's fields stand for, as the directory spells them. */
function wanted(input: UserInput, quotaAttribute: string): Map<string, string[]> {
  const w = new Map<string, string[]>();
  if (input.surname) w.set('sn', [input.surname]);
  if (input.givenname) w.set('givenName', [input.givenname]);
  if (input.mail) w.set('mail', [input.mail]);
  if (input.aliases.length) w.set('alias', [...input.aliases]);
  if (input.colocrouteaddr) w.set('colocRouteAddr', [input.colocrouteaddr]);
  if (input.language) w.set('preferredLanguage', [input.language]);
  if (input.timezone) w.set('OXTimeZone', [input.timezone]);
  if (input.country) w.set('userCountry', [input.country]);
  if (input.quotaMB !== undefined) w.set(quotaAttribute, [String(input.quotaMB)]);
  for (const [name, values] of Object.entries(input.attributes)) if (values.length) w.set(name, [...values]);
  return w;
}

/** Every value of a user's attribute, its name matched without case. */
export const attribute: (user: DirectoryUser, name: string) => readonly string[] = attributeValues;

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const lowerSet = (v: readonly string[]) => new Set(v.map((x) => x.toLowerCase()));

/** A user the feed disabled as a leaver. */
export function isDisabledLeaver(user: DirectoryUser): boolean {
  return attribute(user, 'oxprovDisabledAt').length > 0;
}

/**
 * What an earlier run left undone for a feed's user: a step that failed after the
 * entry was written (marked on the entry), a missing groupware row, or a groupware
 * activation that disagrees with the entry. Empty when nothing is.
 */
function unfinished(user: DirectoryUser, ctx: PlanContext, shouldBeActive: boolean): string[] {
  const why: string[] = [];
  const pending = attribute(user, 'oxprovPending')[0];
  if (pending) why.push(`left unfinished by the run of ${pending}`);
  if (ctx.rows) {
    const row = ctx.rows.get(user.username.toLowerCase());
    if (!row) why.push('no groupware row');
    else if (row.activated !== shouldBeActive) why.push(`groupware ${row.activated ? 'activated' : 'deactivated'} but the entry is ${shouldBeActive ? 'enabled' : 'disabled'}`);
  }
  return why;
}

/**
 * What the row changes of the user: each attribute the file gives differently.
 * A changed mail keeps the old address as an alias (mail sent to it still arrives),
 * and the common name follows the names.
 */
function changesOf(row: PlanRow, user: DirectoryUser, quotaAttribute: string): { changes: AttributeChange[]; input: UserInput } {
  const input = row.input!;
  // In place the entry is the company's and the row was read from it: its values are never rewritten.
  if (input.dn !== undefined) return { changes: [], input: { ...input, username: user.username } };
  const w = wanted(input, quotaAttribute);
  // A routing address derived from the user name would follow a derived name the person does not get:
  // the mailbox moves only when the file says so (a column), never by a rename.
  if (row.derived?.has('colocrouteaddr')) w.delete('colocRouteAddr');
  const changes: AttributeChange[] = [];
  const oldMail = attribute(user, 'mail')[0];
  const newMail = w.get('mail')?.[0];
  let aliases = w.get('alias') ?? [...attribute(user, 'alias')];
  if (newMail && oldMail && newMail.toLowerCase() !== oldMail.toLowerCase() && !lowerSet(aliases).has(oldMail.toLowerCase())) aliases = [...aliases, oldMail];
  if (newMail) aliases = aliases.filter((a) => a.toLowerCase() !== newMail.toLowerCase());
  if (!same([...lowerSet(aliases)].sort(), [...lowerSet(attribute(user, 'alias'))].sort())) w.set('alias', aliases);
  else w.delete('alias');
  for (const [name, values] of w) {
    const old = attribute(user, name);
    const differs = name === 'alias' ? true : name === 'mail' ? old[0]?.toLowerCase() !== values[0].toLowerCase() : !same(old, values);
    if (differs) changes.push({ attribute: name, old: [...old], new: values });
  }
  if (newMail && oldMail && changes.some((c) => c.attribute === 'mail')) {
    const domain = newMail.slice(newMail.lastIndexOf('@') + 1).toLowerCase();
    const oldDomain = attribute(user, 'mailDomain');
    if (oldDomain[0]?.toLowerCase() !== domain) changes.push({ attribute: 'mailDomain', old: [...oldDomain], new: [domain] });
  }
  for (const name of row.clears ?? []) {
    const old = attribute(user, name);
    if (old.length) changes.push({ attribute: name, old: [...old], new: [] });
  }
  const sn = w.get('sn')?.[0] ?? attribute(user, 'sn')[0];
  const given = w.get('givenName')?.[0] ?? attribute(user, 'givenName')[0];
  const cn = given ? `${sn}, ${given}` : sn;
  if (changes.some((c) => c.attribute === 'sn' || c.attribute === 'givenName') && cn && attribute(user, 'cn')[0] !== cn) {
    changes.push({ attribute: 'cn', old: [...attribute(user, 'cn')], new: [cn] });
  }
  return { changes, input: { ...input, username: user.username, aliases: w.has('alias') ? aliases : input.aliases } };
}

/** The next free user name for a new person: `name`, `name2`, `name3`… free in the directory and in the plan. */
export function suffixCandidates(base: string, count = 20): string[] {
  return [base, ...Array.from({ length: count - 1 }, (_, i) => `${base}${i + 2}`)];
}

/**
 * The plan: create the new people, update the changed, enable returners,
 * disable leavers (users of this feed whose key the file lacks), and, with
 * `deleteAfterDays`, delete leavers disabled for longer. Users of other feeds
 * and users made by hand are never leavers.
 */
export function planSync(rows: readonly PlanRow[], ctx: PlanContext): PlanEntry[] {
  const entries: PlanEntry[] = [];
  const seenKeys = new Map<string, number>();
  const claimed = new Set<string>();
  for (const u of ctx.byKey.values()) claimed.add(u.username.toLowerCase());

  for (const row of rows) {
    if (row.errors.length || !row.input) {
      entries.push({ action: 'rejected', line: row.line, key: row.key ?? '', username: row.input?.username ?? '', changes: [], errors: row.errors, notes: row.notes });
      continue;
    }
    const key = row.key!;
    const first = seenKeys.get(key.toLowerCase());
    if (first !== undefined) {
      const e = new OxprovError('MAP_DUPLICATE_KEY', `line ${row.line}: key ${key} is already used on line ${first}`, { line: row.line, field: 'key', value: key });
      entries.push({ action: 'rejected', line: row.line, key, username: row.input.username, changes: [], errors: [e], notes: row.notes });
      continue;
    }
    seenKeys.set(key.toLowerCase(), row.line);
    const user = ctx.byKey.get(key.toLowerCase());
    if (user) {
      const { changes, input } = changesOf(row, user, ctx.quotaAttribute);
      const notes = [...row.notes];
      if (!row.derivedUsername && row.input.username.toLowerCase() !== user.username.toLowerCase()) {
        notes.push(`the user name stays ${user.username} (the file says ${row.input.username}: a user name never changes)`);
      }
      const returning = isDisabledLeaver(user);
      const repair = returning ? [] : unfinished(user, ctx, true);
      if (repair.length) notes.push(`finishes what an earlier run left undone: ${repair.join('; ')}`);
      const server = ctx.mailServerOf?.(user.attributes.imapServer?.[0]);
      if (row.input.mailServer !== undefined && server !== undefined && row.input.mailServer !== server) {
        notes.push(`MAIL_SERVER_KEPT: ${user.username} lives on ${server}; the file names ${row.input.mailServer}: the mailbox stays on ${server} (move it by hand, then change imapServer)`);
      }
      const action: SyncAction = returning ? 'enable' : changes.length || repair.length ? 'update' : 'unchanged';
      entries.push({ action, line: row.line, key, username: user.username, changes, errors: [], notes, input, entry: user, ...(repair.length ? { repair } : {}) });
      continue;
    }
    // A new person: a user name of its own, unless the directory holds this very person unmanaged (an earlier import).
    const wantedName = row.input.username.toLowerCase();
    const existing = ctx.byName.get(wantedName);
    const ownFeed = existing ? attribute(existing, 'oxprovFeed')[0] : undefined;
    // The same person made by an import (no feed, the same mail), under the name or, for a derived name, a suffixed one.
    const mail = (row.input.mail ?? '').toLowerCase();
    const isSamePerson = (u: DirectoryUser | undefined) => u !== undefined && !attribute(u, 'oxprovFeed').length && mail !== '' && (attribute(u, 'mail')[0] ?? '').toLowerCase() === mail;
    const same = (row.derivedUsername ? suffixCandidates(wantedName) : [wantedName]).map((n) => ctx.byName.get(n)).find((u) => isSamePerson(u) && !claimed.has(u!.username.toLowerCase()));
    if (same) {
      const { changes, input } = changesOf(row, same, ctx.quotaAttribute);
      claimed.add(same.username.toLowerCase());
      entries.push({ action: 'update', line: row.line, key, username: same.username, changes, errors: [], notes: [...row.notes, `taken over by feed ${ctx.feed} (made before the first sync)`], input, entry: same, adopt: true });
      continue;
    }
    if (existing && !row.derivedUsername) {
      const e = ownFeed && ownFeed !== ctx.feed
        ? new OxprovError('SYNC_OTHER_FEED', `line ${row.line}: user name ${existing.username} belongs to a user of feed ${ownFeed}`, { line: row.line, field: 'username', value: existing.username })
        : new OxprovError('MAP_EXISTS_USERNAME', `line ${row.line}: user name ${existing.username} already belongs to a user with another mail address`, { line: row.line, field: 'username', value: existing.username });
      entries.push({ action: 'rejected', line: row.line, key, username: row.input.username, changes: [], errors: [e], notes: row.notes });
      continue;
    }
    const name = row.derivedUsername ? suffixCandidates(wantedName).find((n) => !ctx.byName.has(n) && !claimed.has(n)) : wantedName;
    if (name === undefined || claimed.has(name)) {
      const e = new OxprovError('MAP_DUPLICATE_USERNAME', `line ${row.line}: no free user name from ${wantedName}`, { line: row.line, field: 'username', value: wantedName });
      entries.push({ action: 'rejected', line: row.line, key, username: wantedName, changes: [], errors: [e], notes: row.notes });
      continue;
    }
    if (row.input.password === undefined && row.input.passwordHash === undefined && row.input.dn === undefined && !ctx.generatePasswords) {
      const e = new OxprovError('MAP_MISSING_FIELD', `line ${row.line}: a new person needs a password (or let oxprov make one: --generate-passwords)`, { line: row.line, field: 'password' });
      entries.push({ action: 'rejected', line: row.line, key, username: name, changes: [], errors: [e], notes: row.notes });
      continue;
    }
    claimed.add(name);
    const notes = name === wantedName ? [...row.notes] : [...row.notes, `user name ${wantedName} is taken; derived ${name} instead`];
    const input: UserInput = { ...row.input, username: name, managed: { feed: ctx.feed, key } };
    entries.push({ action: 'create', line: row.line, key, username: name, changes: [], errors: [], notes, input });
  }

  // Leavers: this feed's users whose key the file does not have.
  for (const [key, user] of ctx.byKey) {
    if (seenKeys.has(key)) continue;
    const shownKey = attribute(user, 'oxprovKey')[0] ?? key;
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
