import { AndFilter, Attribute, Change, EqualityFilter, type Entry } from 'ldapts';
import { isBelow } from '../../model/dn.js';
import { LdapConnection } from './ldap-connection.js';
import type { Config, LdapConfig } from '../../config/config.js';
import { OxprovError } from '../../errors.js';
import type { UserInput, UserSpec } from '../../model/user-spec.js';
import type { Directory, DirectoryListing, DirectoryUser } from '../backends.js';
import { first, list } from './entry-values.js';
import { IdAllocator } from './id-allocator.js';
import { LdapGroups } from './ldap-groups.js';
import { LdapResources } from './ldap-resources.js';
import { escapeDnValue, escapeFilterValue } from '../../model/ldap-escape.js';
import { ldapError, ldapResultCode } from './ldap-errors.js';
import { anyEqual, inChunks, searchEntries } from './ldap-search.js';
import { hashPassword, verifyPassword } from './password-hash.js';
import { LdapAttributeSchema } from './subschema.js';
import { userEntry, type EntryAttributes } from './user-entry.js';
import { enableChanges, manageChanges, updateChanges } from './entry-changes.js';
import type { AttributeChange } from '../../model/attribute-change.js';
import { AttributeNames } from './attribute-names.js';

export interface LdapDirectoryOptions {
  /** Bind as someone else than `ldap.bindDn` (e.g. the admin of an `adduser` call). */
  bindDn?: string;
  bindPassword?: string;
  /** uidNumbers reserved per round trip to the id pool: 1 for single calls, more for bulk imports. */
  idBlockSize?: number;
}

/**
 * Names per search. slapd tests each entry an OR filter finds against the filter's terms in
 * turn, so a search of n names costs about n² comparisons: 1,000 uids as two searches of 500 took
 * slapd 57 µs a name, as twenty of 50 (four at a time) 18 µs, and finished in 40% of the time.
 * An address is two terms (mail, alias).
 */
const ADDRESS_CHUNK = 50;
const USERNAME_CHUNK = 50;

/**
 * The LDAP directory back-end: users in `ou=people`, ids from the id pool,
 * groups and resources beside them. The ldapts client never leaves this folder.
 * Lifecycle: `connect` (binds, or fails with LDAP_CONNECT / LDAP_AUTH), work, `close` (safe twice).
 */
/** The attributes of a feed's users that a sync plan reads (besides the quota and the file's own columns). */
const FEED_ATTRIBUTES: readonly string[] = [
  'objectClass', 'uid', 'sn', 'givenName', 'cn', 'mail', 'mailDomain', 'alias', 'colocRouteAddr', 'preferredLanguage', 'OXTimeZone',
  'userCountry', 'mailEnabled', 'imapServer', 'userPassword', 'oxprovFeed', 'oxprovKey', 'oxprovDisabledAt', 'oxprovSavedPassword', 'oxprovPending',
];

/** What fitting an entry in place adds (besides a company's own inetOrgPerson values), and `deluser` takes away again. */
const GROUPWARE_CLASSES = ['posixaccount', 'shadowaccount', 'oxuserobject', 'oxprovmanaged'];
const PERSON_CLASSES = ['top', 'person', 'organizationalperson', 'inetorgperson'];
const GROUPWARE_ATTRIBUTES = [
  'uidNumber', 'gidNumber', 'homeDirectory', 'loginShell', 'gecos', 'shadowLastChange', 'mailEnabled', 'colocRouteAddr', 'mailDomain', 'alias',
  'imapServer', 'smtpServer', 'OXTimeZone', 'OXAppointmentDays', 'OXTaskDays', 'userCountry', 'oxprovImapStyle',
  'oxprovFeed', 'oxprovKey', 'oxprovDisabledAt', 'oxprovSavedPassword', 'oxprovPending',
];

export class LdapDirectory implements Directory {
  readonly groups: LdapGroups;
  readonly resources: LdapResources;
  private schemaCache?: Promise<LdapAttributeSchema>;
  private readonly uids: IdAllocator;
  private closed = false;

