import pLimit from 'p-limit';
import { OxprovError } from '../errors.js';
import type { AttributeSchema } from '../model/attribute-schema.js';
import { BACKENDS, type Backend } from '../model/backends.js';
import type { OnExisting, StepOutcome } from '../model/outcomes.js';
import type { UserInput, UserSpec } from '../model/user-spec.js';
import type { Backends, DirectoryUser, GroupwareUser } from '../provision/backends.js';
import type { GroupwareFolderTemplates } from '../templates/groupware-folder-templates.js';
import type { ImapFolderTemplates } from '../templates/imap-folder-templates.js';
import { asBackendError, bisect } from './batch-work.js';
import { snapshotDirectory, type UserLookupView } from './directory-snapshot.js';
import { generatePassword } from './generate-password.js';
import { addMemberships } from './memberships.js';
import { withRetry, type RetryOptions } from './retry.js';
import { decide, type Decision, type Found } from './user-rules.js';

/** Users per doveadm API request: large enough to amortise the round trip, small enough to keep several requests in flight. */
const IMAP_CHUNK = 25;

/** What the service did (or, in a check, would do) for one user. */
export interface UserResult {
  username: string;
  /** `valid` (would be created) only from {@link UserService.check}. */
  status: 'created' | 'updated' | 'exists' | 'failed' | 'rejected' | 'valid';
  steps: Partial<Record<Backend, StepOutcome>>;
  /** Every problem: the rule that refused the user, or one failure per failed back-end. */
  errors: OxprovError[];
  /** What the service decided on its own (a generated password, a group created, a step added). */
  notes: string[];
  ms: number;
  /** A password generated for a user created in this call: for the caller's 0600 file, nowhere else. */
  generatedPassword?: string;
}

/** How one call treats its users. */
export interface ProvisionOptions {
  /** The paper's `--source_only`: only these back-ends (default all four). */
  readonly only?: readonly Backend[];
  /** A user that exists already: complete what is missing (`skip`, default), bring it in line (`update`), or fail. */
  readonly onExisting?: OnExisting;
  /** A new user without a password gets a random one (and must change it at first login). */
  readonly generatePasswords?: boolean;
  /** Groups that do not exist are created (default: such a user is refused with MAP_UNKNOWN_GROUP). */
  readonly createGroups?: boolean;
  /** Answers the directory look-ups of a check from memory (see {@link UserService.snapshot}). */
  readonly view?: UserLookupView;
}

export interface UserServiceOptions {
  /** Parallel LDAP writes / mail-store requests, shared by every call in flight. */
  readonly ldapConcurrency?: number;
  readonly imapConcurrency?: number;
  readonly retry?: RetryOptions;
}

/** The folder templates every user's folders are named from. */
export interface FolderTemplates {
  readonly imap: ImapFolderTemplates;
  readonly groupware: GroupwareFolderTemplates;
}

/**
 * The one user service. Every door (the import, the tools in-process and
 * through the daemon, the sync, the page) goes through it, so the same
 * request gets the same outcome and the same code whichever way it came. For
 * a batch it looks up in bulk what exists, applies the rules (src/service/user-rules.ts),
 * then provisions the back-ends with bounded concurrency: LDAP and IMAP per
 * user, SQL and groupware a few statements per batch (split in halves on a
 * failure until the failing users are isolated), group memberships one modify
 * per group per batch.
 */
export class UserService {
  // Shared by all batches in flight, so the bound holds for the whole run.
  private readonly ldapLimit: ReturnType<typeof pLimit>;
  private readonly imapLimit: ReturnType<typeof pLimit>;

  constructor(private readonly backends: Backends, private readonly templates: FolderTemplates, private readonly options: UserServiceOptions = {}) {
    this.ldapLimit = pLimit(options.ldapConcurrency ?? 8);
    this.imapLimit = pLimit(options.imapConcurrency ?? 4);
  }

  /** The directory's attribute types, to check extra columns; undefined without a directory. */
  schema(): Promise<AttributeSchema> | undefined {
    return this.backends.directory?.schema();
  }

  /** Reads the directory's users once for a large dry run (see snapshotDirectory); undefined when it holds more than `maxUsers`. */
  async snapshot(maxUsers: number): Promise<(UserLookupView & { size: number }) | undefined> {
    return this.backends.directory ? snapshotDirectory(this.backends.directory, maxUsers) : undefined;
  }

