import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeServeOptions, startDaemon } from '../../../src/daemon/serve.js';
import { RUN_KEY_FILE } from '../../../src/ledger/run-recorder.js';
import { slowFakeMailStore } from '../../helpers/fake-backends.js';
import { tmpDir, writeCsv } from '../../helpers/import-helpers.js';
import { uniqueName } from '../../helpers/stack-config.js';
import { fakeCaller } from '../../unit/cli/tools/tool-helpers.js';

/**
 * The daemon closing while the page's import runs, against the real stack
 * (the import's own back-ends; the login is a fake, tested for real in
 * web-page.test.ts): close() stops the import, does not wait for all of it,
 * and leaves no generated password on disk but credentials.csv.
 */
const slowMailStore = slowFakeMailStore(20);

describe('oxprov serve closing during an import of the page', () => {
  it('stops the import (even before its back-ends are open), writes its report, and close() returns', async () => {
    const work = tmpDir('web-close');
    const p = uniqueName('wc');
    const rows = Array.from({ length: 1000 }, (_, i) => [`${p}u${i}`, `Name${i}`, 'Test', `${p}u${i}@test.tux`, `${p}u${i}@localhost`]);
    const csv = writeCsv(work, 'many.csv', [['username', 'surname', 'givenname', 'mail', 'colocrouteaddr'], ...rows]);
    const daemon = await startDaemon(normalizeServeOptions({ port: '0', 'web-dir': path.join(work, 'web') }), {
      createService: () => fakeCaller(() => ({ status: 'updated', message: 'ok' })).caller,
      web: { authenticate: async () => ({ dn: 'uid=mailadmin,ou=admins,dc=test' }), importSetup: { mailStore: slowMailStore } },
    });
    const web = (await daemon.web)!;
    const login = await fetch(`${daemon.uiUrl}api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"user":"mailadmin","password":"x"}' });
    const headers = { Cookie: (login.headers.get('set-cookie') ?? '').split(';')[0], 'X-CSRF-Token': ((await login.json()) as { csrf: string }).csrf };
    const form = new FormData();
    form.append('csv', new Blob([fs.readFileSync(csv)]), 'many.csv');
    const up = (await (await fetch(`${daemon.uiUrl}api/uploads`, { method: 'POST', headers, body: form })).json()) as { id: string };
    const started = await fetch(`${daemon.uiUrl}api/runs`, {
      method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ uploadId: up.id, kind: 'import', mode: 'import', generatePasswords: true, only: ['ldap', 'imap'] }),
    });
    expect(started.status).toBe(200);
    const { id } = (await started.json()) as { id: string };
    // At once: the run is still opening its back-ends. close() stops it: it ends cancelled, not with all 1,000 made.
    await daemon.close();
    const run = web.runs.get(id)!;
    expect(run.status).toBe('cancelled');
    expect(run.summary!.rows.created).toBeLessThan(1000);
    const dir = path.join(work, 'web', 'runs', id);
    expect(fs.existsSync(path.join(dir, RUN_KEY_FILE))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'report.csv'))).toBe(true);
    // A new daemon on the same folder shows it as it ended, not as running.
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'web-run.json'), 'utf8')) as { status: string };
    expect(saved.status).toBe('cancelled');
  }, 60_000);
});
