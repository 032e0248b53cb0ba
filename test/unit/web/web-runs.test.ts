import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOxprovError } from '../../../src/errors.js';
import { RUN_KEY_FILE } from '../../../src/ledger/run-recorder.js';
import { sweepOld } from '../../../src/web/retention.js';
import { WebRuns, type RunRecord } from '../../../src/web/web-runs.js';
import { tmpDir } from '../../helpers/import-helpers.js';

const A = { dn: 'uid=a,ou=admins,dc=test', user: 'a' };
const B = { dn: 'uid=b,ou=admins,dc=test', user: 'b' };

/** Runs whose import and sync wait until released: the logic around them, without back-ends. */
function fakeRuns(dir: string) {
  const runs = new WebRuns(dir);
  const waiting: (() => void)[] = [];
  const hold = async (live: { record: RunRecord; abort: AbortController }) => {
    await new Promise<void>((resolve) => {
      waiting.push(resolve);
      live.abort.signal.addEventListener('abort', () => resolve());
    });
    live.record.status = live.abort.signal.aborted ? 'cancelled' : 'done';
  };
  Object.assign(runs as object, { runImport: hold, runSync: hold });
  const upload = (owner = A) => {
    const { id, dir: d } = runs.newUpload();
    fs.writeFileSync(path.join(d, 'input.csv'), 'username\nx\n', { mode: 0o600 });
    runs.saveUpload({ id, owner: owner.dn, name: 'x.csv', size: 11, createdAt: new Date().toISOString() });
    return id;
  };
  return { runs, upload, releaseAll: () => waiting.splice(0).forEach((r) => r()) };
}

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (err) {
    return isOxprovError(err) ? err.code : String(err);
  }
  return undefined;
};

describe('the page\'s audit lines', () => {
  it('name what each page action did: the run, its file and feed, who, the counts', async () => {
    const lines: string[] = [];
    const dir = tmpDir('web-audit');
    const runs = new WebRuns(dir, undefined, undefined, (l) => lines.push(l));
    Object.assign(runs as object, {
      runSync: async (live: { record: RunRecord }) => { live.record.status = 'done'; live.record.applied = { created: 13, disabled: 57 }; },
    });
    const { id: upId, dir: d } = runs.newUpload();
    fs.writeFileSync(path.join(d, 'input.csv'), 'username\nx\n', { mode: 0o600 });
    runs.saveUpload({ id: upId, owner: A.dn, name: 'hr.csv', size: 11, createdAt: new Date().toISOString() });
    const r = runs.start({ uploadId: upId, kind: 'sync', mode: 'apply', feed: 'hr', maxDisable: 57 }, A);
    await runs.settled(r.id);
    expect(lines.map((l) => l.replace(/^\S+ /, ''))).toEqual([
      `ui run ${r.id} (sync apply of "hr.csv", feed hr) by "a": started`,
      `ui run ${r.id} (sync apply of "hr.csv", feed hr) by "a": done: created 13, disabled 57`,
    ]);
  });
});

