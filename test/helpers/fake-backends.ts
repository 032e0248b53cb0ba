import { OxprovError } from '../../src/errors.js';
import { inMemorySchema, STANDARD_ATTRIBUTES } from '../../src/mapping/index.js';
import type { AttributeChange } from '../../src/model/attribute-change.js';
import type { UserInput, UserSpec } from '../../src/model/user-spec.js';
import { enableChanges, manageChanges, updateChanges } from '../../src/provision/ldap/entry-changes.js';
import { MailServers } from '../../src/provision/backends.js';
import type {
  Backends, Directory, DirectoryGroup, DirectoryGroups, DirectoryListing, DirectoryResources, DirectoryUser,
  GroupwareStore, GroupwareUser, MailboxRequest, MailboxResult, MailStore, SqlOutcome, SqlUserSpec,
} from '../../src/provision/backends.js';
import { loadTemplates } from '../../src/service/open-services.js';
import { UserService } from '../../src/service/user-service.js';
import type { GroupwareFolderTemplates } from '../../src/templates/groupware-folder-templates.js';
import { stackConfig } from './stack-config.js';

/**
 * In-memory back-ends for unit tests of the logic above them (the user service,
 * the import job). Each records its calls and can be told to fail; the real
 * servers are tested in test/integration.
 */
export interface Faults {
  /** Called before every write of that back-end with the user names; throw to fail it. */
  ldap?: (usernames: readonly string[]) => void | Promise<void>;
  sql?: (usernames: readonly string[]) => void | Promise<void>;
  imap?: (usernames: readonly string[]) => void | Promise<void>;
}

export class FakeDirectory implements Directory {
  readonly users = new Map<string, DirectoryUser>();
  readonly groupMembers = new Map<string, Set<string>>();
  private nextUid = 10_000;
  writes = 0;
  lookups = 0;

  constructor(private readonly faults: Faults = {}) {}

  async schema() { return inMemorySchema(STANDARD_ATTRIBUTES); }

  async findUsers(names: readonly string[]) {
    this.lookups++;
    const out = new Map<string, DirectoryUser>();
    for (const n of names) { const u = this.users.get(n.toLowerCase()); if (u) out.set(n.toLowerCase(), u); }
    return out;
  }

  async existingUsers(names: readonly string[]) {
    this.lookups++;
    return new Set(names.map((n) => n.toLowerCase()).filter((n) => this.users.has(n)));
  }

  async userMarks(names: readonly string[]) {
    return this.findUsers(names);
  }

  async addressOwners(addresses: readonly string[]) {
    const out = new Map<string, string>();
    const wanted = new Set(addresses.map((a) => a.toLowerCase()));
    for (const u of this.users.values()) {
      for (const a of [...(u.attributes.mail ?? []), ...(u.attributes.alias ?? [])]) if (wanted.has(a.toLowerCase())) out.set(a.toLowerCase(), u.username);
    }
    return out;
  }

