import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/config.js';
import { userSpec } from '../../../src/model/user-spec.js';
import { openServices } from '../../../src/service/open-services.js';
import { LocalStack } from '../../../src/stack/stack.js';
import { ldapBindAs, sqlQuery, withImapLogin } from '../../helpers/clients.js';
import { importFile, tmpDir, writeCsv } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/** TLS to the real slapd (StartTLS) and PostgreSQL (verify-full) with the stack's own CA, and the configured default quota. */
const config = stackConfig();
const ca = fs.readFileSync(new LocalStack(process.env).tlsCertificate(), 'utf8');
const dir = tmpDir('tls');

/** A certificate of nobody's: a client that trusts only it must refuse the servers. */
function otherCa(): string {
  const key = path.join(dir, 'other.key');
  const cert = path.join(dir, 'other.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return fs.readFileSync(cert, 'utf8');
}

const person = (u: string) => userSpec({ username: u, password: 'Pw-tls-12345', surname: 'Tls', mail: `${u}@test.tux`, colocrouteaddr: `${u}@localhost` });

describe('TLS to the directory and the database', () => {
  it('StartTLS with the stack\'s CA: the user is written and binds; with a CA of nobody\'s the connection is refused', async () => {
    const tlsConfig: Config = { ...config, ldap: { ...config.ldap, startTls: true, ca } };
    const svc = await openServices(tlsConfig, { only: ['ldap'] });
    const u = uniqueName('tls');
    try {
      expect((await svc.users.provisionUser(person(u), { only: ['ldap'] })).steps).toEqual({ ldap: 'created' });
    } finally {
      await svc.close();
    }
    expect(await ldapBindAs(config, u, 'Pw-tls-12345')).toBe(true);
    await expect(openServices({ ...config, ldap: { ...config.ldap, startTls: true, ca: otherCa() } }, { only: ['ldap'] })).rejects.toMatchObject({ code: expect.stringMatching(/^LDAP_/) });
  });

  it('sslmode verify-full with the stack\'s CA: the pool\'s connections are encrypted; with a CA of nobody\'s they are refused', async () => {
    const tlsConfig: Config = { ...config, sql: { ...config.sql, ssl: 'verify-full', ca } };
    const svc = await openServices(tlsConfig, { only: ['sql'] });
    try {
      const u = uniqueName('tlsq');
      expect((await svc.users.provisionUser(person(u), { only: ['sql'] })).steps).toEqual({ sql: 'created' });
      const [{ n }] = await sqlQuery<{ n: string }>(config,
        `SELECT count(*) AS n FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE s.ssl AND a.usename = 'oxprov'`);
      expect(Number(n)).toBeGreaterThan(0);
    } finally {
      await svc.close();
    }
    await expect(openServices({ ...config, sql: { ...config.sql, ssl: 'verify-full', ca: otherCa() } }, { only: ['sql'] })).rejects.toMatchObject({ code: 'SQL_CONNECT' });
  });
});

describe('the default quota of the config', () => {
  it('is given to new users whose row has none, and leaves existing users alone', async () => {
    const settings = JSON.parse(fs.readFileSync(path.join(path.dirname(new LocalStack(process.env).configFile()), 'oxprov.json'), 'utf8'));
    settings.defaults = { quotaMB: 77 };
    const file = path.join(dir, 'quota-config.json');
    fs.writeFileSync(file, JSON.stringify(settings), { mode: 0o600 });
    const [fresh, given] = [uniqueName('dq'), uniqueName('dq')];
    const csv = writeCsv(dir, `${fresh}.csv`, [
      ['username', 'password', 'surname', 'mail', 'colocrouteaddr', 'quotasize'],
      [fresh, 'Pw-quota-1234', 'Q', `${fresh}@test.tux`, `${fresh}@localhost`, ''],
      [given, 'Pw-quota-1234', 'Q', `${given}@test.tux`, `${given}@localhost`, '0'],
    ]);
    const out = await importFile(csv, { config: file });
    expect(out.exitCode).toBe(0);
    const limit = (u: string) => withImapLogin(config, u, 'Pw-quota-1234', (c) => c.getQuota('INBOX')).then((q) => (q && q.storage?.limit) || undefined);
    expect(await limit(fresh)).toBe(77 * 1024 * 1024);
    // 0 is no limit: Dovecot reports none.
    expect(await limit(given)).toBeUndefined();
  });
});