  private readonly names: AttributeNames;

  private constructor(private readonly client: LdapConnection, private readonly config: Readonly<Config>, idBlockSize: number) {
    this.names = new AttributeNames(config.ldap.attributes);
    this.uids = new IdAllocator(client, config.ldap.idPoolDn, 'uidNumber', idBlockSize);
    this.groups = new LdapGroups(client, config.ldap, new IdAllocator(client, config.ldap.idPoolDn, 'gidNumber', 1));
    this.resources = new LdapResources(client, config.ldap);
  }

  static async connect(config: Readonly<Config>, options: LdapDirectoryOptions = {}): Promise<LdapDirectory> {
    const l: LdapConfig = config.ldap;
    const dn = options.bindDn ?? l.bindDn;
    let client: LdapConnection;
    try {
      client = await LdapConnection.open({ url: l.url, bindDn: dn, bindPassword: options.bindPassword ?? l.bindPassword, timeoutMs: l.timeoutMs, startTls: l.startTls, ca: l.ca });
    } catch (err) {
      const e = ldapError(err, `binding to ${l.url} as ${dn}`);
      throw e.code === 'LDAP_FAILED' && ldapResultCode(err) === undefined
        ? new OxprovError('LDAP_CONNECT', `cannot reach the LDAP server at ${l.url}: ${e.message}`, { backend: 'ldap', unreachable: true, cause: err })
        : e;
    }
    return new LdapDirectory(client, config, options.idBlockSize ?? 1);
  }

  /** Where a new user's entry goes. */
  private userDn(username: string): string {
    return `uid=${escapeDnValue(username)},${this.config.ldap.peopleDn}`;
  }

  /** The entry of an existing user, wherever it lives under the users' base (a company's own tree too). */
  private async dnOf(username: string): Promise<string> {
    return (await this.findUsers([username])).get(username.toLowerCase())?.dn ?? this.userDn(username);
  }

  /** An entry oxprov created (under `peopleDn`), not one of a company's tree fitted in place. */
  private ownEntry(dn: string): boolean {
    return isBelow(dn, this.config.ldap.peopleDn);
  }

  private get usersBase(): string {
    return this.config.ldap.usersBase;
  }

  private get usersScope(): 'one' | 'sub' {
    return this.config.ldap.usersScope;
  }

  schema(): Promise<LdapAttributeSchema> {
    this.schemaCache ??= LdapAttributeSchema.read(this.client).catch((err) => {
      this.schemaCache = undefined;
      throw ldapError(err, 'reading the subschema');
    });
    return this.schemaCache;
  }

  /** Chunks of 500 names, four at a time: slapd answers such filters from its indexes at about the cost of smaller ones. */
  async findUsers(usernames: readonly string[]): Promise<Map<string, DirectoryUser>> {
    const found = new Map<string, DirectoryUser>();
    const unique = [...new Set(usernames.map((u) => u.toLowerCase()))];
    await inChunks(unique, USERNAME_CHUNK, async (chunk) => {
      const filter = new AndFilter({ filters: [new EqualityFilter({ attribute: 'objectClass', value: 'posixAccount' }), anyEqual(chunk.map((u) => ['uid', u] as const))] });
      for (const e of await searchEntries(this.client, this.usersBase, filter, ['*'], 'looking up user names', this.usersScope)) {
        const user = this.toUser(e);
        found.set(user.username.toLowerCase(), user);
      }
    });
    return found;
  }

  /** Which of these users the directory has (their `uid` only: what trusting a run needs), lower-cased. */
  async existingUsers(usernames: readonly string[]): Promise<Set<string>> {
    // Every name of an entry with several.
    return new Set((await this.usersWith(usernames, ['uid'])).flatMap((u) => (u.attributes.uid ?? [u.username]).map((n) => n.toLowerCase())));
  }

  async userMarks(usernames: readonly string[]): Promise<Map<string, DirectoryUser>> {
    return new Map((await this.usersWith(usernames, ['uid', 'oxprovPending', 'oxprovDisabledAt'])).map((u) => [u.username.toLowerCase(), u]));
  }

