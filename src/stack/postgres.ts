import fs from 'node:fs';
import path from 'node:path';
import { isRoot, pidAlive, run, runOk, waitForPort } from './process-utils.js';
import type { StackLayout } from './stack-layout.js';
import type { StackTls } from './stack-tls.js';

const PG_BIN = '/usr/lib/postgresql/15/bin';

/** A private PostgreSQL cluster under .stack/pg, owned by the `postgres` user when run as root (initdb refuses root). */
export class StackPostgres {
  constructor(private readonly layout: StackLayout, private readonly tls?: () => Promise<StackTls>) {}

  private get dir() { return this.layout.pg.dir; }
  private get data() { return path.join(this.dir, 'data'); }

  pid(): number | undefined { return pidAlive(path.join(this.data, 'postmaster.pid')); }

  /** Runs a PostgreSQL binary as the cluster's owner. */
  private asOwner(bin: string, args: string[], input?: string) {
    const cmd = path.join(PG_BIN, bin);
    return isRoot() ? runOk('runuser', ['-u', 'postgres', '--', cmd, ...args], { input }) : runOk(cmd, args, { input });
  }

  async up(password: string): Promise<'started' | 'running'> {
    if (this.pid()) return 'running';
    fs.mkdirSync(this.layout.pg.socketDir, { recursive: true, mode: 0o700 });
    if (isRoot()) await runOk('chown', ['-R', 'postgres:postgres', this.dir]);
    if (!fs.existsSync(path.join(this.data, 'PG_VERSION'))) {
      await this.asOwner('initdb', ['-D', this.data, '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8',
        '--auth-local=trust', '--auth-host=scram-sha-256']);
      fs.appendFileSync(path.join(this.data, 'postgresql.conf'), `
# oxprov local stack: loopback only, private socket, a non-standard port.
listen_addresses = '${this.layout.listen.join(',')}'
port = ${this.layout.pg.port}
unix_socket_directories = '${this.layout.pg.socketDir}'
unix_socket_permissions = 0700
# A commit is on disk before it is answered: a crash loses no user's folders (see ensureDatabase).
synchronous_commit = on
max_connections = 100
`);
      // Another host of a test's network reaches the stack's own address (OXPROV_STACK_LISTEN) with a password.
      if (this.layout.listen.length > 1) fs.appendFileSync(path.join(this.data, 'pg_hba.conf'), '\n# oxprov: the hosts of the stack\'s own network\nhost all all samenet scram-sha-256\n');
    }
    if (this.tls) await this.enableSsl(await this.tls());
    await this.asOwner('pg_ctl', ['-D', this.data, '-l', path.join(this.dir, 'postgres.log'), '-w', '-t', '30', 'start']);
    await waitForPort(this.layout.pg.port, 'PostgreSQL');
    await this.ensureDatabase(password);
    return 'started';
  }

  /** TLS with the stack's certificate (its key a copy the server owns, 0600); clients may still connect in clear. */
  private async enableSsl(tls: StackTls): Promise<void> {
    const conf = path.join(this.data, 'postgresql.conf');
    if (fs.readFileSync(conf, 'utf8').includes('# oxprov ssl')) return;
    const key = path.join(this.data, 'oxprov-server.key');
    fs.copyFileSync(tls.key, key);
    fs.chmodSync(key, 0o600);
    if (isRoot()) await runOk('chown', ['postgres:postgres', key]);
    fs.appendFileSync(conf, `\n# oxprov ssl\nssl = on\nssl_cert_file = '${tls.cert}'\nssl_key_file = '${key}'\n`);
  }

  /** Creates the `oxprov` role and database; the password goes through stdin, never argv. */
  private async ensureDatabase(password: string): Promise<void> {
    const literal = `'${password.replace(/'/g, "''")}'`;
    const psql = (sql: string, db = 'postgres') =>
      this.asOwner('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', this.layout.pg.socketDir, '-p', String(this.layout.pg.port),
        '-U', 'postgres', '-d', db, '-f', '-'], sql);
    await psql(`DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'oxprov') THEN CREATE ROLE oxprov LOGIN; END IF;
END $$;
ALTER ROLE oxprov PASSWORD ${literal};
-- Stacks made before kept synchronous_commit off: a PostgreSQL killed during a sync lost committed
-- folders, and the next sync called them unchanged. Committed work must stay committed.
ALTER SYSTEM SET synchronous_commit = on;
SELECT pg_reload_conf();
`);
    const exists = await this.asOwner('psql', ['-X', '-tA', '-h', this.layout.pg.socketDir, '-p', String(this.layout.pg.port),
      '-U', 'postgres', '-d', 'postgres', '-c', "SELECT 1 FROM pg_database WHERE datname = 'oxprov'"]);
    if (exists.trim() !== '1') await psql('CREATE DATABASE oxprov OWNER oxprov;');
  }

  async down(): Promise<boolean> {
    if (!this.pid()) return false;
    const cmd = path.join(PG_BIN, 'pg_ctl');
    const args = ['-D', this.data, '-m', 'fast', '-w', 'stop'];
    await (isRoot() ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args));
    return true;
  }
}
