import pg from 'pg';
import type { Config } from '../../config/config.js';
import { OxprovError } from '../../errors.js';
import { ALL_MODULE_BITS, permissionsOf } from '../../model/modules.js';
import type { GroupwareFolderTemplates } from '../../templates/groupware-folder-templates.js';
import type { GroupwareStore, GroupwareUser, HeldLock, SqlOutcome, SqlUserSpec } from '../backends.js';
import { sqlError } from './sql-errors.js';
import { sqlTls } from './sql-tls.js';
import { SqlGroups } from './sql-groups.js';
import { SqlResources } from './sql-resources.js';
import { SqlRunner } from './sql-runner.js';
import { unnestColumns, type UnnestColumn } from './unnest-columns.js';

/**
 * The columns of `users` that a spec sets, in one table: the unnest list, the
 * casts and the parameter arrays all come from it, so two columns cannot swap.
 * `null` means "not given": a new row gets the column's default, an updated row keeps its value.
 */
const USER_COLUMNS: readonly UnnestColumn<SqlUserSpec>[] = [
  { name: 'username', type: 'text', value: (s) => s.username },
  { name: 'uid_number', type: 'int', value: (s) => s.uidNumber ?? null },
  { name: 'display_name', type: 'text', value: (s) => (s.surname ? (s.givenname ? `${s.surname}, ${s.givenname}` : s.surname) : null) },
  { name: 'mail', type: 'text', value: (s) => s.mail ?? null },
  { name: 'language', type: 'text', value: (s) => s.language ?? null },
  { name: 'timezone', type: 'text', value: (s) => s.timezone ?? null },
  { name: 'country', type: 'text', value: (s) => s.country ?? null },
  { name: 'activated', type: 'bool', value: (s) => s.activated ?? null },
  { name: 'change_password', type: 'bool', value: (s) => s.changepasswd ?? null },
  { name: 'global_addressbook_write', type: 'bool', value: (s) => s.globaladdressbook ?? null },
  // Given when the spec names modules to deny; a new row without gets every module.
  { name: 'permissions', type: 'bigint', value: (s) => (s.disable.length ? permissionsOf(s.disable) : null) },
];

/** Defaults of a new row for columns a spec leaves out (the table's own defaults, and the configured time zone). */
const NEW_ROW_DEFAULT: Readonly<Record<string, string>> = {
  language: `'EN'`, activated: 'true', change_password: 'false', global_addressbook_write: 'false', permissions: String(ALL_MODULE_BITS),
};

/**
 * An existing row's value updated from a spec's (null: kept). The permissions change
 * only in the bits of oxprov's modules: a bit that Open-Xchange's own tools set (ActiveSync,
 * WebDAV, …) stays as it is.
 */
const UPDATED_VALUE: Readonly<Record<string, (n: string) => string>> = {
  permissions: (n) => `CASE WHEN t.${n} IS NULL THEN u.${n} ELSE (coalesce(u.${n}, 0) & ~${ALL_MODULE_BITS}::bigint) | t.${n} END`,
};

/**
 * The groupware database back-end. Every write is batched: a call with N users
 * is a handful of statements in one transaction, whatever N is. The pool never
 * leaves this folder.
 * Lifecycle: `connect` (checks the connection, SQL_CONNECT on failure), work, `close` (safe twice).
 */
export class SqlStore implements GroupwareStore {
  readonly groups: SqlGroups;
  readonly resources: SqlResources;
  private closed = false;

  private constructor(private readonly pool: pg.Pool, private readonly db: SqlRunner, private readonly config: Readonly<Config>) {
    this.groups = new SqlGroups(db);
    this.resources = new SqlResources(db);
  }

  static async connect(config: Readonly<Config>, options: { poolSize?: number } = {}): Promise<SqlStore> {
    // Every query has a deadline: a server that stops answering fails the query (and the caller's retry decides).
    const pool = new pg.Pool({ connectionString: config.sql.url, max: options.poolSize ?? 4, connectionTimeoutMillis: 10_000, query_timeout: config.sql.timeoutMs, ...sqlTls(config) });
    // An idle client that dies (server restart) must not crash the process.
    pool.on('error', () => {});
    try {
      const c = await pool.connect();
      c.release();
    } catch (err) {
      await pool.end().catch(() => {});
      const e = sqlError(err, 'connecting to PostgreSQL');
      throw e.code === 'SQL_CONNECT' ? e : new OxprovError('SQL_CONNECT', e.message, { backend: 'sql', unreachable: true, cause: err });
    }
    return new SqlStore(pool, new SqlRunner(pool), config);
  }

  async findUsers(usernames: readonly string[]): Promise<Map<string, GroupwareUser>> {
    const found = new Map<string, GroupwareUser>();
    if (usernames.length === 0) return found;
    const r = await this.db.query<{ username: string; uid_number: number | null; language: string; activated: boolean; change_password: boolean; permissions: string | null }>(
      'SELECT username, uid_number, language, activated, change_password, permissions FROM users WHERE username = ANY($1::text[])', [[...usernames]], 'looking up users in SQL');
    for (const row of r.rows) {
      found.set(row.username, {
        username: row.username, uidNumber: row.uid_number ?? undefined, language: row.language, activated: row.activated, changePassword: row.change_password,
        permissions: row.permissions === null ? undefined : Number(row.permissions),
      });
    }
    return found;
  }

