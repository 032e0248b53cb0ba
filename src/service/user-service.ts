import pLimit from 'p-limit';
import { OxprovError } from '../errors.js';
import type { AttributeChange } from '../model/attribute-change.js';
import type { AttributeSchema } from '../model/attribute-schema.js';
import { BACKENDS, type Backend } from '../model/backends.js';
import type { OnExisting, StepOutcome } from '../model/outcomes.js';
import type { UserInput } from '../model/user-spec.js';
import type { Backends, DirectoryUser, GroupwareUser, MailServerInfo, MailStore } from '../provision/backends.js';
import type { GroupwareFolderTemplates } from '../templates/groupware-folder-templates.js';
import type { ImapFolderTemplates } from '../templates/imap-folder-templates.js';
import { STYLE_ATTRIBUTE } from '../templates/dovecot-folders.js';
import { asBackendError } from './batch-work.js';
import { snapshotDirectory, type DirectorySnapshot, type UserLookupView } from './directory-snapshot.js';
import { MailRouting } from './mail-routing.js';
import { NameLookupCache } from './name-lookup-cache.js';
import { applySteps, type Work } from './provision-steps.js';
import { withRetry, type RetryOptions } from './retry.js';
import { attributeOf, decide, type Decision, type Found } from './user-rules.js';

/** What the service did (or, in a check, would do) for one user. */
export interface UserResult {
  username: string;
  /** `valid` (would be created) only from {@link UserService.check}. */
  status: 'created' | 'updated' | 'exists' | 'failed' | 'rejected' | 'valid';
  steps: Partial<Record<Backend, StepOutcome>>;
  /** Every problem: the rule that refused the user, or one failure per failed back-end. */
  errors: OxprovError[];
  /** What the service decided on its own (a generated password, a group created, a step added). */
  notes: string[];
  ms: number;
  /** A password generated for a user created in this call: for the caller's 0600 file, nowhere else. */
  generatedPassword?: string;
}

/** What provisioning a request would do: see {@link UserService.preview}. */
export interface Preview {
  readonly result: UserResult;
  /** The changes of an existing user's entry (none for a new user or a rejected request). */
  readonly changes: readonly AttributeChange[];
  /** The request completed from what exists, as it would be written. */
  readonly spec?: UserInput;
  readonly entry?: DirectoryUser;
  readonly row?: GroupwareUser;
}

/** How one call treats its users. */
export interface ProvisionOptions {
  /** The paper's `--source_only`: only these back-ends (default all four). */
  readonly only?: readonly Backend[];
  /** A user that exists already: complete what is missing (`skip`, default), bring it in line (`update`), or fail. */
  readonly onExisting?: OnExisting;
  /**
   * A new user without a password gets a random one (and must change it at first
   * login); a function gives the password to use instead (the import records it in
   * its journal before the user is written, so a killed run never loses it).
   */
  readonly generatePasswords?: boolean | ((username: string) => string);
  /** Groups that do not exist are created (default: such a user is refused with MAP_UNKNOWN_GROUP). */
  readonly createGroups?: boolean;
  /** Answers the directory look-ups of a check from memory (see {@link UserService.snapshot}). */
  readonly view?: UserLookupView;
  /**
   * The caller matched each user to its person by a key (a sync): a user name whose
   * mail differs is that person's changed address, not another person's name.
   */
  readonly matchedByKey?: boolean;
  /** New users that name no mail server go to the server with the fewest users (`--spread`), not the default. */
  readonly spread?: boolean;
}

export interface UserServiceOptions {
  /** Parallel LDAP writes / mail-store requests, shared by every call in flight. */
  readonly ldapConcurrency?: number;
  readonly imapConcurrency?: number;
  readonly retry?: RetryOptions;
  /** Quota in MB for a new user whose request gives none (the config's `defaults.quotaMB`). */
  readonly defaultQuotaMB?: number;
  /** Every configured mail server, the default first (the config's `mail.servers`); default: those of the mail back-end, else one eager Dovecot. */
  readonly mailServers?: readonly MailServerInfo[];
}

