import fs from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import { BACKENDS } from '../model/backends.js';
import { describeError, isOxprovError, OxprovError, withoutTopology, type Backend } from '../errors.js';
import { loadConfig } from '../config/load-config.js';
import { checkAdmin } from '../service/tools/admin-auth.js';
import { changesState, checkCsrf, CSRF_HEADER } from './csrf.js';
import { pageBy, pageIssues } from './row-issues.js';
import { sweepOld } from './retention.js';
import { SessionStore, DEFAULT_SESSIONS, type Session } from './session-store.js';
import { loadStaticFiles } from './static-files.js';
import { saveUpload, type UploadPart } from './upload.js';
import { UI_PREFIX, type WebOptions } from './web-options.js';
import { WebRuns, type RunRequest } from './web-runs.js';
import type { ImportHooks } from '../run/index.js';

/** The daemon's login throttle (src/daemon/login-throttle.ts), as the page uses it. */
export interface Throttle {
  refusal(address: string, name: string): string | undefined;
  failure(address: string, name: string): number;
  success(address: string): void;
}

/** What the page needs besides its options; tests inject a fake login. */
export interface WebDeps {
  /** The daemon's secure flag: the cookie is `Secure` under TLS. */
  readonly secure: boolean;
  readonly throttle: Throttle;
  /** Config file of the back-ends (default: OXPROV_CONFIG or the local stack). */
  readonly configFile?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Checks an administrator's name and password; default: a bind to the directory, as the tools do. */
  readonly authenticate?: (user: string, password: string) => Promise<{ dn: string }>;
  /** One line per request (method, path, status, administrator; never a body). */
  readonly log?: (line: string) => void;
  readonly now?: () => number;
  /** The import's seam for tests (e.g. a slower mail store), as runImport's hooks. */
  readonly importSetup?: ImportHooks['setup'];
}

/** A started page. */
export interface WebApp {
  /** The page's routes, hooks and error handling, registered by the daemon's server in a scope of their own at `prefix`. */
  readonly plugin: (app: FastifyInstance) => Promise<void>;
  /** `/ui`: where the daemon mounts {@link plugin}. */
  readonly prefix: string;
  readonly runs: WebRuns;
  /** Stops the imports in progress (their reports are written) and the sweep. */
  close(): Promise<void>;
}

export const PREFIX = UI_PREFIX;
const COOKIE = 'oxprov_session';

const STATUS: Partial<Record<string, number>> = {
  WEB_SESSION: 401, ADMIN_AUTH: 401, WEB_CSRF: 403, WEB_FORBIDDEN: 403, WEB_NOT_FOUND: 404, WEB_GONE: 410, WEB_CONFLICT: 409, WEB_TOO_LARGE: 413,
  WEB_INVALID_REQUEST: 400, LDAP_CONNECT: 503,
};

/** Any error a route throws, as the OxprovError the page is answered with. */
function asWebError(err: unknown): OxprovError {
  if (isOxprovError(err)) return err;
  const { code, statusCode } = err as { code?: string; statusCode?: number };
  if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new OxprovError('WEB_TOO_LARGE', 'the request is larger than the server accepts', { cause: err });
  // fastify's own 4xx (a body that is not JSON, a wrong content type): its message names the problem, not the data.
  if (typeof statusCode === 'number' && statusCode < 500) return new OxprovError('WEB_INVALID_REQUEST', describeError(err), { cause: err });
  return new OxprovError('WEB_FAILED', 'internal error (see the daemon\'s log)', { cause: err });
}

function statusOf(err: OxprovError): number {
  return STATUS[err.code] ?? (/^(CFG|MAP|CSV|SYNC)_/.test(err.code) ? 400 : 500);
}

/**
 * Refuses a request whose Origin header names another site than the one it was sent to. A request
 * without the header (a script, curl, an older browser's same-origin request) is left to the
 * session and CSRF checks.
 * @throws OxprovError WEB_CSRF
 */
function checkOrigin(origin: string | undefined, host: string | undefined): void {
  if (origin === undefined) return;
  // Host and port only: behind a TLS proxy on loopback the page is https, the daemon http.
  let from: string | undefined;
  try {
    from = new URL(origin).host;
  } catch {
    // "null" (a sandboxed frame, a file) or garbage: another site.
  }
  if (host === undefined || from === undefined || from === '' || from.toLowerCase() !== host.toLowerCase()) {
    throw new OxprovError('WEB_CSRF', `a request from ${origin} changes nothing here: use the page itself`, { field: 'origin' });
  }
}

