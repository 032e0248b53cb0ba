import fs from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/config.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { createAdminService } from '../../../src/service/tools/admin-service.js';
import { withLdapAdmin } from '../../helpers/clients.js';
import { startFaultStack, type FaultStack } from '../../helpers/fault-stack.js';
import { importFile, tmpDir } from '../../helpers/import-helpers.js';
import { uniqueName } from '../../helpers/stack-config.js';

/**
 * Several mail servers (the paper's multi-location setup) on a stack of their own:
 * two Dovecots, a Cyrus, and a Cyrus that makes the mailboxes itself at the first
 * login. Users are routed by a column, a derive rule and --spread; each is checked
 * with real clients on its own server and on the others.
 */
const PASSWORD = 'Mail-Servers-1';
let fault: FaultStack;
let config: Readonly<Config>;
let configFile: string;
const dir = tmpDir('mail-servers');
const port = (name: string) => config.mail.servers.find((s) => s.name === name)!.port;

beforeAll(async () => {
  fault = await startFaultStack(23050, { OXPROV_STACK_MAIL: 'dovecot,dovecot,cyrus,cyrus:on-demand' });
  config = fault.config;
  configFile = path.join(dir, 'config.json');
  const settings = JSON.parse(fs.readFileSync(fault.stack.configFile(), 'utf8'));
  for (const s of settings.mail.servers) s.timeoutMs = 5_000;
  fs.writeFileSync(configFile, JSON.stringify(settings), { mode: 0o600 });
}, 180_000);
afterAll(async () => { await fault?.down(); });

function csv(rows: Record<string, string>[]): string {
  const file = path.join(dir, `${uniqueName('f')}.csv`);
  const head = ['username', 'password', 'surname', 'mail', 'language', 'country', 'imapserver', 'quotasize'];
  fs.writeFileSync(file, [head.join(','), ...rows.map((r) => head.map((h) => r[h] ?? '').join(','))].join('\n') + '\n');
  return file;
}

const row = (username: string, extra: Record<string, string> = {}) => ({ username, password: PASSWORD, surname: 'Server', mail: `${username}@test.tux`, ...extra });

/** An IMAP login as the user on one server: its folders with their special use and subscription, and the quota; undefined when the login is refused. */
async function loginOn(server: string, username: string): Promise<{ folders: string[]; quotaKB?: number } | undefined> {
  const client = new ImapFlow({ host: '127.0.0.1', port: port(server), secure: false, logger: false, auth: { user: username, pass: PASSWORD } });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    if ((err as { authenticationFailed?: boolean }).authenticationFailed) return undefined;
    throw err;
  }
  try {
    const folders = (await client.list()).map((m) => `${m.path.replace(/^INBOX[./]/, '')}${m.specialUse ? ` ${m.specialUse}` : ''}${m.subscribed ? '' : ' (not subscribed)'}`).sort();
    const quota = await client.getQuota('INBOX');
    const limit = quota && quota.storage?.limit;
    return { folders, quotaKB: limit ? limit / 1024 : undefined };
  } finally {
    await client.logout().catch(() => {});
  }
}

/** The entry's mail-server attributes. */
async function entry(username: string): Promise<Record<string, string>> {
  return withLdapAdmin(config, async (c) => {
    const { searchEntries } = await c.search(config.ldap.peopleDn, { scope: 'one', filter: `(uid=${username})`, attributes: ['imapServer', 'smtpServer', 'colocRouteAddr'] });
    const e = searchEntries[0] ?? {};
    return { imapServer: String(e.imapServer ?? ''), smtpServer: String(e.smtpServer ?? ''), colocRouteAddr: String(e.colocRouteAddr ?? '') };
  });
}

/** The Cyrus mailboxes of a user, as the administrator lists them (no login as the user, which would create one on demand). */
async function cyrusMailboxes(server: string, username: string): Promise<string[]> {
  const s = config.mail.servers.find((x) => x.name === server)!;
  const client = new ImapFlow({ host: '127.0.0.1', port: s.port, secure: false, logger: false, auth: { user: s.masterUser, pass: s.masterPassword } });
  client.on('error', () => {});
  await client.connect();
  try {
    // The administrator sees every user's mailboxes.
    return (await client.list()).map((m) => m.path).filter((p) => p === `user/${username}` || p.startsWith(`user/${username}/`)).sort();
  } finally {
    await client.logout().catch(() => {});
  }
}

const DE = ['Entwürfe \\Drafts', 'Gesendete Objekte \\Sent', 'INBOX \\Inbox', 'Papierkorb \\Trash', 'Spam \\Junk'];
const FR = ['Brouillons \\Drafts', 'Corbeille \\Trash', 'Envoyés \\Sent', 'INBOX \\Inbox', 'Indésirables \\Junk'];
const EN = ['Drafts \\Drafts', 'INBOX \\Inbox', 'Sent \\Sent', 'Spam \\Junk', 'Trash \\Trash'];

