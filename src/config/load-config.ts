import fs from 'node:fs';
import path from 'node:path';
import { OxprovError } from '../errors.js';
import { MAIL_SERVER_KINDS, RENAMABLE_ATTRIBUTES, type Config, type DeepPartial, type MailServerConfig, type RenamableAttribute } from './config.js';
import { checkConfigFile } from './check-config.js';
import { PACKAGE_ROOT, stackConfigFile } from './paths.js';
import { DEFAULT_PASSWORD_POLICY } from '../model/password-policy.js';

export interface LoadConfigOptions {
  /** A JSON config file (`--config`). Without it the local stack's settings are used when present. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values that win over everything else (e.g. `--adminuser/--adminpasswd` of a tool). */
  overrides?: DeepPartial<Config>;
}

const DEFAULT_BASE = 'dc=test,dc=tux';

/**
 * Builds the frozen Config from, in rising priority: built-in defaults, the
 * local stack's settings (or `--config FILE`), `OXPROV_*` environment variables,
 * explicit overrides. Secrets may come from `*_FILE` variables or `…File` keys.
 */
export function loadConfig(options: LoadConfigOptions = {}): Readonly<Config> {
  const env = options.env ?? process.env;
  const layers: DeepPartial<Config>[] = [];
  const file = options.file ?? env.OXPROV_CONFIG;
  if (file) layers.push(readJson(file, true));
  else {
    const stackFile = stackConfigFile(env);
    if (fs.existsSync(stackFile)) layers.push(readJson(stackFile, false));
  }
  layers.push(fromEnv(env));
  if (options.overrides) layers.push(options.overrides);
  const merged = layers.reduce<Record<string, unknown>>((acc, layer) => deepMerge(acc, layer as Record<string, unknown>), {});
  applyMailServerEnv(merged, env);
  if (file) requireServers(merged as DeepPartial<Config>, file);
  return deepFreeze(normalize(merged as DeepPartial<Config>));
}

function readJson(file: string, explicit: boolean): DeepPartial<Config> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new OxprovError('CFG_FILE_UNREADABLE', `cannot read config file ${file}`, { field: explicit ? '--config' : undefined, cause });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new OxprovError('CFG_INVALID', `config file ${file} is not valid JSON`, { cause });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new OxprovError('CFG_INVALID', `config file ${file} must hold a JSON object`);
  }
  // Every key checked once, here: a typo is refused with the key it meant, never silently ignored.
  checkConfigFile(data, `config file ${file}`);
  return resolveSecretFiles(data as Record<string, unknown>, path.dirname(path.resolve(file))) as DeepPartial<Config>;
}

/**
 * With a config file, the servers come from it (or the environment), never from the
 * local stack's defaults: a section left out or misspelled must not send oxprov to
 * another server.
 */
function requireServers(c: DeepPartial<Config>, file: string): void {
  const missing = [
    ['ldap.url', c.ldap?.url, 'OXPROV_LDAP_URL'], ['ldap.baseDn', c.ldap?.baseDn, 'OXPROV_LDAP_BASE'], ['sql.url', c.sql?.url, 'OXPROV_PG_URL'],
    ['imap.host', c.imap?.host ?? ((c.mail?.servers as unknown[] | undefined)?.length ? 'mail.servers' : undefined), 'OXPROV_IMAP_HOST'],
  ].filter(([, value]) => value === undefined || value === '');
  if (missing.length) {
    const names = missing.map(([key, , variable]) => `${key} (or ${variable})`).join(', ');
    throw new OxprovError('CFG_MISSING', `config file ${file} does not set ${names}: with a config file nothing falls back to the local stack's servers`, { field: missing[0][0] });
  }
}

/** `{"bindPasswordFile": "x"}` becomes `{"bindPassword": <contents of x>}`; `{"caFile": "ca.pem"}` becomes `{"ca": <PEM>}`. */
function resolveSecretFiles(obj: Record<string, unknown>, dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) out[key] = resolveSecretFiles(value as Record<string, unknown>, dir);
    // `mail.servers`: a list of server objects, each with its own secret files.
    else if (Array.isArray(value)) out[key] = value.map((v) => (v && typeof v === 'object' && !Array.isArray(v) ? resolveSecretFiles(v as Record<string, unknown>, dir) : v));
    else if (/(PasswordFile|ApiKeyFile|^urlFile|^keyFile)$/.test(key) && typeof value === 'string') out[key.replace(/File$/, '')] = readSecretFile(path.resolve(dir, value), key);
    else if (key === 'caFile' && typeof value === 'string') out.ca = readSecretFile(path.resolve(dir, value), key);
    else out[key] = value;
  }
  return out;
}

