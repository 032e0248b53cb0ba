import { describe, expect, it } from 'vitest';
import { OxprovError, type ErrorCode } from '../../../../src/errors.js';
import { exitCodeFor, runTool } from '../../../../src/cli/tools/run-tool.js';
import { defaultToolCallerFactory, type CallerTarget } from '../../../../src/cli/tools/create-tool-caller.js';
import { TOOL_STATUSES, type ToolName } from '../../../../src/service/tools/tool-contract.js';
import { fakeCaller, fakeIo, PAPER, paperArgs } from './tool-helpers.js';

const ADMIN = ['--adminuser=mailadmin', '--adminpasswd=secret'];

describe('runTool', () => {
  it('runs the paper\'s adduser example and prints one line with the steps', async () => {
    const { caller, calls, closedCount } = fakeCaller(() => ({
      status: 'created', message: 'user smtest created',
      steps: { ldap: 'created', sql: 'created', groupware: 'created', imap: 'created' },
    }));
    const io = fakeIo({ createCaller: () => caller, env: { OXPROV_NO_HINTS: '1' } });
    const { args } = paperArgs(PAPER.adduserMandatory);
    expect(await runTool('adduser', args, io)).toBe(0);
    expect(io.out()).toBe('adduser: smtest created (ldap created, sql created, groupware created, imap created)\n');
    expect(io.err()).toBe('');
    expect(calls).toHaveLength(1);
    expect(calls[0].tool).toBe('adduser');
    expect(calls[0].params).toMatchObject({ adminuser: 'mailadmin', adminpasswd: 'secret', username: 'smtest', password: 'secret' });
    expect(closedCount()).toBe(1);
  });

  it.each([...TOOL_STATUSES])('status %s is success (exit 0)', async (status) => {
    const { caller } = fakeCaller(() => ({ status, message: '' }));
    const io = fakeIo({ createCaller: () => caller });
    expect(await runTool('delgroup', [...ADMIN, '--groupname=testgroup'], io)).toBe(0);
    expect(io.out()).toBe(`delgroup: testgroup ${status}\n`);
  });

  it.each<[ErrorCode, number]>([
    ['LDAP_CONNECT', 1], ['SQL_FAILED', 1], ['IMAP_FAILED', 1], ['RPC_CONNECT', 1], ['RPC_TIMEOUT', 1], ['ADMIN_NO_SUCH_USER', 2],
    ['ADMIN_AUTH', 2], ['ADMIN_INVALID_REQUEST', 2], ['MAP_INVALID_QUOTA', 2], ['CFG_INVALID', 2], ['RPC_INVALID_PARAMS', 2],
  ])('an OxprovError %s from the call exits %i and prints "tool: CODE: message" on stderr', async (code, exit) => {
    const { caller, closedCount } = fakeCaller(() => { throw new OxprovError(code, 'it went wrong'); });
    const io = fakeIo({ createCaller: () => caller });
    expect(await runTool('setquota', [...ADMIN, '--username=smtest', '--quotasize=50'], io)).toBe(exit);
    expect(io.err()).toContain(`setquota: ${code}: it went wrong\n`);
    expect(io.out()).toBe('');
    expect(closedCount()).toBe(1);
  });

  it('an unexpected error exits 1 as an internal error', async () => {
    const { caller } = fakeCaller(() => { throw new TypeError('boom'); });
    const io = fakeIo({ createCaller: () => caller, env: { OXPROV_NO_HINTS: '1' } });
    expect(await runTool('delgroup', [...ADMIN, '--groupname=g'], io)).toBe(1);
    expect(io.err()).toBe('delgroup: internal error: boom\n');
    expect(exitCodeFor('x')).toBe(1);
  });

  it('usage errors exit 2 before any caller is made', async () => {
    let made = 0;
    const io = fakeIo({ createCaller: () => { made++; return fakeCaller(() => ({ status: 'created', message: '' })).caller; } });
    expect(await runTool('adduser', paperArgs(PAPER.adduserOptional).args, io)).toBe(2);
    expect(io.err()).toMatch(/^adduser: CFG_BAD_DASH: argument "-\u2013username"/);
    expect(await runTool('deluser', ['--username=x'], io)).toBe(2);
    expect(io.err()).toContain('deluser: MAP_MISSING_FIELD: missing mandatory options --adminuser, --adminpasswd');
    expect(made).toBe(0);
  });

  it('chooses the target: --server, then OXPROV_SERVER, else in process with --config', async () => {
    const targets: CallerTarget[] = [];
    const { caller } = fakeCaller(() => ({ status: 'deleted', message: '' }));
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      runTool('delgroup', [...ADMIN, '--groupname=g', ...args], fakeIo({ env, createCaller: (t) => { targets.push(t); return caller; } }));
    await run(['--server=http://127.0.0.1:9/', '--server-ca=/ca.pem'], { OXPROV_SERVER: 'http://other/' });
    await run([], { OXPROV_SERVER: 'http://envhost:8077/' });
    await run(['--config=/etc/oxprov.json']);
    expect(targets).toEqual([
      { kind: 'xmlrpc', url: 'http://127.0.0.1:9/', caFile: '/ca.pem' },
      { kind: 'xmlrpc', url: 'http://envhost:8077/', caFile: undefined },
      { kind: 'in-process', configFile: '/etc/oxprov.json' },
    ]);
    const io = fakeIo({ createCaller: () => caller });
    expect(await runTool('delgroup', [...ADMIN, '--groupname=g', '--server=http://h/', '--config=/c'], io)).toBe(2);
    expect(await runTool('delgroup', [...ADMIN, '--groupname=g', '--server-ca=/ca'], io)).toBe(2);
  });

  it('in process: a --config that cannot be read is a config error (exit 2)', async () => {
    const io = fakeIo({ env: { OXPROV_NO_HINTS: '1' }, createCaller: defaultToolCallerFactory });
    expect(await runTool('delgroup', [...ADMIN, '--groupname=g', '--config=/nonexistent/oxprov.json'], io)).toBe(2);
    expect(io.err()).toBe('delgroup: CFG_FILE_UNREADABLE: cannot read config file /nonexistent/oxprov.json\n');
  });

  it('hints once that a typed password shows in ps, and at a likely typo sent as LDAP attribute', async () => {
    const { caller } = fakeCaller(() => ({ status: 'created', message: '' }));
    const io = fakeIo({ createCaller: () => caller });
    await runTool('adduser', [...ADMIN, '--username=u', '--source_only=sql', '--surename=x'], io);
    const lines = io.err().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^adduser: hint: --adminpasswd on the command line is visible .* --adminpasswd-file FILE/);
    expect(lines[1]).toBe('adduser: hint: --surename is sent as an LDAP attribute; did you mean --surname?');
    const quiet = fakeIo({ createCaller: () => caller, env: { OXPROV_NO_HINTS: '1' } });
    await runTool('adduser', [...ADMIN, '--username=u', '--source_only=sql'], quiet);
    expect(quiet.err()).toBe('');
  });

  it('prompts on a terminal only', async () => {
    const { caller, calls } = fakeCaller(() => ({ status: 'updated', message: '' }));
    const readSecret = async () => 'typed-in';
    const args = ['--adminuser=mailadmin', '--username=pm', '--password-file=/dev/null'];
    expect(await runTool('changepasswd', ['--adminuser=mailadmin', '--username=pm'], fakeIo({ isTTY: true, readSecret, createCaller: () => caller }))).toBe(0);
    expect(calls[0].params).toMatchObject({ adminpasswd: 'typed-in', password: 'typed-in' });
    const io = fakeIo({ isTTY: false, readSecret, createCaller: () => caller });
    expect(await runTool('changepasswd', args.slice(0, 2), io)).toBe(2);
    expect(io.err()).toContain('MAP_MISSING_FIELD');
  });
});

