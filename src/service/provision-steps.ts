import type pLimit from 'p-limit';
import { OxprovError } from '../errors.js';
import type { Backend } from '../model/backends.js';
import type { UserInput, UserSpec } from '../model/user-spec.js';
import type { Backends, MailStore } from '../provision/backends.js';
import { asBackendError, bisect } from './batch-work.js';
import { generatePassword } from './generate-password.js';
import { addMemberships } from './memberships.js';
import type { MailRouting } from './mail-routing.js';
import type { RetryOptions } from './retry.js';
import type { Decision } from './user-rules.js';
import type { FolderTemplates, ProvisionOptions, UserResult } from './user-service.js';

/** Users per doveadm API request: large enough to amortise the round trip, small enough to keep several requests in flight. */
const IMAP_CHUNK = 25;

/** One accepted user on its way through the steps. */
export interface Work {
  readonly d: Extract<Decision, { ok: true }>;
  readonly r: UserResult;
  spec: UserInput;
  uidNumber?: number;
}

/** What the steps share with the service: the back-ends, the bounds on concurrency (shared by every batch in flight), the retry. */
export interface StepContext {
  readonly backends: Backends;
  readonly templates: FolderTemplates;
  readonly ldapLimit: ReturnType<typeof pLimit>;
  /** The bound on concurrent requests to one mail server (each server has its own, so every one is kept busy). */
  readonly imapLimit: (server: string) => ReturnType<typeof pLimit>;
  readonly retry: <T>(work: () => Promise<T>) => Promise<T>;
  readonly retryOptions?: RetryOptions;
  readonly defaultQuotaMB?: number;
  /** Which server each user's mailbox lives on, and how that server makes folders. */
  readonly routing: MailRouting;
}

/**
 * The writes for the accepted users of a batch, back-end by back-end: LDAP and
 * IMAP per user with bounded concurrency, group memberships one write per group,
 * SQL and groupware a few statements per batch (split in halves on a failure
 * until the failing users are isolated). Nothing is written after a failed
 * LDAP step, and every result says so, back-end by back-end.
 */
