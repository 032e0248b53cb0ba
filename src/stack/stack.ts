import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { OxprovError } from '../errors.js';
import { migrateDatabase } from '../provision/sql/migrate.js';
import { loadLdif } from '../provision/ldap/load-ldif.js';
import type { DeepPartial, Config } from '../config/config.js';
import { stackConfigFile } from '../config/paths.js';
import { ensurePackages } from './install-packages.js';
import { portOpen } from './process-utils.js';
import { StackCyrus } from './cyrus.js';
import { StackDovecot } from './dovecot.js';
import { StackPostgres } from './postgres.js';
import { StackSlapd } from './slapd.js';
import { ensureStackTls } from './stack-tls.js';
import { STACK_ADMIN_PASSWORD, stackLayout, stackMailServers, type StackLayout, type StackMailServer } from './stack-layout.js';
import { mailServerUsersFilter } from '../model/mail-server-filter.js';

export interface StackStatusLine { service: string; state: 'running' | 'stopped'; pid?: number; listen: string }

/** One server of the stack: `dovecot` is the first Dovecot (imap1); several mail servers are named (`imap2`, `cyrus1`). */
export type StackService = 'slapd' | 'postgres' | 'dovecot' | string;

/** The Debian packages Cyrus needs besides the stack's (its imapd comes from the package file, see ensureCyrusImapd). */
const CYRUS_PACKAGES = ['cyrus-common', 'sasl2-bin'];

/** The Cyrus on-demand folder style of the stack: the template's default. */
const STACK_ON_DEMAND_STYLE = 'EN_Standard';

/**
 * The local stack: private slapd, PostgreSQL and Dovecot under .stack/ on
 * 127.0.0.1. `up` is idempotent; `down` stops exactly what `up` started (by pid file).
 */
export class LocalStack {
  readonly layout: StackLayout;
  private readonly slapd: StackSlapd;
  private readonly postgres: StackPostgres;
  /** The mail servers, in `--mail` order (one Dovecot unless asked otherwise). */
  private readonly mailServers: (StackDovecot | StackCyrus)[];

  constructor(private readonly environment: NodeJS.ProcessEnv = process.env, private readonly log: (line: string) => void = () => {}) {
    this.layout = stackLayout(environment);
    const tls = () => ensureStackTls(this.layout.root);
    this.slapd = new StackSlapd(this.layout, STACK_ADMIN_PASSWORD, tls);
    this.postgres = new StackPostgres(this.layout, tls);
    const servers = this.mailLayout();
    const listed = servers.map((server) => ({ name: server.name, imapServer: imapServerOf(server) }));
    this.mailServers = servers.map((server) => {
      // Several servers: each serves the users whose imapServer is its own; the first also those whose imapServer names none of the others.
      const filter = mailServerUsersFilter(listed, server.name) || undefined;
      return server.kind === 'cyrus'
        ? new StackCyrus(this.layout, this.slapd.adminDn, STACK_ADMIN_PASSWORD, server, filter ?? '', STACK_ON_DEMAND_STYLE)
        : new StackDovecot(this.layout, this.slapd.adminDn, STACK_ADMIN_PASSWORD, () => this.secret('doveadm-api-key'), server, filter);
    });
  }

  /** The first Dovecot (the single-server stack's). */
  private get dovecot(): StackDovecot | StackCyrus {
    return this.mailServers[0];
  }

  /** The mail servers: `OXPROV_STACK_MAIL` (`stack up --mail dovecot,dovecot,cyrus`), else what the last `up` used, else one Dovecot. */
  mailSpec(): string {
    return this.environment.OXPROV_STACK_MAIL ?? (fs.existsSync(this.mailSpecFile()) ? fs.readFileSync(this.mailSpecFile(), 'utf8').trim() : 'dovecot');
  }

  private mailSpecFile(): string {
    return path.join(this.layout.root, 'mail-servers');
  }

  private mailLayout(): StackMailServer[] {
    try {
      return stackMailServers(this.layout, this.mailSpec(), this.mailFolders());
    } catch (err) {
      throw new OxprovError('CFG_INVALID', (err as Error).message, { field: '--mail', value: this.mailSpec() });
    }
  }

