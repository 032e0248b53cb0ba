import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';

/**
 * The config file's schema: every key oxprov reads, its type and what it is for.
 * Checked once at load (src/config/check-config.ts): an unknown key is refused
 * with the nearest known one, a wrong type names the key and the type. The
 * configuration reference (docs/configuration.md, `oxprov config reference`) is generated from the descriptions here.
 * Keys starting with `$` (`$comment`) are free text.
 */

/** An object of exactly these keys, each optional (a layer of the config gives some of them). */
const Section = <T extends TProperties>(description: string, properties: T): TObject<T> =>
  Type.Object(properties, { description, additionalProperties: false, patternProperties: { '^\\$': {} } });
const Str = (description: string, extra: object = {}) => Type.Optional(Type.String({ description, ...extra }));
const Int = (description: string, minimum: number, maximum?: number) => Type.Optional(Type.Integer({ description, minimum, ...(maximum === undefined ? {} : { maximum }) }));
const Bool = (description: string) => Type.Optional(Type.Boolean({ description }));
const OneOf = <const V extends readonly string[]>(description: string, values: V) => Type.Optional(Type.Union(values.map((v) => Type.Literal(v)), { description }));
const PORT = [1, 65535] as const;

/** The settings of one IMAP server, shared by `imap` and each of `mail.servers`. */
const imapProperties = {
  host: Str('IMAP host.'),
  port: Int('IMAP port.', ...PORT),
  secure: Bool('Implicit TLS (imaps).'),
  masterUser: Str('Dovecot master user that may log in as any user (`user*master`); for Cyrus an administrator of `imapd.conf`.'),
  masterPassword: Str('Its password (secret: prefer `masterPasswordFile`).'),
  masterPasswordFile: Str('A file holding `masterPassword`, relative to the config file.'),
  masterSeparator: Str('Dovecot\'s `auth_master_user_separator` (default `*`).'),
  doveadmUrl: Str('Dovecot\'s doveadm HTTP API, e.g. `http://127.0.0.1:1144/doveadm/v1`: mailboxes are made through it, many users per request.'),
  doveadmApiKey: Str('Its API key (secret: prefer `doveadmApiKeyFile`).'),
  doveadmApiKeyFile: Str('A file holding `doveadmApiKey`.'),
  timeoutMs: Int('Deadline of one request to the mail store, in milliseconds (default 30000).', 1),
  ca: Str('PEM CA certificate(s) to trust for IMAPS and an https doveadm API.'),
  caFile: Str('A file holding `ca`.'),
  folders: OneOf('`eager` (oxprov makes each new mailbox\'s folders, default) or `on-demand` (the server makes them at the first access).', ['eager', 'on-demand', 'ondemand']),
};