  /** One user, as a tool provisions it. */
  async provisionUser(input: UserInput, options: ProvisionOptions = {}): Promise<UserResult> {
    return (await this.provision([input], options))[0];
  }

  /** What {@link provision} would do, writing nothing: `valid` (would be created), `exists`, `rejected` or `failed`. */
  async check(inputs: readonly UserInput[], options: ProvisionOptions = {}): Promise<UserResult[]> {
    const decisions = await this.decideAll(inputs, options);
    return decisions.map((d, i): UserResult => d.ok
      ? { username: inputs[i].username, status: d.entry ? 'exists' : 'valid', steps: {}, errors: [], notes: d.notes.length ? [...d.notes] : [], ms: 0 }
      : { username: inputs[i].username, status: d.status, steps: d.steps ?? {}, errors: d.errors, notes: [], ms: 0 });
  }

  async provision(inputs: readonly UserInput[], options: ProvisionOptions = {}): Promise<UserResult[]> {
    const t0 = performance.now();
    const decisions = await this.decideAll(inputs, options);
    const results = decisions.map((d, i): UserResult => d.ok
      ? { username: inputs[i].username, status: 'exists', steps: {}, errors: [], notes: [...d.notes], ms: 0 }
      : { username: inputs[i].username, status: d.status, steps: { ...d.steps }, errors: [...d.errors], notes: [], ms: 0 });
    const work: Work[] = [];
    decisions.forEach((d, i) => { if (d.ok) work.push({ d, r: results[i], spec: d.spec, uidNumber: d.entry?.uidNumber }); });
    await this.apply(work, options);
    const ms = Math.round(performance.now() - t0);
    for (const { r } of work) {
      const steps = Object.values(r.steps);
      r.status = r.errors.length ? 'failed' : steps.includes('created') ? 'created' : steps.includes('updated') ? 'updated' : 'exists';
      r.ms = inputs.length === 1 ? ms : Math.round(ms / inputs.length);
    }
    return results;
  }

  /** The look-ups of a batch, in bulk, then the rules for each user. */
  private async decideAll(inputs: readonly UserInput[], options: ProvisionOptions): Promise<Decision[]> {
    const only = options.only ?? BACKENDS;
    const { directory, groupware } = this.backends;
    const view = options.view ?? directory;
    const names = inputs.map((u) => u.username);
    const groupNames = [...new Set(inputs.flatMap((u) => u.groups))];
    const [entries, owners, rows, groups] = await Promise.all([
      view ? this.retry(() => view.findUsers(names)) : undefined,
      view ? this.retry(() => view.addressOwners(inputs.flatMap((u) => (u.mail ? [u.mail, ...u.aliases] : u.aliases)))) : undefined,
      groupware && (only.includes('sql') || only.includes('groupware')) ? this.retry(() => groupware.findUsers(names)) : undefined,
      directory && groupNames.length > 0 ? this.retry(() => directory.groups.find(groupNames)) : undefined,
    ]);
    const found: Found = { entries, owners, rows, groups };
    const rules = { only, onExisting: options.onExisting ?? 'skip', createGroups: options.createGroups ?? false };
    return inputs.map((input) => {
      const d = decide(input, found, rules);
      if (!d.ok || d.entry || !d.only.includes('ldap') || d.spec.password !== undefined || !options.generatePasswords) return d;
      return { ...d, notes: [...d.notes, 'password generated; must be changed at first login'] };
    });
  }

