import pLimit from 'p-limit';
import type { Config } from '../config/config.js';
import { OxprovError, type Backend } from '../errors.js';
import { GroupwareFolderTemplates } from './groupware-folders.js';
import { DoveadmApiMailStore } from './imap/doveadm-api-mail-store.js';
import { DovecotMailStore } from './imap/dovecot-mail-store.js';
import { ImapFolderTemplates } from './imap/folder-templates.js';
import type { MailStore } from './imap/mail-store.js';
import { LdapDirectory, type LdapDirectoryOptions } from './ldap/ldap-directory.js';
import { LdapGroups } from './ldap/ldap-groups.js';
import { withRetry } from './retry.js';
import { SqlStore } from './sql/sql-store.js';
import { BACKENDS, type UserSpec } from './user-spec.js';

/** Users per doveadm API request: large enough to amortise the round trip, small enough to keep several requests in flight. */
const IMAP_CHUNK = 25;

export type StepOutcome = 'created' | 'exists' | 'updated' | 'deleted' | 'gone' | 'skipped' | 'failed';
export type OnExisting = 'skip' | 'update' | 'fail';

/** What provisioning did for one user: one outcome per back-end, the first error if any. */
export interface ProvisionResult {
  username: string;
  status: 'created' | 'updated' | 'exists' | 'failed';
  steps: Partial<Record<Backend, StepOutcome>>;
  /** Every failure, one per failed back-end. */
  errors: OxprovError[];
  ms: number;
}

export interface ProvisionOptions {
  /** The paper's `--source_only`: only these back-ends (default all four). */
  only?: readonly Backend[];
  /** What to do with a user that exists already; default `skip` (complete what is missing, change nothing). */
  onExisting?: OnExisting;
  /** Lower-cased user names the caller has just found absent from the directory: their LDAP look-up is skipped. */
  knownAbsent?: ReadonlySet<string>;
}

export interface ProvisionerOptions {
  /** Back-ends to connect; default all. `imap` alone needs no LDAP or SQL connection. */
  backends?: readonly Backend[];
  ldap?: LdapDirectoryOptions;
  sqlPoolSize?: number;
  /** Parallel LDAP adds / IMAP sessions within one batch. */
  ldapConcurrency?: number;
  imapConcurrency?: number;
  /** A different mail store (tests inject failures; Cyrus later). */
  mailStore?: MailStore;
  retry?: { attempts?: number; baseDelayMs?: number };
}

/**
 * The provisioning service: one user spec into LDAP, SQL, groupware folders and
 * the mailbox (or the subset asked for), idempotently. The admin tools, the
 * daemon and the bulk importer all go through it.
 */
export class Provisioner {
  // Shared by all batches in flight, so the bound holds for the whole run.
  private readonly ldapLimit: ReturnType<typeof pLimit>;
  private readonly imapLimit: ReturnType<typeof pLimit>;

  private constructor(
    readonly config: Readonly<Config>,
    readonly ldap: LdapDirectory | undefined,
    readonly sql: SqlStore | undefined,
    readonly mail: MailStore | undefined,
    readonly imapTemplates: ImapFolderTemplates,
    readonly groupwareTemplates: GroupwareFolderTemplates,
    private readonly options: ProvisionerOptions,
  ) {
    this.ldapLimit = pLimit(options.ldapConcurrency ?? 8);
    this.imapLimit = pLimit(options.imapConcurrency ?? 4);
  }

