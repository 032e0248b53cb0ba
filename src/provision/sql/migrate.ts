import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PACKAGE_ROOT } from '../../config/paths.js';
import { OxprovError } from '../../errors.js';

export interface MigrationResult { applied: string[]; current: number }

const MIGRATIONS_DIR = path.join(PACKAGE_ROOT, 'migrations');

/**
 * Applies `migrations/NNN_name.sql` in order, each in its own transaction, and
 * records it in `oxprov_migrations`. An advisory lock keeps two processes from
 * migrating at once; re-running is a no-op.
 */
export async function migrate(client: pg.ClientBase, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const files = fs.readdirSync(dir).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  const applied: string[] = [];
  await client.query('SELECT pg_advisory_lock(7311001)');
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS oxprov_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM oxprov_migrations')).rows.map((r) => r.version));
    for (const file of files) {
      const version = Number(file.split('_')[0]);
      if (done.has(version)) continue;
      const sql = fs.readFileSync(path.join(dir, file), 'utf8');
      try {
        await client.query('BEGIN');
        await client.query(sql);
        await client.query('INSERT INTO oxprov_migrations (version, name) VALUES ($1, $2)', [version, file]);
        await client.query('COMMIT');
      } catch (cause) {
        await client.query('ROLLBACK').catch(() => {});
        throw new OxprovError('SQL_MIGRATION', `migration ${file} failed: ${(cause as Error).message}`, { backend: 'sql', cause });
      }
      applied.push(file);
    }
    const current = Math.max(0, ...files.map((f) => Number(f.split('_')[0])));
    return { applied, current };
  } finally {
    await client.query('SELECT pg_advisory_unlock(7311001)').catch(() => {});
  }
}

/** Connects to the database at `url`, applies the migrations and disconnects (the local stack's set-up). */
export async function migrateDatabase(url: string, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await migrate(client, dir);
  } finally {
    await client.end().catch(() => {});
  }
}
