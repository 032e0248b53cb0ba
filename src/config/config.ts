import type { PasswordPolicy } from '../model/password-policy.js';

/**
 * Connection settings of the three back-ends, normalised once at the edge
 * (`loadConfig`) and frozen: the core never reads environment variables or files.
 */
/** The groupware attributes whose names the config may change (`ldap.attributes`). */
export const RENAMABLE_ATTRIBUTES = ['mail', 'alias', 'mailEnabled', 'mailDomain', 'colocRouteAddr', 'imapServer', 'smtpServer', 'OXTimeZone', 'preferredLanguage', 'userCountry'] as const;
export type RenamableAttribute = (typeof RENAMABLE_ATTRIBUTES)[number];

export interface LdapConfig {
  /** e.g. `ldap://127.0.0.1:3389` */
  url: string;
  /** Directory suffix, e.g. `dc=test,dc=tux`. */
  baseDn: string;
  /** Where new users are created (default `ou=people,<base>`). */
  peopleDn: string;
  /**
   * Where users are looked for (default `peopleDn`): a flat `ou=people`, or the whole base so that
   * people fitted in place in a company's own tree (`import --from-ldap --in-place`) are found too.
   * The IMAP server's userdb must search the same base and scope.
   */
  usersBase: string;
  /** `one` (the entries right under `usersBase`) or `sub` (the whole subtree, the paper's "UserFullDynamic"); default `sub`. */
  usersScope: 'one' | 'sub';
  /** Where groups live (default `ou=groups,<base>`). */
  groupsDn: string;
  /** Where resources and resource groups live (default `ou=resources,<base>`). */
  resourcesDn: string;
  /** Where administrator accounts live (default `ou=admins,<base>`); `--adminuser X` binds as `uid=X,<adminsDn>`. */
  adminsDn: string;
  /** The account oxprov binds as (default `uid=mailadmin,<adminsDn>`). */
  bindDn: string;
  /** Its password. Comes from a file, the environment or a prompt; never from a command line oxprov runs. */
  bindPassword: string;
  /** Primary group of every user (`cn=users`), and its gidNumber. */
  usersGroup: string;
  usersGidNumber: number;
  /** DN of the entry that allocates uidNumber/gidNumber (default `cn=idpool,<base>`). */
  idPoolDn: string;
  /** Password hash stored in `userPassword`; SSHA512 needs slapd's pw-sha2 module. */
  passwordScheme: 'SSHA' | 'SSHA512';
  /** Attribute holding the mail quota in MB, read by the IMAP server's userdb. */
  quotaAttribute: string;
  /**
   * The names the directory gives the groupware attributes oxprov writes and reads (default: the
   * paper's, e.g. `{"alias": "mailAlternateAddress"}` for a directory that spells it so). Everything
   * above the LDAP back-end speaks the paper's names; only the wire uses these.
   */
  attributes: Readonly<Record<RenamableAttribute, string>>;
  /** Object classes added to every user besides the paper's (e.g. the auxiliary class that allows renamed attributes). */
  userClasses: readonly string[];
  /** Written to `imapServer` / `smtpServer` of new users. */
  imapServer: string;
  smtpServer: string;
  /** Operation timeout in milliseconds. */
  timeoutMs: number;
  /** Upgrade an `ldap://` connection with StartTLS before binding (the password never crosses in clear). */
  startTls: boolean;
  /** PEM CA certificate(s) to trust for `ldaps://` or StartTLS (default: the system's). */
  ca?: string;
}

export interface SqlConfig {
  /** e.g. `postgres://oxprov:…@127.0.0.1:55432/oxprov` */
  url: string;
  /** Deadline of every query, in milliseconds. */
  timeoutMs: number;
  /** TLS to PostgreSQL: `disable`, `require` (encrypted, any certificate) or `verify-full` (the certificate must match the host and `ca`). Default: what the URL's sslmode says. */
  ssl?: 'disable' | 'require' | 'verify-full';
  /** PEM CA certificate(s) for `verify-full`. */
  ca?: string;
}

