import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeServeOptions, startDaemon } from '../../../src/daemon/serve.js';
import { tmpDir } from '../../helpers/import-helpers.js';
import { uniqueName } from '../../helpers/stack-config.js';
import { fakeCaller } from '../../unit/cli/tools/tool-helpers.js';

/**
 * No password of the uploaded file reaches the page, whatever the row's
 * problem: a dry run and a sync plan of a file whose password column is
 * called Kennwort, against the real directory (the login is a fake).
 */
describe('the page and the passwords of an uploaded file', () => {
  it('shows none in the rejected rows, the plan, the run, the history or the reports', async () => {
    const work = tmpDir('web-secrets');
    const p = uniqueName('wx');
    const secrets = ['Sehr-Geheim-4711', 'weak', 'Auch-Geheim-0815'];
    const csv = [
      'Benutzer,Kennwort,Nachname,Vorname,Mail',
      `${p}a,${secrets[0]},A,Anna,not-an-address`,
      `${p}b,${secrets[1]},B,Bert,${p}b@test.tux`,
      `${p}c,${secrets[2]},C,Carl,${p}c@test.tux`,
      `${p}c,${secrets[2]},C,Carl,${p}c@test.tux`,
    ].join('\n');
    const mapping = JSON.stringify({ columns: { Benutzer: 'username', Kennwort: 'password', Nachname: 'surname', Vorname: 'givenname', Mail: 'mail' }, derive: { colocrouteaddr: '{username}@localhost' } });
    const daemon = await startDaemon(normalizeServeOptions({ port: '0', 'web-dir': path.join(work, 'web') }), {
      createService: () => fakeCaller(() => ({ status: 'updated', message: 'ok' })).caller,
      web: { authenticate: async () => ({ dn: 'uid=mailadmin,ou=admins,dc=test' }) },
    });
    try {
      const web = (await daemon.web)!;
      const login = await fetch(`${daemon.uiUrl}api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"user":"mailadmin","password":"x"}' });
      const headers = { Cookie: (login.headers.get('set-cookie') ?? '').split(';')[0], 'X-CSRF-Token': ((await login.json()) as { csrf: string }).csrf };
      const seen: string[] = [];
      const get = async (p: string) => {
        const text = await (await fetch(`${daemon.uiUrl}api/${p}`, { headers })).text();
        seen.push(text);
        return JSON.parse(text) as Record<string, unknown>;
      };
      for (const [kind, mode] of [['import', 'dry-run'], ['sync', 'plan']]) {
        const form = new FormData();
        form.append('csv', new Blob([csv]), 'hr.csv');
        form.append('mapping', new Blob([mapping]), 'hr.json');
        const up = (await (await fetch(`${daemon.uiUrl}api/uploads`, { method: 'POST', headers, body: form })).json()) as { id: string };
        const res = await fetch(`${daemon.uiUrl}api/runs`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify({ uploadId: up.id, kind, mode, feed: p }) });
        const { id } = (await res.json()) as { id: string };
        await web.runs.settled(id);
        const run = (await get(`runs/${id}`)).run as { status: string; files: string[] };
        expect([kind, run.status]).toEqual([kind, 'done']);
        const rejected = await get(`runs/${id}/rejected?pageSize=500`);
        expect((rejected.items as { code: string }[]).map((i) => i.code).sort()).toEqual(expect.arrayContaining(['MAP_WEAK_PASSWORD']));
        await get(`runs/${id}/plan?pageSize=500`);
        for (const f of run.files) seen.push(await (await fetch(`${daemon.uiUrl}api/runs/${id}/files/${f}`, { headers })).text());
        const dir = path.join(work, 'web', 'runs', id);
        for (const f of fs.readdirSync(dir)) seen.push(`${f}: ${fs.readFileSync(path.join(dir, f), 'utf8')}`);
      }
      await get('runs');
      const all = seen.join('\n');
      // Not vacuous: the rows, their other values and their problems are all there.
      for (const v of ['MAP_WEAK_PASSWORD', 'MAP_DUPLICATE_USERNAME', 'not-an-address', `${p}c`, 'Kennwort']) expect(all).toContain(v);
      for (const s of secrets) expect(all).not.toContain(s === 'weak' ? ',weak,' : s);
      expect(all).not.toMatch(/"value":\s*"weak"/);
    } finally {
      await daemon.close();
    }
  }, 60_000);
});
