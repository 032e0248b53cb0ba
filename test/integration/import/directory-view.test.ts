import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotDirectory } from '../../../src/service/directory-snapshot.js';
import { openBackends } from '../../../src/provision/open-backends.js';
import type { Backends } from '../../../src/provision/backends.js';
import { UserService } from '../../../src/service/user-service.js';
import { loadTemplates } from '../../../src/service/open-services.js';
import { userSpec } from '../../../src/model/user-spec.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

const config = stackConfig();
let backends: Backends;
const p = uniqueName('snap');

beforeAll(async () => {
  backends = await openBackends(config, { only: ['ldap'] });
  const users = new UserService(backends, loadTemplates(config));
  for (const n of ['a', 'b']) {
    await users.provisionUser(userSpec({ username: `${p}${n}`, surname: 'Snap', mail: `${p}${n}@test.tux`, aliases: [`${p}${n}.Alias@test.tux`], colocrouteaddr: `${p}${n}@localhost` }), { only: ['ldap'] });
  }
});
afterAll(async () => { await backends?.close(); });

describe('a snapshot of the directory for large dry runs', () => {
  it('answers exactly what the per-batch searches answer', async () => {
    const dir = backends.directory!;
    const snap = await snapshotDirectory(dir, 10_000_000);
    expect(snap).toBeDefined();
    const names = [`${p}a`, `${p}B`, `${p}nobody`];
    const addresses = [`${p}a@test.tux`, `${p}b.alias@TEST.tux`, `${p}none@test.tux`];
    const mails = (m: Map<string, { attributes: Readonly<Record<string, readonly string[]>> }>) => new Map([...m].map(([k, u]) => [k, u.attributes.mail?.[0]?.toLowerCase()]));
    expect(mails(await snap!.findUsers(names))).toEqual(mails(await dir.findUsers(names)));
    expect([...(await snap!.findUsers(names)).keys()].sort()).toEqual([`${p}a`, `${p}b`]);
    expect(await snap!.existingUsers(names)).toEqual(await dir.existingUsers(names));
    expect([...(await snap!.existingUsers(names))].sort()).toEqual([`${p}a`, `${p}b`]);
    expect(await snap!.addressOwners(addresses)).toEqual(await dir.addressOwners(addresses));
    expect(await snap!.addressOwners(addresses)).toEqual(new Map([[`${p}a@test.tux`, `${p}a`], [`${p}b.alias@test.tux`, `${p}b`]]));
  });

  it('gives up on a directory larger than its bound', async () => {
    expect(await snapshotDirectory(backends.directory!, 1)).toBeUndefined();
  });
});

describe('a large dry run (read against the snapshot)', () => {
  it('reports collisions with existing users as a small file does', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { importFile, tmpDir } = await import('../../helpers/import-helpers.js');
    const file = path.join(tmpDir('snapshot'), 'large.csv');
    const rows = ['username,password,surname,mail,colocrouteaddr'];
    // ~60k rows of ~100 bytes: above the size at which the importer reads the directory once.
    for (let i = 0; i < 60_000; i++) rows.push(`${p}x${i},Pw-${i}-long-enough-padding,Large,${p}x${i}@large.test.tux,${p}x${i}@localhost`);
    rows.push(`${p}a,Pw-a-long,Snap,${p}a@test.tux,${p}a@localhost`);
    rows.push(`${p}c,Pw-c-long,Snap,${p}b.alias@test.tux,${p}c@localhost`);
    fs.writeFileSync(file, `${rows.join('\n')}\n`);
    expect(fs.statSync(file).size).toBeGreaterThan(5_000_000);
    // The shared test directory may hold many users (benchmarks): lift the bound so the snapshot is taken; and
    // oxprov may remember more users than half the file (earlier tests): the file is taken to be far larger.
    const out = await importFile(file, { dryRun: true }, { snapshotMaxUsers: 10_000_000, estimatedRows: 1_000_000_000 });
    expect(out.stderr).toMatch(/read the directory's \d+ users once/);
    expect(out.summary!.rows).toMatchObject({ valid: 60_000, exists: 1, rejected: 1 });
    expect(out.report.find((r) => r.username === `${p}a`)?.status).toBe('exists');
    expect(out.report.find((r) => r.username === `${p}c`)).toMatchObject({ status: 'rejected', error_code: 'MAP_EXISTS_MAIL' });
  });
});
