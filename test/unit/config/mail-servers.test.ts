import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { mailServerUsersFilter } from '../../../src/model/mail-server-filter.js';

/** A config file: the servers a file must name, and `data` over them. */
function configFile(data: Record<string, Record<string, unknown>>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxprov-cfg-'));
  const file = path.join(dir, 'config.json');
  const base = { ldap: { url: 'ldap://ldap.example.org', baseDn: 'dc=example,dc=org' }, sql: { url: 'postgres://oxprov@db.example.org/groupware' } };
  fs.writeFileSync(file, JSON.stringify({ ...data, ldap: { ...base.ldap, ...data.ldap }, sql: { ...base.sql, ...data.sql } }));
  fs.writeFileSync(path.join(dir, 'cyrus.pw'), 'cyrus-secret\n');
  return file;
}

const code = (f: () => unknown) => { try { f(); return undefined; } catch (e) { return [(e as { code: string }).code, (e as { field?: string }).field]; } };

describe('mail.servers', () => {
  it('without it, one Dovecot imap1 made of imap and ldap.imapServer, routed to localhost', () => {
    const c = loadConfig({ file: configFile({ imap: { host: 'mail.example.org', port: 143 }, ldap: { imapServer: 'mail.example.org' } }), env: {} });
    expect(c.mail.servers.map((s) => [s.name, s.kind, s.host, s.imapServer, s.routeDomain])).toEqual([['imap1', 'dovecot', 'mail.example.org', 'mail.example.org', 'localhost']]);
    expect(c.mail.defaultServer).toBe('imap1');
  });

  it('reads each server, its secret file and its environment; the default comes first and is config.imap', () => {
    const c = loadConfig({
      file: configFile({ mail: { defaultServer: 'Cyrus1', servers: [
        { name: 'imap1', host: 'a.example.org', port: 1143 },
        { name: 'cyrus1', kind: 'cyrus', host: 'c.example.org', port: 143, masterUser: 'cyrus', masterPasswordFile: 'cyrus.pw', routeDomain: 'paris.example.org' },
      ] } }),
      env: { OXPROV_MAIL_IMAP1_PASSWORD: 'from-env', OXPROV_MAIL_IMAP1_PORT: '2143' },
    });
    expect(c.mail.servers.map((s) => s.name)).toEqual(['cyrus1', 'imap1']);
    const [cyrus, imap] = c.mail.servers;
    expect([cyrus.masterPassword, cyrus.imapServer, cyrus.routeDomain]).toEqual(['cyrus-secret', 'c.example.org', 'paris.example.org']);
    expect([imap.masterPassword, imap.port, imap.imapServer]).toEqual(['from-env', 2143, 'a.example.org:2143']);
    expect(c.imap.host).toBe('c.example.org');
  });

  it('refuses two servers of one name or one imapServer, an unknown kind and an unknown default', () => {
    const bad = (servers: unknown[], extra: Record<string, unknown> = {}) => code(() => loadConfig({ file: configFile({ mail: { servers, ...extra } }), env: {} }));
    expect(bad([{ name: 'a' }, { name: 'A' }])).toEqual(['CFG_INVALID', 'mail.servers[1].name']);
    expect(bad([{ name: 'a', imapServer: 'x' }, { name: 'b', imapServer: 'X' }])).toEqual(['CFG_INVALID', 'mail.servers[1].imapServer']);
    expect(bad([{ name: 'a', kind: 'exchange' }])).toEqual(['CFG_INVALID', 'mail.servers[0].kind']);
    expect(bad([{ name: 'a' }], { defaultServer: 'b' })).toEqual(['CFG_INVALID', 'mail.defaultServer']);
    expect(bad([{ name: 'a', onDemandStyle: 'EN_Standard' }])).toEqual(['CFG_INVALID', 'mail.servers[0].onDemandStyle']);
  });
});

describe('mailServerUsersFilter', () => {
  const servers = [{ name: 'imap1', imapServer: 'h1' }, { name: 'imap2', imapServer: 'h(2)' }, { name: 'cyrus1', imapServer: 'h3' }];
  it('gives a server its own users, the default every user the others do not have, with the value escaped', () => {
    expect(mailServerUsersFilter(servers, 'imap2')).toBe('(imapServer=h\\282\\29)');
    expect(mailServerUsersFilter(servers, 'imap1')).toBe('(!(|(imapServer=h\\282\\29)(imapServer=h3)))');
    expect(mailServerUsersFilter(servers.slice(0, 1), 'imap1')).toBe('');
    expect(mailServerUsersFilter([{ name: 'a', imapServer: 'x' }, { name: 'b', imapServer: '50%' }], 'b')).toBe('(imapServer=50%%)');
  });
});
