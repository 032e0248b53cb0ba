import type { ImapFlow } from 'imapflow';
import type { ImapConfig } from '../../config/config.js';
import { OxprovError } from '../../errors.js';
import { withImapSession } from './imap-session.js';
import type { MailboxResult, MailStore } from './mail-store.js';

type Attribute = { type: 'ATOM' | 'STRING'; value: string };

/**
 * Cyrus IMAP (3.x), as in the paper: the administrator (`masterUser`, one of
 * `imapd.conf`'s `admins` and `proxyservers`) creates `user.NAME` and sets its
 * quota (`SETQUOTA`, which Cyrus takes); the folders are made and subscribed in a
 * session as the user, opened by the administrator with SASL PLAIN and the user as
 * authorization identity, so no user password is needed. Names are those of
 * `altnamespace: no`, read from the server's NAMESPACE: with `unixhierarchysep: yes` (Cyrus 3's
 * default, needed for user names with dots) the mailbox is `user/anna.koch`, a folder `INBOX/Sent`.
 */
export class CyrusMailStore implements MailStore {
  constructor(private readonly config: Readonly<ImapConfig>) {}

  private session<T>(asUser: string | undefined, work: (c: ImapFlow) => Promise<T>, subject: string): Promise<T> {
    const c = this.config;
    const auth = asUser === undefined ? { user: c.masterUser, pass: c.masterPassword } : { user: c.masterUser, pass: c.masterPassword, authzid: asUser, loginMethod: 'AUTH=PLAIN' };
    return withImapSession(c, auth, subject, work);
  }

  /** An administrator's command imapflow has no method for. `next()` releases imapflow's command queue. */
  private static async command(client: ImapFlow, name: string, attributes: (Attribute | Attribute[])[]): Promise<void> {
    const r = await (client as unknown as { exec(c: string, a: unknown[]): Promise<{ next(): void }> }).exec(name, attributes);
    r.next();
  }

  /**
   * A user's mailbox as the administrator names it: the server's other-users prefix and the name
   * (`user/anna.koch` with `unixhierarchysep: yes`; with `no`, a dotted name would be a folder).
   */
  private static mailbox(client: ImapFlow, username: string): Attribute {
    const other = client.namespaces?.other;
    const prefix = other && other.length ? other[0].prefix : 'user.';
    return { type: 'STRING', value: `${prefix}${username}` };
  }

  /** A folder of the user's own session: the personal prefix (`INBOX/` with `altnamespace: no`) and the name. */
  private static folder(client: ImapFlow, name: string): string {
    return `${client.namespace?.prefix ?? ''}${name}`;
  }

  private static quota(client: ImapFlow, username: string, megabytes: number): (Attribute | Attribute[])[] {
    // Cyrus counts STORAGE in KiB; an empty list removes the limit.
    return [CyrusMailStore.mailbox(client, username), megabytes === 0 ? [] : [{ type: 'ATOM', value: 'STORAGE' }, { type: 'ATOM', value: String(megabytes * 1024) }]];
  }

  /** Logs in as the administrator: checks the server and the credentials before anything is written. */
  async init(): Promise<void> {
    try {
      await this.session(undefined, async () => {}, '(administrator)');
    } catch (err) {
      if (err instanceof OxprovError && err.code === 'IMAP_AUTH') {
        throw new OxprovError('IMAP_AUTH', `the Cyrus administrator ${this.config.masterUser} was refused (wrong name or password, or not in imapd.conf's admins)`, { backend: 'imap', cause: err });
      }
      throw err;
    }
  }

  async ensureMailbox(username: string, folders: readonly string[], options: { quotaMB?: number } = {}): Promise<MailboxResult> {
    const created: string[] = [];
    await this.session(undefined, async (client) => {
      const inbox = await client.mailboxCreate(CyrusMailStore.mailbox(client, username).value).catch((err: { responseText?: string }) => {
        if (/exists/i.test(err.responseText ?? '')) return { created: false };
        throw err;
      });
      if (inbox.created) created.push('INBOX');
      if (options.quotaMB !== undefined) await CyrusMailStore.command(client, 'SETQUOTA', CyrusMailStore.quota(client, username, options.quotaMB));
    }, username);
    await this.session(username, async (client) => {
      const existing = new Set((await client.list()).map((m) => m.path.normalize('NFC')));
      for (const folder of folders) {
        if (folder.toUpperCase() === 'INBOX') continue;
        const path = CyrusMailStore.folder(client, folder);
        if (!existing.has(path.normalize('NFC'))) {
          const r = await client.mailboxCreate(path);
          if (r.created) created.push(folder);
        }
        await client.mailboxSubscribe(path);
      }
    }, username);
    return { outcome: created.length ? 'created' : 'exists', created };
  }

  async listFolders(username: string): Promise<string[]> {
    return this.session(username, async (client) => (await client.list()).map((m) => m.path.normalize('NFC')).sort(), username);
  }

  async deleteMailbox(username: string): Promise<'deleted' | 'gone'> {
    return this.session(undefined, async (client) => {
      try {
        // An administrator may delete a mailbox only with the x right, which it may always grant itself.
        await CyrusMailStore.command(client, 'SETACL', [CyrusMailStore.mailbox(client, username), { type: 'STRING', value: this.config.masterUser }, { type: 'ATOM', value: 'x' }]);
        await CyrusMailStore.command(client, 'DELETE', [CyrusMailStore.mailbox(client, username)]);
        return 'deleted';
      } catch (err) {
        if (/does not exist|nonexistent/i.test((err as { responseText?: string }).responseText ?? '')) return 'gone';
        throw err;
      }
    }, username);
  }

  async setQuota(username: string, megabytes: number): Promise<void> {
    await this.session(undefined, async (client) => {
      try {
        await CyrusMailStore.command(client, 'SETQUOTA', CyrusMailStore.quota(client, username, megabytes));
      } catch (err) {
        if (/does not exist|nonexistent/i.test((err as { responseText?: string }).responseText ?? '')) {
          throw new OxprovError('IMAP_NO_SUCH_USER', `${username} has no mailbox on this Cyrus server`, { backend: 'imap', cause: err });
        }
        throw err;
      }
    }, username);
  }

  async close(): Promise<void> {}
}
