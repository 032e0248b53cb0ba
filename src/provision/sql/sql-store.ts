import pg from 'pg';
import type { Config } from '../../config/config.js';
import { OxprovError } from '../../errors.js';
import type { GroupwareFolderTemplates } from '../groupware-folders.js';
import type { UserSpec } from '../user-spec.js';
import { sqlError } from './sql-errors.js';

export type SqlOutcome = 'created' | 'exists' | 'updated';

/** What the SQL step needs of a user: the paper's `--source_only=sql` works with little more than the name. */
export type SqlUserSpec = Pick<UserSpec, 'username' | 'disable' | 'groups'> &
  Partial<Pick<UserSpec, 'givenname' | 'surname' | 'mail' | 'language' | 'timezone' | 'country' | 'activated' | 'changepasswd' | 'globaladdressbook'>> & {
    uidNumber?: number;
  };

/**
 * The groupware database back-end. Every write is batched: a call with N users
 * is a handful of statements in one transaction, whatever N is.
 * Lifecycle: `connect` (checks the connection, SQL_CONNECT on failure), work, `close` (safe twice).
 */
export class SqlStore {
  private closed = false;

  private constructor(readonly pool: pg.Pool, private readonly config: Readonly<Config>) {}

  static async connect(config: Readonly<Config>, options: { poolSize?: number } = {}): Promise<SqlStore> {
    const pool = new pg.Pool({ connectionString: config.sql.url, max: options.poolSize ?? 4, connectionTimeoutMillis: 10_000 });
    // An idle client that dies (server restart) must not crash the process.
    pool.on('error', () => {});
    try {
      const c = await pool.connect();
      c.release();
    } catch (err) {
      await pool.end().catch(() => {});
      const e = sqlError(err, 'connecting to PostgreSQL');
      throw e.code === 'SQL_CONNECT' ? e : new OxprovError('SQL_CONNECT', e.message, { backend: 'sql', cause: err });
    }
    return new SqlStore(pool, config);
  }

