import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminService } from '../../../src/service/tools/admin-service.js';
import { findUser, openDirectory } from '../../helpers/directory.js';
import { imapFolders, ldapBindAs, sqlQuery, withImapLogin } from '../../helpers/clients.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';
import { failsWith, paper } from './admin-kit.js';

const config = stackConfig();
const svc = createAdminService(config);
afterAll(() => svc.close());

async function entry(username: string) {
  const dir = await openDirectory(config);
  try {
    return await findUser(dir, username);
  } finally {
    await dir.close();
  }
}

describe('adduser, the paper\'s full example (3.1)', () => {
  const command = (u: string) => `./adduser --adminuser=mailadmin --adminpasswd=secret --username=${u} \\
    --password=secret --surname=Martin --mail=${u}@test.tux \\
    --colocrouteaddr=${u}@localhost --givenname=Stephan \\
    --alias=${u}.Stephan.Martin@test.tux,${u}.S.Martin@test.tux \\
    --timezone=Europe/Berlin --language=DE --country=DE \\
    --disable=bookmarks,forum,knowledge,pinboard,pinboard_public \\
    --birthDay=1984-01-01 --homePhone=012345.67890`;
  // The user the checks below look at, made by the paper's command before them (the first test makes one of its own).
  const u = uniqueName('sm');
  beforeAll(async () => { expect((await paper(svc, command(u))).status).toBe('created'); });

  it('creates the user in all four back-ends', async () => {
    const r = await paper(svc, command(uniqueName('sm')));
    expect(r.status).toBe('created');
    expect(r.steps).toEqual({ ldap: 'created', sql: 'created', groupware: 'created', imap: 'created' });
    expect(JSON.stringify(r)).not.toContain('secret');
  });

  it('stores the entry with the extra attributes as typed, and the user can bind', async () => {
    const a = (await entry(u))!.attributes;
    expect(a.birthDay).toEqual(['1984-01-01']);
    expect(a.homePhone).toEqual(['012345.67890']);
    expect(a.cn).toEqual(['Martin, Stephan']);
    expect(a.alias).toEqual([`${u}.Stephan.Martin@test.tux`, `${u}.S.Martin@test.tux`]);
    expect(await ldapBindAs(config, u, 'secret')).toBe(true);
  });

  it('gives a German mailbox the user can log in to', async () => {
    expect(await imapFolders(config, u, 'secret')).toEqual(['Entwürfe', 'Gesendete Objekte', 'INBOX', 'Papierkorb', 'Spam']);
  });

  it('records the disabled modules and German groupware folders', async () => {
    const off = await sqlQuery<{ module: string }>(config,
      'SELECT m.module FROM user_modules m JOIN users u ON u.id = m.user_id WHERE u.username = $1 AND NOT m.enabled ORDER BY 1', [u]);
    expect(off.map((m) => m.module)).toEqual(['bookmarks', 'forum', 'knowledge', 'pinboard', 'pinboard_public']);
    const [cal] = await sqlQuery<{ name: string }>(config,
      `SELECT f.name FROM folders f JOIN users u ON u.id = f.owner_id WHERE u.username = $1 AND f.module = 'calendar'`, [u]);
    expect(cal.name).toBe('Kalender');
  });

  it('answers exists the second time and changes nothing', async () => {
    const r = await paper(svc, command(u));
    expect(r.status).toBe('exists');
    expect(r.steps).toEqual({ ldap: 'exists', sql: 'exists', groupware: 'exists', imap: 'exists' });
  });

  it('without --language, a second run keeps the user\'s German folders', async () => {
    const r = await paper(svc, `./adduser --adminuser=mailadmin --adminpasswd=secret --username=${u} --password=secret --surname=Martin --mail=${u}@test.tux --colocrouteaddr=${u}@localhost`);
    expect(r.status).toBe('exists');
    expect(await imapFolders(config, u, 'secret')).toEqual(['Entwürfe', 'Gesendete Objekte', 'INBOX', 'Papierkorb', 'Spam']);
  });
});

