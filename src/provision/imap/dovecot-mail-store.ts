import net from 'node:net';
import tls from 'node:tls';
import type { ImapFlow } from 'imapflow';
import type { ImapConfig } from '../../config/config.js';
import { imapError } from './imap-error.js';
import { withImapSession } from './imap-session.js';
import type { MailboxResult, MailStore } from './mail-store.js';

/**
 * Dovecot through IMAP, logged in as each user via the master user
 * (`user*master`), so no user password is needed. Quota is not set here: Dovecot
 * reads it from the user's LDAP entry at every login (see shared notes).
 */
export class DovecotMailStore implements MailStore {
  constructor(private readonly config: Readonly<ImapConfig>) {}

  private session<T>(username: string, work: (c: ImapFlow) => Promise<T>): Promise<T> {
    const c = this.config;
    return withImapSession(c, { user: `${username}${c.masterSeparator}${c.masterUser}`, pass: c.masterPassword }, username, work);
  }

  /**
   * Connects and reads the greeting. The master password can only be tried with a
   * user to log in as, so it is checked by the first mailbox, not here.
   */
  async init(): Promise<void> {
    const c = this.config;
    await new Promise<void>((resolve, reject) => {
      const socket = (c.secure ? tls.connect({ host: c.host, port: c.port, servername: c.host, ca: c.ca, rejectUnauthorized: c.host !== '127.0.0.1' && c.host !== 'localhost' }) : net.connect({ host: c.host, port: c.port }));
      const done = (err?: Error) => { socket.destroy(); if (err) reject(imapError(err, '(connection check)')); else resolve(); };
      socket.setTimeout(10_000, () => done(Object.assign(new Error(`no answer from ${c.host}:${c.port}`), { code: 'ETIMEDOUT' })));
      socket.once('error', done);
      socket.once('data', (d: Buffer) => done(/^\* (OK|PREAUTH)/i.test(d.toString('latin1')) ? undefined : new Error(`unexpected greeting from ${c.host}:${c.port}`)));
    });
  }

  async ensureMailbox(username: string, folders: readonly string[]): Promise<MailboxResult> {
    return this.session(username, async (client) => {
      const existing = new Set((await client.list()).map((m) => m.path.normalize('NFC')));
      const created: string[] = [];
      for (const folder of folders) {
        if (folder.toUpperCase() === 'INBOX' || existing.has(folder.normalize('NFC'))) continue;
        // `created: false` when another run made it meanwhile: a result, not an error.
        const r = await client.mailboxCreate(folder);
        if (r.created) created.push(folder);
        await client.mailboxSubscribe(folder);
      }
      return { outcome: created.length ? 'created' : 'exists', created };
    });
  }

  async listFolders(username: string): Promise<string[]> {
    return this.session(username, async (client) => (await client.list()).map((m) => m.path.normalize('NFC')).sort());
  }

  async deleteMailbox(username: string): Promise<'deleted' | 'gone'> {
    return this.session(username, async (client) => {
      let deleted = false;
      const boxes = (await client.list()).filter((m) => m.path.toUpperCase() !== 'INBOX');
      // Children before parents.
      boxes.sort((a, b) => b.path.length - a.path.length);
      for (const m of boxes) {
        await client.mailboxDelete(m.path);
        deleted = true;
      }
      const inbox = await client.mailboxOpen('INBOX');
      if (inbox.exists > 0) {
        await client.messageDelete('1:*');
        deleted = true;
      }
      await client.mailboxClose();
      return deleted ? 'deleted' : 'gone';
    });
  }

  async close(): Promise<void> {}
}