export function readSecretFile(file: string, field: string): string {
  try {
    return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (cause) {
    throw new OxprovError('CFG_FILE_UNREADABLE', `cannot read the secret file given for ${field}: ${file}`, { field, cause });
  }
}

function fromEnv(env: NodeJS.ProcessEnv): DeepPartial<Config> {
  const secret = (name: string): string | undefined =>
    env[`${name}_FILE`] ? readSecretFile(env[`${name}_FILE`]!, `${name}_FILE`) : env[name];
  const int = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!/^\d+$/.test(v)) throw new OxprovError('CFG_INVALID', `${name} must be a whole number, got "${v}"`, { field: name, value: v });
    return Number(v);
  };
  return prune({
    ldap: {
      url: env.OXPROV_LDAP_URL, baseDn: env.OXPROV_LDAP_BASE, usersBase: env.OXPROV_LDAP_USERS_BASE, usersScope: env.OXPROV_LDAP_USERS_SCOPE as 'one' | 'sub' | undefined, bindDn: env.OXPROV_LDAP_BIND_DN, bindPassword: secret('OXPROV_LDAP_PASSWORD'),
      startTls: env.OXPROV_LDAP_STARTTLS === undefined ? undefined : /^(1|true|yes)$/i.test(env.OXPROV_LDAP_STARTTLS),
      ca: env.OXPROV_LDAP_CA_FILE ? readSecretFile(env.OXPROV_LDAP_CA_FILE, 'OXPROV_LDAP_CA_FILE') : undefined,
    },
    sql: { url: secret('OXPROV_PG_URL') },
    runs: { url: secret('OXPROV_RUNS_URL') },
    queue: { key: secret('OXPROV_QUEUE_KEY') },
    imap: {
      host: env.OXPROV_IMAP_HOST, port: int('OXPROV_IMAP_PORT'),
      secure: env.OXPROV_IMAP_SECURE === undefined ? undefined : /^(1|true|yes)$/i.test(env.OXPROV_IMAP_SECURE),
      masterUser: env.OXPROV_IMAP_MASTER_USER, masterPassword: secret('OXPROV_IMAP_MASTER_PASSWORD'),
      folders: env.OXPROV_IMAP_FOLDERS as 'eager' | 'on-demand' | undefined, doveadmUrl: env.OXPROV_DOVEADM_URL, doveadmApiKey: secret('OXPROV_DOVEADM_API_KEY'),
    },
  }) as DeepPartial<Config>;
}

/** `ldap.attributes`: every key one of the renamable attributes, every value an LDAP attribute name. */
function attributeNames(given: Record<string, unknown> | undefined): Record<RenamableAttribute, string> {
  const out = Object.fromEntries(RENAMABLE_ATTRIBUTES.map((a) => [a, a])) as Record<RenamableAttribute, string>;
  const seen = new Map<string, string>();
  for (const [key, value] of Object.entries(given ?? {})) {
    const name = RENAMABLE_ATTRIBUTES.find((a) => a.toLowerCase() === key.toLowerCase());
    if (name === undefined) throw new OxprovError('CFG_INVALID', `ldap.attributes.${key}: oxprov writes no attribute of that name; the renamable ones are ${RENAMABLE_ATTRIBUTES.join(', ')}`, { field: `ldap.attributes.${key}` });
    if (typeof value !== 'string' || !/^[A-Za-z][A-Za-z0-9-]*$/.test(value)) throw new OxprovError('CFG_INVALID', `ldap.attributes.${key} must be an LDAP attribute name, got ${JSON.stringify(value)}`, { field: `ldap.attributes.${key}` });
    out[name] = value;
  }
  for (const [name, value] of Object.entries(out)) {
    const other = seen.get(value.toLowerCase());
    if (other !== undefined) throw new OxprovError('CFG_INVALID', `ldap.attributes: ${other} and ${name} would both be written to ${value}`, { field: `ldap.attributes.${name}` });
    seen.set(value.toLowerCase(), name);
  }
  return out;
}

function userClasses(given: unknown): string[] {
  if (given === undefined) return [];
  if (!Array.isArray(given) || !given.every((c) => typeof c === 'string' && /^[A-Za-z][A-Za-z0-9-]*$/.test(c))) {
    throw new OxprovError('CFG_INVALID', `ldap.userClasses must be a list of object class names, got ${JSON.stringify(given)}`, { field: 'ldap.userClasses' });
  }
  return given;
}