/** The folder templates every user's folders are named from. */
export interface FolderTemplates {
  readonly imap: ImapFolderTemplates;
  readonly groupware: GroupwareFolderTemplates;
}

/**
 * The one user service. Every door (the import, the tools in-process and
 * through the daemon, the sync, the page) goes through it, so the same
 * request gets the same outcome and the same code whichever way it came. For
 * a batch it looks up in bulk what exists, applies the rules (src/service/user-rules.ts),
 * then provisions the back-ends with bounded concurrency: LDAP and IMAP per
 * user, SQL and groupware a few statements per batch (split in halves on a
 * failure until the failing users are isolated), group memberships one modify
 * per group per batch.
 */
export class UserService {
  // Shared by all batches in flight, so the bound holds for the whole run.
  private readonly ldapLimit: ReturnType<typeof pLimit>;
  /** One bound per mail server. */
  private readonly imapLimits = new Map<string, ReturnType<typeof pLimit>>();
  private readonly routing: MailRouting;

  constructor(private readonly backends: Backends, private readonly templates: FolderTemplates, private readonly options: UserServiceOptions = {}) {
    this.ldapLimit = pLimit(options.ldapConcurrency ?? 8);
    const servers = options.mailServers ?? backends.mail?.list ?? [{ name: 'imap1', kind: 'dovecot', folders: 'eager', imapServer: '127.0.0.1', smtpServer: '127.0.0.1', routeDomain: 'localhost' }];
    this.routing = new MailRouting(servers, backends.directory, templates.imap);
  }

  private imapLimit(server: string): ReturnType<typeof pLimit> {
    let limit = this.imapLimits.get(server);
    if (!limit) this.imapLimits.set(server, (limit = pLimit(this.options.imapConcurrency ?? 4)));
    return limit;
  }

  /** The store of the server a user's entry names. */
  private mailStoreOf(entry: DirectoryUser | undefined): MailStore {
    return this.need('mail', 'imap').store(this.routing.serverOf(entry ? attributeOf(entry, 'imapServer') : undefined).name);
  }

  /** The directory's attribute types, to check extra columns; undefined without a directory. */
  schema(): Promise<AttributeSchema> | undefined {
    return this.backends.directory?.schema();
  }

  /** Reads the directory's users once for a large dry run (see snapshotDirectory); undefined when it holds more than `maxUsers`. */
  async snapshot(maxUsers: number): Promise<DirectorySnapshot | undefined> {
    return this.backends.directory ? snapshotDirectory(this.backends.directory, maxUsers) : undefined;
  }

  /** One user, as a tool provisions it. */
  async provisionUser(input: UserInput, options: ProvisionOptions = {}): Promise<UserResult> {
    return (await this.provision([input], options))[0];
  }

  /** What {@link provision} would do, writing nothing: `valid` (would be created), `exists`, `rejected` or `failed`. */
  async check(inputs: readonly UserInput[], options: ProvisionOptions = {}): Promise<UserResult[]> {
    return (await this.preview(inputs, options)).map((p) => p.result);
  }

  /**
   * What {@link provision} with `onExisting: 'update'` would do, without writing:
   * each request's outcome by the rules (`valid` for a new user, `exists` for one
   * that exists, or `rejected`), the request completed from what exists, and the
   * changes the directory would make to an existing user's entry: a sync's plan is
   * this list, computed by the code that writes it.
   */
  async preview(inputs: readonly UserInput[], options: ProvisionOptions = {}): Promise<Preview[]> {
    const decisions = await this.decideAll(inputs, options, false);
    const dir = this.backends.directory;
    return decisions.map((d, i): Preview => {
      if (!d.ok) return { result: { username: inputs[i].username, status: d.status, steps: d.steps ?? {}, errors: d.errors, notes: [], ms: 0 }, changes: [] };
      const changes = d.entry && dir && d.spec.dn === undefined ? dir.updateChanges(d.entry, d.spec) : [];
      return { result: { username: inputs[i].username, status: d.entry ? 'exists' : 'valid', steps: {}, errors: [], notes: [...d.notes], ms: 0 }, changes, spec: d.spec, entry: d.entry, row: d.row };
    });
  }

