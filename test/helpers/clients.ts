import { Client } from 'ldapts';
import { expect } from 'vitest';
import { ImapFlow } from 'imapflow';
import pg from 'pg';
import type { Config } from '../../src/config/config.js';

/**
 * Binds to the directory as the user: the real proof that the stored password works.
 * False only for the server's own refusal (result 49, invalid credentials): a server
 * that is down or any other failure throws, so a test of a refused login cannot pass by accident.
 */
export async function ldapBindAs(config: Readonly<Config>, username: string, password: string): Promise<boolean> {
  const client = new Client({ url: config.ldap.url });
  try {
    await client.bind(`uid=${username},${config.ldap.peopleDn}`, password);
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 49) return false;
    throw err;
  } finally {
    await client.unbind().catch(() => {});
  }
}

/** Logs in to IMAP as the user with the user's own password and runs `work`. */
export async function withImapLogin<T>(config: Readonly<Config>, username: string, password: string, work: (c: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({ host: config.imap.host, port: config.imap.port, secure: false, logger: false, auth: { user: username, pass: password } });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.logout().catch(() => {});
  }
}

/** Expects the IMAP server to refuse the login (AUTHENTICATIONFAILED), not any failure: a server that is down does not pass. */
export async function expectImapRefused(login: Promise<unknown>): Promise<void> {
  await expect(login).rejects.toMatchObject({ authenticationFailed: true, serverResponseCode: 'AUTHENTICATIONFAILED' });
}

export async function imapFolders(config: Readonly<Config>, username: string, password: string): Promise<string[]> {
  return withImapLogin(config, username, password, async (c) => (await c.list()).map((m) => m.path).sort());
}

export async function sqlQuery<R extends pg.QueryResultRow>(config: Readonly<Config>, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: config.sql.url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The memberUid values of a group, read with a client of its own. */
export async function groupMembers(config: Readonly<Config>, group: string): Promise<string[]> {
  const client = new Client({ url: config.ldap.url });
  try {
    await client.bind(config.ldap.bindDn, config.ldap.bindPassword);
    const { searchEntries } = await client.search(`cn=${group},${config.ldap.groupsDn}`, { scope: 'base', filter: '(objectClass=*)', attributes: ['memberUid'] }).catch(() => ({ searchEntries: [] as Record<string, unknown>[] }));
    const v = searchEntries[0]?.memberUid;
    return v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String);
  } finally {
    await client.unbind().catch(() => {});
  }
}

/** Runs `work` with an ldapts client bound as oxprov's own account (for tests that set up odd entries). */
export async function withLdapAdmin<T>(config: Readonly<Config>, work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ url: config.ldap.url });
  try {
    await client.bind(config.ldap.bindDn, config.ldap.bindPassword);
    return await work(client);
  } finally {
    await client.unbind().catch(() => {});
  }
}
