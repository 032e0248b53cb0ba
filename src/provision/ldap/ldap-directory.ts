import { AndFilter, Attribute, Change, Client, EqualityFilter, OrFilter, type Entry, type Filter } from 'ldapts';
import type { Config, LdapConfig } from '../../config/config.js';
import { OxprovError } from '../../errors.js';
import type { UserSpec } from '../user-spec.js';
import { IdAllocator } from './id-allocator.js';
import { escapeDnValue, escapeFilterValue } from './ldap-escape.js';
import { ldapError, ldapResultCode } from './ldap-errors.js';
import { hashPassword } from './password-hash.js';
import { LdapAttributeSchema } from './subschema.js';
import { updatableAttributes, userEntry, type EntryAttributes } from './user-entry.js';
import { first, list } from './entry-values.js';

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
  async ensureUser(spec: UserSpec, mode: 'skip' | 'update' = 'skip', knownAbsent = false): Promise<{ outcome: LdapOutcome; uidNumber: number }> {
    // A caller that just looked the batch up (the importer) saves the search per user; a race still ends in "exists" below.
    const existing = knownAbsent ? undefined : await this.findUser(spec.username);
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
      if (ldapResultCode(err) === 68) {
        if (knownAbsent) return this.ensureUser(spec, mode, false);
        return { outcome: 'exists', uidNumber: (await this.findUser(spec.username))?.uidNumber ?? 0 };
      }
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
   * lower-cased address → owner. Queried in chunks of 250 addresses (500 filter
   * terms), four chunks at a time: slapd answers such filters from its indexes
   * at about the same cost per term as smaller ones, and a bulk import checks
   * two addresses per row (measured: 66k rows/s one chunk of 100 at a time, 150k
   * rows/s like this).
   */
  async addressOwners(addresses: readonly string[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    const unique = [...new Set(addresses.map((a) => a.toLowerCase()))];
    await inChunks(unique, ADDRESS_CHUNK, async (chunk) => {
      const wanted = new Set(chunk);
      const filter = anyEqual(chunk.flatMap((a) => [['mail', a], ['alias', a]] as const));
      for (const e of await lookUp(this.client, this.config.ldap.peopleDn, filter, ['uid', 'mail', 'alias'], 'looking up addresses')) {
        const uid = String(first(e.uid));
        for (const v of [...list(e.mail), ...list(e.alias)]) {
          const lower = String(v).toLowerCase();
          if (wanted.has(lower)) owners.set(lower, uid);
        }
      }
    });
    return owners;
  }

  /**
   * Which of these user names exist: lower-cased user name → its mail address
   * (lower-cased, '' if none). Chunks of 500 names, four at a time (see {@link addressOwners}).
   */
  async existingUsers(usernames: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    await inChunks(usernames, USERNAME_CHUNK, async (chunk) => {
      const filter = new AndFilter({ filters: [new EqualityFilter({ attribute: 'objectClass', value: 'posixAccount' }), anyEqual(chunk.map((u) => ['uid', u] as const))] });
      for (const e of await lookUp(this.client, this.config.ldap.peopleDn, filter, ['uid', 'mail'], 'looking up user names')) {
        for (const u of list(e.uid)) found.set(String(u).toLowerCase(), String(first(e.mail) ?? '').toLowerCase());
      }
    });
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

const ADDRESS_CHUNK = 250;
const USERNAME_CHUNK = 500;
/** Searches of one lookup in flight at once; with a few batches in flight this stays far below the ~1,000 operations after which slapd drops the connection. */
const CHUNKS_IN_FLIGHT = 4;

/** Runs `each` on consecutive chunks of `items`, a few at a time; rejects with the first failure. */
async function inChunks<T>(items: readonly T[], size: number, each: (chunk: readonly T[]) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const chunk = items.slice(next, next + size);
      next += size;
      await each(chunk);
    }
  };
  const workers = Math.min(CHUNKS_IN_FLIGHT, Math.ceil(items.length / size));
  await Promise.all(Array.from({ length: workers }, worker));
}

/**
 * `(|(a=v)(b=w)…)` built as filter objects: no escaping, and nothing for ldapts
 * to parse again (parsing a 500-term filter string cost as much as the search).
 * ldapts also builds a debug line with JSON.stringify of every request, whether
 * debugging is on or not; `toJSON` keeps that line short.
 */
function anyEqual(terms: readonly (readonly [attribute: string, value: string])[]): Filter {
  const filter = new OrFilter({ filters: terms.map(([attribute, value]) => new EqualityFilter({ attribute, value })) });
  return Object.assign(filter, { toJSON: () => `(|${terms.length} equality terms)` });
}

/** A subtree search for the bulk lookups, with the errors of {@link LdapDirectory.search}. */
async function lookUp(client: Client, base: string, filter: Filter, attributes: string[], what: string): Promise<Entry[]> {
  try {
    return (await client.search(base, { scope: 'sub', filter, attributes })).searchEntries;
  } catch (err) {
    if (ldapResultCode(err) === 32) return [];
    throw ldapError(err, what);
  }
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