export const ConfigFileSchema = Section('An oxprov config file (`--config FILE` or `OXPROV_CONFIG`).', {
  passwords: Type.Optional(Section('What every password oxprov sets must hold.', {
    minLength: Int('Fewest characters (default 6).', 1, 128),
    minClasses: Int('Fewest of the classes lower case, upper case, digit, other (default 1).', 1, 4),
  })),
  ldap: Type.Optional(Section('The directory (OpenLDAP).', {
    url: Str('`ldap://host:port` or `ldaps://host:port`. Required with a config file.', { pattern: '^ldaps?://' }),
    baseDn: Str('The directory suffix, e.g. `dc=example,dc=com`. Required with a config file.'),
    peopleDn: Str('Where new users are created (default `ou=people,<baseDn>`).'),
    usersBase: Str('Where users are looked for (default `peopleDn`; a company\'s tree or the whole base for people fitted in place).'),
    usersScope: OneOf('`one` or `sub` (default), the scope under `usersBase`.', ['one', 'sub', 'onelevel', 'subtree']),
    groupsDn: Str('Where groups live (default `ou=groups,<baseDn>`).'),
    resourcesDn: Str('Where resources live (default `ou=resources,<baseDn>`).'),
    adminsDn: Str('Where administrator accounts live (default `ou=admins,<baseDn>`).'),
    bindDn: Str('The account oxprov binds as (default `uid=mailadmin,<adminsDn>`).'),
    bindPassword: Str('Its password (secret: prefer `bindPasswordFile` or `OXPROV_LDAP_PASSWORD_FILE`).'),
    bindPasswordFile: Str('A file holding `bindPassword`, relative to the config file.'),
    usersGroup: Str('The primary group of every user (default `users`).'),
    usersGidNumber: Int('Its gidNumber (default 1100).', 0),
    idPoolDn: Str('The entry that hands out uidNumber and gidNumber (default `cn=idpool,<baseDn>`).'),
    passwordScheme: OneOf('The hash of `userPassword`: `SSHA` or `SSHA512` (default; needs slapd\'s pw-sha2).', ['SSHA', 'SSHA512']),
    quotaAttribute: Str('The attribute holding the mail quota in MB (default `mailQuota`).'),
    attributes: Type.Optional(Section('The directory\'s own names of the groupware attributes, e.g. `{"alias": "mailAlternateAddress"}`.', Object.fromEntries(
      ['mail', 'alias', 'mailEnabled', 'mailDomain', 'colocRouteAddr', 'imapServer', 'smtpServer', 'OXTimeZone', 'preferredLanguage', 'userCountry'].map((a) => [a, Str(`The name of \`${a}\`.`, { pattern: '^[A-Za-z][A-Za-z0-9-]*$' })]),
    ))),
    userClasses: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9-]*$' }), { description: 'Object classes added to every user besides the paper\'s.' })),
    imapServer: Str('`imapServer` of new users with one mail server (default `127.0.0.1`).'),
    smtpServer: Str('`smtpServer` of new users with one mail server (default `127.0.0.1`).'),
    timeoutMs: Int('Deadline of every LDAP operation, in milliseconds (default 30000).', 1),
    startTls: Bool('Upgrade `ldap://` with StartTLS before binding.'),
    ca: Str('PEM CA certificate(s) for `ldaps://` or StartTLS.'),
    caFile: Str('A file holding `ca`.'),
  })),
  sql: Type.Optional(Section('The groupware database (PostgreSQL).', {
    url: Str('`postgres://user:password@host:port/database`. Required with a config file (secret: prefer `urlFile` or `OXPROV_PG_URL_FILE`).'),
    urlFile: Str('A file holding `url`.'),
    timeoutMs: Int('Deadline of every query, in milliseconds (default 60000).', 1),
    ssl: OneOf('`disable`, `require` or `verify-full` (default: what the URL\'s sslmode says).', ['disable', 'require', 'verify-full']),
    ca: Str('PEM CA certificate(s) for `verify-full`.'),
    caFile: Str('A file holding `ca`.'),
  })),
  runs: Type.Optional(Section('oxprov\'s own records of its runs and their ledgers (schema `oxprov_runs`).', {
    url: Str('The database that holds them (default: the groupware database, `sql.url`; secret: prefer `urlFile` or `OXPROV_RUNS_URL_FILE`).'),
    urlFile: Str('A file holding `url`.'),
  })),
  queue: Type.Optional(Section('Runs handed to workers (`oxprov worker`, `import --workers`/`--queue`), through pg-boss in the run database (schema `oxprov_queue`).', {
    key: Str('A secret every worker and the process that starts a run share: a batch\'s passwords travel sealed with it, never in clear (secret: prefer `keyFile` or `OXPROV_QUEUE_KEY_FILE`).'),
    keyFile: Str('A file holding `key`.'),
    expireSeconds: Int('A batch a worker took and did not finish in this time is given to another worker (default 120: a few times the slowest batch measured here).', 5, 86_400),
    retryLimit: Int('How many times a batch is given again, after a worker died or failed on it (default 3).', 0, 100),
    waitSeconds: Int('How long a run waits for its batch to be taken by a worker before its rows fail (default 600; they can then be finished with --resume).', 1, 604_800),
  })),
  imap: Type.Optional(Section('The mail store (one Dovecot), or the defaults of every server of `mail.servers`. `host` is required with a config file unless `mail.servers` is given.', imapProperties)),
  mail: Type.Optional(Section('Several mail servers (the paper\'s multi-location setup).', {
    servers: Type.Optional(Type.Array(Section('One mail server; what it leaves out comes from `imap`.', {
      ...imapProperties,
      name: Type.String({ description: 'Its name (`imap2`), as an `imapserver` column names it.', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$' }),
      kind: OneOf('`dovecot` (default) or `cyrus`.', ['dovecot', 'cyrus']),
      routeDomain: Str('The domain of its users\' `colocRouteAddr` (default `localhost`).'),
      imapServer: Str('Written to its users\' `imapServer` (default `host` or `host:port`).'),
      smtpServer: Str('Written to its users\' `smtpServer` (default `host`).'),
      onDemandStyle: Str('Cyrus with folders on demand: the one folder style of every user (default `EN_Standard`).'),
    }), { description: 'Every mail server; the first is the default unless `defaultServer` says otherwise.' })),
    defaultServer: Str('Where new users go unless routed elsewhere.'),
  })),
  templates: Type.Optional(Section('The folder templates.', {
    imapFolders: Str('The paper\'s ImapFolders.xml (default `templates/ImapFolders.xml`).'),
    groupwareFolders: Str('Groupware folder names per language (default `templates/groupware-folders.json`).'),
  })),
  defaults: Type.Optional(Section('What a new user gets when a row or call gives nothing.', {
    timezone: Str('`OXTimeZone` (default `Europe/Berlin`).'),
    appointmentDays: Int('`OXAppointmentDays` (default 5).', 0),
    taskDays: Int('`OXTaskDays` (default 5).', 0),
    loginShell: Str('`loginShell` (default `/bin/false`).'),
    homeDirectory: Str('`homeDirectory`; `{username}` is replaced (default `/home/{username}`).'),
    quotaMB: Int('Mail quota in MB (0: no limit; default: none written, the IMAP server\'s own).', 0),
  })),
});

/** A config file as written (what `readJson` returns before secret files are read). */
export type ConfigFile = Static<typeof ConfigFileSchema>;

/** The schema as plain JSON (TypeBox's own markers left out), for the validator and the docs. */
export function plainSchema(schema: TSchema = ConfigFileSchema): Record<string, unknown> {
  if (schema === ConfigFileSchema) return (plain ??= JSON.parse(JSON.stringify(schema)) as Record<string, unknown>);
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

let plain: Record<string, unknown> | undefined;
