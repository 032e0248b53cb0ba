import type { Config } from '../config/config.js';
import { describeError, isOxprovError } from '../errors.js';
import { MailServers } from '../provision/backends.js';
import { LdapDirectory } from '../provision/ldap/ldap-directory.js';
import { SqlStore } from '../provision/sql/sql-store.js';

/** What trying one back-end with a config found. */
export interface BackendCheck {
  /** `ldap`, `sql`, or `imap <server name>`. */
  readonly backend: string;
  readonly ok: boolean;
  /** Where it was tried, never with a password. */
  readonly where: string;
  /** What answered, or the error's code and message. */
  readonly detail: string;
}

/**
 * Tries each back-end of a config on its own (`oxprov config check`): a bind to
 * the directory as `ldap.bindDn` and a read of its schema, a connection to the
 * groupware database, a login to every mail server. Each ends in a result, never
 * an exception, so one server down still lets the others be reported.
 */
export async function checkBackends(config: Readonly<Config>): Promise<BackendCheck[]> {
  const failed = (backend: string, where: string, err: unknown): BackendCheck => ({ backend, ok: false, where, detail: `${isOxprovError(err) ? `${err.code}: ` : ''}${describeError(err)}` });
  const ldap = async (): Promise<BackendCheck> => {
    const where = `${config.ldap.url} as ${config.ldap.bindDn}`;
    try {
      const dir = await LdapDirectory.connect(config);
      try {
        const schema = await dir.schema();
        const groupware = schema.attribute('colocRouteAddr') !== undefined;
        return { backend: 'ldap', ok: groupware, where, detail: groupware ? 'bound; the schema has the groupware attributes' : 'bound, but the schema lacks colocRouteAddr: load schema/oxprov.schema' };
      } finally {
        await dir.close();
      }
    } catch (err) {
      return failed('ldap', where, err);
    }
  };
  const sql = async (): Promise<BackendCheck> => {
    const where = config.sql.url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:…@');
    try {
      const store = await SqlStore.connect(config, { poolSize: 1 });
      try {
        await store.findUsers(['oxprov-config-check']);
        return { backend: 'sql', ok: true, where, detail: 'connected; the groupware tables answer' };
      } finally {
        await store.close();
      }
    } catch (err) {
      return failed('sql', where, err);
    }
  };
  const mail = config.mail.servers.map(async (s): Promise<BackendCheck> => {
    const where = `${s.kind} ${s.secure ? 'imaps' : 'imap'}://${s.host}:${s.port}${s.doveadmUrl ? ` and ${s.doveadmUrl}` : ''}`;
    try {
      const one = await MailServers.open([s], s.name);
      await one.close();
      return { backend: `imap ${s.name}`, ok: true, where, detail: `logged in as ${s.masterUser}` };
    } catch (err) {
      return failed(`imap ${s.name}`, where, err);
    }
  });
  return Promise.all([ldap(), sql(), ...mail]);
}
