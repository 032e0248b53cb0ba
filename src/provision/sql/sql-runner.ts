import type pg from 'pg';
import { pgParams } from './pg-array.js';
import { sqlError } from './sql-errors.js';

/**
 * Queries and transactions on the pool, every failure as a SQL_* error. Shared
 * by the store's parts (users, groups, resources); never handed outside `provision/sql`.
 */
export class SqlRunner {
  constructor(private readonly pool: pg.Pool) {}

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[], what: string): Promise<pg.QueryResult<R>> {
    try {
      // Arrays as literals made in one native call (see pgArray).
      return await this.pool.query<R>(sql, pgParams(params));
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
    let broken = false;
    // A server that goes away while the client is checked out makes it emit 'error' (57P01): without a
    // listener that would be an uncaught exception; the query in flight fails on its own.
    const onError = () => { broken = true; };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => { broken = true; });
      throw sqlError(err, what);
    } finally {
      client.off('error', onError);
      // A client whose connection broke goes, so the pool opens a fresh one.
      client.release(broken);
    }
  }
}