  async listUsers(pattern: string, limit: number) {
    const re = new RegExp(`^${pattern.split('*').map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
    const users = [...this.users.values()].filter((u) => re.test(u.username) || re.test(u.attributes.mail?.[0] ?? '')).sort((a, b) => a.username.localeCompare(b.username));
    return { users: users.slice(0, limit), more: users.length > limit };
  }

  async listFeed(feed: string, _extra?: readonly string[], keys?: readonly string[]) {
    const wanted = keys && new Set(keys.map((k) => k.toLowerCase()));
    return [...this.users.values()].filter((u) => u.attributes.oxprovFeed?.[0] === feed && (!wanted || wanted.has(u.attributes.oxprovKey?.[0]?.toLowerCase() ?? '')));
  }
  async *feedPages(feed: string) { yield await this.listFeed(feed); }
  // The changes are the real directory's (pure functions): what the fake writes is what a plan shows.
  manageChanges(user: DirectoryUser, feed: string, key: string) { return manageChanges(user, feed, key); }
  async manage(user: DirectoryUser, feed: string, key: string) { await this.applyChanges(user, manageChanges(user, feed, key)); }
  enableChanges(user: DirectoryUser, enabled: boolean, today: string) { return enableChanges(user, enabled, today, stackConfig()); }
  async setEnabled(user: DirectoryUser, enabled: boolean, today: string): Promise<'updated' | 'exists'> {
    const changes = enableChanges(user, enabled, today, stackConfig());
    if (changes.length === 0) return 'exists';
    await this.applyChanges(user, changes);
    return 'updated';
  }
  async markPending(username: string, since: string | undefined) { await this.modifyByName(username, { oxprovPending: since === undefined ? [] : [since] }); }

  private async applyChanges(user: DirectoryUser, changes: readonly AttributeChange[]) {
    const current = this.users.get(user.username.toLowerCase()) ?? user;
    await this.modifyUser(user, Object.fromEntries(changes.map((c) => [c.attribute, c.op === 'add' ? [...(current.attributes[c.attribute] ?? []), ...c.new] : [...c.new]])));
  }

  async countByImapServer() {
    const counts = new Map<string, number>();
    for (const u of this.users.values()) { const v = u.attributes.imapServer?.[0]?.toLowerCase(); if (v) counts.set(v, (counts.get(v) ?? 0) + 1); }
    return counts;
  }

  async *scanUsers(): AsyncIterable<readonly DirectoryListing[]> {
    yield [...this.users.values()].map((u) => ({ username: u.username, mail: (u.attributes.mail?.[0] ?? '').toLowerCase(), addresses: [...(u.attributes.mail ?? []), ...(u.attributes.alias ?? [])], imapServer: u.attributes.imapServer?.[0] }));
  }

  async addUser(spec: UserSpec) {
    await this.faults.ldap?.([spec.username]);
    this.writes++;
    const existing = this.users.get(spec.username.toLowerCase());
    if (existing) return { outcome: 'exists' as const, uidNumber: existing.uidNumber ?? 0 };
    const uidNumber = this.nextUid++;
    const attributes: Record<string, string[]> = { uid: [spec.username], sn: [spec.surname], mail: [spec.mail], mailEnabled: [spec.activated === false ? 'NO' : 'OK'] };
    // The entry names its mail server as userEntry writes it: here `host-of-<name>`.
    if (spec.mailServer) attributes.imapServer = [`host-of-${spec.mailServer}`];
    if (spec.aliases.length) attributes.alias = [...spec.aliases];
    if (spec.language) attributes.preferredLanguage = [spec.language];
    this.users.set(spec.username.toLowerCase(), { dn: `uid=${spec.username},ou=people`, username: spec.username, uidNumber, attributes });
    return { outcome: 'created' as const, uidNumber };
  }

  async fitUser(dn: string, spec: UserInput) {
    await this.faults.ldap?.([spec.username]);
    const existing = this.users.get(spec.username.toLowerCase());
    if (existing) return { outcome: 'exists' as const, uidNumber: existing.uidNumber ?? 0 };
    const uidNumber = this.nextUid++;
    this.writes++;
    this.users.set(spec.username.toLowerCase(), { dn, username: spec.username, uidNumber, attributes: { uid: [spec.username], mail: spec.mail ? [spec.mail] : [], mailEnabled: ['OK'] } });
    return { outcome: 'created' as const, uidNumber };
  }

  updateChanges(existing: DirectoryUser, spec: UserInput) { return updateChanges(existing, spec, stackConfig()); }

  async updateUser(existing: DirectoryUser, spec: UserInput): Promise<'updated' | 'exists'> {
    await this.faults.ldap?.([spec.username]);
    const changes = updateChanges(existing, spec, stackConfig());
    if (changes.length === 0) return 'exists';
    await this.applyChanges(existing, changes);
    return 'updated';
  }

  async modifyUser(user: DirectoryUser, attributes: Readonly<Record<string, readonly string[]>>) {
    await this.modifyByName(user.username, attributes);
  }

  private async modifyByName(username: string, attributes: Readonly<Record<string, readonly string[]>>) {
    const u = this.users.get(username.toLowerCase());
    if (!u) throw new OxprovError('LDAP_NO_SUCH_OBJECT', `no ${username}`, { backend: 'ldap' });
    this.users.set(username.toLowerCase(), { ...u, attributes: { ...u.attributes, ...attributes } });
  }

  setPassword(user: DirectoryUser, password: string) { return this.modifyUser(user, { userPassword: [`plain:${password}`] }); }
  hasPassword(user: DirectoryUser, password: string) { return user.attributes.userPassword?.[0] === `plain:${password}`; }
  quotaOf(user: DirectoryUser) { const q = user.attributes.mailQuota?.[0]; return q === undefined ? undefined : Number(q); }
  setQuota(user: DirectoryUser, mb: number) { return this.modifyUser(user, { mailQuota: [String(mb)] }); }

  async deleteUser(username: string): Promise<'deleted' | 'gone'> {
    return this.users.delete(username.toLowerCase()) ? 'deleted' : 'gone';
  }

  readonly groups: DirectoryGroups = {
    find: async (names) => {
      const out = new Map<string, DirectoryGroup>();
      for (const n of names) if (this.groupMembers.has(n.toLowerCase())) out.set(n.toLowerCase(), { name: n.toLowerCase(), gidNumber: 2000 });
      return out;
    },
    create: async (name, members) => {
      if (this.groupMembers.has(name.toLowerCase())) return { outcome: 'exists' as const };
      this.groupMembers.set(name.toLowerCase(), new Set(members));
      this.groupWrites++;
      return { outcome: 'created' as const, gidNumber: 2000 };
    },
    addMembers: async (group, members) => {
      const g = this.groupMembers.get(group.toLowerCase());
      if (!g) throw new OxprovError('LDAP_NO_SUCH_OBJECT', `no group ${group}`, { backend: 'ldap' });
      this.groupWrites++;
      const added = members.filter((m) => !g.has(m));
      for (const m of added) g.add(m);
      return added;
    },
    removeMembers: async (group, members) => {
      const g = this.groupMembers.get(group.toLowerCase());
      return g ? members.filter((m) => g.delete(m)) : [];
    },
    members: async (group) => [...(this.groupMembers.get(group.toLowerCase()) ?? [])],
    delete: async (name) => (this.groupMembers.delete(name.toLowerCase()) ? 'deleted' : 'gone'),
  };

  /** Writes to group entries (creates and member modifies). */
  groupWrites = 0;

  readonly resources: DirectoryResources = new Proxy({} as DirectoryResources, {
    get: () => async () => { throw new Error('resources are not part of the fake directory'); },
  });

  async close() {}
}

export class FakeGroupware implements GroupwareStore {
  readonly rows = new Map<string, GroupwareUser & { folders: number }>();
  transactions = 0;

  constructor(private readonly faults: Faults = {}) {}

  async findUsers(names: readonly string[]) {
    const out = new Map<string, GroupwareUser>();
    for (const n of names) { const r = this.rows.get(n); if (r) out.set(n, r); }
    return out;
  }

  async ensureUsers(specs: readonly SqlUserSpec[]): Promise<Map<string, SqlOutcome>> {
    await this.faults.sql?.(specs.map((s) => s.username));
    this.transactions++;
    const out = new Map<string, SqlOutcome>();
    for (const s of specs) {
      if (this.rows.has(s.username)) { out.set(s.username, 'exists'); continue; }
      this.rows.set(s.username, { username: s.username, uidNumber: s.uidNumber, language: s.language ?? 'EN', activated: s.activated ?? true, folders: 0 });
      out.set(s.username, 'created');
    }
    return out;
  }

  async ensureFolders(users: readonly { username: string; language?: string }[], templates: GroupwareFolderTemplates) {
    await this.faults.sql?.(users.map((u) => u.username));
    this.transactions++;
    const out = new Map<string, SqlOutcome | 'missing'>();
    for (const u of users) {
      const row = this.rows.get(u.username);
      if (!row) { out.set(u.username, 'missing'); continue; }
      if (row.folders > 0) { out.set(u.username, 'exists'); continue; }
      row.folders = templates.foldersFor(u.language ?? row.language).length;
      out.set(u.username, 'created');
    }
    return out;
  }

  async modulesOf() { return new Map<string, boolean>(); }
  async groupwareTotals(names: readonly string[], folders: number) {
    const rows = names.flatMap((n) => (this.rows.has(n) ? [this.rows.get(n)!] : []));
    return { users: rows.length, activated: rows.filter((r) => r.activated !== false).length, lacking: rows.filter((r) => r.folders < folders).length };
  }
  async folderCounts(names: readonly string[]) {
    const out = new Map<string, number>();
    for (const n of names) { const r = this.rows.get(n); if (r) out.set(n, r.folders); }
    return out;
  }
  /** Locks of this fake: held in memory, as one process would see them. */
  readonly locks = new Set<string>();
  async tryLock(name: string) {
    if (this.locks.has(name)) return undefined;
    this.locks.add(name);
    return { release: async () => { this.locks.delete(name); } };
  }
  async setActivated(username: string, activated: boolean): Promise<'updated' | 'exists' | 'missing'> {
    const r = this.rows.get(username);
    if (!r) return 'missing';
    if (r.activated === activated) return 'exists';
    this.rows.set(username, { ...r, activated });
    return 'updated';
  }
  async foldersOf() { return new Map<string, string>(); }
  async groupsOf() { return [] as string[]; }
  async deleteUser(username: string): Promise<'deleted' | 'gone'> { return this.rows.delete(username) ? 'deleted' : 'gone'; }
  async deleteFolders(username: string): Promise<'deleted' | 'gone'> { const r = this.rows.get(username); if (!r?.folders) return 'gone'; r.folders = 0; return 'deleted'; }
  readonly groups = new Proxy({} as GroupwareStore['groups'], { get: () => async () => ({ outcome: 'exists', changed: [], withoutRow: [] }) });
  readonly resources = new Proxy({} as GroupwareStore['resources'], { get: () => async () => { throw new Error('resources are not part of the fake store'); } });
  async close() {}
}

export class FakeMailStore implements MailStore {
  readonly mailboxes = new Map<string, string[]>();
  requests = 0;

  constructor(private readonly faults: Faults = {}) {}

  async init() {}

  async ensureMailbox(username: string, folders: readonly string[]): Promise<MailboxResult> {
    const [r] = await this.ensureMailboxes([{ username, folders }]);
    if (r instanceof OxprovError) throw r;
    return r;
  }

  async ensureMailboxes(requests: readonly MailboxRequest[]): Promise<(MailboxResult | OxprovError)[]> {
    await this.faults.imap?.(requests.map((r) => r.username));
    this.requests++;
    return requests.map((r) => {
      if (this.mailboxes.has(r.username)) return { outcome: 'exists' as const, created: [] };
      this.mailboxes.set(r.username, [...r.folders]);
      return { outcome: 'created' as const, created: [...r.folders] };
    });
  }

  async deleteMailbox(username: string): Promise<'deleted' | 'gone'> { return this.mailboxes.delete(username) ? 'deleted' : 'gone'; }
  async listFolders(username: string) { return [...(this.mailboxes.get(username) ?? [])].sort(); }
  async close() {}
}

/** The three fakes and a real UserService over them. */
export function fakeService(faults: Faults = {}, retry = { attempts: 1, baseDelayMs: 1, outageMs: 0 }) {
  const directory = new FakeDirectory(faults);
  const groupware = new FakeGroupware(faults);
  const mail = new FakeMailStore(faults);
  const backends: Backends = { directory, groupware, mail: MailServers.single(mail), close: async () => {} };
  const users = new UserService(backends, loadTemplates(stackConfig()), { retry });
  return { directory, groupware, mail, users };
}

/** A mail store that takes `ms` per mailbox and writes nothing: a long import to follow or stop (the web page's tests). */
export function slowFakeMailStore(ms: number): MailStore {
  return {
    init: async () => {},
    ensureMailbox: async (_u, folders) => {
      await new Promise((r) => setTimeout(r, ms));
      return { outcome: 'created', created: [...folders] };
    },
    listFolders: async () => [],
    deleteMailbox: async () => 'gone',
    close: async () => {},
  };
}
