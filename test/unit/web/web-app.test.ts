import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OxprovError } from '../../../src/errors.js';
import { normalizeServeOptions, startDaemon, type RunningDaemon } from '../../../src/daemon/serve.js';
import { createXmlRpcToolCaller } from '../../../src/daemon/xmlrpc-tool-caller.js';
import { tmpDir } from '../../helpers/import-helpers.js';
import { selfSignedCertificate } from '../../helpers/xmlrpc-peers.js';
import { fakeCaller } from '../cli/tools/tool-helpers.js';

/**
 * The page's HTTP rules, without a browser and without back-ends: the login is
 * a fake (the real one is the directory's, tested end to end in
 * test/integration/web/), the service of XML-RPC too.
 */
const PASSWORDS: Record<string, string> = { mailadmin: 'secret', other: 'other-pw' };
const authenticate = async (user: string, password: string) => {
  if (PASSWORDS[user.toLowerCase()] !== password || password === '') throw new OxprovError('ADMIN_AUTH', 'refused');
  return { dn: `uid=${user.toLowerCase()},ou=admins,dc=test,dc=tux` };
};
const service = () => fakeCaller(() => ({ status: 'updated', message: 'ok' })).caller;
const throttle = { freeFailures: 2, baseDelayMs: 200, maxDelayMs: 400, lockAfter: 6, nameLockAfter: 100, lockMs: 60_000, windowMs: 60_000 };