  async provision(inputs: readonly UserInput[], options: ProvisionOptions = {}): Promise<UserResult[]> {
    const t0 = performance.now();
    const decisions = await this.decideAll(inputs, options);
    const results = decisions.map((d, i): UserResult => d.ok
      ? { username: inputs[i].username, status: 'exists', steps: {}, errors: [], notes: [...d.notes], ms: 0 }
      : { username: inputs[i].username, status: d.status, steps: { ...d.steps }, errors: [...d.errors], notes: [], ms: 0 });
    const work: Work[] = [];
    decisions.forEach((d, i) => { if (d.ok) work.push({ d, r: results[i], spec: d.spec, uidNumber: d.entry?.uidNumber }); });
    await applySteps(work, options, { backends: this.backends, templates: this.templates, ldapLimit: this.ldapLimit, imapLimit: (server) => this.imapLimit(server), retry: (w) => this.retry(w), retryOptions: this.options.retry, defaultQuotaMB: this.options.defaultQuotaMB, routing: this.routing });
    const ms = Math.round(performance.now() - t0);
    for (const { r } of work) {
      const steps = Object.values(r.steps);
      r.status = r.errors.length ? 'failed' : steps.includes('created') ? 'created' : steps.includes('updated') ? 'updated' : 'exists';
      r.ms = inputs.length === 1 ? ms : Math.round(ms / inputs.length);
    }
    return results;
  }

  /** The look-ups of a batch, in bulk, then the rules for each user. */
  private async decideAll(inputs: readonly UserInput[], options: ProvisionOptions, commit = true): Promise<Decision[]> {
    const only = options.only ?? BACKENDS;
    const { directory, groupware } = this.backends;
    const view = options.view ?? directory;
    const names = inputs.map((u) => u.username);
    const groupNames = [...new Set(inputs.flatMap((u) => u.groups))];
    const [entries, owners, rows, groups] = await Promise.all([
      view ? this.retry(() => view.findUsers(names)) : undefined,
      view ? this.retry(() => view.addressOwners(inputs.flatMap((u) => (u.mail ? [u.mail, ...u.aliases] : u.aliases)))) : undefined,
      groupware && (only.includes('sql') || only.includes('groupware')) ? this.retry(() => groupware.findUsers(names)) : undefined,
      directory && groupNames.length > 0 ? this.retry(() => directory.groups.find(groupNames)) : undefined,
    ]);
    const found: Found = { entries, owners, rows, groups };
    const rules = { only, onExisting: options.onExisting ?? 'skip', createGroups: options.createGroups ?? false, matchedByKey: options.matchedByKey ?? false };
    const decisions = inputs.map((input) => {
      const d = decide(input, found, rules);
      if (!d.ok || d.entry || !d.only.includes('ldap') || d.spec.password !== undefined || d.spec.passwordHash !== undefined || d.spec.dn !== undefined || !options.generatePasswords) return d;
      return { ...d, notes: [...d.notes, 'password generated; must be changed at first login'] };
    });
    // The mail server of each user: its entry's, or the one it is routed to (imapServer, colocRouteAddr).
    if (only.includes('ldap') || only.includes('imap')) await this.routing.route(decisions, inputs, options.spread ?? false, { commit, matchedByKey: options.matchedByKey });
    return decisions;
  }