export interface ImapConfig {
  host: string;
  port: number;
  /** Implicit TLS (imaps). */
  secure: boolean;
  /** Dovecot master user that may log in as any user (`user*master`). */
  masterUser: string;
  masterPassword: string;
  /** Dovecot's `auth_master_user_separator`. */
  masterSeparator: string;
  /**
   * Dovecot's doveadm HTTP API (e.g. `http://127.0.0.1:1144/doveadm/v1`). When set with
   * `doveadmApiKey`, mailboxes are created through it, many users per request.
   */
  doveadmUrl?: string;
  doveadmApiKey?: string;
  /** Deadline of one request to the mail store (an IMAP session, a doveadm API call), in milliseconds. */
  timeoutMs: number;
  /** PEM CA certificate(s) to trust for IMAPS and an https doveadm API (default: the system's). */
  ca?: string;
  /**
   * `eager` (default): oxprov makes each new mailbox's folders. `on-demand`: the server makes them at
   * the first access (its config from `oxprov dovecot-config`); oxprov writes the user's folder style
   * to the directory and skips the mail step.
   */
  folders: 'eager' | 'on-demand';
}

/** The kinds of mail store oxprov speaks to. */
export const MAIL_SERVER_KINDS = ['dovecot', 'cyrus'] as const;
export type MailServerKind = (typeof MAIL_SERVER_KINDS)[number];

/**
 * One mail server of a multi-location setup (the paper's `imapServer`/`smtpServer` per user). Its
 * connection settings are those of {@link ImapConfig}; for Cyrus, `masterUser`/`masterPassword` are
 * an administrator of `imapd.conf`'s `admins` and `proxyservers` (it creates `user.NAME`, sets the
 * quota, and creates the folders as the user through SASL PLAIN with an authorization identity).
 */
export interface MailServerConfig extends ImapConfig {
  /** `imap1`, `cyrus1`: what an `imapserver` column, a derive rule and the report name. */
  name: string;
  kind: MailServerKind;
  /** Domain of the users' `colocRouteAddr` on this server (`user@<routeDomain>`; the paper's `localhost` on one site). */
  routeDomain: string;
  /** Written to `imapServer` / `smtpServer` of its users; the user's server is found again by `imapServer`. */
  imapServer: string;
  smtpServer: string;
  /**
   * Folders on demand on Cyrus (`autocreate_inbox_folders`): the one folder style every user of the
   * server gets (e.g. `EN_Standard`); a user of another language or style routed there is refused.
   */
  onDemandStyle?: string;
}

export interface MailConfig {
  /** Every mail server, the default first. One server built from `imap` when the config names none. */
  servers: readonly MailServerConfig[];
  /** Where new users go unless routed elsewhere; users whose `imapServer` names no configured server live there too. */
  defaultServer: string;
}

export interface TemplatesConfig {
  /** The paper's ImapFolders.xml. */
  imapFolders: string;
  /** Default groupware folder names per language. */
  groupwareFolders: string;
}

export interface DefaultsConfig {
  timezone: string;
  /** Written to OXAppointmentDays / OXTaskDays. */
  appointmentDays: number;
  taskDays: number;
  loginShell: string;
  /** `{username}` is replaced. */
  homeDirectory: string;
  /** Mail quota in MB of a new user whose row or call gives none; undefined: the IMAP server's default. 0 is no limit. */
  quotaMB?: number;
}

export interface RunsConfig {
  /** The database of oxprov's run records and ledgers (schema `oxprov_runs`); default the groupware database (`sql.url`). */
  url: string;
}

export interface QueueConfig {
  /** The secret the starter of a run and its workers share (batch secrets are sealed with it); undefined: none configured. */
  key?: string;
  /** Seconds before a batch taken and not finished is given to another worker. */
  expireSeconds: number;
  /** Times a batch is given again. */
  retryLimit: number;
  /** Seconds a run waits for a batch to be done by the workers before its rows fail. */
  waitSeconds: number;
}

export interface Config {
  /** What every password set by oxprov must hold (the tools, the daemon, the import). */
  passwords: PasswordPolicy;
  ldap: LdapConfig;
  sql: SqlConfig;
  runs: RunsConfig;
  queue: QueueConfig;
  /** The default mail server (`mail.servers[0]`): what single-server code paths and tests read. */
  imap: ImapConfig;
  mail: MailConfig;
  templates: TemplatesConfig;
  defaults: DefaultsConfig;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