  /** The users of these names with a few attributes, in chunks: one search each. */
  private async usersWith(usernames: readonly string[], attributes: readonly string[]): Promise<DirectoryUser[]> {
    const found: DirectoryUser[] = [];
    const unique = [...new Set(usernames.map((u) => u.toLowerCase()))];
    await inChunks(unique, USERNAME_CHUNK, async (chunk) => {
      const filter = new AndFilter({ filters: [new EqualityFilter({ attribute: 'objectClass', value: 'posixAccount' }), anyEqual(chunk.map((u) => ['uid', u] as const))] });
      for (const e of await searchEntries(this.client, this.usersBase, filter, attributes.map((a) => this.names.wire(a)), 'looking up user names', this.usersScope)) {
        found.push(this.toUser(e));
      }
    });
    return found;
  }

  /**
   * Chunks of 50 addresses (100 filter terms), four chunks at a time (one chunk at a time was
   * less than half as fast).
   */
  async addressOwners(addresses: readonly string[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    const unique = [...new Set(addresses.map((a) => a.toLowerCase()))];
    await inChunks(unique, ADDRESS_CHUNK, async (chunk) => {
      const wanted = new Set(chunk);
      const [mail, alias] = [this.names.wire('mail'), this.names.wire('alias')];
      const filter = new AndFilter({ filters: [new EqualityFilter({ attribute: 'objectClass', value: 'posixAccount' }), anyEqual(chunk.flatMap((a) => [[mail, a], [alias, a]] as const))] });
      for (const e of await searchEntries(this.client, this.usersBase, filter, ['uid', mail, alias], 'looking up addresses', this.usersScope)) {
        const user = this.toUser(e);
        const uid = user.username;
        for (const v of [...(user.attributes.mail ?? []), ...(user.attributes.alias ?? [])]) {
          const lower = String(v).toLowerCase();
          if (wanted.has(lower)) owners.set(lower, uid);
        }
      }
    });
    return owners;
  }

  async listUsers(pattern: string, limit: number): Promise<{ users: DirectoryUser[]; more: boolean }> {
    // Every character but `*` is escaped: the pattern is a name, never a filter of its own.
    const p = pattern.split('*').map(escapeFilterValue).join('*');
    const filter = `(&(objectClass=posixAccount)(|(uid=${p})(${this.names.wire('mail')}=${p})))`;
    const entries = await searchEntries(this.client, this.usersBase, filter, ['*'], `listing users like ${pattern}`, this.usersScope);
    const users = entries.map((e) => this.toUser(e)).sort((a, b) => a.username.localeCompare(b.username));
    return { users: users.slice(0, limit), more: users.length > limit };
  }

  async listFeed(feed: string, extraAttributes: readonly string[] = [], keys?: readonly string[]): Promise<DirectoryUser[]> {
    const users: DirectoryUser[] = [];
    if (keys === undefined) {
      for await (const page of this.feedPages(feed, extraAttributes)) users.push(...page);
      return users;
    }
    // The users of these keys: one indexed search per chunk of keys.
    const attributes = this.feedAttributes(extraAttributes);
    await inChunks([...new Set(keys.map((k) => k.toLowerCase()))], USERNAME_CHUNK, async (chunk) => {
      const filter = new AndFilter({ filters: [new EqualityFilter({ attribute: 'objectClass', value: 'posixAccount' }), new EqualityFilter({ attribute: 'oxprovFeed', value: feed }), anyEqual(chunk.map((k) => ['oxprovKey', k] as const))] });
      for (const e of await searchEntries(this.client, this.usersBase, filter, attributes, `looking up keys of feed ${feed}`, this.usersScope)) users.push(this.toUser(e));
    });
    return users;
  }

  async *feedPages(feed: string, extraAttributes: readonly string[] = [], keysOnly = false): AsyncIterable<DirectoryUser[]> {
    const attributes = keysOnly ? ['uid', 'oxprovKey'] : this.feedAttributes(extraAttributes);
    try {
      const filter = `(&(objectClass=posixAccount)(oxprovFeed=${escapeFilterValue(feed)}))`;
      for await (const page of this.client.searchPaginated(this.usersBase, { scope: this.usersScope, filter, attributes, paged: { pageSize: 1000 } })) {
        yield page.searchEntries.map((e) => this.toUser(e));
      }
    } catch (err) {
      if (ldapResultCode(err) === 32) return;
      throw ldapError(err, `reading the users of feed ${feed}`);
    }
  }

  /** Only what a plan compares and a disable moves. */
  private feedAttributes(extraAttributes: readonly string[]): string[] {
    return [...new Set([...FEED_ATTRIBUTES, this.config.ldap.quotaAttribute, ...extraAttributes].map((a) => this.names.wire(a)))];
  }

  manageChanges(user: DirectoryUser, feed: string, key: string): AttributeChange[] {
    return manageChanges(user, feed, key);
  }

  async manage(user: DirectoryUser, feed: string, key: string): Promise<void> {
    await this.apply(user, manageChanges(user, feed, key), `giving ${user.username} to feed ${feed}`);
  }

  enableChanges(user: DirectoryUser, enabled: boolean, today: string): AttributeChange[] {
    return enableChanges(user, enabled, today, this.config);
  }

  async setEnabled(user: DirectoryUser, enabled: boolean, today: string): Promise<'updated' | 'exists'> {
    const changes = enableChanges(user, enabled, today, this.config);
    if (changes.length === 0) return 'exists';
    await this.apply(user, changes, `${enabled ? 'enabling' : 'disabling'} ${user.username}`);
    return 'updated';
  }

  async markPending(username: string, since: string | undefined): Promise<void> {
    const change = new Change({ operation: 'replace', modification: new Attribute({ type: 'oxprovPending', values: since === undefined ? [] : [since] }) });
    await this.modify(await this.dnOf(username), [change], `${since === undefined ? 'clearing' : 'setting'} the unfinished mark of ${username}`);
  }

  async *scanUsers(pageSize = 1000): AsyncIterable<readonly DirectoryListing[]> {
    const pages = this.client.searchPaginated(this.usersBase, {
      scope: this.usersScope, filter: '(objectClass=posixAccount)', attributes: ['uid', this.names.wire('mail'), this.names.wire('alias'), this.names.wire('imapServer')], paged: { pageSize },
    });
    try {
      for await (const page of pages) {
        yield page.searchEntries.map((e) => {
          const { username, attributes: a } = this.toUser(e);
          return { username, mail: (a.mail?.[0] ?? '').toLowerCase(), addresses: [...(a.mail ?? []), ...(a.alias ?? [])], imapServer: a.imapServer?.[0] };
        });
      }
    } catch (err) {
      throw ldapError(err, 'reading the directory\'s users');
    }
  }

  async countByImapServer(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const wire = this.names.wire('imapServer');
    const pages = this.client.searchPaginated(this.usersBase, { scope: this.usersScope, filter: `(&(objectClass=OXUserObject)(${wire}=*))`, attributes: [wire], paged: { pageSize: 1000 } });
    try {
      for await (const page of pages) {
        for (const e of page.searchEntries) {
          const v = this.toUser(e).attributes.imapServer?.[0]?.toLowerCase();
          if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
        }
      }
    } catch (err) {
      throw ldapError(err, 'counting the users of each mail server');
    }
    return counts;
  }

  async addUser(spec: UserSpec): Promise<{ outcome: 'created' | 'exists'; uidNumber: number }> {
    const uidNumber = await this.uids.allocate();
    const entry = userEntry(spec, this.config, {
      uidNumber,
      passwordHash: spec.password === undefined ? spec.passwordHash : hashPassword(spec.password, this.config.ldap.passwordScheme),
    });
    try {
      await this.client.add(this.userDn(spec.username), this.names.wireEntry(entry));
    } catch (err) {
      // Another worker created it between the caller's look-up and this add: "already exists" is a result.
      if (ldapResultCode(err) === 68) {
        const existing = (await this.findUsers([spec.username])).get(spec.username.toLowerCase());
        // The entry holds this very password: it is our own add, whose answer was lost with the connection.
        const ours = existing !== undefined && spec.password !== undefined && this.hasPassword(existing, spec.password);
        return { outcome: ours ? 'created' : 'exists', uidNumber: existing?.uidNumber ?? 0 };
      }
      throw ldapError(err, `adding ${spec.username}`);
    }
    return { outcome: 'created', uidNumber };
  }

  async fitUser(dn: string, spec: UserInput): Promise<{ outcome: 'created' | 'exists'; uidNumber: number }> {
    for (let attempt = 1; ; attempt++) {
      const [entry] = await searchEntries(this.client, dn, '(objectClass=*)', ['*'], `reading ${dn}`, 'base');
      if (entry === undefined) throw new OxprovError('LDAP_NO_SUCH_OBJECT', `${dn} does not exist (any more)`, { backend: 'ldap' });
      const have = this.toUser(entry);
      const present = new Set(Object.keys(have.attributes).map((k) => k.toLowerCase()));
      const uidNumber = have.uidNumber ?? await this.uids.allocate();
      const wanted = userEntry(spec, this.config, { uidNumber });
      const classes = new Set((have.attributes.objectClass ?? []).map((c) => c.toLowerCase()));
      const add = (type: string, values: string[]) => new Change({ operation: 'add', modification: new Attribute({ type: this.names.wire(type), values }) });
      const changes: Change[] = [];
      // The groupware's classes only: the person's own class chain (top, person, …) is the company's to spell.
      const missing = wanted.objectClass.filter((c) => !classes.has(c.toLowerCase()) && !PERSON_CLASSES.includes(c.toLowerCase()));
      if (missing.length) changes.push(add('objectClass', missing));
      // Only what is missing: the company's own values (its names, its addresses, its password) stay as they are.
      for (const [type, values] of Object.entries(wanted)) {
        if (type === 'objectClass' || present.has(type.toLowerCase()) || values.length === 0) continue;
        changes.push(add(type, values));
      }
      if (changes.length === 0) return { outcome: 'exists', uidNumber };
      try {
        await this.client.modify(dn, changes);
        return { outcome: 'created', uidNumber };
      } catch (err) {
        // Another run fitted the entry between the read and the modify: read it again and add what is still missing.
        if (attempt < 3 && ldapResultCode(err) === 20) continue;
        throw ldapError(err, `fitting ${dn} as a groupware user`);
      }
    }
  }

  updateChanges(existing: DirectoryUser, spec: UserInput): AttributeChange[] {
    return updateChanges(existing, spec, this.config);
  }

  async updateUser(existing: DirectoryUser, spec: UserInput): Promise<'updated' | 'exists'> {
    const changes = updateChanges(existing, spec, this.config);
    if (changes.length === 0) return 'exists';
    await this.apply(existing, changes, `updating ${existing.username}`);
    return 'updated';
  }

  async modifyUser(user: DirectoryUser, attributes: Readonly<Record<string, readonly string[]>>): Promise<void> {
    const changes = Object.entries(attributes).map(([type, values]) =>
      new Change({ operation: 'replace', modification: new Attribute({ type: this.names.wire(type), values: [...values] }) }));
    await this.modify(user.dn, changes, `modifying ${user.username}`);
  }

  async setPassword(user: DirectoryUser, password: string, mustChange = false): Promise<void> {
    await this.modifyUser(user, {
      userPassword: [hashPassword(password, this.config.ldap.passwordScheme)],
      shadowLastChange: [mustChange ? '0' : String(Math.floor(Date.now() / 86_400_000))],
    });
  }

  quotaOf(user: DirectoryUser): number | undefined {
    const value = attributeValue(user, this.config.ldap.quotaAttribute);
    return value === undefined || !/^\d+$/.test(value) ? undefined : Number(value);
  }

  setQuota(user: DirectoryUser, megabytes: number): Promise<void> {
    return this.modifyUser(user, { [this.config.ldap.quotaAttribute]: [String(megabytes)] });
  }

  hasPassword(user: DirectoryUser, password: string): boolean {
    const stored = attributeValue(user, 'userPassword');
    return stored !== undefined && verifyPassword(password, stored);
  }

  async deleteUser(username: string): Promise<'deleted' | 'gone'> {
    const user = (await this.findUsers([username])).get(username.toLowerCase());
    if (!user) return 'gone';
    const filter = `(&(objectClass=posixGroup)(memberUid=${escapeFilterValue(user.username)}))`;
    for (const g of await searchEntries(this.client, this.config.ldap.groupsDn, filter, ['cn'], `groups of ${username}`)) {
      await this.groups.removeMembers(String(first(g.cn)), [user.username]);
    }
    // An entry of a company's tree fitted in place is the company's person: only what the groupware added goes.
    if (!this.ownEntry(user.dn)) {
      await this.unfit(user);
      return 'deleted';
    }
    try {
      await this.client.del(user.dn);
    } catch (err) {
      if (ldapResultCode(err) === 32) return 'gone';
      throw ldapError(err, `deleting ${username}`);
    }
    return 'deleted';
  }

  /** Takes from an entry fitted in place the groupware's classes and attributes; the company's own (names, mail, language, password) stay. */
  private async unfit(user: DirectoryUser): Promise<void> {
    const present = new Map(Object.keys(user.attributes).map((k) => [k.toLowerCase(), k]));
    const classes = (user.attributes.objectClass ?? []).filter((c) => GROUPWARE_CLASSES.concat(this.config.ldap.userClasses.map((x) => x.toLowerCase())).includes(c.toLowerCase()));
    const changes: Change[] = [];
    for (const name of [...GROUPWARE_ATTRIBUTES, this.config.ldap.quotaAttribute]) {
      if (present.has(name.toLowerCase())) changes.push(new Change({ operation: 'delete', modification: new Attribute({ type: this.names.wire(name), values: [] }) }));
    }
    if (classes.length) changes.push(new Change({ operation: 'delete', modification: new Attribute({ type: 'objectClass', values: classes }) }));
    if (changes.length) await this.modify(user.dn, changes, `taking the groupware from ${user.dn}`);
  }

  /** Writes exactly these changes (see entry-changes.ts), in one modify. */
  private async apply(user: DirectoryUser, changes: readonly AttributeChange[], what: string): Promise<void> {
    if (changes.length === 0) return;
    await this.modify(user.dn, changes.map((c) => new Change({
      operation: c.op === 'add' ? 'add' : 'replace',
      modification: new Attribute({ type: c.attribute === 'objectClass' ? c.attribute : this.names.wire(c.attribute), values: [...c.new] }),
    })), what);
  }

  private async modify(dn: string, changes: Change[], what: string): Promise<void> {
    try {
      await this.client.modify(dn, changes);
    } catch (err) {
      throw ldapError(err, what);
    }
  }

  /** An entry as read, in the paper's attribute names. */
  private toUser(e: Entry): DirectoryUser {
    return toUser(e, this.names);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }
}

/** The first value of an attribute, its name compared without case (servers and configs spell names differently). */
function attributeValue(user: DirectoryUser, name: string): string | undefined {
  const lower = name.toLowerCase();
  const key = Object.keys(user.attributes).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : user.attributes[key][0];
}

function toUser(e: Entry, names: AttributeNames): DirectoryUser {
  const raw: EntryAttributes = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === 'dn') continue;
    raw[k] = list(v).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
  }
  const attributes = names.paperEntry(raw);
  const uid = attributes.uid?.[0] ?? '';
  const uidNumber = attributes.uidNumber ? Number(attributes.uidNumber[0]) : undefined;
  return { dn: e.dn, username: uid, uidNumber, attributes };
}