async function login(ui: string, user = 'mailadmin', password = PASSWORDS[user]) {
  const res = await fetch(`${ui}api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user, password }) });
  const body = await res.json() as { csrf?: string; error?: { code: string } };
  return { status: res.status, body, cookie: res.headers.get('set-cookie') ?? '', session: (res.headers.get('set-cookie') ?? '').split(';')[0] };
}

describe('the web page of oxprov serve, over HTTP', () => {
  const work = tmpDir('web-app');
  const log: string[] = [];
  let t = Date.now();
  let daemon: RunningDaemon;
  let ui: string;
  beforeAll(async () => {
    daemon = await startDaemon(normalizeServeOptions({ port: '0', 'web-dir': work, 'upload-limit': '4K', 'session-minutes': '1' }), {
      createService: service, throttle, log: (l) => log.push(l), web: { authenticate, now: () => t },
    });
    ui = daemon.uiUrl!;
  });
  afterAll(() => daemon.close());

  it('serves the page and its own files, with a strict content security policy; XML-RPC stays at /', async () => {
    const page = await fetch(ui);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    // Should the script not run, the browser's own submit posts (no password in a URL or the history).
    expect(html).toMatch(/<form id="login-form" method="post"/);
    for (const f of ['app.js', 'app.css']) expect((await fetch(`${ui}${f}`)).status).toBe(200);
    expect((await fetch(ui.replace(/\/$/, ''), { redirect: 'manual' })).status).toBe(302);
    expect((await fetch(`${ui}nope`)).status).toBe(404);
    // The XML-RPC daemon is untouched: its methods at /, other paths 404 as before.
    expect((await createXmlRpcToolCaller(daemon.url).call('setquota', { adminuser: 'a', adminpasswd: 'x', username: 'u', quotasize: '5' })).status).toBe('updated');
    expect((await fetch(`${daemon.url}RPC2`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: '<x/>' })).status).toBe(404);
  });

  it('logs in with a session cookie that scripts cannot read and other sites do not send', async () => {
    const r = await login(ui);
    expect(r.status).toBe(200);
    expect(r.cookie).toMatch(/^oxprov_session=[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/ui\/; HttpOnly; SameSite=Strict$/);
    expect(r.body.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const s = await fetch(`${ui}api/session`, { headers: { Cookie: r.session } });
    expect(await s.json()).toMatchObject({ user: 'mailadmin', csrf: r.body.csrf });
    expect(s.headers.get('cache-control')).toBe('no-store');
  });

  it('needs a session on every route but the page and the login, however the path is spelled', async () => {
    // The router decodes %61 to a: the check goes by the route that matched, not by the URL as sent.
    const id = '20260101T000000Z-abcdefghijkl';
    for (const p of ['api/runs', '%61pi/runs', 'ap%69/session', `%61pi/runs/${id}`, `%61pi/runs/${id}/rejected`, `%61pi/runs/${id}/plan`, `%61pi/runs/${id}/files/report.csv`]) {
      const res = await fetch(`${ui}${p}`);
      expect([p, res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([p, 401, 'WEB_SESSION']);
    }
    for (const p of ['%61pi/logout', `%61pi/runs/${id}/cancel`, `%61pi/runs/${id}/credentials`, '%61pi/runs', '%61pi/uploads']) {
      const form = new FormData();
      form.append('csv', new Blob(['username\nx\n']), 'x.csv');
      const res = await fetch(`${ui}${p}`, { method: 'POST', body: form });
      expect([p, res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([p, 401, 'WEB_SESSION']);
    }
    // Nothing was uploaded by the request without a session.
    expect(fs.existsSync(path.join(work, 'uploads')) ? fs.readdirSync(path.join(work, 'uploads')) : []).toEqual([]);
    // The page itself and the login need none.
    expect((await fetch(`${ui}%61pp.js`)).status).toBe(200);
  });

  it('gives a new session id at every login and ends the one the browser held', async () => {
    const first = await login(ui);
    const res = await fetch(`${ui}api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: first.session }, body: JSON.stringify({ user: 'mailadmin', password: 'secret' }) });
    const second = (res.headers.get('set-cookie') ?? '').split(';')[0];
    expect(res.status).toBe(200);
    expect(second).not.toBe(first.session);
    expect((await fetch(`${ui}api/session`, { headers: { Cookie: first.session } })).status).toBe(401);
    expect((await fetch(`${ui}api/session`, { headers: { Cookie: second } })).status).toBe(200);
    // A made-up id sent at login is not taken over.
    const planted = 'oxprov_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const res3 = await fetch(`${ui}api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: planted }, body: JSON.stringify({ user: 'mailadmin', password: 'secret' }) });
    expect((res3.headers.get('set-cookie') ?? '').split(';')[0]).not.toBe(planted);
    expect((await fetch(`${ui}api/session`, { headers: { Cookie: planted } })).status).toBe(401);
  });

  it('refuses a login (or any change) sent from another site, and a login that is not JSON, without counting it as a failure', async () => {
    const { body: b, session } = await login(ui);
    const cross = await fetch(`${ui}api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example' }, body: JSON.stringify({ user: 'mailadmin', password: 'secret' }) });
    expect([cross.status, ((await cross.json()) as { error: { code: string } }).error.code]).toEqual([403, 'WEB_CSRF']);
    const other = await fetch(`${ui}api/logout`, { method: 'POST', headers: { Cookie: session, 'X-CSRF-Token': b.csrf!, Origin: 'null' } });
    expect(other.status).toBe(403);
    // What a form of another site can send without asking: text/plain, urlencoded, multipart.
    const failedBefore = log.filter((l) => l.includes('ui login failed')).length;
    for (let i = 0; i < 8; i++) {
      const plain = await fetch(`${ui}api/login`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'user=mailadmin&password=x' });
      expect([plain.status, ((await plain.json()) as { error: { code: string } }).error.code]).toEqual([400, 'WEB_INVALID_REQUEST']);
    }
    expect(log.filter((l) => l.includes('ui login failed')).length).toBe(failedBefore);
    // The page itself (same origin) still logs in, at once.
    const own = new URL(ui);
    const ok = await fetch(`${ui}api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: own.origin }, body: JSON.stringify({ user: 'mailadmin', password: 'secret' }) });
    expect(ok.status).toBe(200);
  });

  it('serves only the report files a run made, never its passwords, its key or its record, nor anything outside it', async () => {
    const { session, body } = await login(ui);
    const id = '20260102T000000Z-reportsonlyxx';
    const dir = path.join(work, 'runs', id);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const record = { id, uploadId: 'u', file: 'a.csv', kind: 'import', mode: 'import', owner: 'uid=other,ou=admins,dc=test,dc=tux', ownerName: 'other', createdAt: new Date(t).toISOString(), status: 'done', options: {}, messages: [], credentials: 'available', files: ['report.csv'] };
    fs.writeFileSync(path.join(dir, 'web-run.json'), JSON.stringify(record));
    fs.writeFileSync(path.join(dir, 'report.csv'), 'line,username\n2,=cmd|x\n');
    fs.writeFileSync(path.join(dir, 'credentials.csv'), 'username,password\nx,Gen-Secret-1\n');
    fs.writeFileSync(path.join(dir, 'run.key'), '-----BEGIN PRIVATE KEY-----Gen-Secret-1');
    fs.writeFileSync(path.join(work, 'outside.csv'), 'OUTSIDE-CONTENT');
    const get = async (p: string) => {
      const res = await fetch(`${ui}api/runs/${p}`, { headers: { Cookie: session } });
      return [res.status, await res.text()] as const;
    };
    // The report, byte for byte (a value that starts with = is not changed).
    expect(await get(`${id}/files/report.csv`)).toEqual([200, 'line,username\n2,=cmd|x\n']);
    for (const p of [`${id}/files/credentials.csv`, `${id}/files/run.key`, `${id}/files/web-run.json`, `${id}/files/..%2F..%2Foutside.csv`, `${id}/files/%2E%2E%2Foutside.csv`,
      `..%2F${id}/files/report.csv`, `${id}%2F..%2F..%2F/files/report.csv`, `${id}/files/rejected.csv`, `nope/files/report.csv`]) {
      const [status, text] = await get(p);
      expect([p, status]).toEqual([p, 404]);
      expect(text).not.toMatch(/Gen-Secret|OUTSIDE-CONTENT/);
    }
    // Another administrator's passwords: refused, and still there for their owner.
    const res = await fetch(`${ui}api/runs/${id}/credentials`, { method: 'POST', headers: { Cookie: session, 'X-CSRF-Token': body.csrf! } });
    expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([403, 'WEB_FORBIDDEN']);
    expect(fs.existsSync(path.join(dir, 'credentials.csv'))).toBe(true);
  });

  it('refuses every state-changing request without the CSRF token, before reading its body', async () => {
    const { session, body } = await login(ui);
    for (const [p, init] of [
      ['api/logout', {}], ['api/runs', { body: '{}', headers: { 'Content-Type': 'application/json' } }],
      ['api/uploads', { body: new FormData() }], ['api/runs/x/cancel', {}], ['api/runs/x/credentials', {}],
    ] as const) {
      const res = await fetch(`${ui}${p}`, { method: 'POST', ...init, headers: { ...('headers' in init ? init.headers : {}), Cookie: session } });
      expect([p, res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([p, 403, 'WEB_CSRF']);
    }
    // With the token, the same session works.
    const ok = await fetch(`${ui}api/logout`, { method: 'POST', headers: { Cookie: session, 'X-CSRF-Token': body.csrf! } });
    expect(ok.status).toBe(200);
    expect((await fetch(`${ui}api/session`, { headers: { Cookie: session } })).status).toBe(401);
  });

  it('streams an upload to a private folder, 0600, and refuses one over --upload-limit', async () => {
    const { session, body } = await login(ui);
    const headers = { Cookie: session, 'X-CSRF-Token': body.csrf! };
    const form = new FormData();
    form.append('csv', new Blob(['username,password\nsm,Secret-123\n']), 'users.csv');
    const res = await fetch(`${ui}api/uploads`, { method: 'POST', headers, body: form });
    expect(res.status).toBe(200);
    const up = await res.json() as { id: string; name: string; size: number };
    expect(up).toMatchObject({ name: 'users.csv', size: 32 });
    const dir = path.join(work, 'uploads', up.id);
    expect((fs.statSync(dir).mode & 0o777).toString(8)).toBe('700');
    expect((fs.statSync(path.join(dir, 'input.csv')).mode & 0o777).toString(8)).toBe('600');

    const big = new FormData();
    big.append('csv', new Blob(['x'.repeat(5000)]), 'big.csv');
    const refused = await fetch(`${ui}api/uploads`, { method: 'POST', headers, body: big });
    expect(refused.status).toBe(413);
    expect(await refused.json()).toMatchObject({ error: { code: 'WEB_TOO_LARGE' } });
    // Nothing of it is left on the server.
    expect(fs.readdirSync(path.join(work, 'uploads'))).toEqual([up.id]);

    const badMapping = new FormData();
    badMapping.append('csv', new Blob(['a,b\n1,2\n']), 'a.csv');
    badMapping.append('mapping', new Blob(['{"columns": 5}']), 'm.json');
    const bad = await fetch(`${ui}api/uploads`, { method: 'POST', headers, body: badMapping });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('MAP_INVALID_MAPPING');
  });

  it('answers a broken upload with a stable code and leaves nothing behind', async () => {
    const { session, body } = await login(ui);
    const headers = { Cookie: session, 'X-CSRF-Token': body.csrf! };
    const uploads = () => (fs.existsSync(path.join(work, 'uploads')) ? fs.readdirSync(path.join(work, 'uploads')) : []);
    const before = uploads();
    const send = async (fill: (f: FormData) => void) => {
      const form = new FormData();
      fill(form);
      const res = await fetch(`${ui}api/uploads`, { method: 'POST', headers, body: form });
      return [res.status, ((await res.json()) as { error?: { code: string } }).error?.code];
    };
    const csv = () => new Blob(['username\nx\n']);
    // No file; an empty one; only a mapping.
    expect(await send(() => {})).toEqual([400, 'WEB_INVALID_REQUEST']);
    expect(await send((f) => f.append('csv', new Blob([]), 'empty.csv'))).toEqual([400, 'WEB_INVALID_REQUEST']);
    expect(await send((f) => f.append('mapping', new Blob(['{}']), 'm.json'))).toEqual([400, 'WEB_INVALID_REQUEST']);
    // A mapping that is not JSON.
    expect(await send((f) => { f.append('csv', csv(), 'a.csv'); f.append('mapping', new Blob(['{not json']), 'm.json'); })).toEqual([400, 'MAP_INVALID_MAPPING']);
    // Two CSVs, many files, many fields, a file under another name.
    expect(await send((f) => { f.append('csv', csv(), 'a.csv'); f.append('csv', csv(), 'b.csv'); })).toEqual([400, 'WEB_INVALID_REQUEST']);
    expect(await send((f) => { for (let i = 0; i < 20; i++) f.append(`f${i}`, csv(), `${i}.csv`); })).toEqual([400, 'WEB_INVALID_REQUEST']);
    expect(await send((f) => { f.append('csv', csv(), 'a.csv'); for (let i = 0; i < 50; i++) f.append(`x${i}`, 'v'); })).toEqual([400, 'WEB_INVALID_REQUEST']);
    expect(await send((f) => f.append('other', csv(), 'a.csv'))).toEqual([400, 'WEB_INVALID_REQUEST']);
    // A mapping over the upload limit, as a CSV over it.
    expect(await send((f) => { f.append('csv', csv(), 'a.csv'); f.append('mapping', new Blob([' '.repeat(5000)]), 'm.json'); })).toEqual([413, 'WEB_TOO_LARGE']);
    expect(uploads()).toEqual(before);
    // The connection is still good for the next upload.
    expect(await send((f) => f.append('csv', csv(), 'a.csv'))).toEqual([200, undefined]);
  });

  it('checks a run\'s options as the command line does', async () => {
    const { session, body } = await login(ui);
    const headers = { Cookie: session, 'X-CSRF-Token': body.csrf!, 'Content-Type': 'application/json' };
    const post = async (b: unknown) => {
      const res = await fetch(`${ui}api/runs`, { method: 'POST', headers, body: JSON.stringify(b) });
      return [res.status, ((await res.json()) as { error: { code: string; field?: string } }).error];
    };
    expect(await post({ uploadId: 'nope', kind: 'import', mode: 'dry-run' })).toEqual([404, expect.objectContaining({ code: 'WEB_NOT_FOUND' })]);
    const form = new FormData();
    form.append('csv', new Blob(['username\nx\n']), 'x.csv');
    const up = await (await fetch(`${ui}api/uploads`, { method: 'POST', headers: { Cookie: session, 'X-CSRF-Token': body.csrf! }, body: form })).json() as { id: string };
    expect(await post({ uploadId: up.id, kind: 'import', mode: 'dry-run', onExisting: 'overwrite' })).toEqual([400, expect.objectContaining({ code: 'CFG_INVALID', field: '--on-existing' })]);
    expect(await post({ uploadId: up.id, kind: 'import', mode: 'apply' })).toEqual([400, expect.objectContaining({ code: 'WEB_INVALID_REQUEST', field: 'mode' })]);
    expect(await post({ uploadId: up.id, kind: 'sync', mode: 'plan', feed: 'a b' })).toEqual([400, expect.objectContaining({ code: 'CFG_INVALID', field: '--feed' })]);
    expect(await post({ uploadId: up.id, kind: 'import', mode: 'dry-run', only: ['ldap', 'nfs'] })).toEqual([400, expect.objectContaining({ code: 'WEB_INVALID_REQUEST', field: 'only' })]);
    expect(await post({ uploadId: up.id, kind: 'import', mode: 'dry-run', generatePasswords: 'yes' })).toEqual([400, expect.objectContaining({ code: 'WEB_INVALID_REQUEST', field: 'generatePasswords' })]);
  });

  it('slows repeated failed logins of one client, never a correct one, and logs no password', async () => {
    const tried = async (user: string, password: string) => {
      const r = await login(ui, user, password);
      return { status: r.status, code: r.body.error?.code };
    };
    const first = [await tried('mailadmin', 'guess-1'), await tried('mailadmin', 'guess-2')];
    expect(first).toEqual([{ status: 401, code: 'ADMIN_AUTH' }, { status: 401, code: 'ADMIN_AUTH' }]);
    expect(await tried('mailadmin', 'guess-3')).toEqual({ status: 401, code: 'ADMIN_AUTH' });
    expect(await tried('other', 'other-pw')).toMatchObject({ status: 200 });
    // What the throttle decided, as the log records it (never a time measured in a test).
    const failed = log.filter((l) => l.includes('ui login failed for "mailadmin"'));
    expect(failed).toHaveLength(3);
    expect(failed[2]).toMatch(/answered after \d+ ms$/);
    expect(failed.slice(0, 2).every((l) => !l.includes('answered after'))).toBe(true);
    expect(log.some((l) => l.includes('"other"') && l.includes('answered after'))).toBe(false);
    expect(log.join('\n')).not.toMatch(/guess-|other-pw|secret/);
  });

  it('ends a session after the idle time', async () => {
    const { session } = await login(ui, 'other');
    expect((await fetch(`${ui}api/runs`, { headers: { Cookie: session } })).status).toBe(200);
    t += 61_000;
    const res = await fetch(`${ui}api/runs`, { headers: { Cookie: session } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'WEB_SESSION' } });
  });
});

describe('the web page over TLS', () => {
  it('sets the Secure flag on the session cookie', async () => {
    const work = tmpDir('web-tls');
    const { cert, key } = selfSignedCertificate(work);
    const daemon = await startDaemon(normalizeServeOptions({ port: '0', 'web-dir': work, 'tls-cert': cert, 'tls-key': key }), { createService: service, web: { authenticate } });
    try {
      const ca = fs.readFileSync(cert);
      const cookie = await new Promise<string>((resolve, reject) => {
        const req = https.request(`${daemon.uiUrl}api/login`, { method: 'POST', ca, headers: { 'Content-Type': 'application/json' } }, (res) => {
          res.resume();
          resolve(String(res.headers['set-cookie']?.[0] ?? ''));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ user: 'mailadmin', password: 'secret' }));
      });
      expect(cookie).toMatch(/; HttpOnly; Secure; SameSite=Strict$/);
    } finally {
      await daemon.close();
    }
  });
});