  /** Connects the back-ends; a back-end that cannot be reached fails here, before anything is written. */
  static async open(config: Readonly<Config>, options: ProvisionerOptions = {}): Promise<Provisioner> {
    const wanted = new Set(options.backends ?? BACKENDS);
    const imapTemplates = ImapFolderTemplates.load(config.templates.imapFolders);
    const groupwareTemplates = GroupwareFolderTemplates.load(config.templates.groupwareFolders);
    let ldap: LdapDirectory | undefined;
    let sql: SqlStore | undefined;
    try {
      // The imap step looks users up in LDAP too: Dovecot cannot say "no such user" to a master login.
      if (wanted.has('ldap') || wanted.has('imap')) ldap = await LdapDirectory.connect(config, options.ldap);
      if (wanted.has('sql') || wanted.has('groupware')) sql = await SqlStore.connect(config, { poolSize: options.sqlPoolSize });
    } catch (err) {
      await ldap?.close();
      await sql?.close();
      throw err;
    }
    const imap = new DovecotMailStore(config.imap);
    const mail = !wanted.has('imap') ? undefined
      : options.mailStore ?? (config.imap.doveadmUrl && config.imap.doveadmApiKey ? new DoveadmApiMailStore(config.imap, imap) : imap);
    try {
      await mail?.init();
    } catch (err) {
      await ldap?.close();
      await sql?.close();
      throw err;
    }
    return new Provisioner(config, ldap, sql, mail, imapTemplates, groupwareTemplates, options);
  }

  groups(): LdapGroups {
    return new LdapGroups(this.need(this.ldap, 'ldap'));
  }

  async provisionUser(spec: UserSpec, options: ProvisionOptions = {}): Promise<ProvisionResult> {
    return (await this.provisionBatch([spec], options))[0];
  }

  /**
   * Provisions a batch: LDAP and IMAP per user with bounded concurrency, SQL and
   * groupware in one transaction per batch (split in halves on failure until the
   * failing users are isolated, so one bad user never fails the others).
   */
  async provisionBatch(specs: readonly UserSpec[], options: ProvisionOptions = {}): Promise<ProvisionResult[]> {
    const only = new Set(options.only ?? BACKENDS);
    const mode = options.onExisting ?? 'skip';
    const t0 = performance.now();
    const results = specs.map((s): ProvisionResult => ({ username: s.username, status: 'exists', steps: {}, errors: [], ms: 0 }));
    const fail = (r: ProvisionResult, backend: Backend, err: unknown) => {
      r.steps[backend] = 'failed';
      r.errors.push(asBackendError(err, backend));
    };
    const uidNumbers = new Map<string, number>();

    if (only.has('ldap')) {
      const ldap = this.need(this.ldap, 'ldap');
      const limit = this.ldapLimit;
      await Promise.all(specs.map((spec, i) => limit(async () => {
        try {
          const r = await this.retry(() => ldap.ensureUser(spec, mode === 'update' ? 'update' : 'skip', options.knownAbsent?.has(spec.username.toLowerCase()) ?? false));
          if (r.outcome === 'exists' && mode === 'fail') {
            throw new OxprovError('LDAP_CONFLICT', `user ${spec.username} already exists (--on-existing=fail)`, { backend: 'ldap', field: 'username', value: spec.username });
          }
          uidNumbers.set(spec.username, r.uidNumber);
          results[i].steps.ldap = r.outcome;
          // A failed membership fails the row but keeps what the step did: the entry was created (with its password).
          if (spec.groups.length) await this.retry(() => this.ensureMemberships(spec)).catch((err) => results[i].errors.push(asBackendError(err, 'ldap')));
        } catch (err) {
          fail(results[i], 'ldap', err);
        }
      })));
    }
    const ldapOk = (i: number) => results[i].steps.ldap !== 'failed';
    // Nothing is written after a failed LDAP step: the report must say so, back-end by back-end.
    for (const i of specs.keys()) {
      if (ldapOk(i)) continue;
      for (const b of ['sql', 'groupware', 'imap'] as const) if (only.has(b)) results[i].steps[b] = 'skipped';
    }

    if (only.has('sql')) {
      const sql = this.need(this.sql, 'sql');
      const idx = specs.map((_, i) => i).filter(ldapOk);
      await this.bisect(idx, async (part) => {
        const outcomes = await this.retry(() => sql.ensureUsers(part.map((i) => ({ ...specs[i], uidNumber: uidNumbers.get(specs[i].username) })), mode === 'update' ? 'update' : 'skip'));
        for (const i of part) results[i].steps.sql = outcomes.get(specs[i].username) ?? 'exists';
      }, (i, err) => fail(results[i], 'sql', err));
    }

    if (only.has('groupware')) {
      const sql = this.need(this.sql, 'sql');
      const idx = specs.map((_, i) => i).filter((i) => ldapOk(i) && results[i].steps.sql !== 'failed');
      await this.bisect(idx, async (part) => {
        const outcomes = await this.retry(() => sql.ensureFolders(part.map((i) => ({ username: specs[i].username, language: specs[i].language })), this.groupwareTemplates));
        for (const i of part) {
          const o = outcomes.get(specs[i].username);
          if (o === 'missing') fail(results[i], 'groupware', new OxprovError('SQL_NO_SUCH_USER', `${specs[i].username} has no row in the groupware database: provision sql first`, { backend: 'groupware' }));
          else results[i].steps.groupware = o ?? 'exists';
        }
      }, (i, err) => fail(results[i], 'groupware', err));
      for (const i of specs.keys()) if (results[i].steps.sql === 'failed' && !results[i].steps.groupware) results[i].steps.groupware = 'skipped';
    }

    if (only.has('imap')) await this.imapStep(specs, results, !only.has('ldap'), fail);

    const ms = Math.round(performance.now() - t0);
    for (const r of results) {
      const steps = Object.values(r.steps);
      r.status = r.errors.length ? 'failed' : steps.includes('created') ? 'created' : steps.includes('updated') ? 'updated' : 'exists';
      r.ms = specs.length === 1 ? ms : Math.round(ms / specs.length);
    }
    return results;
  }

