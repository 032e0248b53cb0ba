import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool } from '../../../src/cli/tools/run-tool.js';
import { createAdminService } from '../../../src/service/tools/admin-service.js';
import type { ToolCaller, ToolName } from '../../../src/service/tools/tool-contract.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * The exit codes of docs/tools.md, tool by tool, against the real stack: 0 done, 1 a
 * back-end failed, 2 bad options, wrong credentials or an unknown user, group or resource.
 */
const config = stackConfig();
const A = ['--adminuser=mailadmin', '--adminpasswd=secret'];
let svc: ToolCaller;
const u = uniqueName('exit');
const g = uniqueName('exitg');
const r = uniqueName('exitr');
const rg = uniqueName('exitrg');

beforeAll(async () => {
  svc = createAdminService(config);
  expect(await run('adduser', [`--username=${u}`, '--password=Pw-12345678', '--surname=Exit', `--mail=${u}@test.tux`, `--colocrouteaddr=${u}@localhost`])).toMatchObject({ code: 0 });
  expect(await run('addgroup', [`--groupname=${g}`, `--members=${u}`])).toMatchObject({ code: 0 });
  expect(await run('addresource', [`--resourcename=${r}`])).toMatchObject({ code: 0 });
  expect(await run('addresourcegroup', [`--groupname=${rg}`, `--members=${r}`])).toMatchObject({ code: 0 });
});
afterAll(async () => { await svc?.close(); });

async function run(tool: ToolName, args: string[], admin = A): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runTool(tool, [...admin, ...args], {
    stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) },
    env: { OXPROV_NO_HINTS: '1' }, isTTY: false, createCaller: () => ({ call: (t, p) => svc.call(t, p), close: async () => {} }),
  });
  return { code, out, err };
}

const nobody = () => uniqueName('nobody');
const CASES: [string, ToolName, () => string[], number, RegExp][] = [
  ['changepasswd of an unknown user', 'changepasswd', () => [`--username=${nobody()}`, '--password=Newpass-1234'], 2, /ADMIN_NO_SUCH_USER/],
  ['setquota of an unknown user', 'setquota', () => [`--username=${nobody()}`, '--quotasize=10'], 2, /ADMIN_NO_SUCH_USER/],
  ['addgroup with an unknown member', 'addgroup', () => [`--groupname=${uniqueName('g')}`, `--members=${nobody()}`], 2, /ADMIN_NO_SUCH_USER/],
  ['addmembers2group to an unknown group', 'addmembers2group', () => [`--groupname=${uniqueName('g')}`, `--members=${u}`], 2, /ADMIN_NO_SUCH_GROUP/],
  ['delmembersfromgroup of an unknown group', 'delmembersfromgroup', () => [`--groupname=${uniqueName('g')}`, `--members=${u}`], 2, /ADMIN_NO_SUCH_GROUP/],
  ['addresourcegroup with an unknown resource', 'addresourcegroup', () => [`--groupname=${uniqueName('rg')}`, `--members=${nobody()}`], 2, /ADMIN_NO_SUCH_RESOURCE/],
  ['addmembers2resgroup to an unknown resource group', 'addmembers2resgroup', () => [`--groupname=${uniqueName('rg')}`, `--members=${r}`], 2, /ADMIN_NO_SUCH_RESOURCE/],
  ['delmembersfromresgroup of an unknown resource group', 'delmembersfromresgroup', () => [`--groupname=${uniqueName('rg')}`, `--members=${r}`], 2, /ADMIN_NO_SUCH_RESOURCE/],
  ['an unknown option', 'setquota', () => [`--username=${u}`, '--quotasize=10', '--quota=5'], 2, /CFG_UNKNOWN_OPTION/],
  ['a missing option', 'addgroup', () => [`--groupname=${g}`], 2, /MAP_MISSING_FIELD/],
  ['a bad value', 'setquota', () => [`--username=${u}`, '--quotasize=ten'], 2, /MAP_INVALID_QUOTA/],
  ['changepasswd to a one-character password', 'changepasswd', () => [`--username=${u}`, '--password=a'], 2, /MAP_WEAK_PASSWORD/],
  ['setquota done', 'setquota', () => [`--username=${u}`, '--quotasize=20'], 0, /^$/],
  ['addmembers2group of a member: unchanged', 'addmembers2group', () => [`--groupname=${g}`, `--members=${u}`], 0, /^$/],
  ['delgroup of a group that is not there: gone', 'delgroup', () => [`--groupname=${uniqueName('g')}`], 0, /^$/],
  ['delresource of a resource that is not there: gone', 'delresource', () => [`--resourcename=${uniqueName('r')}`], 0, /^$/],
  ['delresourcegroup of a group that is not there: gone', 'delresourcegroup', () => [`--groupname=${uniqueName('rg')}`], 0, /^$/],
];

describe('exit codes of the tools, as docs/tools.md says', () => {
  it.each(CASES)('%s', async (_name, tool, args, code, err) => {
    const got = await run(tool, args());
    expect(got.code).toBe(code);
    expect(got.err).toMatch(err);
  });

  it('wrong credentials are 2 for every tool, and nothing is touched', async () => {
    const got = await run('delgroup', [`--groupname=${g}`], ['--adminuser=mailadmin', '--adminpasswd=wrong']);
    expect(got).toMatchObject({ code: 2, out: '' });
    expect(got.err).toMatch(/ADMIN_AUTH/);
  });

  it('three mistakes in one adduser are three codes, each naming its option and value; nothing is made', async () => {
    const name = nobody();
    const got = await run('adduser', [`--username=${name}`, '--password=Pw-12345678', '--surname=X', `--mail=${name}@test.tux`, '--language=IT', '--timezone=Europe/Berln', '--disable=calender']);
    expect(got.code).toBe(2);
    expect(got.err).toContain('MAP_INVALID_LANGUAGE: --language: language must be one of EN, DE, FR, got "IT"');
    expect(got.err).toContain('MAP_INVALID_TIMEZONE: --timezone: not an IANA time zone (e.g. Europe/Berlin), got "Europe/Berln"');
    expect(got.err).toContain('MAP_INVALID_MODULE: --disable: unknown module "calender"');
    expect((await run('showuser', [`--username=${name}`])).err).toMatch(/ADMIN_NO_SUCH_USER/);
  });

  it('showuser says what quota a user made without --quotasize gets', async () => {
    const name = nobody();
    expect((await run('adduser', [`--username=${name}`, '--password=Pw-12345678', '--surname=Quota', `--mail=${name}@test.tux`])).code).toBe(0);
    const shown = await run('showuser', [`--username=${name}`]);
    expect(shown.out).toMatch(/ldap\.quota +none set: the IMAP server's default \(the stack's Dovecot: no limit\)\n/);
  });

  it('deluser of a mistyped name exits 0 but says that there was no such user', async () => {
    const name = nobody();
    const got = await run('deluser', [`--username=${name}`]);
    expect(got.code).toBe(0);
    expect(got.out).toContain(`deluser: ${name} gone`);
    expect(got.out).toContain(`there is no user ${name} in any back-end`);
    const real = await run('deluser', [`--username=${u}`]);
    expect(real.out).not.toContain('there is no user');
    expect(real.out).toContain(`deluser: ${u} deleted`);
  });
});