  /** How the stack's Dovecot makes folders: `OXPROV_STACK_MAIL_FOLDERS` (`stack up --mail-folders`), else what the last `up` used, else on demand. */
  mailFolders(): 'eager' | 'on-demand' {
    const mode = this.environment.OXPROV_STACK_MAIL_FOLDERS ?? this.savedMailFolders() ?? 'on-demand';
    if (mode !== 'eager' && mode !== 'on-demand') throw new OxprovError('CFG_INVALID', `--mail-folders must be eager or on-demand, got "${mode}"`, { field: '--mail-folders', value: mode });
    return mode;
  }

  private mailFoldersFile(): string {
    return path.join(this.layout.root, 'mail-folders');
  }

  /** What the last `up` used; undefined before the first. */
  private savedMailFolders(): string | undefined {
    return fs.existsSync(this.mailFoldersFile()) ? fs.readFileSync(this.mailFoldersFile(), 'utf8').trim() : undefined;
  }

  async up(): Promise<void> {
    const mode = this.mailFolders();
    // A stack made before the choice existed ran eager.
    const savedMode = this.savedMailFolders() ?? 'eager';
    // Another folder mode: Dovecot starts again with the other configuration.
    if (mode !== savedMode) for (const m of this.mailServers) if (m instanceof StackDovecot && m.pid()) await m.down();
    // Other mail servers: every mail server starts again (their users' filters change).
    const savedSpec = fs.existsSync(this.mailSpecFile()) ? fs.readFileSync(this.mailSpecFile(), 'utf8').trim() : 'dovecot';
    if (savedSpec !== this.mailSpec()) await this.stopMailServers(savedSpec);
    const allRunning = this.slapd.pid() && this.postgres.pid() && this.mailServers.every((m) => m.pid()) && fs.existsSync(this.configFile());
    if (allRunning) {
      if (!fs.existsSync(this.adminPasswordFile())) fs.writeFileSync(this.adminPasswordFile(), STACK_ADMIN_PASSWORD, { mode: 0o600 });
      // A checkout newer than the running stack may bring migrations (applied once, under a lock).
      const running = JSON.parse(fs.readFileSync(this.configFile(), 'utf8')) as { sql?: { url?: string } };
      const { applied } = running.sql?.url ? await migrateDatabase(running.sql.url) : { applied: [] };
      if (applied.length) this.log(`migrations applied: ${applied.join(', ')}`);
      this.log('stack is up');
      return;
    }
    await ensurePackages(this.log, this.mailServers.some((m) => m instanceof StackCyrus) ? CYRUS_PACKAGES : []);
    fs.mkdirSync(this.layout.root, { recursive: true, mode: 0o755 });
    const pgPassword = this.secret('pg-password');
    this.log(`slapd     ${await this.slapd.up()} on 127.0.0.1:${this.layout.ldap.port}`);
    this.log(`postgres  ${await this.postgres.up(pgPassword)} on 127.0.0.1:${this.layout.pg.port}`);
    for (const m of this.mailServers) {
      const label = this.mailServers.length > 1 ? m.server.name : m.server.kind;
      this.log(`${label.padEnd(9)} ${m instanceof StackDovecot ? await m.up(m.server.folders) : await m.up()} on 127.0.0.1:${m.server.port}${m.server.folders === 'on-demand' ? ' (folders on demand)' : ''}`);
    }
    fs.writeFileSync(this.mailFoldersFile(), `${mode}\n`);
    fs.writeFileSync(this.mailSpecFile(), `${this.mailSpec()}\n`);
    const settings = this.settings(pgPassword);
    const { applied } = await migrateDatabase(settings.sql!.url!);
    if (applied.length) this.log(`migrations applied: ${applied.join(', ')}`);
    fs.writeFileSync(this.configFile(), `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
    // The administrator's password as a file (0600), for `ldapsearch -y` and the tools' OXPROV_ADMINPASSWD_FILE.
    fs.writeFileSync(this.adminPasswordFile(), STACK_ADMIN_PASSWORD, { mode: 0o600 });
    this.log(`settings written to ${path.relative(process.cwd(), this.configFile()) || this.configFile()}`);
  }

  /** Stops one server (as a crash or a maintenance would); `start` brings it back with its data. For fault tests. */
  async stop(service: StackService): Promise<void> {
    if (service === 'slapd') await this.slapd.down();
    else if (service === 'postgres') await this.postgres.down();
    else await this.mailServer(service).down();
  }

  async start(service: StackService): Promise<void> {
    if (service === 'slapd') await this.slapd.up();
    else if (service === 'postgres') await this.postgres.up(this.secret('pg-password'));
    else {
      const m = this.mailServer(service);
      await (m instanceof StackDovecot ? m.up(m.server.folders) : m.up());
    }
  }

  /** The pid of one server, while it runs. */
  pid(service: StackService): number | undefined {
    return service === 'slapd' ? this.slapd.pid() : service === 'postgres' ? this.postgres.pid() : this.mailServer(service).pid();
  }

  private mailServer(service: string): StackDovecot | StackCyrus {
    const m = service === 'dovecot' ? this.dovecot : this.mailServers.find((s) => s.server.name === service);
    if (!m) throw new OxprovError('CFG_INVALID', `the stack has no server ${service} (mail servers: ${this.mailServers.map((s) => s.server.name).join(', ')})`, { field: 'service', value: service });
    return m;
  }

  /** Stops the mail servers of an earlier `--mail`. */
  private async stopMailServers(spec: string): Promise<void> {
    let earlier: StackMailServer[];
    try {
      earlier = stackMailServers(this.layout, spec, this.mailFolders());
    } catch {
      return;
    }
    for (const server of earlier) {
      await (server.kind === 'cyrus'
        ? new StackCyrus(this.layout, this.slapd.adminDn, STACK_ADMIN_PASSWORD, server, '', STACK_ON_DEMAND_STYLE)
        : new StackDovecot(this.layout, this.slapd.adminDn, STACK_ADMIN_PASSWORD, () => '', server)).down();
    }
  }

  async down(): Promise<void> {
    // Reverse order: the mail servers need slapd for lookups until they stop.
    for (const m of [...this.mailServers].reverse()) {
      const label = this.mailServers.length > 1 ? m.server.name : m.server.kind;
      this.log(`${label.padEnd(9)} ${(await m.down()) ? 'stopped' : 'was not running'}`);
    }
    this.log(`postgres  ${(await this.postgres.down()) ? 'stopped' : 'was not running'}`);
    this.log(`slapd     ${(await this.slapd.down()) ? 'stopped' : 'was not running'}`);
  }

  async status(): Promise<StackStatusLine[]> {
    const line = async (service: string, pid: number | undefined, port: number): Promise<StackStatusLine> => ({
      service, pid, listen: `127.0.0.1:${port}`, state: pid && (await portOpen(port)) ? 'running' : 'stopped',
    });
    return [
      await line('slapd', this.slapd.pid(), this.layout.ldap.port),
      await line('postgres', this.postgres.pid(), this.layout.pg.port),
      ...(await Promise.all(this.mailServers.map((m) => line(this.mailServers.length > 1 ? m.server.name : m.server.kind, m.pid(), m.server.port)))),
    ];
  }

  /** Adds the entries of an LDIF file to the stack's directory as its administrator (samples/company.ldif); entries already there are kept. */
  async load(file: string): Promise<{ added: number; existing: number }> {
    const s = this.settings(this.secret('pg-password'));
    return loadLdif(file, { url: s.ldap!.url!, bindDn: s.ldap!.bindDn!, bindPassword: STACK_ADMIN_PASSWORD, timeoutMs: 30_000 });
  }

  /** Shell lines for other clients and scripts (`eval "$(oxprov stack env)"`). */
  env(): string {
    const s = this.settings(this.secret('pg-password'));
    const q = (v: string | number) => `'${String(v).replace(/'/g, `'\\''`)}'`;
    return [
      `OXPROV_LDAP_URL=${q(s.ldap!.url!)}`,
      `OXPROV_LDAP_BASE=${q(s.ldap!.baseDn!)}`,
      `OXPROV_LDAP_BIND_DN=${q(s.ldap!.bindDn!)}`,
      `OXPROV_PG_URL=${q(s.sql!.url!)}`,
      `OXPROV_IMAP_HOST=${q(s.imap!.host!)}`,
      `OXPROV_IMAP_PORT=${q(s.imap!.port!)}`,
      `OXPROV_IMAP_MASTER_USER=${q(s.imap!.masterUser!)}`,
      ...(this.listsMailServers() ? this.mailServers.flatMap((m) => [`OXPROV_MAIL_${m.server.name.toUpperCase()}_HOST=${q('127.0.0.1')}`, `OXPROV_MAIL_${m.server.name.toUpperCase()}_PORT=${q(m.server.port)}`]) : []),
      `OXPROV_STACK_DIR=${q(this.layout.root)}`,
      `OXPROV_ADMINPASSWD_FILE=${q(this.adminPasswordFile())}`,
    ].map((l) => `export ${l}`).join('\n');
  }

  /** The local administrator's password in a file of its own (no trailing newline: `ldapsearch -y` reads it whole). */
  adminPasswordFile(): string {
    return path.join(this.layout.root, 'admin.pw');
  }

  /** The stack's TLS certificate (its own CA), for tests of StartTLS, ldaps and sslmode. */
  tlsCertificate(): string {
    return path.join(this.layout.root, 'tls', 'server.pem');
  }

  configFile(): string {
    return stackConfigFile({ OXPROV_STACK_DIR: this.layout.root });
  }

  /** The stack's settings, as a config file: real deployments write their own. */
  private settings(pgPassword: string): DeepPartial<Config> {
    return {
      // Users are looked for in the whole tree: ou=people and the company's own tree (ou=company), as Dovecot does.
      ldap: { url: `ldap://127.0.0.1:${this.layout.ldap.port}`, baseDn: this.layout.baseDn, usersBase: this.layout.baseDn, usersScope: 'sub', bindDn: this.slapd.adminDn, bindPassword: STACK_ADMIN_PASSWORD },
      sql: { url: `postgres://oxprov:${encodeURIComponent(pgPassword)}@127.0.0.1:${this.layout.pg.port}/oxprov` },
      imap: {
        host: '127.0.0.1', port: this.layout.dovecot.port, secure: false, masterUser: this.layout.adminUser, masterPassword: STACK_ADMIN_PASSWORD,
        doveadmUrl: `http://127.0.0.1:${this.layout.dovecot.apiPort}/doveadm/v1`, doveadmApiKey: this.secret('doveadm-api-key'),
        folders: this.mailServers[0].server.folders,
      },
      // Several mail servers, or a Cyrus: each with its name, kind and imapServer; the first is the default.
      ...(this.listsMailServers() ? {
        mail: {
          servers: this.mailServers.map((m) => ({
            name: m.server.name, kind: m.server.kind, host: '127.0.0.1', port: m.server.port, secure: false,
            masterUser: this.layout.adminUser, masterPassword: STACK_ADMIN_PASSWORD,
            ...(m.server.apiPort ? { doveadmUrl: `http://127.0.0.1:${m.server.apiPort}/doveadm/v1`, doveadmApiKey: this.secret('doveadm-api-key') } : {}),
            folders: m.server.folders, routeDomain: `${m.server.name}.localhost`, imapServer: imapServerOf(m.server), smtpServer: '127.0.0.1',
            ...(m.server.kind === 'cyrus' && m.server.folders === 'on-demand' ? { onDemandStyle: STACK_ON_DEMAND_STYLE } : {}),
          })),
        },
      } : {}),
    } as DeepPartial<Config>;
  }

  /** The config names its mail servers unless the stack has the one Dovecot of a plain `stack up`. */
  private listsMailServers(): boolean {
    return this.mailServers.length > 1 || this.mailServers[0].server.kind !== 'dovecot';
  }

  /** The stack's mail servers, as `stack status` names them. */
  mailServerNames(): string[] {
    return this.mailServers.map((m) => m.server.name);
  }

  /** A random secret of the stack (database password, API key), kept in a 0600 file. */
  private secret(name: string): string {
    const file = path.join(this.layout.root, name);
    try {
      return fs.readFileSync(file, 'utf8').trim();
    } catch {
      fs.mkdirSync(this.layout.root, { recursive: true });
      const pw = randomBytes(18).toString('base64url');
      fs.writeFileSync(file, `${pw}\n`, { mode: 0o600 });
      return pw;
    }
  }
}

/** What the stack writes to imapServer for the users of a mail server (several servers): host and port. */
function imapServerOf(server: StackMailServer): string {
  return `127.0.0.1:${server.port}`;
}