  /** Removes a user from the chosen back-ends, mailbox first (Dovecot needs the LDAP entry to find it). */
  async deleteUser(name: string, only: readonly Backend[] = BACKENDS): Promise<UserResult> {
    // User names are stored lower-case (see the mapper); LDAP would match any case, SQL would not.
    const username = name.toLowerCase();
    const t0 = performance.now();
    const r: UserResult = { username, status: 'exists', steps: {}, errors: [], notes: [], ms: 0 };
    const want = new Set(only);
    const step = async (b: Backend, work: () => Promise<'deleted' | 'gone'>) => {
      if (!want.has(b)) return;
      try {
        r.steps[b] = await this.retry(work);
      } catch (err) {
        r.steps[b] = 'failed';
        r.errors.push(asBackendError(err, b));
      }
    };
    await step('imap', async () => {
      const dir = this.backends.directory;
      const entry = dir ? (await dir.findUsers([username])).get(username) : undefined;
      return dir && !entry ? 'gone' : this.mailStoreOf(entry).deleteMailbox(username);
    });
    await step('groupware', () => this.need('groupware', 'groupware').deleteFolders(username));
    await step('sql', () => this.need('groupware', 'sql').deleteUser(username));
    // Without the entry Dovecot can no longer find the mailbox: keep it until the mailbox is gone, so a re-run can finish.
    if (r.steps.imap === 'failed' && want.has('ldap')) r.steps.ldap = 'skipped';
    else await step('ldap', () => this.need('directory', 'ldap').deleteUser(username));
    r.ms = Math.round(performance.now() - t0);
    r.status = r.errors.length ? 'failed' : 'exists';
    return r;
  }

  /** The entries of these users, in bulk: lower-cased name → user. */
  findUsers(usernames: readonly string[]): Promise<Map<string, DirectoryUser>> {
    return this.retry(() => this.need('directory', 'ldap').findUsers(usernames));
  }

  /** Which of these users the directory has, lower-cased (their names only). */
  existingUsers(usernames: readonly string[]): Promise<Set<string>> {
    return this.retry(() => this.need('directory', 'ldap').existingUsers(usernames));
  }

  /** These users with only their names and the marks runs leave on an entry (unfinished, disabled as a leaver): lower-cased name → user. */
  userMarks(usernames: readonly string[]): Promise<Map<string, DirectoryUser>> {
    return this.retry(() => this.need('directory', 'ldap').userMarks(usernames));
  }

  /** The user's directory entry, or undefined. */
  async findUser(username: string): Promise<DirectoryUser | undefined> {
    return (await this.need('directory', 'ldap').findUsers([username])).get(username.toLowerCase());
  }

  /**
   * What exists for a user in each back-end (showuser): the entry's groupware
   * attributes, the database row with its modules, folders and groups, the
   * mailbox's folders; a back-end that cannot say is named with its code.
   * @throws ADMIN_NO_SUCH_USER when no back-end knows the name.
   */
  async describe(username: string): Promise<Record<string, string>> {
    const name = username.toLowerCase();
    const { directory, groupware, mail } = this.backends;
    const out: Record<string, string> = {};
    const entry = directory ? (await directory.findUsers([name])).get(name) : undefined;
    if (entry) {
      const a = (k: string) => Object.entries(entry.attributes).find(([key]) => key.toLowerCase() === k.toLowerCase())?.[1] ?? [];
      out['ldap.dn'] = entry.dn;
      out['ldap.uidNumber'] = String(entry.uidNumber ?? '');
      out['ldap.name'] = a('cn').join(', ');
      out['ldap.mail'] = a('mail').join(', ');
      out['ldap.alias'] = a('alias').join(', ');
      out['ldap.enabled'] = a('mailEnabled')[0] === 'OK' ? 'yes' : 'no';
      out['ldap.language'] = a('preferredLanguage').join(', ');
      out['ldap.timezone'] = a('OXTimeZone').join(', ');
      const quota = directory!.quotaOf(entry);
      out['ldap.quota'] = quota === undefined ? 'none set: the IMAP server\'s default (the stack\'s Dovecot: no limit)' : quota === 0 ? 'unlimited (0)' : `${quota} MB`;
      // shadowLastChange 0 is the shadow convention for "must change at the next login"; the directory itself does not enforce it.
      if (a('shadowLastChange')[0] === '0') out['ldap.passwordChange'] = 'due (shadowLastChange 0)';
      out['ldap.colocRouteAddr'] = a('colocRouteAddr').join(', ');
      out['ldap.imapServer'] = a('imapServer').join(', ');
      out['ldap.smtpServer'] = a('smtpServer').join(', ');
      out['ldap.mailServer'] = this.routing.serverOf(a('imapServer')[0]).name;
    } else out.ldap = 'no entry';
    const row = groupware ? (await groupware.findUsers([name])).get(name) : undefined;
    if (row && groupware) {
      const [modules, folders, groups] = await Promise.all([groupware.modulesOf(name), groupware.foldersOf(name), groupware.groupsOf(name)]);
      out['sql.activated'] = row.activated ? 'yes' : 'no';
      // What asks for a new password at the first login: the groupware's login, from this flag.
      out['sql.changePassword'] = row.changePassword ? 'yes (at the next groupware login)' : 'no';
      out['sql.language'] = row.language;
      out['sql.disabled'] = [...modules].filter(([, on]) => !on).map(([m]) => m).sort().join(', ') || 'none';
      // The mask itself, as Open-Xchange's user_configuration.permissions holds it (bits: src/model/modules.ts).
      out['sql.permissions'] = row.permissions === undefined ? 'none recorded (completed at the next provisioning)' : String(row.permissions);
      out['sql.groups'] = groups.join(', ') || 'none';
      out.groupware = [...folders].map(([m, f]) => `${m}: ${f}`).join(', ') || 'no folders';
    } else out.sql = 'no row';
    if (!entry && !row) throw new OxprovError('ADMIN_NO_SUCH_USER', `no user ${username} in the directory or the database`, { field: 'username', value: username });
    if (entry && mail) {
      try {
        out.imap = (await this.mailStoreOf(entry).listFolders(name)).join(', ');
      } catch (err) {
        out.imap = `cannot be read (${err instanceof OxprovError ? err.code : 'IMAP_FAILED'})`;
      }
    } else out.imap = 'no mailbox (no directory entry)';
    return out;
  }

