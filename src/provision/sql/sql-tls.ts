import type pg from 'pg';
import type { Config } from '../../config/config.js';

/**
 * The TLS options of a connection to PostgreSQL from `sql.ssl` and `sql.ca`:
 * `disable`, `require` (encrypted, any certificate) or `verify-full` (the
 * certificate must match the host and the CA); none given: the URL's sslmode.
 */
export function sqlTls(config: Readonly<Config>): { ssl?: pg.ClientConfig['ssl'] } {
  const { ssl, ca } = config.sql;
  return ssl === undefined ? {} : { ssl: ssl === 'disable' ? false : ssl === 'require' ? { rejectUnauthorized: false } : { rejectUnauthorized: true, ca } };
}
