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
    // With several servers one that is down is that server's users' problem, not the run's: its errors
    // are not "unreachable" (which stops an import as a circuit breaker), only transient.
    const local = configs.length > 1;
    const stores = configs.map((c) => {
      const injected = c.name === defaultServer ? override : undefined;
      // The bulk form where the store has one: the doveadm API (or what a test injects).
      const bulk = injected ? injected.ensureMailboxes !== undefined : c.kind === 'dovecot' && Boolean(c.doveadmUrl && c.doveadmApiKey);
      return new NamedMailStore(() => injected ?? storeFor(c), c, local, bulk);
    });
    const failures = (await Promise.all(stores.map((s) => s.open()))).filter((e): e is OxprovError => e !== undefined);
    configs.forEach((c, i) => entries.set(c.name, { info: infoOf(c), store: stores[i] }));
    if (failures.length === configs.length) {
      await Promise.all(stores.map((s) => s.close()));
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
function withServer(err: OxprovError, c: MailServerConfig, local: boolean, given?: string): OxprovError {
  // One server: its messages stay as they were; several: each names its server.
  if (!local && given === undefined) return err;
  const prefix = given ?? `mail server ${c.name}`;
  if (err.message.startsWith(`mail server ${c.name}`) && !(local && err.unreachable)) return err;
  const message = err.message.startsWith(`mail server ${c.name}`) ? err.message : `${prefix} (${c.host}:${c.port}): ${err.message}`;
  return new OxprovError(err.code, message, { backend: 'imap', transient: err.transient || err.unreachable, unreachable: local ? false : err.unreachable, server: err.server, field: err.field, value: err.value, cause: err });
}

/** How long a server that did not answer is not asked again, with several servers (its users fail at once meanwhile). */
const DOWN_MS = 30_000;

/**
 * A server's store, whose every error carries the server's name. With several servers, a server
 * that did not answer (at the start or later) fails its users at once for {@link DOWN_MS}, then is
 * tried again (a long-running daemon gets it back without a restart), so that one dead server
 * does not hold up the others' users with retries and deadlines.
 */
class NamedMailStore implements MailStore {
  readonly setQuota?: (username: string, megabytes: number) => Promise<void>;
  readonly ensureMailboxes?: MailStore['ensureMailboxes'];
  private inner?: MailStore;
  private down?: { error: OxprovError; until: number };

  constructor(private readonly make: () => MailStore, private readonly c: MailServerConfig, private readonly local: boolean, bulk: boolean) {
    // By kind, not by what the store at hand has: a Cyrus that was down still owes its users their quota.
    if (c.kind === 'cyrus') this.setQuota = (u, mb) => this.named((s) => {
      if (!s.setQuota) throw new OxprovError('IMAP_FAILED', `mail server ${c.name} cannot set a quota`, { backend: 'imap' });
      return s.setQuota(u, mb);
    });
    if (bulk) {
      // `bulk`: the store this builds has the bulk form (the doveadm API, or what a test injects).
      this.ensureMailboxes = async (requests) => (await this.named((s) => s.ensureMailboxes!(requests)))
        .map((r) => (r instanceof OxprovError ? this.mark(withServer(r, c, local)) : r));
    }
  }

  /** Builds and checks the store; undefined when it answers, else its error (the store then fails its users). */
  async open(): Promise<OxprovError | undefined> {
    const store = this.make();
    try {
      await store.init();
      this.inner = store;
      this.down = undefined;
      return undefined;
    } catch (err) {
      await store.close().catch(() => {});
      const e = withServer(err instanceof OxprovError ? err : new OxprovError('IMAP_FAILED', String(err), { backend: 'imap', cause: err }), this.c, this.local);
      this.down = { error: e, until: Date.now() + DOWN_MS };
      return e;
    }
  }

  /** Remembers that the server did not answer (several servers only). */
  private mark(e: OxprovError): OxprovError {
    if (this.local && (e.cause as OxprovError | undefined)?.unreachable) this.down = { error: e, until: Date.now() + DOWN_MS };
    return e;
  }

  private async named<T>(work: (store: MailStore) => Promise<T>): Promise<T> {
    if (this.down && (this.local || !this.inner)) {
      if (Date.now() < this.down.until) throw this.down.error;
      const failed = await this.open();
      if (failed) throw failed;
    }
    try {
      return await work(this.inner!);
    } catch (err) {
      throw err instanceof OxprovError ? this.mark(withServer(err, this.c, this.local)) : err;
    }
  }

  async init() { await this.named(async () => {}); }
  ensureMailbox(username: string, folders: readonly string[], options?: { quotaMB?: number }) { return this.named((s) => s.ensureMailbox(username, folders, options)); }
  listFolders(username: string) { return this.named((s) => s.listFolders(username)); }
  deleteMailbox(username: string) { return this.named((s) => s.deleteMailbox(username)); }
  close() { return this.inner?.close() ?? Promise.resolve(); }
}
