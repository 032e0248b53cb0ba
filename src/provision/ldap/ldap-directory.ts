import { Attribute, Change, Client, type Entry } from 'ldapts';
import type { Config, LdapConfig } from '../../config/config.js';
import { OxprovError } from '../../errors.js';
import type { UserSpec } from '../user-spec.js';
import { IdAllocator } from './id-allocator.js';
import { escapeDnValue, escapeFilterValue } from './ldap-escape.js';
import { ldapError, ldapResultCode } from './ldap-errors.js';
import { hashPassword } from './password-hash.js';
import { LdapAttributeSchema } from './subschema.js';
import { updatableAttributes, userEntry, type EntryAttributes } from './user-entry.js';

export type LdapOutcome = 'created' | 'exists' | 'updated';

/** A user as found in the directory. */
export interface LdapUser {
  dn: string;
  username: string;
  uidNumber?: number;
  attributes: EntryAttributes;
}

export interface LdapDirectoryOptions {
  /** Bind as someone else than `ldap.bindDn` (e.g. the admin of an `adduser` call). */
  bindDn?: string;
  bindPassword?: string;
  /** uidNumbers reserved per round trip to the id pool: 1 for single calls, more for bulk imports. */
  idBlockSize?: number;
}

/**
 * The LDAP directory back-end: users in `ou=people`, ids from the id pool.
 * Lifecycle: `connect` (binds, or fails with LDAP_CONNECT / LDAP_AUTH), work, `close` (safe twice).
 */
export class LdapDirectory {
  private schemaCache?: Promise<LdapAttributeSchema>;
  private readonly uids: IdAllocator;
  private readonly gids: IdAllocator;
  private closed = false;

  private constructor(readonly client: Client, readonly config: Readonly<Config>, idBlockSize: number) {
    this.uids = new IdAllocator(client, config.ldap.idPoolDn, 'uidNumber', idBlockSize);
    this.gids = new IdAllocator(client, config.ldap.idPoolDn, 'gidNumber', 1);
  }

  static async connect(config: Readonly<Config>, options: LdapDirectoryOptions = {}): Promise<LdapDirectory> {
    const l: LdapConfig = config.ldap;
    const client = new Client({ url: l.url, timeout: l.timeoutMs, connectTimeout: Math.min(l.timeoutMs, 10_000), autoRebind: true } as ConstructorParameters<typeof Client>[0]);
    const dn = options.bindDn ?? l.bindDn;
    try {
      await client.bind(dn, options.bindPassword ?? l.bindPassword);
    } catch (err) {
      await client.unbind().catch(() => {});
      const e = ldapError(err, `binding to ${l.url} as ${dn}`);
      throw e.code === 'LDAP_FAILED' && ldapResultCode(err) === undefined
        ? new OxprovError('LDAP_CONNECT', `cannot reach the LDAP server at ${l.url}: ${e.message}`, { backend: 'ldap', cause: err })
        : e;
    }
    return new LdapDirectory(client, config, options.idBlockSize ?? 1);
  }

  userDn(username: string): string {
    return `uid=${escapeDnValue(username)},${this.config.ldap.peopleDn}`;
  }

  /** The directory's attribute types (read once per connection). */
  schema(): Promise<LdapAttributeSchema> {
    this.schemaCache ??= LdapAttributeSchema.read(this.client).catch((err) => {
      this.schemaCache = undefined;
      throw ldapError(err, 'reading the subschema');
    });
    return this.schemaCache;
  }

  async findUser(username: string): Promise<LdapUser | undefined> {
    const entries = await this.search(this.config.ldap.peopleDn, `(&(objectClass=posixAccount)(uid=${escapeFilterValue(username)}))`, ['*'], `looking up ${username}`);
    return entries[0] && toUser(entries[0]);
  }

  /**
   * Creates the user's entry, or leaves an existing one alone (`exists`), or with
   * `update` rewrites the attributes that differ (never the ids or the password).
   */
  async ensureUser(spec: UserSpec, mode: 'skip' | 'update' = 'skip'): Promise<{ outcome: LdapOutcome; uidNumber: number }> {
    const existing = await this.findUser(spec.username);
    if (existing) {
      const uidNumber = existing.uidNumber ?? 0;
      if (mode === 'skip') return { outcome: 'exists', uidNumber };
      const wanted = updatableAttributes(userEntry(spec, this.config, { uidNumber }));
      const changed = await this.replaceDiffering(existing, wanted);
      return { outcome: changed ? 'updated' : 'exists', uidNumber };
    }
    const uidNumber = await this.uids.allocate();
    const entry = userEntry(spec, this.config, {
      uidNumber,
      passwordHash: spec.password === undefined ? undefined : hashPassword(spec.password, this.config.ldap.passwordScheme),
    });
    try {
      await this.client.add(this.userDn(spec.username), entry);
    } catch (err) {
      // Another worker created it between our lookup and add: "already exists" is a result.
      if (ldapResultCode(err) === 68) return { outcome: 'exists', uidNumber: (await this.findUser(spec.username))?.uidNumber ?? 0 };
      throw ldapError(err, `adding ${spec.username}`);
    }
    return { outcome: 'created', uidNumber };
  }