describe('adduser, the paper\'s mandatory-only example', () => {
  it('creates a user with all modules and sets --quotasize on the mailbox', async () => {
    const u = uniqueName('smq');
    const r = await paper(svc, `./adduser --adminuser=mailadmin --adminpasswd=secret --username=${u} \\
      --password=secret --surname=Martin \\
      --alias=${u}@example1.tux,${u}@example2.tux \\
      --mail=${u}@test.tux --colocrouteaddr=${u}@localhost --quotasize=20`);
    expect(r.status).toBe('created');
    const [{ n }] = await sqlQuery<{ n: string }>(config,
      'SELECT count(*) AS n FROM user_modules m JOIN users u ON u.id = m.user_id WHERE u.username = $1 AND m.enabled', [u]);
    expect(Number(n)).toBe(11);
    const quota = await withImapLogin(config, u, 'secret', (c) => c.getQuota('INBOX'));
    expect(quota && quota.storage?.limit).toBe(20 * 1024 * 1024);
  });
});

describe('adduser refuses bad options before writing anything', () => {
  const base = (u: string) => `./adduser --adminuser=mailadmin --adminpasswd=secret --username=${u} --password=secret --surname=Martin --mail=${u}@test.tux --colocrouteaddr=${u}@localhost`;

  it('an attribute the directory\'s schema does not have', async () => {
    const u = uniqueName('bad');
    await failsWith(paper(svc, `${base(u)} --favouriteColour=blue`), 'MAP_UNKNOWN_ATTRIBUTE');
    expect(await entry(u)).toBeUndefined();
  });

  it('the paper\'s own impossible date (5.1.2: birthDay 1989-12-32)', async () => {
    await failsWith(paper(svc, `${base(uniqueName('bad'))} --birthDay=1989-12-32`), 'MAP_INVALID_DATE');
  });

  it('an attribute oxprov sets itself', async () => {
    await failsWith(paper(svc, `${base(uniqueName('bad'))} --uidNumber=0`), 'MAP_RESERVED_ATTRIBUTE');
  });

  it('a missing surname when LDAP is written', async () => {
    const u = uniqueName('bad');
    await failsWith(svc.call('adduser', { adminuser: 'mailadmin', adminpasswd: 'secret', username: u, password: 'secret', mail: `${u}@test.tux`, colocrouteaddr: `${u}@localhost` }), 'MAP_MISSING_FIELD');
  });

  it('an unknown module, language or time zone', async () => {
    await failsWith(paper(svc, `${base(uniqueName('bad'))} --disable=chess`), 'MAP_INVALID_MODULE');
    await failsWith(paper(svc, `${base(uniqueName('bad'))} --language=XX`), 'MAP_INVALID_LANGUAGE');
    await failsWith(paper(svc, `${base(uniqueName('bad'))} --timezone=Mars/Olympus`), 'MAP_INVALID_TIMEZONE');
  });

  it('an address that belongs to another user', async () => {
    const owner = uniqueName('own');
    await paper(svc, base(owner));
    const u = uniqueName('bad');
    await failsWith(paper(svc, `${base(u)} --alias=${owner}@test.tux`), 'MAP_EXISTS_ALIAS');
    expect(await entry(u)).toBeUndefined();
  });

  it('a bad value never echoes the password', async () => {
    const err = await failsWith(svc.call('adduser', { adminuser: 'mailadmin', adminpasswd: 'secret', username: uniqueName('bad'), password: 'Sekr\u0007et-pw', surname: 'M', mail: 'x@test.tux', colocrouteaddr: 'x@localhost' }), 'MAP_INVALID_VALUE');
    expect(err.message).not.toContain('Sekr');
    expect(JSON.stringify(err)).not.toContain('Sekr');
  });
});