  /**
   * Mailboxes of the users whose LDAP step did not fail (Dovecot finds users in LDAP).
   * A store with a bulk form gets chunks of users per round trip; others one session per user.
   */
  private async imapStep(specs: readonly UserSpec[], results: ProvisionResult[], checkLdap: boolean, fail: (r: ProvisionResult, b: Backend, err: unknown) => void): Promise<void> {
    const mail = this.need(this.mail, 'imap');
    const todo: { i: number; folders: string[] }[] = [];
    for (const [i, spec] of specs.entries()) {
      if (results[i].steps.ldap === 'failed') continue;
      try {
        // Without the directory entry Dovecot cannot say "no such user" to a master login: ask LDAP first.
        if (checkLdap && this.ldap && !(await this.ldap.findUser(spec.username))) {
          throw new OxprovError('IMAP_NO_SUCH_USER', `${spec.username} has no entry in the directory, so the IMAP server does not know it: provision ldap first`, { backend: 'imap', field: 'username', value: spec.username });
        }
        todo.push({ i, folders: this.imapTemplates.foldersFor(spec.language, spec.imapTemplate) });
      } catch (err) {
        fail(results[i], 'imap', err);
      }
    }
    const bulk = mail.ensureMailboxes?.bind(mail);
    if (bulk) {
      const chunks: (typeof todo)[] = [];
      for (let k = 0; k < todo.length; k += IMAP_CHUNK) chunks.push(todo.slice(k, k + IMAP_CHUNK));
      await Promise.all(chunks.map((chunk) => this.imapLimit(async () => {
        try {
          // Users whose own answer was a temporary failure go again, alone in a smaller request.
          let pending = chunk;
          for (let attempt = 1; pending.length > 0; attempt++) {
            const current = pending;
            const answers = await this.retry(() => bulk(current.map((t) => ({ username: specs[t.i].username, folders: t.folders }))));
            pending = [];
            current.forEach((t, k) => {
              const a = answers[k];
              if (!(a instanceof OxprovError)) results[t.i].steps.imap = a.outcome;
              else if (a.transient && attempt < (this.options.retry?.attempts ?? 3)) pending.push(t);
              else fail(results[t.i], 'imap', a);
            });
            if (pending.length) await new Promise((r) => setTimeout(r, (this.options.retry?.baseDelayMs ?? 200) * attempt));
          }
        } catch (err) {
          for (const t of chunk) fail(results[t.i], 'imap', err);
        }
      })));
      return;
    }
    await Promise.all(todo.map((t) => this.imapLimit(async () => {
      try {
        results[t.i].steps.imap = (await this.retry(() => mail.ensureMailbox(specs[t.i].username, t.folders))).outcome;
      } catch (err) {
        fail(results[t.i], 'imap', err);
      }
    })));
  }