  private async replaceDiffering(existing: LdapUser, wanted: EntryAttributes): Promise<boolean> {
    const have = new Map(Object.entries(existing.attributes).map(([k, v]) => [k.toLowerCase(), v]));
    const changes: Change[] = [];
    for (const [type, values] of Object.entries(wanted)) {
      const current = have.get(type.toLowerCase()) ?? [];
      if (sameValues(current, values)) continue;
      changes.push(new Change({ operation: 'replace', modification: new Attribute({ type, values }) }));
    }
    if (changes.length === 0) return false;
    await this.modify(existing.dn, changes, `updating ${existing.username}`);
    return true;
  }

  async deleteUser(username: string): Promise<'deleted' | 'gone'> {
    const user = await this.findUser(username);
    if (!user) return 'gone';
    for (const g of await this.search(this.config.ldap.groupsDn, `(&(objectClass=posixGroup)(memberUid=${escapeFilterValue(username)}))`, ['cn'], `groups of ${username}`)) {
      await this.modify(g.dn, [new Change({ operation: 'delete', modification: new Attribute({ type: 'memberUid', values: [username] }) })], `removing ${username} from ${g.dn}`)
        .catch((err) => { if (!(err instanceof OxprovError && ldapResultCode(err.cause) === 16)) throw err; });
    }
    try {
      await this.client.del(user.dn);
    } catch (err) {
      if (ldapResultCode(err) === 32) return 'gone';
      throw ldapError(err, `deleting ${username}`);
    }
    return 'deleted';
  }

  /** Replaces attributes of an existing user (`changepasswd`, `setquota`). */
  async replaceUserAttributes(username: string, attributes: EntryAttributes): Promise<void> {
    const changes = Object.entries(attributes).map(([type, values]) =>
      new Change({ operation: 'replace', modification: new Attribute({ type, values }) }));
    try {
      await this.client.modify(this.userDn(username), changes);
    } catch (err) {
      if (ldapResultCode(err) === 32) throw new OxprovError('ADMIN_NO_SUCH_USER', `no user ${username} in the directory`, { backend: 'ldap', field: 'username', value: username });
      throw ldapError(err, `modifying ${username}`);
    }
  }

  async setPassword(username: string, password: string, mustChange = false): Promise<void> {
    await this.replaceUserAttributes(username, {
      userPassword: [hashPassword(password, this.config.ldap.passwordScheme)],
      shadowLastChange: [mustChange ? '0' : String(Math.floor(Date.now() / 86_400_000))],
    });
  }

  /**
   * Which of these addresses already belong to a user (as `mail` or `alias`),
   * lower-cased address → owner. Queried in chunks to keep filters small.
   */
  async addressOwners(addresses: readonly string[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    const unique = [...new Set(addresses.map((a) => a.toLowerCase()))];
    for (let i = 0; i < unique.length; i += 100) {
      const chunk = unique.slice(i, i + 100);
      const terms = chunk.map((a) => `(mail=${escapeFilterValue(a)})(alias=${escapeFilterValue(a)})`).join('');
      for (const e of await this.search(this.config.ldap.peopleDn, `(|${terms})`, ['uid', 'mail', 'alias'], 'looking up addresses')) {
        const uid = String(first(e.uid));
        for (const v of [...list(e.mail), ...list(e.alias)]) {
          const lower = String(v).toLowerCase();
          if (chunk.includes(lower)) owners.set(lower, uid);
        }
      }
    }
    return owners;
  }

  /** Which of these user names exist: lower-cased user name → its mail address (lower-cased, '' if none). */
  async existingUsers(usernames: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let i = 0; i < usernames.length; i += 200) {
      const terms = usernames.slice(i, i + 200).map((u) => `(uid=${escapeFilterValue(u)})`).join('');
      for (const e of await this.search(this.config.ldap.peopleDn, `(&(objectClass=posixAccount)(|${terms}))`, ['uid', 'mail'], 'looking up user names')) {
        for (const u of list(e.uid)) found.set(String(u).toLowerCase(), String(first(e.mail) ?? '').toLowerCase());
      }
    }
    return found;
  }

  allocateGid(): Promise<number> {
    return this.gids.allocate();
  }

  async search(base: string, filter: string, attributes: string[], what: string): Promise<Entry[]> {
    try {
      return (await this.client.search(base, { scope: 'sub', filter, attributes })).searchEntries;
    } catch (err) {
      if (ldapResultCode(err) === 32) return [];
      throw ldapError(err, what);
    }
  }

  async modify(dn: string, changes: Change[], what: string): Promise<void> {
    try {
      await this.client.modify(dn, changes);
    } catch (err) {
      throw ldapError(err, what);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.unbind().catch(() => {});
  }
}

function list(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((v) => set.has(v));
}

function toUser(e: Entry): LdapUser {
  const attributes: EntryAttributes = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === 'dn') continue;
    attributes[k] = list(v).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
  }
  const uid = attributes.uid?.[0] ?? '';
  const uidNumber = attributes.uidNumber ? Number(attributes.uidNumber[0]) : undefined;
  return { dn: e.dn, username: uid, uidNumber, attributes };
}
