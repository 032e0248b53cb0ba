import type { Config } from '../config/config.js';
import { isOxprovError, OxprovError } from '../errors.js';
import { BACKENDS, type Backend } from '../model/backends.js';
import type { Backends, Directory, GroupwareStore, MailStore } from './backends.js';
import { MailServers } from './imap/mail-servers.js';
import { LdapDirectory } from './ldap/ldap-directory.js';
import { escapeDnValue } from '../model/ldap-escape.js';
import { SqlStore } from './sql/sql-store.js';
import { SqlRunStore } from './sql/sql-run-store.js';
import { PgBossQueue } from './queue/pg-boss-queue.js';
import type { BatchQueue } from './batch-queue.js';
import type { RunStore } from './run-store.js';

export interface OpenBackendsOptions {
  /**
   * The back-ends the run touches; default all. The directory is always opened:
   * the rules about a user look it up whatever is written (a SQL row takes the
   * entry's uidNumber and language; the mail store finds users there).
   */
  readonly only?: readonly Backend[];
  /** Bind to the directory as someone else than `ldap.bindDn` (the administrator of a tool call). */
  readonly bind?: { readonly dn: string; readonly password: string };
  /** uidNumbers reserved per round trip to the id pool (bulk imports: more than 1). */
  readonly idBlockSize?: number;
  readonly sqlPoolSize?: number;
  /** A different store for the default mail server (tests inject failures). */
  readonly mailStore?: MailStore;
}

/**
 * The one factory of back-ends: builds each one the run needs from the config
 * and checks that it answers, before anything is written. A back-end that
 * cannot be reached ends here with its code (LDAP_CONNECT, SQL_CONNECT,
 * IMAP_CONNECT, …) and what was opened is closed again.
 */
export async function openBackends(config: Readonly<Config>, options: OpenBackendsOptions = {}): Promise<Backends> {
  const wanted = new Set(options.only ?? BACKENDS);
  let directory: Directory | undefined;
  let groupware: GroupwareStore | undefined;
  let mail: MailServers | undefined;
  const closeAll = async () => { await Promise.all([directory?.close(), groupware?.close(), mail?.close()]); };
  try {
    directory = await LdapDirectory.connect(config, { bindDn: options.bind?.dn, bindPassword: options.bind?.password, idBlockSize: options.idBlockSize });
    if (wanted.has('sql') || wanted.has('groupware')) groupware = await SqlStore.connect(config, { poolSize: options.sqlPoolSize });
    if (wanted.has('imap')) {
      mail = await MailServers.open(config.mail.servers, config.mail.defaultServer, options.mailStore);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return { directory, groupware, mail, close: () => (closing ??= closeAll()) };
}

/** oxprov's records of its runs and their ledgers (`runs.url`, default the groupware database). @throws SQL_CONNECT, SQL_MIGRATION */
export function openRunStore(config: Readonly<Config>): Promise<RunStore> {
  return SqlRunStore.open(config);
}

/** The queue of batches that workers take (`queue` in the config; pg-boss in the run database). @throws QUEUE_FAILED */
export function openBatchQueue(config: Readonly<Config>, name?: string): Promise<BatchQueue> {
  return PgBossQueue.open(config, { name });
}

/** The DN an administrator named by `--adminuser` binds as. */
export function adminDn(config: Readonly<Config>, adminuser: string): string {
  return `uid=${escapeDnValue(adminuser)},${config.ldap.adminsDn}`;
}

/**
 * Checks a name and password with a bind of its own, before anything is read or
 * written. An empty password is refused: LDAP treats a simple bind without one as
 * anonymous and would "succeed" (RFC 4513 §5.1.2).
 * @returns false for wrong credentials; throws LDAP_CONNECT and the like when the directory is down.
 */
export async function checkBind(config: Readonly<Config>, dn: string, password: string): Promise<boolean> {
  if (password === '') return false;
  try {
    const dir = await LdapDirectory.connect(config, { bindDn: dn, bindPassword: password });
    await dir.close();
    return true;
  } catch (err) {
    if (isOxprovError(err, 'LDAP_AUTH')) return false;
    throw err instanceof OxprovError ? err : new OxprovError('LDAP_FAILED', String(err), { backend: 'ldap', cause: err });
  }
}
