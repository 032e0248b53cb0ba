import { LdapConnection } from './ldap-connection.js';
import { OxprovError } from '../../errors.js';
import { list } from './entry-values.js';
import { ldapError, ldapResultCode } from './ldap-errors.js';

/** Where a company's people are read from (`--from-ldap`): the paper's ldap.properties, as options. */
export interface DirectoryReadOptions {
  readonly url: string;
  readonly base: string;
  readonly scope: 'one' | 'sub';
  /** Default `(objectClass=inetOrgPerson)`. */
  readonly filter: string;
  /** Anonymous when absent. */
  readonly bindDn?: string;
  readonly bindPassword?: string;
  readonly attributes: readonly string[];
  readonly timeoutMs: number;
  readonly startTls?: boolean;
  readonly ca?: string;
  readonly pageSize?: number;
}

/** One entry of a company directory: its DN and every value of the attributes asked for, as strings. */
export interface DirectoryEntry {
  readonly dn: string;
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

/**
 * Reads the entries of a directory one page at a time (a paged search: memory
 * stays flat however many people the company has). `open` binds and reads the
 * first page, so that a server that is down, a refused bind or a wrong base ends
 * the run before anything is written (LDAP_CONNECT, LDAP_AUTH, LDAP_NO_SUCH_OBJECT).
 */
export class DirectoryEntryReader {
  private constructor(private readonly client: LdapConnection, private readonly options: DirectoryReadOptions, private readonly firstPage: DirectoryEntry[], private readonly rest: AsyncIterator<{ searchEntries: unknown[] }>) {}

  static async open(options: DirectoryReadOptions): Promise<DirectoryEntryReader> {
    let client: LdapConnection;
    try {
      client = await LdapConnection.open({ url: options.url, bindDn: options.bindDn ?? '', bindPassword: options.bindPassword ?? '', timeoutMs: options.timeoutMs, startTls: options.startTls ?? false, ca: options.ca });
    } catch (err) {
      const e = ldapError(err, `binding to ${options.url}${options.bindDn ? ` as ${options.bindDn}` : ''}`);
      throw e.code === 'LDAP_FAILED' && ldapResultCode(err) === undefined
        ? new OxprovError('LDAP_CONNECT', `cannot reach the company directory at ${options.url}: ${e.message}`, { backend: 'ldap', unreachable: true, cause: err })
        : e;
    }
    try {
      const pages = client.searchPaginated(options.base, {
        scope: options.scope, filter: options.filter, attributes: [...options.attributes], paged: { pageSize: options.pageSize ?? 500 },
      })[Symbol.asyncIterator]();
      const first = await pages.next();
      return new DirectoryEntryReader(client, options, first.done ? [] : toEntries(first.value.searchEntries), pages);
    } catch (err) {
      await client.close();
      if (ldapResultCode(err) === 32) throw new OxprovError('LDAP_NO_SUCH_OBJECT', `the company directory at ${options.url} has no entry ${options.base} (--base)`, { backend: 'ldap', field: '--base', value: options.base });
      throw ldapError(err, `reading ${options.base} of ${options.url}`);
    }
  }

  /** The entries, page after page; the first page was read by `open`. */
  async *pages(): AsyncGenerator<DirectoryEntry[]> {
    if (this.firstPage.length) yield this.firstPage;
    try {
      for (;;) {
        const next = await this.rest.next();
        if (next.done) return;
        yield toEntries(next.value.searchEntries);
      }
    } catch (err) {
      throw ldapError(err, `reading ${this.options.base} of ${this.options.url}`);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

function toEntries(entries: unknown[]): DirectoryEntry[] {
  return (entries as { dn: string; [k: string]: unknown }[]).map((e) => {
    const attributes: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(e)) {
      if (k === 'dn') continue;
      attributes[k] = list(v).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
    }
    return { dn: e.dn, attributes };
  });
}
