import { isIP } from 'node:net';
import { Client, type Change, type Entry, type SearchOptions, type SearchResult } from 'ldapts';
import { ldapError } from './ldap-errors.js';

/** Where and as whom a connection binds. */
export interface LdapEndpoint {
  readonly url: string;
  readonly bindDn: string;
  readonly bindPassword: string;
  /** Deadline of every operation, and of a reconnect. */
  readonly timeoutMs: number;
  /** Upgrade with StartTLS before every bind. */
  readonly startTls?: boolean;
  /** PEM CA certificate(s) to trust (ldaps:// and StartTLS). */
  readonly ca?: string;
}

/**
 * One bound connection to the directory, the only holder of an ldapts client.
 * Every operation has a deadline, and a connection that broke (a restarted
 * slapd) is rebuilt for the next operation, once for all of them:
 *
 * - ldapts reconnects lazily, but when several operations find the socket gone
 *   at the same moment each opens a socket of its own, and one of them can wait
 *   forever (its connect listener is removed by the other's). So the reconnect
 *   is done here, one bind for every waiting operation.
 * - An operation without an answer in time fails (transient, unreachable: the
 *   caller's retry decides), and the client is replaced, so nothing waits on a
 *   socket that is not coming back.
 */
export class LdapConnection {
  private client: Client;
  private reconnecting?: Promise<void>;
  private closed = false;

  private constructor(private readonly endpoint: LdapEndpoint) {
    this.client = this.newClient();
  }

  /** Connects and binds. @throws the bind's error (LDAP_AUTH, LDAP_CONNECT, …) */
  static async open(endpoint: LdapEndpoint): Promise<LdapConnection> {
    const conn = new LdapConnection(endpoint);
    try {
      await conn.run(() => Promise.resolve());
    } catch (err) {
      await conn.close();
      throw err;
    }
    return conn;
  }

  private newClient(): Client {
    const { url, timeoutMs, ca } = this.endpoint;
    // tlsOptions only for ldaps://: ldapts takes them as "connect with TLS", which a StartTLS port refuses.
    // autoRebind: a reconnect that ldapts makes on its own (the socket closed between our check and
    // the operation) must not run the operation anonymously, where the ACLs hide every user.
    return new Client({ url, timeout: timeoutMs, connectTimeout: Math.min(timeoutMs, 10_000), autoRebind: true, ...(url.startsWith('ldaps://') && ca ? { tlsOptions: { ca } } : {}) } as ConstructorParameters<typeof Client>[0]);
  }

  /** Runs one operation on a bound connection, within the deadline. */
  run<T>(op: (client: Client) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(ldapError(new Error('the LDAP connection is closed'), 'using the directory'));
    const client = this.client;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Whatever is stuck on this client stays stuck there: the next operation gets a new one.
        if (this.client === client) {
          this.client = this.newClient();
          this.reconnecting = undefined;
        }
        client.unbind().catch(() => {});
        reject(Object.assign(new Error(`no answer from ${this.endpoint.url} within ${this.endpoint.timeoutMs} ms (timeout)`), { code: 'ETIMEDOUT' }));
      }, this.endpoint.timeoutMs + 1_000);
    });
    const work = (async () => {
      await this.ready(client);
      return op(client);
    })();
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
  }

  private async ready(client: Client): Promise<void> {
    if (client.isConnected) return;
    const { bindDn, bindPassword, startTls, ca } = this.endpoint;
    // StartTLS first, so that the password crosses encrypted.
    this.reconnecting ??= (async () => {
      if (startTls) await client.startTLS(startTlsOptions(this.endpoint.url, ca));
      await client.bind(bindDn, bindPassword);
    })().finally(() => { this.reconnecting = undefined; });
    await this.reconnecting;
  }

  search(base: string, options: SearchOptions): Promise<SearchResult> {
    return this.run((c) => c.search(base, options));
  }

  add(dn: string, entry: Record<string, string | string[]>): Promise<void> {
    return this.run((c) => c.add(dn, entry));
  }

  modify(dn: string, changes: Change[]): Promise<void> {
    return this.run((c) => c.modify(dn, changes));
  }

  del(dn: string): Promise<void> {
    return this.run((c) => c.del(dn));
  }

  /** A paged search, each page within the deadline. */
  async *searchPaginated(base: string, options: SearchOptions): AsyncGenerator<{ searchEntries: Entry[] }> {
    const pages = await this.run(async (c) => c.searchPaginated(base, options));
    for (;;) {
      const next = await this.run(() => pages.next());
      if (next.done) return;
      yield next.value;
    }
  }

  /** Safe twice, and after a failed open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.unbind().catch(() => {});
  }
}

/** TLS options of StartTLS: a host name is the server name to check; an IP address is checked against the certificate's IP entries. */
function startTlsOptions(url: string, ca: string | undefined): { ca?: string; servername?: string } {
  const host = new URL(url).hostname;
  return isIP(host.replace(/^\[|\]$/g, '')) ? { ca } : { ca, servername: host };
}