/** The session the onRequest hook found; a second guard, should a route ever be marked public by mistake. */
function sessionOf(req: FastifyRequest): Session {
  if (!req.session) throw new OxprovError('WEB_SESSION', 'not logged in, or the session has expired: log in again');
  return req.session;
}

declare module 'fastify' {
  interface FastifyRequest {
    session?: Session;
  }
  interface FastifyContextConfig {
    /** Served without a session: the page's own files and the login. */
    public?: boolean;
  }
}

/**
 * The web page of the admin daemon, at /ui/: a fastify plugin that the daemon's
 * one server (src/daemon/daemon-server.ts) registers beside XML-RPC, in a scope
 * of its own (its hooks, error and not-found handlers concern only the page).
 * Login against the directory as the tools do; a session cookie (HttpOnly,
 * SameSite=Strict, Secure under TLS) and a CSRF token on every request that
 * changes something.
 */
export async function createWebApp(options: WebOptions, deps: WebDeps): Promise<WebApp> {
  const now = deps.now ?? Date.now;
  const sessions = new SessionStore({ ...DEFAULT_SESSIONS, idleMs: options.sessionIdleMs }, now);
  const runs = new WebRuns(options.dataDir, deps.configFile, deps.importSetup, deps.log);
  const files = loadStaticFiles();
  let config: ReturnType<typeof loadConfig> | undefined;
  const authenticate = deps.authenticate ?? (async (user: string, password: string) => {
    config ??= loadConfig({ file: deps.configFile, env: deps.env });
    return checkAdmin(config, { adminuser: user, adminpasswd: password });
  });
  const log = (req: FastifyRequest, status: number) =>
    deps.log?.(`${new Date(now()).toISOString()} ${req.ip} ui ${req.method} ${req.url.split('?')[0]} ${status}${req.session ? ` by ${JSON.stringify(req.session.user)}` : ''}`);

  const plugin = async (app: FastifyInstance): Promise<void> => {
    await app.register(cookie);
    await app.register(multipart, { limits: { fileSize: options.uploadLimit, files: 2, fields: 4, parts: 6 } });

    app.addHook('onSend', async (_req, reply, payload) => {
      // Nothing from another site, no framing, no guessing of types, no referrer leaking run ids.
      reply.header('Content-Security-Policy', "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
      reply.header('X-Content-Type-Options', 'nosniff');
      reply.header('Referrer-Policy', 'no-referrer');
      reply.header('X-Frame-Options', 'DENY');
      if (!reply.hasHeader('Cache-Control')) reply.header('Cache-Control', 'no-store');
      return payload;
    });
    app.addHook('onResponse', async (req, reply) => log(req, reply.statusCode));

    // Every route needs a session unless it is marked public (the page's own files, the login), and
    // what changes something needs its CSRF token too. Decided by the route that matched, not by the
    // URL as sent: the router decodes %61pi to api, so a test of the raw text could be walked around.
    // A path that matches no route needs nothing: it is answered 404 without data.
    app.addHook('onRequest', async (req) => {
      // A browser names the page a request comes from: one from another site changes nothing, the
      // login included (else any web page could make an administrator's browser fail logins until the
      // throttle, shared with XML-RPC, locks that address out).
      if (changesState(req.method)) checkOrigin(req.headers.origin, req.headers.host);
      if (req.routeOptions.url === undefined || req.routeOptions.config.public === true) return;
      const session = sessions.get(req.cookies?.[COOKIE]);
      if (!session) throw new OxprovError('WEB_SESSION', 'not logged in, or the session has expired: log in again');
      req.session = session;
      if (changesState(req.method)) checkCsrf(session, req.headers[CSRF_HEADER]);
    });

    app.setErrorHandler((err, req, reply) => {
      const e = asWebError(err);
      // No stack and no message of an unexpected error to the client: both can reveal internals.
      if (e.code === 'WEB_FAILED') deps.log?.(`${new Date(now()).toISOString()} ${req.ip} ui ${req.method} ${req.url.split('?')[0]} internal error: ${describeError(err)}`);
      // A back-end that cannot be reached is named, not located (see withoutTopology).
      const { message } = withoutTopology(e);
      return reply.code(statusOf(e)).send({ error: { code: e.code, message, field: e.field } });
    });
    app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: { code: 'WEB_NOT_FOUND', message: `nothing at ${req.url.split('?')[0]}` } }));

    // The page.
    const open = { config: { public: true } };
    // The scope is mounted at /ui: '/' with no slash is /ui, with one /ui/.
    app.get('/', { ...open, prefixTrailingSlash: 'no-slash' }, (_req, reply) => reply.redirect(PREFIX));
    const sendFile = (name: string) => (_req: FastifyRequest, reply: FastifyReply) => {
      const f = files.get(name)!;
      return reply.header('Cache-Control', 'no-cache').type(f.type).send(f.body);
  };
  app.get('/', { ...open, prefixTrailingSlash: 'slash' }, sendFile('index.html'));
  for (const name of files.keys()) app.get(`/${name}`, open, sendFile(name));

  // Login, session, logout.
  app.post(`/api/login`, open, async (req, reply) => {
    // JSON only: a form of another site can send text/plain or a form without asking, JSON it cannot.
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      throw new OxprovError('WEB_INVALID_REQUEST', 'send the login as application/json: {"user": …, "password": …}');
    }
    const body = (req.body ?? {}) as { user?: unknown; password?: unknown };
    const user = typeof body.user === 'string' ? body.user.trim() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const address = req.ip;
    const name = user.toLowerCase();
    const refused = deps.throttle.refusal(address, name);
    if (refused !== undefined) throw new OxprovError('ADMIN_AUTH', refused);
    let admin: { dn: string };
    try {
      admin = await authenticate(user, password);
    } catch (err) {
      if (isOxprovError(err, 'ADMIN_AUTH')) {
        // Answered late, and only this client waits (as XML-RPC's logins).
        const delay = deps.throttle.failure(address, name);
        deps.log?.(`${new Date(now()).toISOString()} ${address} ui login failed for ${JSON.stringify(name)}${delay ? `; answered after ${delay} ms` : ''}`);
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        throw new OxprovError('ADMIN_AUTH', 'wrong name or password', { field: 'password' });
      }
      throw err;
    }
    deps.throttle.success(address);
    // A new id at every login, and the session the browser held before it ends: a cookie planted
    // before the login, or left by the administrator before, is worth nothing after it.
    sessions.destroy(req.cookies?.[COOKIE]);
    const s = sessions.create(name, admin.dn);
    reply.setCookie(COOKIE, s.id, { path: PREFIX, httpOnly: true, sameSite: 'strict', secure: deps.secure, maxAge: sessions.cookieMaxAgeSeconds });
    return { user: s.user, csrf: s.csrf, uploadLimit: options.uploadLimit, backends: BACKENDS };
  });
  app.get(`/api/session`, async (req) => ({ user: sessionOf(req).user, csrf: sessionOf(req).csrf, uploadLimit: options.uploadLimit, backends: BACKENDS }));
  app.post(`/api/logout`, async (req, reply) => {
    sessions.destroy(sessionOf(req).id);
    reply.clearCookie(COOKIE, { path: PREFIX, httpOnly: true, sameSite: 'strict', secure: deps.secure });
    return { ok: true };
  });

  // Upload: streamed to a private folder.
  app.post(`/api/uploads`, async (req) => {
    if (!req.isMultipart()) throw new OxprovError('WEB_INVALID_REQUEST', 'send the file as multipart/form-data (fields csv and mapping)');
    const { id, dir } = runs.newUpload();
    const saved = await saveUpload(req.parts() as AsyncIterable<UploadPart>, dir, options.uploadLimit);
    const record = { id, owner: sessionOf(req).dn, name: saved.name, size: saved.size, mappingName: saved.mappingName, createdAt: new Date(now()).toISOString() };
    runs.saveUpload(record);
    return { id, name: record.name, size: record.size, mappingName: record.mappingName };
  });

  // Runs: start, follow, cancel, read, download.
  app.post(`/api/runs`, async (req) => runs.start(runRequest(req.body), { dn: sessionOf(req).dn, user: sessionOf(req).user }));
  app.get(`/api/runs`, async (req) => (sessionOf(req), { runs: runs.list(), elsewhere: await runs.elsewhere(20) }));
  const run = (req: FastifyRequest) => {
    sessionOf(req);
    const id = (req.params as { id: string }).id;
    const r = runs.get(id);
    if (!r) throw new OxprovError('WEB_NOT_FOUND', 'no such run (it may have been deleted as too old)', { field: 'id' });
    return r;
  };
  app.get(`/api/runs/:id`, async (req) => {
    const r = run(req);
    return { run: r, progress: runs.progress(r.id), workers: await runs.workers(r) };
  });
  app.post(`/api/runs/:id/cancel`, async (req) => ({ run: runs.cancel(run(req).id) }));
  app.post(`/api/runs/:id/resume`, async (req) => ({ run: runs.resume(run(req).id, { dn: sessionOf(req).dn, user: sessionOf(req).user }) }));
  app.get(`/api/runs/:id/rejected`, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    return pageIssues(runs.issues(run(req).id), { code: q.code, page: q.page, pageSize: q.pageSize });
  });
  app.get(`/api/runs/:id/plan`, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const action = q.action?.trim() || undefined;
    const entries = runs.planEntries(run(req).id);
    const actions: Record<string, number> = {};
    for (const e of entries) actions[e.action] = (actions[e.action] ?? 0) + 1;
    return { ...pageBy(entries, (e) => e.action !== 'unchanged' && (action === undefined || e.action === action), q), actions };
  });
  app.get(`/api/runs/:id/files/:name`, async (req, reply) => {
    const r = run(req);
    const name = (req.params as { name: string }).name;
    const file = runs.reportFile(r.id, name);
    if (!file) throw new OxprovError('WEB_NOT_FOUND', `${name} is not a report of this run`, { field: 'name' });
    return reply
      .type(name.endsWith('.json') ? 'application/json; charset=utf-8' : 'text/csv')
      .header('Content-Disposition', `attachment; filename="${name}"`)
      .send(fs.createReadStream(file));
  });
  // POST: it deletes the file as it hands it out.
  app.post(`/api/runs/:id/credentials`, async (req, reply) => {
    const data = runs.takeCredentials(run(req).id, sessionOf(req).dn);
    return reply.type('text/csv').header('Content-Disposition', 'attachment; filename="credentials.csv"').send(data);
  });

  };

  runs.recover();
  // Old uploads and reports go; now, then every hour.
  const sweep = () => {
    const busy = (n: string) => runs.busy(n);
    sweepOld(runs.uploadsDir, options.keepMs, busy, now());
    runs.forget(sweepOld(runs.runsDir, options.keepMs, busy, now()));
    sessions.sweep();
  };
  sweep();
  const timer = setInterval(sweep, 3_600_000);
  timer.unref();

  return {
    plugin,
    prefix: PREFIX.replace(/\/$/, ''),
    runs,
    close: async () => {
      clearInterval(timer);
      await runs.close();
    },
  };
}

