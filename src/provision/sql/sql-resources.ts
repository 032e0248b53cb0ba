import type { GroupwareResources } from '../backends.js';
import type { SqlRunner } from './sql-runner.js';

/**
 * Resources and resource groups in the groupware database (`resources`,
 * `resource_groups`, `resource_group_members`), the paper's chapter 4:
 * handled exactly like users and groups, every call idempotent.
 */
export class SqlResources implements GroupwareResources {
  constructor(private readonly store: SqlRunner) {}

  async ensure(name: string, attrs: { mail?: string; description?: string }): Promise<'created' | 'exists'> {
    const r = await this.store.query('INSERT INTO resources (name, mail, description) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
      [name, attrs.mail ?? null, attrs.description ?? null], `adding resource ${name} in SQL`);
    return r.rowCount ? 'created' : 'exists';
  }

  /** Deletes the resource; its group memberships go with it (ON DELETE CASCADE). */
  async delete(name: string): Promise<'deleted' | 'gone'> {
    const r = await this.store.query('DELETE FROM resources WHERE name = $1', [name], `deleting resource ${name} in SQL`);
    return r.rowCount ? 'deleted' : 'gone';
  }

  /**
   * Creates the resource group (or keeps it) and links the members that have a
   * `resources` row. Returns what happened and the members linked by this call.
   */
  async ensureGroup(name: string, members: readonly string[], description?: string): Promise<{ outcome: 'created' | 'exists' | 'updated'; changed: string[] }> {
    return this.store.transaction(`adding resource group ${name} in SQL`, async (c) => {
      const created = await c.query('INSERT INTO resource_groups (name, description) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING id', [name, description ?? null]);
      const added = members.length === 0 ? [] : (await c.query<{ name: string }>(
        `INSERT INTO resource_group_members (resource_group_id, resource_id)
         SELECT g.id, r.id FROM resource_groups g JOIN resources r ON r.name = ANY($2::text[]) WHERE g.name = $1
         ON CONFLICT DO NOTHING
         RETURNING (SELECT name FROM resources WHERE id = resource_id)`, [name, [...members]])).rows.map((r) => r.name);
      return { outcome: created.rowCount ? 'created' : added.length ? 'updated' : 'exists', changed: added };
    });
  }

  async removeMembers(name: string, members: readonly string[]): Promise<string[]> {
    const r = await this.store.query<{ name: string }>(
      `DELETE FROM resource_group_members m USING resource_groups g, resources r
       WHERE m.resource_group_id = g.id AND m.resource_id = r.id AND g.name = $1 AND r.name = ANY($2::text[])
       RETURNING r.name`, [name, [...members]], `removing members from resource group ${name} in SQL`);
    return r.rows.map((x) => x.name);
  }

  /** Deletes the group definition; the resources stay. */
  async deleteGroup(name: string): Promise<'deleted' | 'gone'> {
    const r = await this.store.query('DELETE FROM resource_groups WHERE name = $1', [name], `deleting resource group ${name} in SQL`);
    return r.rowCount ? 'deleted' : 'gone';
  }

  async members(name: string): Promise<string[]> {
    const r = await this.store.query<{ name: string }>(
      `SELECT r.name FROM resource_group_members m JOIN resource_groups g ON g.id = m.resource_group_id
       JOIN resources r ON r.id = m.resource_id WHERE g.name = $1 ORDER BY 1`, [name], `reading resource group ${name} in SQL`);
    return r.rows.map((x) => x.name);
  }
}