  /** Users whose name or mail matches `pattern` (`*` any characters), at most `limit`. */
  async listUsers(pattern: string, limit: number): Promise<{ users: { username: string; mail: string; enabled: boolean }[]; more: boolean }> {
    const r = await this.need('directory', 'ldap').listUsers(pattern, limit);
    const first = (u: DirectoryUser, k: string) => Object.entries(u.attributes).find(([key]) => key.toLowerCase() === k)?.[1][0] ?? '';
    return { users: r.users.map((u) => ({ username: u.username, mail: first(u, 'mail'), enabled: first(u, 'mailenabled') === 'OK' })), more: r.more };
  }

  /** The users a sync feed manages: every one (one paged read), or those of `keys` (a part of a file). */
  feedUsers(feed: string, extraAttributes: readonly string[] = [], keys?: readonly string[]): Promise<DirectoryUser[]> {
    return this.retry(() => this.need('directory', 'ldap').listFeed(feed, extraAttributes, keys));
  }

  /** Every user a sync feed manages, a page at a time. A page cut short by an outage is not read again: the run fails. */
  feedPages(feed: string, extraAttributes: readonly string[] = [], keysOnly = false): AsyncIterable<DirectoryUser[]> {
    return this.need('directory', 'ldap').feedPages(feed, extraAttributes, keysOnly);
  }

  /** Makes an existing user one of a feed's (the person's key recorded on the entry). */
  async manage(user: DirectoryUser, feed: string, key: string): Promise<void> {
    await this.retry(() => this.need('directory', 'ldap').manage(user, feed, key));
  }

  /** Marks a feed's user a sync left unfinished (the next sync finishes it), or clears the mark. */
  async markPending(username: string, since: string | undefined): Promise<void> {
    await this.retry(() => this.need('directory', 'ldap').markPending(username, since));
  }

  /** What {@link manage} writes: the plan of a take-over. */
  manageChanges(user: DirectoryUser, feed: string, key: string): AttributeChange[] {
    return this.need('directory', 'ldap').manageChanges(user, feed, key);
  }

  /** What {@link setEnabled} writes to the entry: the plan of a leaver or a returner. */
  enableChanges(user: DirectoryUser, enabled: boolean, today: string): AttributeChange[] {
    return this.need('directory', 'ldap').enableChanges(user, enabled, today);
  }

