import type { MailServerConfig } from '../../config/config.js';
import { OxprovError } from '../../errors.js';
import { CyrusMailStore } from './cyrus-mail-store.js';
import { DoveadmApiMailStore } from './doveadm-api-mail-store.js';
import { DovecotMailStore } from './dovecot-mail-store.js';
import type { MailStore } from './mail-store.js';

/** What the rules need to know of a mail server; its connection stays in the store. */
export interface MailServerInfo {
  readonly name: string;
  readonly kind: MailServerConfig['kind'];
  readonly folders: MailServerConfig['folders'];
  readonly imapServer: string;
  readonly smtpServer: string;
  readonly routeDomain: string;
  readonly onDemandStyle?: string;
}

/**
 * The mail servers of a run (the paper's multi-location setup), each with its own
 * store, default first. A server that could not be reached when the run began
 * fails only its own users, each with the server's name and the reason; the run
 * fails at the start only when none can be reached.
 */
export class MailServers {
  private constructor(private readonly entries: ReadonlyMap<string, { info: MailServerInfo; store: MailStore }>, private readonly defaultName: string) {}

  /** Builds and checks every server's store. `override` replaces the default server's store (tests inject failures). */
  static async open(configs: readonly MailServerConfig[], defaultServer: string, override?: MailStore): Promise<MailServers> {
    const entries = new Map<string, { info: MailServerInfo; store: MailStore }>();
    const failures: OxprovError[] = [];
    // With several servers one that is down is that server's users' problem, not the run's: its errors
    // are not "unreachable" (which stops an import as a circuit breaker), only transient.
    const local = configs.length > 1;
    for (const c of configs) {
      let store = c.name === defaultServer && override ? override : storeFor(c);
      try {
        await store.init();
      } catch (err) {
        const e = err instanceof OxprovError ? err : new OxprovError('IMAP_FAILED', String(err), { backend: 'imap', cause: err });
        failures.push(e);
        store = new UnreachableMailStore(withServer(e, c, local));
      }
      entries.set(c.name, { info: infoOf(c), store: new NamedMailStore(store, c, local) });
    }
    if (failures.length === configs.length) {
      await Promise.all([...entries.values()].map((e) => e.store.close()));
      throw configs.length === 1 ? failures[0] : withServer(failures[0], configs[0], false, `no mail server can be reached (${configs.map((c) => c.name).join(', ')}); first`);
    }
    return new MailServers(entries, defaultServer);
  }

  /** One store as the only, default server (unit tests, single-server callers). */
  static single(store: MailStore, info: Partial<MailServerInfo> = {}): MailServers {
    const full: MailServerInfo = { name: 'imap1', kind: 'dovecot', folders: 'eager', imapServer: '127.0.0.1', smtpServer: '127.0.0.1', routeDomain: 'localhost', ...info };
    return new MailServers(new Map([[full.name, { info: full, store }]]), full.name);
  }

  get list(): MailServerInfo[] {
    return [...this.entries.values()].map((e) => e.info);
  }

  get default(): MailServerInfo {
    return this.entries.get(this.defaultName)!.info;
  }

  byName(name: string): MailServerInfo | undefined {
    return this.entries.get(name.toLowerCase())?.info;
  }

  /** The server whose `imapServer` this is; the default for none or an unknown one (users made before there were several). */
  byImapServer(value: string | undefined): MailServerInfo {
    const v = value?.toLowerCase();
    return this.list.find((s) => s.imapServer.toLowerCase() === v) ?? this.default;
  }

  store(name: string): MailStore {
    const e = this.entries.get(name.toLowerCase());
    if (!e) throw new OxprovError('MAIL_UNKNOWN_SERVER', `no mail server named ${name} is configured (configured: ${[...this.entries.keys()].join(', ')})`, { backend: 'imap', field: 'imapserver', value: name });
    return e.store;
  }

  async close(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.store.close()));
  }
}

function infoOf(c: MailServerConfig): MailServerInfo {
  return Object.freeze({ name: c.name, kind: c.kind, folders: c.folders, imapServer: c.imapServer, smtpServer: c.smtpServer, routeDomain: c.routeDomain, onDemandStyle: c.onDemandStyle });
}

function storeFor(c: MailServerConfig): MailStore {
  if (c.kind === 'cyrus') return new CyrusMailStore(c);
  const imap = new DovecotMailStore(c);
  return c.doveadmUrl && c.doveadmApiKey ? new DoveadmApiMailStore(c, imap) : imap;
}

/** The error with the server's name in front, so a report says which server failed. */
function withServer(err: OxprovError, c: MailServerConfig, local: boolean, prefix = `mail server ${c.name}`): OxprovError {
  if (err.message.startsWith(`mail server ${c.name}`) && !(local && err.unreachable)) return err;
  const message = err.message.startsWith(`mail server ${c.name}`) ? err.message : `${prefix} (${c.host}:${c.port}): ${err.message}`;
  return new OxprovError(err.code, message, { backend: 'imap', transient: err.transient || err.unreachable, unreachable: local ? false : err.unreachable, server: err.server, field: err.field, value: err.value, cause: err });
}

/** A store whose every answer carries its server's name. */
class NamedMailStore implements MailStore {
  readonly setQuota?: (username: string, megabytes: number) => Promise<void>;
  readonly ensureMailboxes?: MailStore['ensureMailboxes'];

  constructor(private readonly inner: MailStore, private readonly c: MailServerConfig, private readonly local: boolean) {
    if (inner.setQuota) this.setQuota = (u, mb) => this.named(() => inner.setQuota!(u, mb));
    if (inner.ensureMailboxes) {
      this.ensureMailboxes = async (requests) => (await this.named(() => inner.ensureMailboxes!(requests))).map((r) => (r instanceof OxprovError ? withServer(r, c, local) : r));
    }
  }

  private async named<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw err instanceof OxprovError ? withServer(err, this.c, this.local) : err;
    }
  }

  init() { return this.named(() => this.inner.init()); }
  ensureMailbox(username: string, folders: readonly string[], options?: { quotaMB?: number }) { return this.named(() => this.inner.ensureMailbox(username, folders, options)); }
  listFolders(username: string) { return this.named(() => this.inner.listFolders(username)); }
  deleteMailbox(username: string) { return this.named(() => this.inner.deleteMailbox(username)); }
  close() { return this.inner.close(); }
}

/** A server that did not answer when the run began: each of its users fails with that error (a re-run or --retry-failed finishes them). */
class UnreachableMailStore implements MailStore {
  constructor(private readonly error: OxprovError) {}
  private fail(): never { throw this.error; }
  async init() { this.fail(); }
  async ensureMailbox(): Promise<never> { this.fail(); }
  async listFolders(): Promise<never> { this.fail(); }
  async deleteMailbox(): Promise<never> { this.fail(); }
  async close() {}
}
