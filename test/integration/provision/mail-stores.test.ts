import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DoveadmApiMailStore } from '../../../src/provision/imap/doveadm-api-mail-store.js';
import { DovecotMailStore } from '../../../src/provision/imap/dovecot-mail-store.js';
import type { MailStore } from '../../../src/provision/imap/mail-store.js';
import { openBackends } from '../../../src/provision/open-backends.js';
import { openServices, type Services } from '../../../src/service/open-services.js';
import { userSpec } from '../../../src/model/user-spec.js';
import { imapFolders } from '../../helpers/clients.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

const config = stackConfig();
const FOLDERS = ['INBOX', 'Gesendet', 'Entwürfe', 'Papierkorb', 'Vorlagen', 'Junk'];
let ldap: Services;

beforeAll(async () => { ldap = await openServices(config, { only: ['ldap'] }); });
afterAll(async () => { await ldap?.close(); });

async function ldapUser(prefix: string): Promise<string> {
  const username = uniqueName(prefix);
  await ldap.users.provisionUser(userSpec({ username, password: 'Pw-mailstore-1', surname: 'Store', mail: `${username}@test.tux`, colocrouteaddr: `${username}@localhost` }), { only: ['ldap'] });
  return username;
}

const stores: [string, () => MailStore][] = [
  ['IMAP sessions through the master user', () => new DovecotMailStore(config.imap)],
  ['the doveadm HTTP API', () => new DoveadmApiMailStore(config.imap, new DovecotMailStore(config.imap))],
];

describe.each(stores)('the Dovecot mail store over %s', (_name, make) => {
  it('creates exactly the folders (UTF-8 names included), then reports them as existing', async () => {
    const store = make();
    const username = await ldapUser('ms');
    expect((await store.ensureMailbox(username, FOLDERS)).outcome).toBe('created');
    expect(await imapFolders(config, username, 'Pw-mailstore-1')).toEqual([...FOLDERS].sort());
    expect(await store.ensureMailbox(username, FOLDERS)).toEqual({ outcome: 'exists', created: [] });
    expect(await store.deleteMailbox(username)).toBe('deleted');
    expect(await imapFolders(config, username, 'Pw-mailstore-1')).toEqual(['INBOX']);
    expect(await store.deleteMailbox(username)).toBe('gone');
    await store.close();
  });

  it('fails with an IMAP code for a user the server does not know', async () => {
    const store = make();
    await expect(store.ensureMailbox(uniqueName('nobody'), FOLDERS)).rejects.toMatchObject({ code: expect.stringMatching(/^IMAP_/), backend: 'imap' });
  });
});

describe('the doveadm API in bulk', () => {
  it('answers each user of one request on its own', async () => {
    const store = new DoveadmApiMailStore(config.imap, new DovecotMailStore(config.imap));
    const a = await ldapUser('bulk');
    const b = await ldapUser('bulk');
    const answers = await store.ensureMailboxes([{ username: a, folders: FOLDERS }, { username: uniqueName('ghost'), folders: FOLDERS }, { username: b, folders: ['INBOX', 'Sent'] }]);
    expect(answers[0]).toEqual({ outcome: 'created', created: FOLDERS.slice(1) });
    expect(answers[1]).toMatchObject({ code: 'IMAP_NO_SUCH_USER' });
    expect(answers[2]).toEqual({ outcome: 'created', created: ['Sent'] });
    expect(await imapFolders(config, b, 'Pw-mailstore-1')).toEqual(['INBOX', 'Sent']);
  });

  it('refuses a wrong API key with IMAP_AUTH', async () => {
    const store = new DoveadmApiMailStore({ ...config.imap, doveadmApiKey: 'wrong' }, new DovecotMailStore(config.imap));
    await expect(store.ensureMailbox('anyone', FOLDERS)).rejects.toMatchObject({ code: 'IMAP_AUTH' });
  });
});

describe('checking the mail store before anything is written', () => {
  it('passes on the running server with the right key', async () => {
    await new DoveadmApiMailStore(config.imap, new DovecotMailStore(config.imap)).init();
    await new DovecotMailStore(config.imap).init();
  });

  it('fails with IMAP_CONNECT on a closed port and IMAP_AUTH on a wrong API key, and opening the back-ends fails with it', async () => {
    await expect(new DovecotMailStore({ ...config.imap, port: 1 }).init()).rejects.toMatchObject({ code: 'IMAP_CONNECT' });
    await expect(new DoveadmApiMailStore({ ...config.imap, doveadmApiKey: 'wrong' }, new DovecotMailStore(config.imap)).init()).rejects.toMatchObject({ code: 'IMAP_AUTH' });
    const wrong = { ...config, imap: { ...config.imap, doveadmApiKey: 'wrong' }, mail: { ...config.mail, servers: config.mail.servers.map((s) => ({ ...s, doveadmApiKey: 'wrong' })) } };
    await expect(openBackends(wrong)).rejects.toMatchObject({ code: 'IMAP_AUTH' });
  });
});
