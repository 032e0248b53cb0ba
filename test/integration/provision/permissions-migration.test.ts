import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_MODULE_BITS, MODULE_BITS, MODULES, type Module } from '../../../src/model/modules.js';
import { migrate } from '../../../src/provision/sql/migrate.js';
import { SqlStore } from '../../../src/provision/sql/sql-store.js';
import { tmpDir } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * Migration 003 on a database filled by the schema before it (one row per user and
 * module), in a schema of its own on the stack's PostgreSQL: each user's modules are
 * the same before and after, read through the view that replaces the table, and the
 * store then completes, rewrites and keeps masks as it should.
 */
const config = stackConfig();
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

/** A schema of its own on the stack's PostgreSQL, with a client whose search_path is that schema and a folder of migrations. */
interface Db { client: pg.Client; schema: string; url: string; dir: string }
const opened: Db[] = [];

/** A database of the schema before 003: a schema of its own with migration 001 applied. */
async function schemaBefore003(): Promise<Db> {
  const schema = uniqueName('mig').replace(/[^a-z0-9_]/gi, '_').toLowerCase();
  const u = new URL(config.sql.url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  const db: Db = { client: new pg.Client({ connectionString: u.toString() }), schema, url: u.toString(), dir: tmpDir('migrations') };
  opened.push(db);
  await db.client.connect();
  await db.client.query(`CREATE SCHEMA ${schema}`);
  fs.copyFileSync(path.join(root, 'migrations/001_groupware.sql'), path.join(db.dir, '001_groupware.sql'));
  expect((await migrate(db.client, db.dir)).applied).toEqual(['001_groupware.sql']);
  return db;
}

/**
 * Users as the code before 003 wrote them: every module's row, some disabled; a row with none;
 * one without the row of a module added later (it was to be completed as enabled).
 */
const OLD_USERS: [string, Record<string, boolean> | undefined][] = [
  ['all', Object.fromEntries(MODULES.map((m) => [m, true]))],
  ['paper', Object.fromEntries(MODULES.map((m) => [m, !['bookmarks', 'forum', 'knowledge', 'pinboard', 'pinboard_public'].includes(m)]))],
  ['none', undefined],
  ['partial', Object.fromEntries(MODULES.filter((m) => m !== 'knowledge').map((m) => [m, m !== 'tasks']))],
];

/** Writes OLD_USERS, each with a calendar folder; returns each user's modules as read before 003. */
async function fillBefore003(client: pg.Client): Promise<Map<string, Modules>> {
  const before = new Map<string, Modules>();
  for (const [name, modules] of OLD_USERS) {
    const { rows: [{ id }] } = await client.query<{ id: number }>('INSERT INTO users (username) VALUES ($1) RETURNING id', [name]);
    for (const [m, on] of Object.entries(modules ?? {})) await client.query('INSERT INTO user_modules (user_id, module, enabled) VALUES ($1, $2, $3)', [id, m, on]);
    await client.query(`INSERT INTO folders (owner_id, module, name) VALUES ($1, 'calendar', 'Kalender')`, [id]);
    before.set(name, await modulesOf(client, name));
  }
  return before;
}

async function apply003(db: Db): Promise<void> {
  fs.copyFileSync(path.join(root, 'migrations/003_permissions_bitmask.sql'), path.join(db.dir, '003_permissions_bitmask.sql'));
  expect((await migrate(db.client, db.dir)).applied).toEqual(['003_permissions_bitmask.sql']);
}

afterAll(async () => {
  for (const db of opened) {
    await db.client.query(`DROP SCHEMA ${db.schema} CASCADE`).catch(() => {});
    await db.client.end();
  }
});

type Modules = Record<string, boolean>;
async function modulesOf(client: pg.Client, username: string): Promise<Modules> {
  return Object.fromEntries((await client.query<{ module: string; enabled: boolean }>(
    'SELECT m.module, m.enabled FROM user_modules m JOIN users u ON u.id = m.user_id WHERE u.username = $1', [username])).rows.map((r) => [r.module, r.enabled]));
}
const permissionsOf = async (client: pg.Client, username: string): Promise<string | null> =>
  (await client.query<{ permissions: string | null }>('SELECT permissions FROM users WHERE username = $1', [username])).rows[0].permissions;

describe('migration 003: module permissions as one mask per user', () => {
  it('converts a database of the schema before it in place: every user keeps the modules it had', async () => {
    const db = await schemaBefore003();
    const { client, schema } = db;
    const before = await fillBefore003(client);
    await apply003(db);

    expect((await client.query(`SELECT relkind FROM pg_class WHERE relname = 'user_modules' AND relnamespace = $1::regnamespace`, [schema])).rows).toEqual([{ relkind: 'v' }]);
    expect(await modulesOf(client, 'all')).toEqual(before.get('all'));
    expect(await modulesOf(client, 'paper')).toEqual(before.get('paper'));
    expect(await permissionsOf(client, 'all')).toBe(String(ALL_MODULE_BITS));
    expect(Number(await permissionsOf(client, 'paper'))).toBe(1 + 2 + 4 + 8 + 16 + 32);
    // Never written: none recorded, as before (the next provisioning completes it).
    expect(await permissionsOf(client, 'none')).toBeNull();
    expect(await modulesOf(client, 'none')).toEqual({});
    // The missing module is enabled, the rest as they were.
    expect(await modulesOf(client, 'partial')).toEqual({ ...before.get('partial'), knowledge: true });
    expect(Number(await permissionsOf(client, 'partial'))).toBe(ALL_MODULE_BITS - MODULE_BITS.tasks);
    // Folders keep their owner and module.
    expect(Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM folders')).rows[0].n)).toBe(4);
  });

  describe('after the conversion', () => {
    // A database of its own, of the schema before 003 with the same users, converted by 003.
    let db: Db;
    beforeAll(async () => {
      db = await schemaBefore003();
      await fillBefore003(db.client);
      await apply003(db);
    });

    it("stores Open-Xchange's bits, one per module, the same in the table and in src/model/modules.ts", async () => {
      const { client } = db;
      const { rows } = await client.query<{ name: string; bit: string }>('SELECT name, bit FROM modules ORDER BY name');
      expect(Object.fromEntries(rows.map((r) => [r.name, Number(r.bit)]))).toEqual(MODULE_BITS);
      await expect(client.query(`INSERT INTO modules (name, bit) VALUES ('twice', 3)`)).rejects.toMatchObject({ code: '23514', constraint: 'modules_bit_single' });
    });

    it('the store completes a missing mask, rewrites only the bits of its modules, and keeps the bits Open-Xchange set', async () => {
      const { client } = db;
      const store = await SqlStore.connect({ ...config, sql: { ...config.sql, url: db.url } });
      try {
        const spec = (username: string, disable: Module[]) => ({ username, disable, groups: [] });
        // MOBILITY (16384), set by Open-Xchange's own tools: not one of oxprov's modules.
        await client.query('UPDATE users SET permissions = permissions | 16384 WHERE username = $1', ['all']);
        const skip = await store.ensureUsers([spec('none', []), spec('all', ['forum'])], 'skip');
        expect(Object.fromEntries(skip)).toEqual({ none: 'updated', all: 'exists' });
        expect(Number(await permissionsOf(client, 'none'))).toBe(ALL_MODULE_BITS);
        expect(Number(await permissionsOf(client, 'all'))).toBe(ALL_MODULE_BITS + 16384);
        const update = await store.ensureUsers([spec('all', ['calendar', 'knowledge']), spec('paper', [])], 'update');
        expect(Object.fromEntries(update)).toEqual({ all: 'updated', paper: 'exists' });
        expect(Number(await permissionsOf(client, 'all'))).toBe(ALL_MODULE_BITS - MODULE_BITS.calendar - MODULE_BITS.knowledge + 16384);
        expect(await store.modulesOf('all')).toEqual(new Map(MODULES.map((m) => [m, m !== 'calendar' && m !== 'knowledge'])));
        expect((await store.findUsers(['all'])).get('all')?.permissions).toBe(ALL_MODULE_BITS - MODULE_BITS.calendar - MODULE_BITS.knowledge + 16384);
        // The same again changes nothing.
        expect(Object.fromEntries(await store.ensureUsers([spec('all', ['calendar', 'knowledge'])], 'update'))).toEqual({ all: 'exists' });
        // A new user: every module but those denied, in the INSERT itself.
        expect(Object.fromEntries(await store.ensureUsers([spec('new', ['webmail'])], 'skip'))).toEqual({ new: 'created' });
        expect(Number(await permissionsOf(client, 'new'))).toBe(ALL_MODULE_BITS - MODULE_BITS.webmail);
      } finally {
        await store.close();
      }
    });
  });
});