  async ensureUsers(specs: readonly SqlUserSpec[], mode: 'skip' | 'update'): Promise<Map<string, SqlOutcome>> {
    const outcomes = new Map<string, SqlOutcome>();
    if (specs.length === 0) return outcomes;
    const t = unnestColumns(USER_COLUMNS, specs);
    const tz = `$${t.params.length + 1}`;
    const newValue = (c: string) => (c === 'timezone' ? `COALESCE(t.timezone, ${tz})` : NEW_ROW_DEFAULT[c] ? `COALESCE(t.${c}, ${NEW_ROW_DEFAULT[c]})` : `t.${c}`);
    await this.db.transaction('provisioning users in SQL', async (c) => {
      const inserted = await c.query<{ username: string }>(
        `INSERT INTO users (${t.names.join(', ')}) SELECT ${t.names.map(newValue).join(', ')} FROM ${t.from}
         ON CONFLICT (username) DO NOTHING RETURNING username`, [...t.params, this.config.defaults.timezone]);
      const created = new Set(inserted.rows.map((r) => r.username));
      for (const s of specs) outcomes.set(s.username, created.has(s.username) ? 'created' : 'exists');
      // Completed whatever the mode: a row written before its LDAP entry existed (`--source_only=sql`
      // first) gets the uidNumber now, and a row without permissions (never given, or from before
      // migration 003 without module rows) gets them.
      const completed = await c.query<{ username: string }>(
        `UPDATE users u SET uid_number = COALESCE(u.uid_number, t.uid_number),
           permissions = COALESCE(u.permissions, t.permissions, ${ALL_MODULE_BITS}), updated_at = now() FROM ${t.from}
         WHERE u.username = t.username AND ((u.uid_number IS NULL AND t.uid_number IS NOT NULL) OR u.permissions IS NULL) RETURNING u.username`, t.params);
      for (const r of completed.rows) if (!created.has(r.username)) outcomes.set(r.username, 'updated');
      if (mode === 'update') {
        const settable = t.names.filter((n) => n !== 'username');
        const kept = (n: string) => UPDATED_VALUE[n]?.(n) ?? `COALESCE(t.${n}, u.${n})`;
        const updated = await c.query<{ username: string }>(
          `UPDATE users u SET ${settable.map((n) => `${n} = ${kept(n)}`).join(', ')}, updated_at = now()
           FROM ${t.from}
           WHERE u.username = t.username AND NOT (u.username = ANY($${t.params.length + 1}::text[]))
             AND (${settable.map((n) => `u.${n}`).join(', ')}) IS DISTINCT FROM (${settable.map(kept).join(', ')})
           RETURNING u.username`, [...t.params, [...created]]);
        for (const r of updated.rows) outcomes.set(r.username, 'updated');
      }
      await this.addMemberships(c, specs.flatMap((s) => s.groups.map((g) => [g, s.username] as const)));
    });
    return outcomes;
  }

  private async addMemberships(c: pg.ClientBase, pairs: readonly (readonly [string, string])[]): Promise<void> {
    if (pairs.length === 0) return;
    const groups = [...new Set(pairs.map(([g]) => g))];
    await c.query('INSERT INTO groups (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING', [groups]);
    await c.query(
      `INSERT INTO group_members (group_id, user_id)
       SELECT g.id, u.id FROM unnest($1::text[], $2::text[]) AS t(grp, username)
       JOIN groups g ON g.name = t.grp JOIN users u ON u.username = t.username
       ON CONFLICT DO NOTHING`, [pairs.map(([g]) => g), pairs.map(([, u]) => u)]);
  }

  async ensureFolders(users: readonly { username: string; language?: string }[], templates: GroupwareFolderTemplates): Promise<Map<string, SqlOutcome | 'missing'>> {
    const outcomes = new Map<string, SqlOutcome | 'missing'>();
    if (users.length === 0) return outcomes;
    await this.db.transaction('creating groupware folders', async (c) => {
      const known = await c.query<{ username: string; language: string }>('SELECT username, language FROM users WHERE username = ANY($1::text[])', [users.map((u) => u.username)]);
      const language = new Map(known.rows.map((r) => [r.username, r.language]));
      const names: string[] = [];
      const modules: string[] = [];
      const folderNames: string[] = [];
      for (const u of users) {
        if (!language.has(u.username)) { outcomes.set(u.username, 'missing'); continue; }
        outcomes.set(u.username, 'exists');
        for (const f of templates.foldersFor(u.language ?? language.get(u.username))) {
          names.push(u.username); modules.push(f.module); folderNames.push(f.name);
        }
      }
      const created = await c.query<{ username: string }>(
        `WITH f AS (
           INSERT INTO folders (owner_id, module, name)
           SELECT u.id, t.module, t.name FROM unnest($1::text[], $2::text[], $3::text[]) AS t(username, module, name)
           JOIN users u ON u.username = t.username
           ON CONFLICT (owner_id, module) WHERE is_default DO NOTHING
           RETURNING id, owner_id)
         , p AS (
           INSERT INTO folder_permissions (folder_id, user_id, folder_admin, read_level, write_level, delete_level)
           SELECT f.id, f.owner_id, true, 4, 4, 4 FROM f
           RETURNING user_id)
         SELECT username FROM users WHERE id IN (SELECT user_id FROM p)`, [names, modules, folderNames]);
      for (const r of created.rows) outcomes.set(r.username, 'created');
    });
    return outcomes;
  }

