import type { AttributeChange } from '../model/attribute-change.js';
import type { AttributeSchema } from '../model/attribute-schema.js';
import type { UserInput, UserSpec } from '../model/user-spec.js';
import type { GroupwareFolderTemplates } from '../templates/groupware-folder-templates.js';
import type { MailServers } from './imap/mail-servers.js';

/**
 * The three back-ends of a user, each behind a small interface. The user
 * service receives them from {@link openBackends} (or fakes, in unit tests) and
 * never sees an LDAP client, a SQL pool or an IMAP session. Every method throws
 * only its layer's codes (`LDAP_*`, `SQL_*`, `IMAP_*`), with the server's own
 * code in `err.server`; "already exists" and "already gone" are results.
 */
export interface Backends {
  /** Absent when the run does not touch the directory. */
  readonly directory?: Directory;
  /** Absent when the run touches neither `sql` nor `groupware`. */
  readonly groupware?: GroupwareStore;
  /** The mail servers, each with its store; absent when the run does not touch `imap`. */
  readonly mail?: MailServers;
  /** Closes every back-end; safe twice, and after a failed open. */
  close(): Promise<void>;
}

/** A user as the directory holds it. Attribute names as the server spells them; every value a string. */
export interface DirectoryUser {
  readonly dn: string;
  readonly username: string;
  readonly uidNumber?: number;
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

/** One user of a directory scan: just what the duplicate checks need. */
export interface DirectoryListing {
  readonly username: string;
  /** Lower-cased; '' when the entry has none. */
  readonly mail: string;
  /** Mail and aliases, as stored. */
  readonly addresses: readonly string[];
  /** The mail server the entry names (several mail servers). */
  readonly imapServer?: string;
}

/** The users of the LDAP directory (`ou=people`), with their groups and the resources beside them. */
export interface Directory {
  /** The directory's attribute types (read once), to check extra columns before the first row. */
  schema(): Promise<AttributeSchema>;
  /** The users with these names, in bulk: lower-cased name → user. */
  findUsers(usernames: readonly string[]): Promise<Map<string, DirectoryUser>>;
  /** Which of these users exist, by name only (lower-cased): cheaper than {@link findUsers}. */
  existingUsers(usernames: readonly string[]): Promise<Set<string>>;
  /**
   * These users with only their names and the marks runs leave on an entry (`oxprovPending`: a step
   * left unfinished since; `oxprovDisabledAt`: disabled as a leaver since): lower-cased name → user.
   * As cheap as {@link existingUsers}: what a sync reads for a person it trusts.
   */
  userMarks(usernames: readonly string[]): Promise<Map<string, DirectoryUser>>;
  /** Which of these addresses belong to a user as `mail` or `alias`: lower-cased address → user name. */
  addressOwners(addresses: readonly string[]): Promise<Map<string, string>>;
  /**
   * Users whose name or mail matches a pattern (`*` any characters; `j*`, `*@test.tux`), sorted by
   * name, at most `limit`; `more` when the directory holds further matches.
   */
  listUsers(pattern: string, limit: number): Promise<{ users: DirectoryUser[]; more: boolean }>;
  /**
   * The users a sync feed manages, with the attributes a plan compares (names, addresses, language,
   * time zone, country, quota, state) and `extraAttributes`: every one (paged), or those of `keys`.
   */
  listFeed(feed: string, extraAttributes?: readonly string[], keys?: readonly string[]): Promise<DirectoryUser[]>;
  /** Every user a sync feed manages, a page at a time (a plan's leavers, in flat memory); `keysOnly`: only their names and keys. */
  feedPages(feed: string, extraAttributes?: readonly string[], keysOnly?: boolean): AsyncIterable<DirectoryUser[]>;
  /** Makes an existing user one of a feed's, with the person's key (a first sync over users made by an import). */
  manage(user: DirectoryUser, feed: string, key: string): Promise<void>;
  /** What {@link manage} writes, without writing it (a sync's plan shows exactly this). */
  manageChanges(user: DirectoryUser, feed: string, key: string): AttributeChange[];
  /**
   * Disables a user (mail refused, IMAP login refused, LDAP bind refused: the password hash is put
   * aside, the date recorded) or enables it again (the hash put back). `exists` when it already was so.
   */
  setEnabled(user: DirectoryUser, enabled: boolean, today: string): Promise<'updated' | 'exists'>;
  /** What {@link setEnabled} writes, without writing it; empty when the user already is so. */
  enableChanges(user: DirectoryUser, enabled: boolean, today: string): AttributeChange[];
  /** Marks a feed's user that a sync left unfinished in some back-end (`since` a date), or clears the mark (undefined). */
  markPending(username: string, since: string | undefined): Promise<void>;
  /** Every user, a page at a time (a large dry run reads the directory once). */
  scanUsers(pageSize?: number): AsyncIterable<readonly DirectoryListing[]>;
  /** How many users each `imapServer` value has (lower-cased), for spreading new users over the mail servers. */
  countByImapServer(): Promise<Map<string, number>>;
  /** Adds a user's entry with a new uidNumber; `exists` (with the entry's uidNumber) when another process added it first. */
  addUser(spec: UserSpec): Promise<{ outcome: 'created' | 'exists'; uidNumber: number }>;
  /**
   * Fits an entry of a company's own tree as a user, in place (`--in-place`): adds the classes and
   * attributes it lacks (a new uidNumber when it has none) and changes none of its values, the
   * password included. `exists` when nothing was missing. @throws LDAP_NO_SUCH_OBJECT
   */
  fitUser(dn: string, spec: UserInput): Promise<{ outcome: 'created' | 'exists'; uidNumber: number }>;
  /** Rewrites the attributes of `existing` that `spec` gives differently (never the ids, the password or the classes), and deletes those of `spec.clear`. */
  updateUser(existing: DirectoryUser, spec: UserInput): Promise<'updated' | 'exists'>;
  /** What {@link updateUser} writes, without writing it: a sync's plan is this list. */
  updateChanges(existing: DirectoryUser, spec: UserInput): AttributeChange[];
  /** Replaces these attributes of a user (found before: its entry may live anywhere under the users' base). @throws LDAP_NO_SUCH_OBJECT */
  modifyUser(user: DirectoryUser, attributes: Readonly<Record<string, readonly string[]>>): Promise<void>;
  /** Stores a new password hash (`mustChange`: shadowLastChange 0). @throws LDAP_NO_SUCH_OBJECT */
  setPassword(user: DirectoryUser, password: string, mustChange?: boolean): Promise<void>;
  /** The user's mail quota in MB as the directory holds it (the IMAP server reads it at every login). */
  quotaOf(user: DirectoryUser): number | undefined;
  /** @throws LDAP_NO_SUCH_OBJECT */
  setQuota(user: DirectoryUser, megabytes: number): Promise<void>;
  /** Checks a password against the stored hash without binding (a bind would count as a failed login). */
  hasPassword(user: DirectoryUser, password: string): boolean;
  /** Removes the user's entry and its memberships; `gone` when there was none. */
  deleteUser(username: string): Promise<'deleted' | 'gone'>;
  readonly groups: DirectoryGroups;
  readonly resources: DirectoryResources;
  close(): Promise<void>;
}

/** A posixGroup as the directory holds it. */
export interface DirectoryGroup {
  readonly name: string;
  readonly gidNumber?: number;
}

/** Groups (posixGroup with memberUid). Adding a member twice or removing one that is gone are results. */
export interface DirectoryGroups {
  /** The groups with these names: lower-cased name → group. */
  find(names: readonly string[]): Promise<Map<string, DirectoryGroup>>;
  /** Creates the group with a new gidNumber and these members; `exists` when it is there already (members untouched). */
  create(name: string, members: readonly string[]): Promise<{ outcome: 'created' | 'exists'; gidNumber?: number }>;
  /** Adds members in one modify of the group's entry, whatever their number; returns those that were not members. @throws LDAP_NO_SUCH_OBJECT */
  addMembers(group: string, members: readonly string[]): Promise<string[]>;
  /** Removes members in one modify; returns those that were members. @throws LDAP_NO_SUCH_OBJECT */
  removeMembers(group: string, members: readonly string[]): Promise<string[]>;
  members(group: string): Promise<string[]>;
  delete(name: string): Promise<'deleted' | 'gone'>;
}

export type ResourceKind = 'resource' | 'resourcegroup';

/** Resources and resource groups (OXResourceObject, OXResourceGroupObject with resourceMember) in one name space. */
export interface DirectoryResources {
  /** Which of these names exist as that kind: lower-cased name → the name as the directory spells it. */
  find(kind: ResourceKind, names: readonly string[]): Promise<Map<string, string>>;
  create(name: string, attrs: { mail?: string; description?: string }): Promise<'created' | 'exists'>;
  createGroup(name: string, members: readonly string[], description?: string): Promise<'created' | 'exists'>;
  /** Resource groups that hold this resource. */
  groupsOf(resource: string): Promise<string[]>;
  addMembers(group: string, members: readonly string[]): Promise<string[]>;
  removeMembers(group: string, members: readonly string[]): Promise<string[]>;
  members(group: string): Promise<string[]>;
  delete(name: string): Promise<'deleted' | 'gone'>;
}

/** What the SQL step needs of a user: the paper's `--source_only=sql` works with little more than the name. */
export type SqlUserSpec = Pick<UserSpec, 'username' | 'disable' | 'groups'> &
  Partial<Pick<UserSpec, 'givenname' | 'surname' | 'mail' | 'language' | 'timezone' | 'country' | 'activated' | 'changepasswd' | 'globaladdressbook'>> & {
    uidNumber?: number;
  };

/** A lock taken with {@link GroupwareStore.tryLock}. */
export interface HeldLock {
  release(): Promise<void>;
}

/** A user's row in the groupware database. */
export interface GroupwareUser {
  readonly username: string;
  readonly uidNumber?: number;
  readonly language: string;
  readonly activated: boolean;
  /** The groupware asks for a new password at the next login (`--changepasswd`, a generated password). */
  readonly changePassword?: boolean;
  /** The module permissions as one mask, Open-Xchange's bits (src/model/modules.ts); none recorded yet: undefined. */
  readonly permissions?: number;
}

export type SqlOutcome = 'created' | 'exists' | 'updated';

/** The groupware database: users' rows, settings, module permissions, default folders, groups, resources. */
export interface GroupwareStore {
  /** The rows of these users: name → row. */
  findUsers(usernames: readonly string[]): Promise<Map<string, GroupwareUser>>;
  /**
   * The `sql` step for many users in one transaction: missing rows created,
   * existing ones left (`skip`) or brought in line with what a spec gives
   * (`update`); missing permissions and a missing uidNumber always completed.
   */
  ensureUsers(specs: readonly SqlUserSpec[], mode: 'skip' | 'update'): Promise<Map<string, SqlOutcome>>;
  /** The `groupware` step: each user's default folders named in the user's language; `missing` for a user without a row. */
  ensureFolders(users: readonly { username: string; language?: string }[], templates: GroupwareFolderTemplates): Promise<Map<string, SqlOutcome | 'missing'>>;
  /** The user's module permissions (module → enabled). */
  modulesOf(username: string): Promise<Map<string, boolean>>;
  /** How many default groupware folders each of these users has, in one read: name → count (a user without a row is absent). */
  folderCounts(usernames: readonly string[]): Promise<Map<string, number>>;
  /** Of these users, in one read that returns one row: how many have a row, how many are activated, and how many have fewer than `folders` default folders. */
  groupwareTotals(usernames: readonly string[], folders: number): Promise<{ readonly users: number; readonly activated: number; readonly lacking: number }>;
  /**
   * Takes a named lock that holds across processes and machines (a PostgreSQL advisory lock on a
   * connection of its own) until released, or until the process dies; undefined while another holds it.
   */
  tryLock(name: string): Promise<HeldLock | undefined>;
  /** Activates or deactivates a user in the groupware; `exists` when it already was so, `missing` without a row. */
  setActivated(username: string, activated: boolean): Promise<'updated' | 'exists' | 'missing'>;
  /** The user's default groupware folders (module → name). */
  foldersOf(username: string): Promise<Map<string, string>>;
  /** The groups a user belongs to in the groupware database. */
  groupsOf(username: string): Promise<string[]>;
  deleteUser(username: string): Promise<'deleted' | 'gone'>;
  deleteFolders(username: string): Promise<'deleted' | 'gone'>;
  readonly groups: GroupwareGroups;
  readonly resources: GroupwareResources;
  close(): Promise<void>;
}

/** What a group write did in SQL, and which named users had no SQL row to link. */
export interface SqlMembershipChange {
  outcome: 'created' | 'exists' | 'updated';
  /** Members linked by this call. */
  changed: string[];
  /** Members without a `users` row (provisioned in LDAP only): nothing to link in SQL. */
  withoutRow: string[];
}

export interface GroupwareGroups {
  /** Creates the group (keeping an existing row and its gid) and links the members. */
  ensure(name: string, gidNumber: number | undefined, members: readonly string[]): Promise<SqlMembershipChange>;
  removeMembers(name: string, members: readonly string[]): Promise<string[]>;
  delete(name: string): Promise<'deleted' | 'gone'>;
  members(name: string): Promise<string[]>;
}

export interface GroupwareResources {
  ensure(name: string, attrs: { mail?: string; description?: string }): Promise<'created' | 'exists'>;
  ensureGroup(name: string, members: readonly string[], description?: string): Promise<{ outcome: 'created' | 'exists' | 'updated'; changed: string[] }>;
  removeMembers(name: string, members: readonly string[]): Promise<string[]>;
  delete(name: string): Promise<'deleted' | 'gone'>;
  deleteGroup(name: string): Promise<'deleted' | 'gone'>;
  members(name: string): Promise<string[]>;
}

export type { MailStore, MailboxRequest, MailboxResult } from './imap/mail-store.js';
export type { MailServerInfo } from './imap/mail-servers.js';
export { MailServers } from './imap/mail-servers.js';