  private async apply(work: Work[], options: ProvisionOptions): Promise<void> {
    const mode = options.onExisting ?? 'skip';
    const has = (w: Work, b: Backend) => w.d.only.includes(b);
    const fail = (w: Work, backend: Backend, err: unknown) => {
      w.r.steps[backend] = 'failed';
      w.r.errors.push(asBackendError(err, backend));
    };

    const ldapWork = work.filter((w) => has(w, 'ldap'));
    if (ldapWork.length) {
      const dir = this.need('directory', 'ldap');
      await Promise.all(ldapWork.map((w) => this.ldapLimit(async () => {
        try {
          if (w.d.entry) {
            w.r.steps.ldap = mode === 'update' ? await this.retry(() => dir.updateUser(w.d.entry!, w.spec)) : 'exists';
            return;
          }
          if (w.spec.password === undefined && options.generatePasswords) {
            w.r.generatedPassword = generatePassword();
            w.spec = { ...w.spec, password: w.r.generatedPassword, changepasswd: true };
          }
          const added = await this.retry(() => dir.addUser(w.spec as UserSpec));
          w.uidNumber = added.uidNumber;
          w.r.steps.ldap = added.outcome;
          if (added.outcome !== 'created') w.r.generatedPassword = undefined;
        } catch (err) {
          w.r.generatedPassword = undefined;
          fail(w, 'ldap', err);
        }
      })));
      const members = ldapWork.filter((w) => w.r.steps.ldap !== 'failed' && w.spec.groups.length > 0);
      // A failed membership fails the user but keeps what the step did: the entry was created (with its password).
      await addMemberships(dir.groups, members.map((w) => ({ username: w.spec.username, groups: w.spec.groups, newGroups: w.d.newGroups })),
        (task) => this.ldapLimit(() => this.retry(task)),
        (i, err) => members[i].r.errors.push(asBackendError(err, 'ldap')));
    }
    // Nothing is written after a failed LDAP step: the report must say so, back-end by back-end.
    const ok = work.filter((w) => {
      if (w.r.steps.ldap !== 'failed') return true;
      for (const b of ['sql', 'groupware', 'imap'] as const) if (has(w, b)) w.r.steps[b] = 'skipped';
      return false;
    });

    const sqlWork = ok.filter((w) => has(w, 'sql'));
    if (sqlWork.length) {
      const sql = this.need('groupware', 'sql');
      await bisect(sqlWork, async (part) => {
        const outcomes = await this.retry(() => sql.ensureUsers(part.map((w) => ({ ...w.spec, uidNumber: w.uidNumber })), mode === 'update' ? 'update' : 'skip'));
        for (const w of part) w.r.steps.sql = outcomes.get(w.spec.username) ?? 'exists';
      }, (w, err) => fail(w, 'sql', err));
    }

    const gwWork = ok.filter((w) => has(w, 'groupware'));
    if (gwWork.length) {
      const sql = this.need('groupware', 'groupware');
      const ready = gwWork.filter((w) => {
        if (w.r.steps.sql !== 'failed') return true;
        w.r.steps.groupware = 'skipped';
        return false;
      });
      await bisect(ready, async (part) => {
        const outcomes = await this.retry(() => sql.ensureFolders(part.map((w) => ({ username: w.spec.username, language: w.spec.language })), this.templates.groupware));
        for (const w of part) {
          const o = outcomes.get(w.spec.username);
          if (o === 'missing') fail(w, 'groupware', new OxprovError('SQL_NO_SUCH_USER', `${w.spec.username} has no row in the groupware database: provision sql first`, { backend: 'groupware' }));
          else w.r.steps.groupware = o ?? 'exists';
        }
      }, (w, err) => fail(w, 'groupware', err));
    }

    const imapWork = ok.filter((w) => has(w, 'imap'));
    if (imapWork.length) await this.imapStep(imapWork, fail);
  }

  /** Mailboxes; a store with a bulk form gets chunks of users per round trip, others one session per user. */
  private async imapStep(work: Work[], fail: (w: Work, b: Backend, err: unknown) => void): Promise<void> {
    const mail = this.need('mail', 'imap');
    const todo: { w: Work; folders: string[] }[] = [];
    for (const w of work) {
      try {
        todo.push({ w, folders: this.templates.imap.foldersFor(w.spec.language, w.spec.imapTemplate) });
      } catch (err) {
        fail(w, 'imap', err);
      }
    }
    const bulk = mail.ensureMailboxes?.bind(mail);
    if (!bulk) {
      await Promise.all(todo.map((t) => this.imapLimit(async () => {
        try {
          t.w.r.steps.imap = (await this.retry(() => mail.ensureMailbox(t.w.spec.username, t.folders))).outcome;
        } catch (err) {
          fail(t.w, 'imap', err);
        }
      })));
      return;
    }
    const chunks: (typeof todo)[] = [];
    for (let k = 0; k < todo.length; k += IMAP_CHUNK) chunks.push(todo.slice(k, k + IMAP_CHUNK));
    const attempts = this.options.retry?.attempts ?? 3;
    await Promise.all(chunks.map((chunk) => this.imapLimit(async () => {
      try {
        // Users whose own answer was a temporary failure go again, alone in a smaller request.
        let pending = chunk;
        for (let attempt = 1; pending.length > 0; attempt++) {
          const current = pending;
          const answers = await this.retry(() => bulk(current.map((t) => ({ username: t.w.spec.username, folders: t.folders }))));
          pending = [];
          current.forEach((t, k) => {
            const a = answers[k];
            if (!(a instanceof OxprovError)) t.w.r.steps.imap = a.outcome;
            else if (a.transient && attempt < attempts) pending.push(t);
            else fail(t.w, 'imap', a);
          });
          if (pending.length) await new Promise((r) => setTimeout(r, (this.options.retry?.baseDelayMs ?? 200) * attempt));
        }
      } catch (err) {
        for (const t of chunk) fail(t.w, 'imap', err);
      }
    })));
  }