describe('several mail servers: two Dovecots, Cyrus, and Cyrus on demand', () => {
  const de = uniqueName('msde');
  const fr = uniqueName('msfr');
  // A dotted name, as a derive rule makes them: on Cyrus `user/anna.koch`, not a folder `koch` of `anna`.
  const cy = `${uniqueName('mscy')}.koch`;
  const od = uniqueName('msod');

  it('routes users by an imapserver column; each has its folder set on its own server and no mailbox on the others', async () => {
    const bad = uniqueName('msbad');
    const wrong = uniqueName('mswrong');
    const out = await importFile(csv([
      row(de, { language: 'DE', imapserver: 'imap1' }), row(fr, { language: 'FR', imapserver: 'imap2' }),
      row(cy, { language: 'DE', imapserver: 'cyrus1', quotasize: '50' }), row(od, { language: 'EN', imapserver: 'cyrus2' }),
      row(bad, { language: 'EN', imapserver: 'imap9' }), row(wrong, { language: 'DE', imapserver: 'cyrus2' }),
    ]), { config: configFile });
    const by = Object.fromEntries(out.report.map((r) => [r.username, r]));
    expect([by[de].status, by[fr].status, by[cy].status, by[od].status]).toEqual(['created', 'created', 'created', 'created']);
    expect(by[cy].imap).toBe('created');
    expect(by[od].imap).toBe('on demand');
    expect([by[bad].status, by[bad].error_code, by[bad].field]).toEqual(['rejected', 'MAIL_UNKNOWN_SERVER', 'imapserver']);
    expect([by[wrong].status, by[wrong].error_code]).toEqual(['rejected', 'MAIL_STYLE_MISMATCH']);

    // The directory holds each user's server: imapServer, smtpServer and colocRouteAddr of that server.
    for (const [u, server] of [[de, 'imap1'], [fr, 'imap2'], [cy, 'cyrus1'], [od, 'cyrus2']] as const) {
      const s = config.mail.servers.find((x) => x.name === server)!;
      expect(await entry(u)).toEqual({ imapServer: s.imapServer, smtpServer: s.smtpServer, colocRouteAddr: `${u}@${s.routeDomain}` });
    }
    // The on-demand Cyrus has nothing for its user before the first login: the import wrote nothing there.
    expect(await cyrusMailboxes('cyrus2', od)).toEqual([]);

    expect((await loginOn('imap1', de))?.folders).toEqual(DE);
    expect((await loginOn('imap2', fr))?.folders).toEqual(FR);
    const cyrus = await loginOn('cyrus1', cy);
    expect(cyrus?.folders).toEqual(DE);
    // Cyrus keeps the quota itself: set by SETQUOTA, shown by GETQUOTAROOT.
    expect(cyrus?.quotaKB).toBe(50 * 1024);
    // At the first login the on-demand Cyrus makes the configured folders, subscribed.
    expect((await loginOn('cyrus2', od))?.folders).toEqual(EN);
    expect(await cyrusMailboxes('cyrus2', od)).toContain(`user/${od}/Sent`);

    // No server shows a mailbox to a user whose mail lives elsewhere.
    for (const [u, own] of [[de, 'imap1'], [fr, 'imap2'], [cy, 'cyrus1'], [od, 'cyrus2']] as const) {
      for (const other of ['imap1', 'imap2', 'cyrus1', 'cyrus2'].filter((s) => s !== own)) expect(await loginOn(other, u), `${u} on ${other}`).toBeUndefined();
    }
    expect(await cyrusMailboxes('cyrus1', de)).toEqual([]);
  }, 120_000);

  it('routes by a derive rule of the mapping, and never moves a user silently', async () => {
    const a = uniqueName('msda');
    const b = uniqueName('msdb');
    const mapping = path.join(dir, `${uniqueName('m')}.json`);
    fs.writeFileSync(mapping, JSON.stringify({ derive: { imapserver: '{country}' }, values: { imapserver: { de: 'imap1', fr: 'imap2' } } }));
    const first = await importFile(csv([row(a, { language: 'DE', country: 'DE' }), row(b, { language: 'FR', country: 'FR' })]), { config: configFile, mapping });
    expect(first.report.map((r) => r.status)).toEqual(['created', 'created']);
    expect((await entry(a)).imapServer).toBe(config.mail.servers.find((s) => s.name === 'imap1')!.imapServer);
    expect((await entry(b)).imapServer).toBe(config.mail.servers.find((s) => s.name === 'imap2')!.imapServer);

    // An update that names another server keeps the mailbox where it is, and says so with its code.
    const again = await importFile(csv([row(a, { language: 'DE', country: 'DE', imapserver: 'imap2' })]), { config: configFile, onExisting: 'update' });
    expect(again.report[0].status).not.toBe('failed');
    expect(again.report[0].notes).toContain('MAIL_SERVER_KEPT');
    expect((await entry(a)).imapServer).toBe(config.mail.servers.find((s) => s.name === 'imap1')!.imapServer);
    expect((await loginOn('imap1', a))?.folders).toEqual(DE);
    expect(await loginOn('imap2', a)).toBeUndefined();
  }, 120_000);

  it('--spread places new users on the servers with the fewest users, only where their folder set fits', async () => {
    const servers = ['imap1', 'imap2', 'cyrus1', 'cyrus2'];
    const count = async () => {
      const counts: Record<string, number> = {};
      await withLdapAdmin(config, async (c) => {
        for (const s of config.mail.servers) {
          const { searchEntries } = await c.search(config.ldap.peopleDn, { scope: 'one', filter: `(imapServer=${s.imapServer})`, attributes: ['uid'] });
          counts[s.name] = searchEntries.length;
        }
      });
      return counts;
    };
    const before = await count();
    const names = Array.from({ length: 12 }, (_, i) => uniqueName(`mssp${i}`));
    // German users: never on cyrus2, whose one folder set is English.
    const out = await importFile(csv(names.map((n) => row(n, { language: 'DE' }))), { config: configFile, spread: true });
    expect(out.report.every((r) => r.status === 'created')).toBe(true);
    const after = await count();
    const added = Object.fromEntries(servers.map((s) => [s, after[s] - before[s]]));
    expect(added.cyrus2).toBe(0);
    expect(added.imap1 + added.imap2 + added.cyrus1).toBe(12);
    // Evenly: no server got a user while another that fits had fewer.
    const fitting = ['imap1', 'imap2', 'cyrus1'];
    const low = Math.min(...fitting.map((s) => after[s]));
    for (const s of fitting) if (added[s] > 0) expect(after[s] - 1, s).toBeLessThanOrEqual(low);
  }, 120_000);

  it('setquota changes the Cyrus quota; deluser removes the Cyrus mailbox', async () => {
    // A user of its own on cyrus1 (a dotted name, 50 MB), as the first test routes one there.
    const cy = `${uniqueName('mscq')}.koch`;
    const made = await importFile(csv([row(cy, { language: 'DE', imapserver: 'cyrus1', quotasize: '50' })]), { config: configFile });
    expect(made.report[0]).toMatchObject({ status: 'created', imap: 'created' });
    const svc = createAdminService(loadConfig({ file: configFile, env: {} }));
    try {
      const admin = { adminuser: 'mailadmin', adminpasswd: 'secret' };
      expect((await svc.call('setquota', { ...admin, username: cy, quotasize: '80' })).status).toBe('updated');
      expect((await loginOn('cyrus1', cy))?.quotaKB).toBe(80 * 1024);
      expect(await cyrusMailboxes('cyrus1', cy)).toContain(`user/${cy}`);
      const removed = await svc.call('deluser', { ...admin, username: cy });
      expect(removed.status).not.toBe('failed');
      expect(await cyrusMailboxes('cyrus1', cy)).toEqual([]);
      expect(await entry(cy)).toEqual({ imapServer: '', smtpServer: '', colocRouteAddr: '' });
    } finally {
      await svc.close();
    }
  }, 60_000);

  it('a Dovecot stopped in the middle of an import fails only its own users, named; --retry-failed finishes them', async () => {
    const names = Array.from({ length: 120 }, (_, i) => uniqueName(`msout${i}`));
    const file = csv(names.map((n, i) => row(n, { language: 'EN', imapserver: i % 2 ? 'imap2' : 'imap1' })));
    const report = path.join(dir, uniqueName('r'));
    let stopped: Promise<void> | undefined;
    const out = await importFile(file, { config: configFile, report, batchSize: '10' }, {
      onJob: (job) => {
        const poll = setInterval(() => {
          if (job.snapshot().rowsDone >= 20 && !stopped) {
            clearInterval(poll);
            stopped = fault.stack.stop('imap2');
          }
          if (job.snapshot().state === 'done') clearInterval(poll);
        }, 20);
      },
    });
    await stopped;
    const failed = out.report.filter((r) => r.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    // Only imap2's users fail, their message names the server; every imap1 user is complete.
    for (const r of failed) {
      expect(names.indexOf(r.username) % 2).toBe(1);
      expect(r.imap).toBe('failed');
      expect(r.message).toContain('mail server imap2');
    }
    expect(out.report.filter((r) => names.indexOf(r.username) % 2 === 0).every((r) => r.status === 'created')).toBe(true);

    await fault.stack.start('imap2');
    const retried = await importFile(file, { config: configFile, retryFailed: path.join(report, 'report.csv'), report: path.join(dir, uniqueName('r')) });
    expect(retried.report.filter((r) => r.status === 'failed')).toEqual([]);
    for (const r of failed.slice(0, 3)) expect((await loginOn('imap2', r.username))?.folders).toEqual(EN);
  }, 180_000);
});
