import { ImapFlow } from 'imapflow';
import type { ImapConfig } from '../../config/config.js';
import { imapError } from './imap-error.js';

/**
 * One IMAP session of a mail store, with the deadlines of the config: connects,
 * runs `work`, logs out (or closes). Every failure is an IMAP_* error about `subject`.
 */
export async function withImapSession<T>(c: Readonly<ImapConfig>, auth: { user: string; pass: string; authzid?: string; loginMethod?: string }, subject: string, work: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({
    host: c.host, port: c.port, secure: c.secure, logger: false, auth,
    connectionTimeout: Math.min(10_000, c.timeoutMs), greetingTimeout: Math.min(10_000, c.timeoutMs), socketTimeout: c.timeoutMs,
    // Local servers use self-signed certificates; real ones configure `secure` with a proper chain.
    tls: { rejectUnauthorized: c.host !== '127.0.0.1' && c.host !== 'localhost', ca: c.ca },
    clientInfo: { name: 'oxprov' },
  });
  // Without a listener a late socket error would crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    throw imapError(err, subject);
  }
  try {
    return await work(client);
  } catch (err) {
    throw imapError(err, subject);
  } finally {
    await client.logout().catch(() => client.close());
  }
}