  /**
   * A look-up of the names rows ask for, to decide them in input order
   * (src/service/claim-rows.ts): through `view` (a dry run's snapshot) or the directory.
   */
  nameLookup(view?: UserLookupView): NameLookupCache {
    return new NameLookupCache(view ?? this.backends.directory, (w) => this.retry(w));
  }

  /**
   * A leaver disabled, or a returner enabled, in every back-end: the entry (mail,
   * IMAP and LDAP bind refused; the password hash kept aside; the date recorded)
   * and the groupware row. The mailbox and its mail stay.
   */
  async setEnabled(user: DirectoryUser, enabled: boolean, today = new Date().toISOString().slice(0, 10)): Promise<UserResult> {
    const t0 = performance.now();
    const r: UserResult = { username: user.username, status: 'exists', steps: {}, errors: [], notes: [], ms: 0 };
    try {
      r.steps.ldap = await this.retry(() => this.need('directory', 'ldap').setEnabled(user, enabled, today));
    } catch (err) {
      r.steps.ldap = 'failed';
      r.errors.push(asBackendError(err, 'ldap'));
    }
    if (this.backends.groupware && r.steps.ldap !== 'failed') {
      try {
        const o = await this.retry(() => this.backends.groupware!.setActivated(user.username.toLowerCase(), enabled));
        r.steps.sql = o === 'missing' ? 'skipped' : o;
      } catch (err) {
        r.steps.sql = 'failed';
        r.errors.push(asBackendError(err, 'sql'));
      }
    }
    r.status = r.errors.length ? 'failed' : Object.values(r.steps).includes('updated') ? 'updated' : 'exists';
    r.ms = Math.round(performance.now() - t0);
    return r;
  }

  /** True when the user's entry holds this password (checked against the hash, without a bind). */
  async hasPassword(username: string, password: string): Promise<boolean> {
    const user = await this.findUser(username);
    return user !== undefined && this.need('directory', 'ldap').hasPassword(user, password);
  }

  /**
   * Makes sure only one sync of a feed runs at a time, across processes and machines: the lock is
   * the database's, and a process that dies releases it. @throws SYNC_FEED_LOCKED while another holds it.
   */
  async lockFeed(feed: string): Promise<{ release(): Promise<void> }> {
    const lock = await this.retry(() => this.need('groupware', 'sql').tryLock(`feed:${feed}`));
    if (lock === undefined) {
      throw new OxprovError('SYNC_FEED_LOCKED', `another sync of feed ${feed} is running: wait for it to end (a sync that died releases the feed by itself)`, { field: '--feed', value: feed });
    }
    return lock;
  }

  /**
   * Whether every one of these users has its groupware row, activated, and all its default folders:
   * one read that returns one row (a check of many users that are expected to be whole).
   */
  async groupwareWhole(usernames: readonly string[]): Promise<boolean> {
    const unique = [...new Set(usernames)];
    // A template names every folder in every language: a user of any language has as many.
    const expected = this.templates.groupware.foldersFor(undefined).length;
    const t = await this.retry(() => this.need('groupware', 'groupware').groupwareTotals(unique, expected));
    return t.users === unique.length && t.activated === unique.length && t.lacking === 0;
  }

  /** How many default groupware folders each user has, in one read: lower-cased name → count. */
  async folderCounts(usernames: readonly string[]): Promise<Map<string, number>> {
    const counts = await this.retry(() => this.need('groupware', 'groupware').folderCounts(usernames));
    return new Map([...counts].map(([n, c]) => [n.toLowerCase(), c]));
  }