describe('the page\'s runs', () => {
  it('refuses a second run of the same file while one is going (no double apply), not of another file', async () => {
    const { runs, upload, releaseAll } = fakeRuns(tmpDir('web-runs'));
    const up = upload();
    const first = runs.start({ uploadId: up, kind: 'sync', mode: 'apply' }, A);
    expect(codeOf(() => runs.start({ uploadId: up, kind: 'sync', mode: 'apply' }, A))).toBe('WEB_CONFLICT');
    expect(codeOf(() => runs.start({ uploadId: up, kind: 'sync', mode: 'plan' }, A))).toBe('WEB_CONFLICT');
    const other = runs.start({ uploadId: upload(), kind: 'import', mode: 'dry-run' }, A);
    expect(other.status).toBe('running');
    releaseAll();
    await runs.settled(first.id);
    await runs.settled(other.id);
    // Once a run has finished, the file can be run again (a dry run keeps it; an import or sync does not).
    const again = runs.start({ uploadId: other.uploadId, kind: 'import', mode: 'import' }, A);
    releaseAll();
    await runs.settled(again.id);
    expect(runs.get(again.id)?.status).toBe('done');
  });

  it('answers a cancel of a finished run with WEB_CONFLICT, of an unknown one with WEB_NOT_FOUND', async () => {
    const dir = tmpDir('web-runs');
    const { runs, upload, releaseAll } = fakeRuns(dir);
    const r = runs.start({ uploadId: upload(), kind: 'import', mode: 'import' }, A);
    releaseAll();
    await runs.settled(r.id);
    expect(codeOf(() => runs.cancel(r.id))).toBe('WEB_CONFLICT');
    expect(runs.get(r.id)?.status).toBe('done');
    // Read back from its folder (another daemon, or forgotten), the same.
    expect(codeOf(() => new WebRuns(dir).cancel(r.id))).toBe('WEB_CONFLICT');
    expect(codeOf(() => runs.cancel('20260101T000000Z-abcdefghijkl'))).toBe('WEB_NOT_FOUND');
  });

  it('runs an upload for the administrator who sent it only', () => {
    const { runs, upload } = fakeRuns(tmpDir('web-runs'));
    expect(codeOf(() => runs.start({ uploadId: upload(A), kind: 'import', mode: 'dry-run' }, B))).toBe('WEB_FORBIDDEN');
    expect(codeOf(() => runs.start({ uploadId: '../uploads/x', kind: 'import', mode: 'dry-run' }, A))).toBe('WEB_NOT_FOUND');
  });

  it('stops the runs in progress on close and starts no new one', async () => {
    const { runs, upload } = fakeRuns(tmpDir('web-runs'));
    const r = runs.start({ uploadId: upload(), kind: 'import', mode: 'import' }, A);
    await runs.close();
    expect(runs.get(r.id)?.status).toBe('cancelled');
    expect(codeOf(() => runs.start({ uploadId: upload(), kind: 'import', mode: 'import' }, A))).toBe('WEB_CONFLICT');
  });

  it('tidies a run the daemon was killed during: interrupted, the key to its sealed passwords deleted, its credentials still taken once', () => {
    const dir = tmpDir('web-runs');
    const { runs, upload } = fakeRuns(dir);
    const r = runs.start({ uploadId: upload(), kind: 'import', mode: 'import' }, A);
    // The daemon dies here: the folder holds the record saved as running, the key of its sealed passwords.
    const runDir = path.join(dir, 'runs', r.id);
    fs.writeFileSync(path.join(runDir, RUN_KEY_FILE), '{"password":"Gen-123"}\n', { mode: 0o600 });
    fs.writeFileSync(path.join(runDir, 'credentials.csv'), 'username,password\nx,Gen-123\n', { mode: 0o600 });
    fs.writeFileSync(path.join(runDir, 'report.csv'), 'line,username\n2,x\n');
    const next = new WebRuns(dir);
    next.recover();
    expect(fs.existsSync(path.join(runDir, RUN_KEY_FILE))).toBe(false);
    expect(next.get(r.id)).toMatchObject({ status: 'interrupted', credentials: 'available', files: ['report.csv'] });
    expect(codeOf(() => next.takeCredentials(r.id, B.dn))).toBe('WEB_FORBIDDEN');
    expect(next.takeCredentials(r.id, A.dn).toString()).toContain('Gen-123');
    expect(fs.existsSync(path.join(runDir, 'credentials.csv'))).toBe(false);
    expect(codeOf(() => next.takeCredentials(r.id, A.dn))).toBe('WEB_GONE');
  });

  it('keeps a run that is going, and the upload it reads, however old, from the retention sweep', async () => {
    const dir = tmpDir('web-runs');
    const { runs, upload, releaseAll } = fakeRuns(dir);
    const up = upload();
    const r = runs.start({ uploadId: up, kind: 'import', mode: 'dry-run' }, A);
    const old = new Date(Date.now() - 40 * 86_400_000);
    for (const d of [path.join(dir, 'uploads', up), path.join(dir, 'runs', r.id)]) {
      for (const f of fs.readdirSync(d)) fs.utimesSync(path.join(d, f), old, old);
      fs.utimesSync(d, old, old);
    }
    const busy = (n: string) => runs.busy(n);
    expect(sweepOld(runs.uploadsDir, 30 * 86_400_000, busy)).toEqual([]);
    expect(sweepOld(runs.runsDir, 30 * 86_400_000, busy)).toEqual([]);
    releaseAll();
    await runs.settled(r.id);
    // Ended, its folder was just written (the record): kept until it is old; the upload goes.
    expect(sweepOld(runs.uploadsDir, 30 * 86_400_000, busy)).toEqual([up]);
    expect(sweepOld(runs.runsDir, 30 * 86_400_000, busy)).toEqual([]);
  });

  it('deletes the uploaded file once an import or sync has written from it, not after a dry run, a plan or a blocked sync', async () => {
    const dir = tmpDir('web-runs');
    const { runs, upload, releaseAll } = fakeRuns(dir);
    const up = upload();
    const exists = () => fs.existsSync(path.join(dir, 'uploads', up));
    for (const mode of ['dry-run', 'import'] as const) {
      const r = runs.start({ uploadId: up, kind: 'import', mode }, A);
      releaseAll();
      await runs.settled(r.id);
      expect([mode, exists()]).toEqual([mode, mode === 'dry-run']);
    }
    expect(codeOf(() => runs.start({ uploadId: up, kind: 'import', mode: 'import' }, A))).toBe('WEB_NOT_FOUND');
    // A sync blocked by the leaver threshold keeps it, to be applied with the threshold raised.
    const s = upload();
    Object.assign(runs as object, { runSync: async (live: { record: RunRecord }) => { live.record.status = 'blocked'; } });
    const blocked = runs.start({ uploadId: s, kind: 'sync', mode: 'apply' }, A);
    await runs.settled(blocked.id);
    expect(fs.existsSync(path.join(dir, 'uploads', s, 'input.csv'))).toBe(true);
  });

  it('holds a finished run in memory no longer (read back from its folder), and ends it even when its tidying fails', async () => {
    const dir = tmpDir('web-runs');
    const { runs, upload, releaseAll } = fakeRuns(dir);
    const r = runs.start({ uploadId: upload(), kind: 'import', mode: 'dry-run' }, A);
    for (let i = 0; i < 3; i++) (runs as unknown as { live: Map<string, { issues: unknown[] }> }).live.get(r.id)!.issues.push({ line: i + 2, status: 'rejected', code: 'MAP_INVALID_MAIL', message: 'm' });
    releaseAll();
    await runs.settled(r.id);
    expect((runs as unknown as { live: Map<string, unknown> }).live.size).toBe(0);
    expect(runs.get(r.id)).toMatchObject({ status: 'done', files: [] });
    expect(runs.issues(r.id)).toHaveLength(3);
    // A key that cannot be deleted (here: a folder in its place) is said, and the run still ends.
    const up = upload();
    const s = runs.start({ uploadId: up, kind: 'import', mode: 'import' }, A);
    fs.mkdirSync(path.join(dir, 'runs', s.id, RUN_KEY_FILE, 'x'), { recursive: true });
    releaseAll();
    await runs.settled(s.id);
    expect(runs.get(s.id)).toMatchObject({ status: 'done', messages: [expect.stringContaining('could not delete the key of the run')] });
    expect(runs.busy(s.id)).toBe(false);
  });
});