  /** Group memberships of a spec, in LDAP (creating a missing group with this member, as addgroup would). */
  private async ensureMemberships(spec: UserSpec): Promise<void> {
    const groups = this.groups();
    for (const g of spec.groups) await groups.ensureGroup(g, [spec.username]);
  }

  /** Removes a user from the chosen back-ends, mailbox first (Dovecot needs the LDAP entry to find it). */
  async deleteUser(name: string, only: readonly Backend[] = BACKENDS): Promise<ProvisionResult> {
    // User names are stored lower-case (see the mapper); LDAP would match any case, SQL would not.
    const username = name.toLowerCase();
    const t0 = performance.now();
    const r: ProvisionResult = { username, status: 'exists', steps: {}, errors: [], ms: 0 };
    const want = new Set(only);
    const step = async (b: Backend, work: () => Promise<'deleted' | 'gone'>) => {
      if (!want.has(b)) return;
      try {
        r.steps[b] = await this.retry(work);
      } catch (err) {
        r.steps[b] = 'failed';
        r.errors.push(asBackendError(err, b));
      }
    };
    await step('imap', async () => {
      const exists = this.ldap ? await this.ldap.findUser(username) : true;
      return exists ? this.need(this.mail, 'imap').deleteMailbox(username) : 'gone';
    });
    await step('groupware', () => this.need(this.sql, 'groupware').deleteFolders(username));
    await step('sql', () => this.need(this.sql, 'sql').deleteUser(username));
    // Without the entry Dovecot can no longer find the mailbox: keep it until the mailbox is gone, so a re-run can finish.
    if (r.steps.imap === 'failed' && want.has('ldap')) r.steps.ldap = 'skipped';
    else await step('ldap', () => this.need(this.ldap, 'ldap').deleteUser(username));
    r.ms = Math.round(performance.now() - t0);
    r.status = r.errors.length ? 'failed' : 'exists';
    return r;
  }

  private retry<T>(work: () => Promise<T>): Promise<T> {
    return withRetry(work, this.options.retry);
  }

  /** Runs `work` on all items; on failure splits the items in halves until the failing ones are alone. */
  private async bisect(items: number[], work: (part: number[]) => Promise<void>, onFail: (item: number, err: unknown) => void): Promise<void> {
    if (items.length === 0) return;
    try {
      await work(items);
    } catch (err) {
      // A back-end that is down fails everyone alike: no point in splitting.
      if (items.length === 1 || (err instanceof OxprovError && err.code.endsWith('_CONNECT'))) {
        for (const i of items) onFail(i, err);
        return;
      }
      const mid = Math.ceil(items.length / 2);
      await this.bisect(items.slice(0, mid), work, onFail);
      await this.bisect(items.slice(mid), work, onFail);
    }
  }

  private need<T>(backend: T | undefined, name: Backend): T {
    if (!backend) throw new OxprovError('CFG_INVALID', `the ${name} back-end is not connected in this run`, { backend: name });
    return backend;
  }

  async close(): Promise<void> {
    await Promise.all([this.ldap?.close(), this.sql?.close(), this.mail?.close()]);
  }
}

const FAILED_CODE = { ldap: 'LDAP_FAILED', sql: 'SQL_FAILED', groupware: 'SQL_FAILED', imap: 'IMAP_FAILED' } as const;

/** Any thrown value as an OxprovError of the back-end that threw it. */
function asBackendError(err: unknown, backend: Backend): OxprovError {
  return err instanceof OxprovError ? err : new OxprovError(FAILED_CODE[backend], err instanceof Error ? err.message : String(err), { backend, cause: err });
}
