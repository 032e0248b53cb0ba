import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServices } from '../../../src/service/open-services.js';
import { dovecotFolderConfig } from '../../../src/templates/dovecot-folders.js';
import { ImapFolderTemplates } from '../../../src/templates/imap-folder-templates.js';
import { startFaultStack, type FaultStack } from '../../helpers/fault-stack.js';
import { withImapLogin } from '../../helpers/clients.js';
import { importFile, tmpDir, writeCsv } from '../../helpers/import-helpers.js';
import { uniqueName } from '../../helpers/stack-config.js';

/**
 * Folders on demand, on a stack of its own started with `--mail-folders on-demand`:
 * its Dovecot runs the configuration of `oxprov dovecot-config`, and the import
 * skips the mail step. Real IMAP logins show each user exactly the folder set of
 * their language and style, subscribed and with special-use flags, although no
 * folder existed before; the folders reach the disk at the first use.
 */
let fault: FaultStack;
let configFile: string;
const dir = tmpDir('on-demand');
const p = uniqueName('od');
const PW = 'Secret-on-demand-1';
const HEADER = ['username', 'password', 'surname', 'mail', 'colocrouteaddr', 'language', 'ox_user_create_imap_template', 'quotasize'];
const user = (name: string, language: string, style = '', quota = '') => [`${p}${name}`, PW, name, `${p}${name}@test.tux`, `${p}${name}@localhost`, language, style, quota];
const mailHome = (name: string) => path.join(fault.env.OXPROV_STACK_DIR!, 'dovecot', 'mail', `${p}${name}`);

type Folder = { path: string; specialUse?: string; subscribed?: boolean };
async function folders(name: string): Promise<Folder[]> {
  return withImapLogin(fault.config, `${p}${name}`, PW, async (c) => (await c.list({ statusQuery: {} }))
    .map((m) => ({ path: m.path, specialUse: m.specialUse, subscribed: m.subscribed }))
    .sort((a, b) => a.path.localeCompare(b.path)));
}
// imapflow reports INBOX as \Inbox, subscribed.
const set = (...f: [string, string?][]) => f.map(([p2, specialUse]) => ({ path: p2, specialUse: p2 === 'INBOX' ? '\\Inbox' : specialUse, subscribed: true })).sort((a, b) => a.path.localeCompare(b.path));

/** Imports one user of a test's own on demand (no folders made), as the first test does for its five. */
async function importOnDemand(name: string, language: string, quota = ''): Promise<void> {
  const run = await importFile(writeCsv(dir, `${name}.csv`, [HEADER, user(name, language, '', quota)]), { config: configFile });
  expect(run.report[0]).toMatchObject({ status: 'created', imap: 'on demand' });
}

/** Stores a message into the user's trash (Papierkorb): the mailbox and that folder reach the disk. */
async function storeInTrash(name: string): Promise<void> {
  await withImapLogin(fault.config, `${p}${name}`, PW, (c) => c.append('Papierkorb', 'From: a@test.tux\r\nSubject: weg\r\n\r\nweg\r\n'));
}

