import type pg from 'pg';
import type { GroupwareGroups, SqlMembershipChange } from '../backends.js';
import type { SqlRunner } from './sql-runner.js';

/**
 * User groups in the groupware database (`groups`, `group_members`). Each call
 * is one transaction of set-based statements, whatever the number of members;
 * adding a member twice or removing one that is gone are results.
 */
export class SqlGroups implements GroupwareGroups {
  constructor(private readonly store: SqlRunner) {}

  /**
   * Creates the group (keeping an existing row and its gid) and links the
   * members; `addmembers2group` uses it too, so a group that only LDAP had gets its row.
   */
  async ensure(name: string, gidNumber: number | undefined, members: readonly string[]): Promise<SqlMembershipChange> {
    return this.store.transaction(`adding group ${name} in SQL`, async (c) => {
      const created = await c.query('INSERT INTO groups (name, gid_number) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING id', [name, gidNumber ?? null]);
      // A row made by an earlier partial run may lack the gid the directory has now.
      if (created.rowCount === 0 && gidNumber !== undefined) {
        await c.query('UPDATE groups SET gid_number = $2 WHERE name = $1 AND gid_number IS NULL', [name, gidNumber]);
      }
      const linked = await link(c, name, members);
      return { outcome: created.rowCount ? 'created' : linked.changed.length ? 'updated' : 'exists', ...linked };
    });
  }

  async removeMembers(name: string, members: readonly string[]): Promise<string[]> {
    const r = await this.store.query<{ username: string }>(
      `DELETE FROM group_members gm USING groups g, users u
       WHERE gm.group_id = g.id AND gm.user_id = u.id AND g.name = $1 AND u.username = ANY($2::text[])
       RETURNING u.username`, [name, [...members]], `removing members from group ${name} in SQL`);
    return r.rows.map((x) => x.username);
  }

  /** Deletes the group definition; memberships go with it (ON DELETE CASCADE), users stay. */
  async delete(name: string): Promise<'deleted' | 'gone'> {
    const r = await this.store.query('DELETE FROM groups WHERE name = $1', [name], `deleting group ${name} in SQL`);
    return r.rowCount ? 'deleted' : 'gone';
  }

  async members(name: string): Promise<string[]> {
    const r = await this.store.query<{ username: string }>(
      `SELECT u.username FROM group_members gm JOIN groups g ON g.id = gm.group_id JOIN users u ON u.id = gm.user_id
       WHERE g.name = $1 ORDER BY 1`, [name], `reading group ${name} in SQL`);
    return r.rows.map((x) => x.username);
  }
}

async function link(c: pg.ClientBase, name: string, members: readonly string[]): Promise<Omit<SqlMembershipChange, 'outcome'>> {
  if (members.length === 0) return { changed: [], withoutRow: [] };
  const known = await c.query<{ username: string }>('SELECT username FROM users WHERE username = ANY($1::text[])', [[...members]]);
  const have = new Set(known.rows.map((r) => r.username));
  const added = await c.query<{ username: string }>(
    `INSERT INTO group_members (group_id, user_id)
     SELECT g.id, u.id FROM groups g JOIN users u ON u.username = ANY($2::text[]) WHERE g.name = $1
     ON CONFLICT DO NOTHING
     RETURNING (SELECT username FROM users WHERE id = user_id)`, [name, [...members]]);
  return { changed: added.rows.map((r) => r.username), withoutRow: members.filter((m) => !have.has(m)) };
}