  /**
   * The `sql` step: user rows with their settings, module permissions and group
   * memberships. Missing rows are created, existing ones left (`skip`) or
   * brought in line (`update`); missing module rows are always completed.
   */
  async ensureUsers(specs: readonly SqlUserSpec[], mode: 'skip' | 'update' = 'skip'): Promise<Map<string, SqlOutcome>> {
    const outcomes = new Map<string, SqlOutcome>();
    if (specs.length === 0) return outcomes;
    const d = this.config.defaults;
    const col = <T>(f: (s: SqlUserSpec) => T) => specs.map(f);
    const rows = [
      col((s) => s.username),
      col((s) => s.uidNumber ?? null),
      col((s) => (s.surname ? (s.givenname ? `${s.surname}, ${s.givenname}` : s.surname) : null)),
      col((s) => s.mail ?? null),
      // null when the spec has none: a new row gets the default, an updated row keeps its value.
      col((s) => s.language ?? null),
      col((s) => s.timezone ?? null),
      col((s) => s.country ?? null),
      col((s) => s.activated ?? null),
      col((s) => s.changepasswd ?? null),
      col((s) => s.globaladdressbook ?? null),
    ];
    await this.transaction('provisioning users in SQL', async (c) => {
      const inserted = await c.query<{ username: string }>(
        `INSERT INTO users (username, uid_number, display_name, mail, language, timezone, country, activated, change_password, global_addressbook_write)
         SELECT t.username, t.uid, t.dn, t.mail, COALESCE(t.language, 'EN'), COALESCE(t.timezone, $11), t.country,
           COALESCE(t.activated, true), COALESCE(t.change_password, false), COALESCE(t.gab, false)
         FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bool[], $9::bool[], $10::bool[])
           AS t(username, uid, dn, mail, language, timezone, country, activated, change_password, gab)
         ON CONFLICT (username) DO NOTHING RETURNING username`, [...rows, d.timezone]);
      const created = new Set(inserted.rows.map((r) => r.username));
      for (const s of specs) outcomes.set(s.username, created.has(s.username) ? 'created' : 'exists');
      if (mode === 'update') {
        const updated = await c.query<{ username: string }>(
          `UPDATE users u SET uid_number = COALESCE(t.uid_number, u.uid_number), display_name = COALESCE(t.display_name, u.display_name),
             mail = COALESCE(t.mail, u.mail), language = COALESCE(t.language, u.language), timezone = COALESCE(t.timezone, u.timezone), country = COALESCE(t.country, u.country),
             activated = COALESCE(t.activated, u.activated), change_password = COALESCE(t.change_password, u.change_password),
             global_addressbook_write = COALESCE(t.gab, u.global_addressbook_write), updated_at = now()
           FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bool[], $9::bool[], $10::bool[])
             AS t(username, uid_number, display_name, mail, language, timezone, country, activated, change_password, gab)
           WHERE u.username = t.username AND NOT (u.username = ANY($11::text[]))
             AND (u.uid_number, u.display_name, u.mail, u.language, u.timezone, u.country, u.activated, u.change_password, u.global_addressbook_write)
                 IS DISTINCT FROM (COALESCE(t.uid_number, u.uid_number), COALESCE(t.display_name, u.display_name), COALESCE(t.mail, u.mail),
                   COALESCE(t.language, u.language), COALESCE(t.timezone, u.timezone), COALESCE(t.country, u.country),
                   COALESCE(t.activated, u.activated), COALESCE(t.change_password, u.change_password), COALESCE(t.gab, u.global_addressbook_write))
           RETURNING u.username`, [...rows, [...created]]);
        for (const r of updated.rows) outcomes.set(r.username, 'updated');
      }
      const modules = await c.query<{ username: string }>(
        `INSERT INTO user_modules (user_id, module, enabled)
         SELECT u.id, m.name, NOT (m.name = ANY (string_to_array(t.disabled, ',')))
         FROM unnest($1::text[], $2::text[]) AS t(username, disabled)
         JOIN users u ON u.username = t.username CROSS JOIN modules m
         ON CONFLICT (user_id, module) DO ${mode === 'update' ? 'UPDATE SET enabled = EXCLUDED.enabled WHERE user_modules.enabled <> EXCLUDED.enabled' : 'NOTHING'}
         RETURNING (SELECT username FROM users WHERE id = user_id)`,
        [col((s) => s.username), col((s) => s.disable.join(','))]);
      // A user whose row existed but whose permissions were missing or changed was completed: that is an update.
      for (const r of modules.rows) if (outcomes.get(r.username) === 'exists') outcomes.set(r.username, 'updated');
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

  /**
   * The `groupware` step: each user's default folders, named in the user's
   * language, with the owner as folder administrator. Needs the user's SQL row:
   * users without one come back as `missing`.
   */
  async ensureFolders(users: readonly { username: string; language?: string }[], templates: GroupwareFolderTemplates): Promise<Map<string, SqlOutcome | 'missing'>> {
    const outcomes = new Map<string, SqlOutcome | 'missing'>();
    if (users.length === 0) return outcomes;
    await this.transaction('creating groupware folders', async (c) => {
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
         INSERT INTO folder_permissions (folder_id, user_id, folder_admin, read_level, write_level, delete_level)
         SELECT f.id, f.owner_id, true, 4, 4, 4 FROM f
         RETURNING (SELECT username FROM users WHERE id = user_id)`, [names, modules, folderNames]);
      for (const r of created.rows) outcomes.set(r.username, 'created');
    });
    return outcomes;
  }

  /** The user's module permissions (module → enabled), for reports and tests. */
  async modulesOf(username: string): Promise<Map<string, boolean>> {
    const r = await this.query<{ module: string; enabled: boolean }>(
      'SELECT m.module, m.enabled FROM user_modules m JOIN users u ON u.id = m.user_id WHERE u.username = $1', [username], `reading modules of ${username}`);
    return new Map(r.rows.map((x) => [x.module, x.enabled]));
  }

  /** Deletes the user's row; permissions, memberships and folders go with it. */
  async deleteUser(username: string): Promise<'deleted' | 'gone'> {
    const r = await this.query('DELETE FROM users WHERE username = $1', [username], `deleting ${username}`);
    return r.rowCount ? 'deleted' : 'gone';
  }

  /** Deletes only the default folders (`deluser --source_only=groupware`). */
  async deleteFolders(username: string): Promise<'deleted' | 'gone'> {
    const r = await this.query('DELETE FROM folders f USING users u WHERE f.owner_id = u.id AND u.username = $1', [username], `deleting folders of ${username}`);
    return r.rowCount ? 'deleted' : 'gone';
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[], what: string): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (err) {
      throw sqlError(err, what);
    }
  }

  async transaction<T>(what: string, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw sqlError(err, what);
    }
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw sqlError(err, what);
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end().catch(() => {});
  }
}