describe('no password is ever printed', () => {
  const SECRET = 'Zq9-unique-Pw';
  const cases: [ToolName, string[]][] = [
    ['adduser', ['--adminuser=mailadmin', `--adminpasswd=${SECRET}`, '--username=u', `--password=${SECRET}`, '--surname=S', '--mail=u@x', '--colocrouteaddr=u@localhost']],
    ['adduser', ['--adminuser=mailadmin', `--adminpasswd=${SECRET}`, '--username=u']], // missing options
    ['adduser', [`--adminpasswd=${SECRET}`, '\u2013username=u']], // bad dash after a password
    ['adduser', ['--adminpasswd', SECRET, 'stray']],
    ['changepasswd', ['--adminpasswd=my', SECRET]], // a password split by the shell
    ['changepasswd', ['--adminuser=a', `--adminpasswd=${SECRET}`, `--password=${SECRET}`, '--password=again']],
    ['changepasswd', ['--adminuser=a', `--adminpasswd=${SECRET}`, '--username=u', `--password=${SECRET}`, '--server=ftp://x/']],
    ['deluser', ['--adminuser=a', `--adminpasswd=${SECRET}`, '--username=u', '--bogus=1']],
    ['deluser', ['--adminuser=a', '--adminpasswd', SECRET, '--username=u']],
  ];
  it.each(cases.map((c, i) => [i, ...c] as const))('case %i: %s', async (_i, tool, args) => {
    const { caller } = fakeCaller((_t, params) => {
      throw new OxprovError('ADMIN_AUTH', `bad credentials for ${params.adminuser}`);
    });
    const io = fakeIo({ createCaller: () => caller });
    await runTool(tool, args, io);
    expect(io.out() + io.err()).not.toContain(SECRET);
    expect(io.err()).not.toBe('');
  });
  it('nor in help', async () => {
    const io = fakeIo({ env: { OXPROV_ADMINPASSWD: SECRET, OXPROV_PASSWORD: SECRET } });
    await runTool('adduser', [], io);
    await runTool('adduser', ['--help', `--password=${SECRET}`], io);
    expect(io.out() + io.err()).not.toContain(SECRET);
  });
});