function mailFolders(value: unknown, field = 'imap.folders'): 'eager' | 'on-demand' {
  if (value === undefined || value === 'eager') return 'eager';
  if (value === 'on-demand' || value === 'ondemand') return 'on-demand';
  throw new OxprovError('CFG_INVALID', `${field} must be eager or on-demand, got "${String(value)}"`, { field, value: String(value) });
}

/** The environment form of each mail server's settings: `OXPROV_MAIL_<NAME>_HOST`, `_PORT`, `_PASSWORD(_FILE)`, `_API_KEY(_FILE)`. */
function applyMailServerEnv(merged: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  const servers = (merged.mail as { servers?: unknown } | undefined)?.servers;
  if (!Array.isArray(servers)) return;
  (merged.mail as { servers: unknown[] }).servers = servers.map((raw) => {
    if (!raw || typeof raw !== 'object' || typeof (raw as { name?: unknown }).name !== 'string') return raw;
    const server = { ...(raw as Record<string, unknown>) };
    const key = `OXPROV_MAIL_${(server.name as string).toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    const secret = (name: string) => (env[`${name}_FILE`] ? readSecretFile(env[`${name}_FILE`]!, `${name}_FILE`) : env[name]);
    if (env[`${key}_HOST`]) server.host = env[`${key}_HOST`];
    if (env[`${key}_PORT`]) server.port = Number(env[`${key}_PORT`]);
    const password = secret(`${key}_PASSWORD`);
    if (password !== undefined) server.masterPassword = password;
    const apiKey = secret(`${key}_API_KEY`);
    if (apiKey !== undefined) server.doveadmApiKey = apiKey;
    return server;
  });
}

/**
 * The mail servers: `mail.servers` as given, each completed from the defaults of `imap`; without
 * it, one Dovecot named `imap1` from `imap` and `ldap.imapServer`/`smtpServer` (the paper's single site).
 */
function mailServers(c: DeepPartial<Config>, imap: Config['imap'], ldap: Config['ldap']): Config['mail'] {
  const given = (c.mail?.servers ?? []) as unknown[];
  if (!Array.isArray(given)) throw new OxprovError('CFG_INVALID', 'mail.servers must be a list of mail servers', { field: 'mail.servers' });
  if (given.length === 0) {
    return { servers: [{ ...imap, name: 'imap1', kind: 'dovecot', routeDomain: 'localhost', imapServer: ldap.imapServer, smtpServer: ldap.smtpServer }], defaultServer: 'imap1' };
  }
  const seen = new Set<string>();
  const hosts = new Set<string>();
  const servers = given.map((raw, i): MailServerConfig => {
    const field = `mail.servers[${i}]`;
    if (!raw || typeof raw !== 'object') throw new OxprovError('CFG_INVALID', `${field} must be an object`, { field });
    const s = raw as Partial<MailServerConfig>;
    if (typeof s.name !== 'string' || !MAIL_SERVER_NAME.test(s.name)) throw new OxprovError('CFG_INVALID', `${field}.name must be a name of letters, digits, - and _ (e.g. imap2), got ${JSON.stringify(s.name)}`, { field: `${field}.name` });
    const name = s.name.toLowerCase();
    if (seen.has(name)) throw new OxprovError('CFG_INVALID', `${field}.name: a second mail server named ${name}`, { field: `${field}.name` });
    seen.add(name);
    const kind = s.kind ?? 'dovecot';
    if (!(MAIL_SERVER_KINDS as readonly string[]).includes(kind)) throw new OxprovError('CFG_INVALID', `${field}.kind must be ${MAIL_SERVER_KINDS.join(' or ')}, got ${JSON.stringify(kind)}`, { field: `${field}.kind` });
    const host = s.host ?? imap.host;
    const port = s.port ?? imap.port;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new OxprovError('CFG_INVALID', `${field}.port must be a port number, got ${JSON.stringify(port)}`, { field: `${field}.port` });
    const imapServer = s.imapServer ?? (port === 143 || port === 993 ? host : `${host}:${port}`);
    if (hosts.has(imapServer.toLowerCase())) throw new OxprovError('CFG_INVALID', `${field}.imapServer: ${imapServer} is the imapServer of another mail server too; users could not be told apart`, { field: `${field}.imapServer` });
    hosts.add(imapServer.toLowerCase());
    const folders = s.folders === undefined ? imap.folders : mailFolders(s.folders, `${field}.folders`);
    if (s.onDemandStyle !== undefined && (kind !== 'cyrus' || folders !== 'on-demand')) throw new OxprovError('CFG_INVALID', `${field}.onDemandStyle belongs to a Cyrus server with folders "on-demand"`, { field: `${field}.onDemandStyle` });
    return {
      name, kind, host, port,
      secure: s.secure ?? imap.secure,
      masterUser: s.masterUser ?? imap.masterUser,
      masterPassword: s.masterPassword ?? imap.masterPassword,
      masterSeparator: s.masterSeparator ?? imap.masterSeparator,
      doveadmUrl: s.doveadmUrl, doveadmApiKey: s.doveadmApiKey,
      timeoutMs: s.timeoutMs ?? imap.timeoutMs,
      ca: s.ca ?? imap.ca,
      folders,
      routeDomain: s.routeDomain ?? 'localhost',
      imapServer,
      smtpServer: s.smtpServer ?? host,
      onDemandStyle: s.onDemandStyle ?? (kind === 'cyrus' && folders === 'on-demand' ? 'EN_Standard' : undefined),
    };
  });
  const defaultServer = (c.mail?.defaultServer ?? servers[0].name).toLowerCase();
  if (!seen.has(defaultServer)) throw new OxprovError('CFG_INVALID', `mail.defaultServer names no configured mail server: ${defaultServer} (configured: ${[...seen].join(', ')})`, { field: 'mail.defaultServer' });
  // The default first: single-server code paths (config.imap) see it.
  servers.sort((a, b) => Number(b.name === defaultServer) - Number(a.name === defaultServer));
  return { servers, defaultServer };
}

const MAIL_SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

function usersScope(value: unknown): 'one' | 'sub' {
  if (value === undefined || value === 'sub' || value === 'subtree') return 'sub';
  if (value === 'one' || value === 'onelevel') return 'one';
  throw new OxprovError('CFG_INVALID', `ldap.usersScope must be one or sub, got "${String(value)}"`, { field: 'ldap.usersScope', value: String(value) });
}

function normalize(c: DeepPartial<Config>): Config {
  const baseDn = c.ldap?.baseDn ?? DEFAULT_BASE;
  const adminsDn = c.ldap?.adminsDn ?? `ou=admins,${baseDn}`;
  const peopleDn = c.ldap?.peopleDn ?? `ou=people,${baseDn}`;
  const config: Config = {
    passwords: {
      minLength: c.passwords?.minLength ?? DEFAULT_PASSWORD_POLICY.minLength,
      minClasses: c.passwords?.minClasses ?? DEFAULT_PASSWORD_POLICY.minClasses,
    },
    ldap: {
      url: c.ldap?.url ?? 'ldap://127.0.0.1:3389',
      baseDn,
      peopleDn,
      usersBase: c.ldap?.usersBase ?? peopleDn,
      usersScope: usersScope(c.ldap?.usersScope),
      groupsDn: c.ldap?.groupsDn ?? `ou=groups,${baseDn}`,
      resourcesDn: c.ldap?.resourcesDn ?? `ou=resources,${baseDn}`,
      adminsDn,
      bindDn: c.ldap?.bindDn ?? `uid=mailadmin,${adminsDn}`,
      bindPassword: c.ldap?.bindPassword ?? '',
      usersGroup: c.ldap?.usersGroup ?? 'users',
      usersGidNumber: c.ldap?.usersGidNumber ?? 1100,
      idPoolDn: c.ldap?.idPoolDn ?? `cn=idpool,${baseDn}`,
      passwordScheme: c.ldap?.passwordScheme ?? 'SSHA512',
      quotaAttribute: c.ldap?.quotaAttribute ?? 'mailQuota',
      attributes: attributeNames(c.ldap?.attributes as Record<string, unknown> | undefined),
      userClasses: userClasses(c.ldap?.userClasses),
      imapServer: c.ldap?.imapServer ?? '127.0.0.1',
      smtpServer: c.ldap?.smtpServer ?? '127.0.0.1',
      timeoutMs: c.ldap?.timeoutMs ?? 30_000,
      startTls: c.ldap?.startTls ?? false,
      ca: c.ldap?.ca,
    },
    sql: { url: c.sql?.url ?? 'postgres://oxprov@127.0.0.1:55432/oxprov', timeoutMs: c.sql?.timeoutMs ?? 60_000, ssl: c.sql?.ssl, ca: c.sql?.ca },
    runs: { url: c.runs?.url ?? c.sql?.url ?? 'postgres://oxprov@127.0.0.1:55432/oxprov' },
    queue: { key: c.queue?.key, expireSeconds: c.queue?.expireSeconds ?? 120, retryLimit: c.queue?.retryLimit ?? 3, waitSeconds: c.queue?.waitSeconds ?? 600 },
    imap: {
      host: c.imap?.host ?? '127.0.0.1',
      port: c.imap?.port ?? 1143,
      secure: c.imap?.secure ?? false,
      masterUser: c.imap?.masterUser ?? 'mailadmin',
      masterPassword: c.imap?.masterPassword ?? '',
      masterSeparator: c.imap?.masterSeparator ?? '*',
      doveadmUrl: c.imap?.doveadmUrl,
      doveadmApiKey: c.imap?.doveadmApiKey,
      timeoutMs: c.imap?.timeoutMs ?? 30_000,
      ca: c.imap?.ca,
      folders: mailFolders(c.imap?.folders),
    },
    mail: { servers: [], defaultServer: 'imap1' },
    templates: {
      imapFolders: path.resolve(PACKAGE_ROOT, c.templates?.imapFolders ?? 'templates/ImapFolders.xml'),
      groupwareFolders: path.resolve(PACKAGE_ROOT, c.templates?.groupwareFolders ?? 'templates/groupware-folders.json'),
    },
    defaults: {
      timezone: c.defaults?.timezone ?? 'Europe/Berlin',
      appointmentDays: c.defaults?.appointmentDays ?? 5,
      taskDays: c.defaults?.taskDays ?? 5,
      loginShell: c.defaults?.loginShell ?? '/bin/false',
      homeDirectory: c.defaults?.homeDirectory ?? '/home/{username}',
      quotaMB: c.defaults?.quotaMB,
    },
  };
  config.mail = mailServers(c, config.imap, config.ldap);
  // Single-server code paths read the default server.
  const first = config.mail.servers[0];
  if ((c.mail?.servers as unknown[] | undefined)?.length) config.imap = { host: first.host, port: first.port, secure: first.secure, masterUser: first.masterUser, masterPassword: first.masterPassword, masterSeparator: first.masterSeparator, doveadmUrl: first.doveadmUrl, doveadmApiKey: first.doveadmApiKey, timeoutMs: first.timeoutMs, ca: first.ca, folders: first.folders };
  const { minLength, minClasses } = config.passwords;
  if (!Number.isInteger(minLength) || minLength < 1 || minLength > 128 || !Number.isInteger(minClasses) || minClasses < 1 || minClasses > 4) {
    throw new OxprovError('CFG_INVALID', `passwords.minLength must be 1 to 128 and passwords.minClasses 1 to 4, got ${minLength} and ${minClasses}`, { field: 'passwords' });
  }
  if (config.sql.ssl !== undefined && !['disable', 'require', 'verify-full'].includes(config.sql.ssl)) {
    throw new OxprovError('CFG_INVALID', `sql.ssl must be disable, require or verify-full, got "${config.sql.ssl}"`, { field: 'sql.ssl', value: String(config.sql.ssl) });
  }
  const q = config.defaults.quotaMB;
  if (q !== undefined && (!Number.isInteger(q) || q < 0)) throw new OxprovError('CFG_INVALID', `defaults.quotaMB must be a whole number of MB (0: no limit), got ${q}`, { field: 'defaults.quotaMB' });
  if (config.ldap.startTls && config.ldap.url.startsWith('ldaps://')) {
    throw new OxprovError('CFG_INVALID', 'ldap.startTls is for ldap:// URLs; ldaps:// is TLS already', { field: 'ldap.startTls' });
  }
  if (!['SSHA', 'SSHA512'].includes(config.ldap.passwordScheme)) {
    throw new OxprovError('CFG_INVALID', `ldap.passwordScheme must be SSHA or SSHA512, got "${config.ldap.passwordScheme}"`, { field: 'ldap.passwordScheme' });
  }
  if (!/^ldaps?:\/\//.test(config.ldap.url)) {
    throw new OxprovError('CFG_INVALID', `ldap.url must start with ldap:// or ldaps://, got "${config.ldap.url}"`, { field: 'ldap.url', value: config.ldap.url });
  }
  return config;
}

function prune(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const inner = prune(v as Record<string, unknown>);
      if (Object.keys(inner).length) out[k] = inner;
    } else out[k] = v;
  }
  return out;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b ?? {})) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object'
      ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
      : v;
  }
  return out;
}

function deepFreeze<T>(obj: T): T {
  for (const v of Object.values(obj as object)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(obj);
}