beforeAll(async () => {
  fault = await startFaultStack(23030, { OXPROV_STACK_MAIL_FOLDERS: 'on-demand' });
  configFile = fault.stack.configFile();
}, 180_000);
afterAll(async () => {
  await fault?.down();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('imap.folders on-demand: Dovecot makes every user\'s folders in their language and style', () => {
  it('the import skips the mail step; logins list and subscribe exactly each set, with special-use flags; nothing was on disk before', async () => {
    const run = await importFile(writeCsv(dir, 'od.csv', [HEADER, user('de', 'DE', '', '50'), user('fr', 'FR'), user('en', 'EN'), user('tb', 'DE', 'DE_Thunderbird'), user('none', '')]), { config: configFile });
    expect(run.exitCode).toBe(0);
    for (const r of run.report) expect(r).toMatchObject({ status: 'created', ldap: 'created', sql: 'created', imap: 'on demand' });
    expect(run.stdout).toMatch(/imap\s+0\s+0\s+0\s+0\s+0\s+5/);
    for (const n of ['de', 'fr', 'en', 'tb', 'none']) expect(fs.existsSync(mailHome(n))).toBe(false);

    expect(await folders('de')).toEqual(set(['INBOX'], ['Gesendete Objekte', '\\Sent'], ['Entwürfe', '\\Drafts'], ['Papierkorb', '\\Trash'], ['Spam', '\\Junk']));
    expect(await folders('fr')).toEqual(set(['INBOX'], ['Envoyés', '\\Sent'], ['Brouillons', '\\Drafts'], ['Corbeille', '\\Trash'], ['Indésirables', '\\Junk']));
    expect(await folders('en')).toEqual(set(['INBOX'], ['Sent', '\\Sent'], ['Drafts', '\\Drafts'], ['Trash', '\\Trash'], ['Spam', '\\Junk']));
    expect(await folders('tb')).toEqual(set(['INBOX'], ['Gesendet', '\\Sent'], ['Entwürfe', '\\Drafts'], ['Papierkorb', '\\Trash'], ['Vorlagen'], ['Junk', '\\Junk']));
    // No language: the template's default language.
    expect((await folders('none')).map((f) => f.path)).toEqual(['Drafts', 'INBOX', 'Sent', 'Spam', 'Trash']);
  }, 120_000);

  it('a message stored into the trash lands in a folder on disk; the quota comes from the directory', async () => {
    // A German user of its own with 50 MB, imported on demand.
    await importOnDemand('trash', 'DE', '50');
    await withImapLogin(fault.config, `${p}trash`, PW, async (c) => {
      await c.append('Papierkorb', 'From: a@test.tux\r\nSubject: weg\r\n\r\nweg\r\n');
      const q = await c.getQuota('INBOX');
      expect(q && q.storage?.limit).toBe(50 * 1024 * 1024);
    });
    const dirs = fs.readdirSync(path.join(mailHome('trash'), 'Maildir'));
    expect(dirs).toContain('.Papierkorb');
    expect(fs.readdirSync(path.join(mailHome('trash'), 'Maildir', '.Papierkorb', 'new')).length + fs.readdirSync(path.join(mailHome('trash'), 'Maildir', '.Papierkorb', 'cur')).length).toBe(1);
  }, 60_000);

  it('a user whose language changes sees the new set, and keeps the old folders that hold mail', async () => {
    // A German user of its own, imported on demand, with mail in its Papierkorb.
    await importOnDemand('lang', 'DE', '50');
    await storeInTrash('lang');
    const run = await importFile(writeCsv(dir, 'od-fr.csv', [HEADER, user('lang', 'FR', '', '50')]), { config: configFile, onExisting: 'update' });
    expect(run.report[0]).toMatchObject({ status: 'updated', ldap: 'updated', imap: 'on demand' });
    const now = (await folders('lang')).map((f) => f.path);
    expect(now).toEqual(expect.arrayContaining(['INBOX', 'Envoyés', 'Brouillons', 'Corbeille', 'Indésirables', 'Papierkorb']));
  }, 60_000);

  it('a user made with folders up front keeps them and works unchanged; deluser removes a mailbox that exists on disk', async () => {
    const eager = path.join(dir, 'eager.json');
    const settings = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    fs.writeFileSync(eager, JSON.stringify({ ...settings, imap: { ...settings.imap, folders: 'eager' } }), { mode: 0o600 });
    const run = await importFile(writeCsv(dir, 'eager.csv', [HEADER, user('old', 'DE')]), { config: eager });
    expect(run.report[0]).toMatchObject({ status: 'created', imap: 'created' });
    expect((await folders('old')).map((f) => f.path)).toEqual(['Entwürfe', 'Gesendete Objekte', 'INBOX', 'Papierkorb', 'Spam']);

    // A user made on demand whose mailbox reached the disk (mail in its Papierkorb).
    await importOnDemand('gone', 'DE');
    await storeInTrash('gone');
    expect(fs.existsSync(path.join(mailHome('gone'), 'Maildir', '.Papierkorb'))).toBe(true);
    const svc = await openServices(fault.config);
    try {
      const gone = await svc.users.deleteUser(`${p}gone`);
      expect(gone.steps.imap).toBe('deleted');
      expect(fs.existsSync(path.join(mailHome('gone'), 'Maildir', '.Papierkorb'))).toBe(false);
    } finally {
      await svc.close();
    }
  }, 60_000);

  it('the stack\'s Dovecot runs exactly what oxprov dovecot-config prints', () => {
    const generated = dovecotFolderConfig(ImapFolderTemplates.load(path.resolve('templates/ImapFolders.xml')));
    const root = path.join(fault.env.OXPROV_STACK_DIR!, 'dovecot');
    expect(fs.readFileSync(path.join(root, 'dovecot.conf'), 'utf8')).toContain(generated.namespaces);
    expect(fs.readFileSync(path.join(root, 'dovecot-ldap.conf.ext'), 'utf8')).toContain(generated.userAttrs.join(', '));
  });
});