  async modulesOf(username: string): Promise<Map<string, boolean>> {
    // The view of migration 003: the user's permissions, one row per module.
    const r = await this.db.query<{ module: string; enabled: boolean }>(
      'SELECT m.module, m.enabled FROM user_modules m JOIN users u ON u.id = m.user_id WHERE u.username = $1', [username], `reading modules of ${username}`);
    return new Map(r.rows.map((x) => [x.module, x.enabled]));
  }

  async setActivated(username: string, activated: boolean): Promise<'updated' | 'exists' | 'missing'> {
    const r = await this.db.query<{ was: boolean }>(
      `UPDATE users u SET activated = $2, updated_at = now() FROM users old WHERE u.id = old.id AND u.username = $1 RETURNING old.activated AS was`,
      [username, activated], `${activated ? 'activating' : 'deactivating'} ${username}`);
    if (r.rowCount === 0) return 'missing';
    return r.rows[0].was === activated ? 'exists' : 'updated';
  }

  async foldersOf(username: string): Promise<Map<string, string>> {
    const r = await this.db.query<{ module: string; name: string }>(
      'SELECT f.module, f.name FROM folders f JOIN users u ON u.id = f.owner_id WHERE u.username = $1 AND f.is_default ORDER BY 1', [username], `reading folders of ${username}`);
    return new Map(r.rows.map((x) => [x.module, x.name]));
  }

  async groupsOf(username: string): Promise<string[]> {
    const r = await this.db.query<{ name: string }>(
      'SELECT g.name FROM groups g JOIN group_members m ON m.group_id = g.id JOIN users u ON u.id = m.user_id WHERE u.username = $1 ORDER BY 1', [username], `reading groups of ${username}`);
    return r.rows.map((x) => x.name);
  }

  /** Deletes the user's row; permissions, memberships and folders go with it. */
  async deleteUser(username: string): Promise<'deleted' | 'gone'> {
    const r = await this.db.query('DELETE FROM users WHERE username = $1', [username], `deleting ${username}`);
    return r.rowCount ? 'deleted' : 'gone';
  }

  /** Deletes only the default folders (`deluser --source_only=groupware`). */
  async deleteFolders(username: string): Promise<'deleted' | 'gone'> {
    const r = await this.db.query('DELETE FROM folders f USING users u WHERE f.owner_id = u.id AND u.username = $1', [username], `deleting folders of ${username}`);
    return r.rowCount ? 'deleted' : 'gone';
  }

  async groupwareTotals(usernames: readonly string[], folders: number): Promise<{ users: number; activated: number; lacking: number }> {
    if (usernames.length === 0) return { users: 0, activated: 0, lacking: 0 };
    const r = await this.db.query<{ users: string; activated: string; lacking: string }>(
      `SELECT count(*) AS users, count(*) FILTER (WHERE u.activated) AS activated,
              count(*) FILTER (WHERE (SELECT count(*) FROM folders f WHERE f.owner_id = u.id AND f.is_default) < $2) AS lacking
       FROM users u WHERE u.username = ANY($1::text[])`, [[...usernames], folders], 'counting groupware rows and folders');
    const row = r.rows[0];
    return { users: Number(row.users), activated: Number(row.activated), lacking: Number(row.lacking) };
  }

  async folderCounts(usernames: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (usernames.length === 0) return counts;
    const r = await this.db.query<{ username: string; n: string }>(
      `SELECT u.username, count(f.id) AS n FROM users u LEFT JOIN folders f ON f.owner_id = u.id AND f.is_default
       WHERE u.username = ANY($1::text[]) GROUP BY u.username`, [[...usernames]], 'counting groupware folders');
    for (const row of r.rows) counts.set(row.username, Number(row.n));
    return counts;
  }

  async tryLock(name: string): Promise<HeldLock | undefined> {
    // A connection of its own: the lock lives as long as the session, so a process that dies
    // (kill -9, a machine gone) releases it when PostgreSQL ends its session.
    const client = new pg.Client({ connectionString: this.config.sql.url, connectionTimeoutMillis: 10_000, query_timeout: this.config.sql.timeoutMs, ...sqlTls(this.config) });
    client.on('error', () => {});
    try {
      await client.connect();
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [`oxprov:${name}`]);
      if (r.rows[0]?.ok) {
        let released: Promise<void> | undefined;
        return { release: () => (released ??= client.end().catch(() => {})) };
      }
      await client.end().catch(() => {});
      return undefined;
    } catch (err) {
      await client.end().catch(() => {});
      throw sqlError(err, `taking the lock ${name}`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end().catch(() => {});
  }
}