/** The body of POST /ui/api/runs, checked for types; the values are checked by the command line's option checks. */
function runRequest(body: unknown): RunRequest {
  const b = (body ?? {}) as Record<string, unknown>;
  const str = (k: string) => {
    const v = b[k];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw new OxprovError('WEB_INVALID_REQUEST', `${k} must be text`, { field: k });
    return v;
  };
  const bool = (k: string) => {
    const v = b[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw new OxprovError('WEB_INVALID_REQUEST', `${k} must be true or false`, { field: k });
    return v;
  };
  const only = b.only;
  if (only !== undefined && !(Array.isArray(only) && only.every((x) => (BACKENDS as readonly unknown[]).includes(x)))) {
    throw new OxprovError('WEB_INVALID_REQUEST', `only must be a list of ${BACKENDS.join(', ')}`, { field: 'only' });
  }
  const workers = b.workers;
  if (workers !== undefined && workers !== null && !(Number.isSafeInteger(workers) && (workers as number) >= 0 && (workers as number) <= 16)) {
    throw new OxprovError('WEB_INVALID_REQUEST', 'workers must be a whole number from 0 to 16', { field: 'workers' });
  }
  const maxDisable = b.maxDisable;
  if (maxDisable !== undefined && maxDisable !== null && maxDisable !== '' && !(Number.isSafeInteger(maxDisable) && (maxDisable as number) >= 0)) {
    throw new OxprovError('WEB_INVALID_REQUEST', 'maxDisable must be a whole number', { field: 'maxDisable' });
  }
  return {
    uploadId: str('uploadId') ?? '', kind: str('kind') as RunRequest['kind'], mode: str('mode') as RunRequest['mode'],
    onExisting: str('onExisting'), generatePasswords: bool('generatePasswords'), createGroups: bool('createGroups'),
    only: only as Backend[] | undefined, key: str('key'), feed: str('feed'),
    maxDisable: typeof maxDisable === 'number' ? maxDisable : undefined,
    workers: typeof workers === 'number' ? workers : undefined,
  };
}