  /** Removes a user from the chosen back-ends, mailbox first (Dovecot needs the LDAP entry to find it). */
  async deleteUser(name: string, only: readonly Backend[] = BACKENDS): Promise<UserResult> {
    // User names are stored lower-case (see the mapper); LDAP would match any case, SQL would not.
    const username = name.toLowerCase();
    const t0 = performance.now();
    const r: UserResult = { username, status: 'exists', steps: {}, errors: [], notes: [], ms: 0 };
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
      const dir = this.backends.directory;
      const exists = dir ? (await dir.findUsers([username])).has(username) : true;
      return exists ? this.need('mail', 'imap').deleteMailbox(username) : 'gone';
    });
    await step('groupware', () => this.need('groupware', 'groupware').deleteFolders(username));
    await step('sql', () => this.need('groupware', 'sql').deleteUser(username));
    // Without the entry Dovecot can no longer find the mailbox: keep it until the mailbox is gone, so a re-run can finish.
    if (r.steps.imap === 'failed' && want.has('ldap')) r.steps.ldap = 'skipped';
    else await step('ldap', () => this.need('directory', 'ldap').deleteUser(username));
    r.ms = Math.round(performance.now() - t0);
    r.status = r.errors.length ? 'failed' : 'exists';
    return r;
  }

  /** The user's directory entry, or undefined. */
  async findUser(username: string): Promise<DirectoryUser | undefined> {
    return (await this.need('directory', 'ldap').findUsers([username])).get(username.toLowerCase());
  }

  /** The user's groupware row, or undefined. */
  async findRow(username: string): Promise<GroupwareUser | undefined> {
    return (await this.need('groupware', 'sql').findUsers([username])).get(username);
  }

  /**
   * changepasswd (paper 3.7). A password the user already has is `exists`:
   * checked against the stored hash, not by binding as the user, which would
   * count as a failed login under a password policy.
   * @throws ADMIN_NO_SUCH_USER
   */
  async changePassword(username: string, password: string): Promise<'updated' | 'exists'> {
    const dir = this.need('directory', 'ldap');
    const user = await this.existing(username);
    if (dir.hasPassword(user, password)) return 'exists';
    await this.retry(() => dir.setPassword(user.username, password));
    return 'updated';
  }

  /**
   * setquota (paper 3.8): the quota attribute of the entry, in MB. Dovecot 2.3
   * cannot set a quota over IMAP; it reads this attribute at every login.
   * @throws ADMIN_NO_SUCH_USER
   */
  async setQuota(username: string, megabytes: number): Promise<'updated' | 'exists'> {
    const dir = this.need('directory', 'ldap');
    const user = await this.existing(username);
    if (dir.quotaOf(user) === megabytes) return 'exists';
    await this.retry(() => dir.setQuota(user.username, megabytes));
    return 'updated';
  }

  private async existing(username: string): Promise<DirectoryUser> {
    const user = await this.findUser(username);
    if (user === undefined) throw new OxprovError('ADMIN_NO_SUCH_USER', `no user ${username} in the directory`, { field: 'username', value: username });
    return user;
  }

  private retry<T>(work: () => Promise<T>): Promise<T> {
    return withRetry(work, this.options.retry);
  }

  private need<K extends 'directory' | 'groupware' | 'mail'>(key: K, name: Backend): NonNullable<Backends[K]> {
    const backend = this.backends[key];
    if (!backend) throw new OxprovError('CFG_INVALID', `the ${name} back-end is not connected in this run`, { backend: name });
    return backend as NonNullable<Backends[K]>;
  }
}

/** One accepted user on its way through the steps. */
interface Work {
  readonly d: Extract<Decision, { ok: true }>;
  readonly r: UserResult;
  spec: UserInput;
  uidNumber?: number;
}