export async function applySteps(work: Work[], options: ProvisionOptions, ctx: StepContext): Promise<void> {
  const mode = options.onExisting ?? 'skip';
  const has = (w: Work, b: Backend) => w.d.only.includes(b);
  const fail = (w: Work, backend: Backend, err: unknown) => {
    w.r.steps[backend] = 'failed';
    w.r.errors.push(asBackendError(err, backend));
  };

  const ldapWork = work.filter((w) => has(w, 'ldap'));
  if (ldapWork.length) {
    const dir = need(ctx, 'directory', 'ldap');
    await Promise.all(ldapWork.map((w) => ctx.ldapLimit(async () => {
      try {
        if (w.spec.dn !== undefined) {
          // In place: the company's entry gets what it lacks, whatever the mode; its own values stay.
          const fitted = await ctx.retry(() => dir.fitUser(w.spec.dn!, w.spec));
          w.uidNumber = fitted.uidNumber;
          w.r.steps.ldap = fitted.outcome === 'exists' ? 'exists' : w.d.entry ? 'updated' : 'created';
          return;
        }
        if (w.d.entry) {
          w.r.steps.ldap = mode === 'update' ? await ctx.retry(() => dir.updateUser(w.d.entry!, w.spec)) : 'exists';
          return;
        }
        if (w.spec.password === undefined && w.spec.passwordHash === undefined && options.generatePasswords) {
          const given = options.generatePasswords;
          w.r.generatedPassword = typeof given === 'function' ? given(w.spec.username) : generatePassword();
          w.spec = { ...w.spec, password: w.r.generatedPassword, changepasswd: true };
        }
        // A new user gets the configured quota unless the request gives one (an existing user keeps its own).
        if (w.spec.quotaMB === undefined && ctx.defaultQuotaMB !== undefined) w.spec = { ...w.spec, quotaMB: ctx.defaultQuotaMB };
        const added = await ctx.retry(() => dir.addUser(w.spec as UserSpec));
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
      (task) => ctx.ldapLimit(() => ctx.retry(task)),
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
    const sql = need(ctx, 'groupware', 'sql');
    await bisect(sqlWork, async (part) => {
      const outcomes = await ctx.retry(() => sql.ensureUsers(part.map((w) => ({ ...w.spec, uidNumber: w.uidNumber })), mode === 'update' ? 'update' : 'skip'));
      for (const w of part) w.r.steps.sql = outcomes.get(w.spec.username) ?? 'exists';
    }, (w, err) => fail(w, 'sql', err));
  }

  const gwWork = ok.filter((w) => has(w, 'groupware'));
  if (gwWork.length) {
    const sql = need(ctx, 'groupware', 'groupware');
    const ready = gwWork.filter((w) => {
      if (w.r.steps.sql !== 'failed') return true;
      w.r.steps.groupware = 'skipped';
      return false;
    });
    await bisect(ready, async (part) => {
      const outcomes = await ctx.retry(() => sql.ensureFolders(part.map((w) => ({ username: w.spec.username, language: w.spec.language })), ctx.templates.groupware));
      for (const w of part) {
        const o = outcomes.get(w.spec.username);
        if (o === 'missing') fail(w, 'groupware', new OxprovError('SQL_NO_SUCH_USER', `${w.spec.username} has no row in the groupware database: provision sql first`, { backend: 'groupware' }));
        else w.r.steps.groupware = o ?? 'exists';
      }
    }, (w, err) => fail(w, 'groupware', err));
  }

  // Grouped per mail server, all servers at once, each with its own bound.
  const byServer = new Map<string, Work[]>();
  for (const w of ok.filter((x) => has(x, 'imap'))) {
    const server = ctx.routing.serverFor(w.spec);
    // The server makes the folders at the first access (Dovecot from the entry's style, Cyrus its one set).
    if (server.folders === 'on-demand') w.r.steps.imap = 'on demand';
    else byServer.set(server.name, [...(byServer.get(server.name) ?? []), w]);
  }
  await Promise.all([...byServer].map(([server, list]) => imapStep(server, list, fail, ctx)));
}

/** Mailboxes; a store with a bulk form gets chunks of users per round trip, others one session per user. */
async function imapStep(server: string, work: Work[], fail: (w: Work, b: Backend, err: unknown) => void, ctx: StepContext): Promise<void> {
  let mail: MailStore;
  try {
    mail = need(ctx, 'mail', 'imap').store(server);
  } catch (err) {
    for (const w of work) fail(w, 'imap', err);
    return;
  }
  const limit = ctx.imapLimit(server);
  const todo: { w: Work; folders: string[]; quotaMB?: number }[] = [];
  for (const w of work) {
    try {
      // A store that keeps the quota itself (Cyrus) gets the user's: the request's, the entry's, or the default.
      const entryQuota = w.d.entry && ctx.backends.directory ? ctx.backends.directory.quotaOf(w.d.entry) : undefined;
      todo.push({ w, folders: ctx.templates.imap.foldersFor(w.spec.language, w.spec.imapTemplate), quotaMB: w.spec.quotaMB ?? entryQuota ?? ctx.defaultQuotaMB });
    } catch (err) {
      fail(w, 'imap', err);
    }
  }
  const bulk = mail.ensureMailboxes?.bind(mail);
  if (!bulk) {
    await Promise.all(todo.map((t) => limit(async () => {
      try {
        t.w.r.steps.imap = (await ctx.retry(() => mail.ensureMailbox(t.w.spec.username, t.folders, { quotaMB: t.quotaMB }))).outcome;
      } catch (err) {
        fail(t.w, 'imap', err);
      }
    })));
    return;
  }
  const chunks: (typeof todo)[] = [];
  for (let k = 0; k < todo.length; k += IMAP_CHUNK) chunks.push(todo.slice(k, k + IMAP_CHUNK));
  const attempts = ctx.retryOptions?.attempts ?? 3;
  await Promise.all(chunks.map((chunk) => limit(async () => {
    try {
      // Users whose own answer was a temporary failure go again, alone in a smaller request.
      let pending = chunk;
      for (let attempt = 1; pending.length > 0; attempt++) {
        const current = pending;
        const answers = await ctx.retry(() => bulk(current.map((t) => ({ username: t.w.spec.username, folders: t.folders, quotaMB: t.quotaMB }))));
        pending = [];
        current.forEach((t, k) => {
          const a = answers[k];
          if (!(a instanceof OxprovError)) t.w.r.steps.imap = a.outcome;
          else if (a.transient && attempt < attempts) pending.push(t);
          else fail(t.w, 'imap', a);
        });
        if (pending.length) await new Promise((r) => setTimeout(r, (ctx.retryOptions?.baseDelayMs ?? 200) * attempt));
      }
    } catch (err) {
      for (const t of chunk) fail(t.w, 'imap', err);
    }
  })));
}

function need<K extends 'directory' | 'groupware' | 'mail'>(ctx: StepContext, key: K, name: Backend): NonNullable<Backends[K]> {
  const backend = ctx.backends[key];
  if (!backend) throw new OxprovError('CFG_INVALID', `the ${name} back-end is not connected in this run`, { backend: name });
  return backend as NonNullable<Backends[K]>;
}