  /**
   * The folders each user's mailbox lacks against its template (the language and
   * style of its entry), one listing per user, a few at a time per server:
   * lower-cased name → the missing folders (empty: complete). A user whose server
   * makes the folders at the first login is `on demand`, not listed.
   * @throws OxprovError IMAP_CONNECT (or the like) when a server cannot be reached: nothing can be said of its users.
   */
  async mailboxGaps(users: readonly DirectoryUser[]): Promise<Map<string, readonly string[] | 'on demand'>> {
    const gaps = new Map<string, readonly string[] | 'on demand'>();
    await Promise.all(users.map(async (u) => {
      const server = this.routing.serverOf(attributeOf(u, 'imapServer'));
      if (server.folders === 'on-demand') {
        gaps.set(u.username.toLowerCase(), 'on demand');
        return;
      }
      const want = this.templates.imap.foldersFor(attributeOf(u, 'preferredLanguage'), attributeOf(u, STYLE_ATTRIBUTE));
      const have = await this.imapLimit(server.name)(() => this.retry(() => this.mailStoreOf(u).listFolders(u.username)));
      const present = new Set(have.map((f) => (f.toUpperCase() === 'INBOX' ? 'INBOX' : f)));
      gaps.set(u.username.toLowerCase(), want.filter((f) => !present.has(f.toUpperCase() === 'INBOX' ? 'INBOX' : f)));
    }));
    return gaps;
  }

  /** The groupware rows of these users, in one read: lower-cased name → row. */
  async findRows(usernames: readonly string[]): Promise<Map<string, GroupwareUser>> {
    const rows = await this.retry(() => this.need('groupware', 'sql').findUsers(usernames));
    return new Map([...rows.values()].map((r) => [r.username.toLowerCase(), r]));
  }

  /** The user's groupware row, or undefined. */
  async findRow(username: string): Promise<GroupwareUser | undefined> {
    return (await this.need('groupware', 'sql').findUsers([username])).get(username);
  }

  /**
   * changepasswd (paper 3.7). A password the user already has is `exists`:
   * checked against the stored hash, not by binding as the user, which would
   * count as a failed login under a password policy.
   * @throws ADMIN_NO_SUCH_USER
   */
  async changePassword(username: string, password: string): Promise<'updated' | 'exists'> {
    const dir = this.need('directory', 'ldap');
    const user = await this.existing(username);
    if (dir.hasPassword(user, password)) return 'exists';
    await this.retry(() => dir.setPassword(user, password));
    return 'updated';
  }

  /**
   * setquota (paper 3.8): the quota attribute of the entry, in MB. Dovecot 2.3
   * cannot set a quota over IMAP; it reads this attribute at every login. A store
   * that keeps the quota itself (Cyrus) is set too, also when the entry had it already.
   * @throws ADMIN_NO_SUCH_USER
   */
  async setQuota(username: string, megabytes: number): Promise<'updated' | 'exists'> {
    const dir = this.need('directory', 'ldap');
    const user = await this.existing(username);
    const server = this.routing.serverOf(attributeOf(user, 'imapServer'));
    const store = this.backends.mail?.store(server.name);
    if (store?.setQuota) {
      try {
        await this.retry(() => store.setQuota!(user.username, megabytes));
      } catch (err) {
        // A mailbox a server makes at the first login does not exist before it: the directory's quota is what it gets.
        if (!(server.folders === 'on-demand' && err instanceof OxprovError && err.code === 'IMAP_NO_SUCH_USER')) throw err;
      }
    }
    if (dir.quotaOf(user) === megabytes) return 'exists';
    await this.retry(() => dir.setQuota(user, megabytes));
    return 'updated';
  }

  private async existing(username: string): Promise<DirectoryUser> {
    const user = await this.findUser(username);
    if (user === undefined) throw new OxprovError('ADMIN_NO_SUCH_USER', `no user ${username} in the directory`, { field: 'username', value: username });
    return user;
  }

  private retry<T>(work: () => Promise<T>): Promise<T> {
    return withRetry(work, this.options.retry);
  }

  private need<K extends 'directory' | 'groupware' | 'mail'>(key: K, name: Backend): NonNullable<Backends[K]> {
    const backend = this.backends[key];
    if (!backend) throw new OxprovError('CFG_INVALID', `the ${name} back-end is not connected in this run`, { backend: name });
    return backend as NonNullable<Backends[K]>;
  }
}

/** A user as the directory holds it (the type of the back-end interface, for the layers above the service). */
export type { DirectoryUser, GroupwareUser } from '../provision/backends.js';
