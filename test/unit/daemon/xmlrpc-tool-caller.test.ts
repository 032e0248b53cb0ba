import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OxprovError } from '../../../src/errors.js';
import { callXmlRpc, type XmlRpcValue } from '../../../src/xmlrpc/index.js';
import { createDaemonServer as createXmlRpcServer, type DaemonServer as XmlRpcServer } from '../../../src/daemon/daemon-server.js';
import { createToolMethods, normalizeServeOptions, serveUntilSignal, startDaemon } from '../../../src/daemon/serve.js';
import { runTool } from '../../../src/cli/tools/run-tool.js';
import { defaultToolCallerFactory } from '../../../src/cli/tools/create-tool-caller.js';
import { createXmlRpcToolCaller } from '../../../src/daemon/xmlrpc-tool-caller.js';
import type { ToolName, ToolResult } from '../../../src/service/tools/tool-contract.js';
import { selfSignedCertificate } from '../../helpers/xmlrpc-peers.js';
import { fakeCaller, fakeIo, PAPER, paperArgs } from '../cli/tools/tool-helpers.js';

/** A fake admin service: checks the admin password like the real one, answers per tool. */
function fakeService() {
  return fakeCaller((tool: ToolName, params): ToolResult => {
    if (params.adminpasswd !== 'secret') throw new OxprovError('ADMIN_AUTH', `invalid credentials for ${params.adminuser}`);
    if (tool === 'deluser') throw new OxprovError('ADMIN_NO_SUCH_USER', `no user ${params.username}`);
    if (tool === 'changepasswd') throw new OxprovError('LDAP_CONNECT', 'cannot reach the LDAP server at ldap://10.1.2.3:389 as uid=mailadmin,ou=admins,dc=corp', { backend: 'ldap', unreachable: true });
    if (tool === 'adduser') return { status: 'created', message: `user ${params.username} created`, steps: { ldap: 'created', sql: 'created', groupware: 'created', imap: 'created' } };
    return { status: 'updated', message: 'ok' };
  });
}

describe('XML-RPC ToolCaller against a real createXmlRpcServer', () => {
  let server: XmlRpcServer;
  let url: string;
  const service = fakeService();
  beforeAll(async () => {
    server = createXmlRpcServer({ methods: createToolMethods(service.caller) });
    url = `http://127.0.0.1:${(await server.listen(0, '127.0.0.1')).port}/`;
  });
  afterAll(() => server.close());

  it('round-trips a ToolResult, params as one struct of strings', async () => {
    const caller = createXmlRpcToolCaller(url);
    const { args } = paperArgs(PAPER.adduserOptional.replace('\u2013', '-'));
    const io = fakeIo({ createCaller: () => caller, env: { OXPROV_NO_HINTS: '1' } });
    expect(await runTool('adduser', [...args, `--server=${url}`], io)).toBe(0);
    expect(io.out()).toBe('adduser: smtest created (ldap created, sql created, groupware created, imap created)\n');
    const sent = service.calls.at(-1)!;
    expect(sent.tool).toBe('adduser');
    expect(sent.params.homePhone).toBe('012345.67890');
    expect(sent.params.alias).toBe('Stephan.Martin@test.tux,S.Martin@test.tux');
    expect(await caller.call('setquota', { adminuser: 'mailadmin', adminpasswd: 'secret', username: 'u', quotasize: '5' })).toEqual({ status: 'updated', message: 'ok' });
  });

  it('tells remote callers that a back-end is unreachable by its code, without addresses or DNs', async () => {
    const caller = createXmlRpcToolCaller(url);
    const err = await caller.call('changepasswd', { adminuser: 'mailadmin', adminpasswd: 'secret', username: 'u', password: 'p' }).catch((e: unknown) => e as OxprovError);
    expect(err).toMatchObject({ code: 'LDAP_CONNECT' });
    expect(err.message).not.toMatch(/10\.1\.2\.3|dc=corp/);
  });

  it('round-trips the OxprovError code of the service, and the exit code follows it', async () => {
    const caller = createXmlRpcToolCaller(url);
    const err = await caller.call('delgroup', { adminuser: 'mailadmin', adminpasswd: 'wrong', groupname: 'g' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OxprovError);
    expect((err as OxprovError).code).toBe('ADMIN_AUTH');
    expect((err as OxprovError).message).toBe('invalid credentials for mailadmin');

    const io = fakeIo({ env: { OXPROV_SERVER: url, OXPROV_ADMINPASSWD: 'secret' } });
    expect(await runTool('deluser', ['--adminuser=mailadmin', '--username=ghost'], { ...io, createCaller: defaultToolCallerFactory })).toBe(2);
    expect(io.err()).toBe('deluser: ADMIN_NO_SUCH_USER: no user ghost\n');
  });

  it('refuses a call that is not one struct of options with -32602, naming no value', async () => {
    const nested = { adminuser: 'a', adminpasswd: { secret: '12345' } } as unknown as XmlRpcValue;
    const cases: XmlRpcValue[][] = [[], ['x'], [{ a: 'b' }, { c: 'd' }], [nested], [{ adminuser: 'a', adminpasswd: ['12345', { x: 'y' }] } as unknown as XmlRpcValue]];
    for (const params of cases) {
      const err = (await callXmlRpc(url, 'delgroup', params).catch((e: unknown) => e)) as OxprovError;
      expect(err.code).toBe('RPC_INVALID_PARAMS');
      expect(err.message).not.toContain('12345');
    }
    const raw = await fetch(url, {
      method: 'POST', headers: { 'Content-Type': 'text/xml' },
      body: '<?xml version="1.0"?><methodCall><methodName>delgroup</methodName><params><param><value><int>1</int></value></param></params></methodCall>',
    }).then((r) => r.text());
    expect(raw).toContain('<int>-32602</int>');
  });

  it('hands the service the options as a command line gives them: ints as digits, booleans as yes/no, arrays as comma lists', async () => {
    // Which options exist and which are missing is the service's one check, for every door (see the integration tests).
    await callXmlRpc(url, 'setquota', [{ AdminUser: 'mailadmin', adminpasswd: 'secret', username: 'pm', quotasize: 50 }]);
    expect(service.calls.at(-1)!.params).toEqual({ AdminUser: 'mailadmin', adminpasswd: 'secret', username: 'pm', quotasize: '50' });
    await callXmlRpc(url, 'addgroup', [{ adminuser: 'mailadmin', adminpasswd: 'secret', groupname: 'g', members: ['a', 'b'], creategroups: true }]);
    expect(service.calls.at(-1)!.params).toEqual({ adminuser: 'mailadmin', adminpasswd: 'secret', groupname: 'g', members: 'a,b', creategroups: 'yes' });
    expect(await callXmlRpc(url, 'system.listMethods', [])).toContain('addmembers2resgroup');
  });

  it('reports a daemon that is not there as RPC_CONNECT, exit 1', async () => {
    const io = fakeIo({ env: { OXPROV_NO_HINTS: '1' }, createCaller: defaultToolCallerFactory });
    expect(await runTool('delgroup', ['--adminuser=a', '--adminpasswd=secret', '--groupname=g', '--server=http://127.0.0.1:1/'], io)).toBe(1);
    expect(io.err()).toMatch(/^delgroup: RPC_CONNECT: /);
  });

  it('refuses a server URL that is not http(s) or carries credentials', () => {
    expect(() => createXmlRpcToolCaller('ftp://h/')).toThrow(expect.objectContaining({ code: 'CFG_INVALID' }));
    expect(() => createXmlRpcToolCaller('not a url')).toThrow(expect.objectContaining({ code: 'CFG_INVALID' }));
    expect(() => createXmlRpcToolCaller('http://u:pw@h/')).toThrow(expect.objectContaining({ code: 'CFG_INVALID' }));
  });
});

describe('oxprov serve', () => {
  it('normalises its options once, naming the bad one', () => {
    expect(normalizeServeOptions({})).toEqual({
      listen: '127.0.0.1', port: 8077, tls: undefined, bodyLimit: undefined, configFile: undefined,
      web: { uploadLimit: 64 * 1024 * 1024, dataDir: path.resolve('reports/web'), keepMs: 30 * 86_400_000, sessionIdleMs: 30 * 60_000 },
    });
    expect(normalizeServeOptions({ 'no-ui': true }).web).toBeUndefined();
    expect(normalizeServeOptions({ port: '0', 'body-limit': '65536', config: '/c.json' })).toMatchObject({ port: 0, bodyLimit: 65536, configFile: '/c.json' });
    for (const raw of [{ port: '70000' }, { port: 'http' }, { 'body-limit': '1e6' }, { 'tls-cert': '/c.pem' }]) {
      expect(() => normalizeServeOptions(raw)).toThrow(expect.objectContaining({ code: 'CFG_INVALID' }));
    }
    expect(() => normalizeServeOptions({ 'tls-cert': '/nope.pem', 'tls-key': '/nope.key' })).toThrow(expect.objectContaining({ code: 'CFG_FILE_UNREADABLE' }));
  });

  it('refuses plain HTTP off loopback unless told the network is trusted', () => {
    expect(() => normalizeServeOptions({ listen: '0.0.0.0' })).toThrow(expect.objectContaining({ code: 'CFG_INVALID', field: '--listen' }));
    expect(normalizeServeOptions({ listen: '0.0.0.0', 'insecure-http': true }).listen).toBe('0.0.0.0');
    expect(normalizeServeOptions({ listen: '127.0.0.2' }).listen).toBe('127.0.0.2');
    expect(normalizeServeOptions({ listen: '::1' }).listen).toBe('::1');
  });

  it('prints where it listens, serves every tool, and stops cleanly on SIGTERM', async () => {
    const service = fakeService();
    const signals = new EventEmitter();
    const io = fakeIo();
    const logs: string[] = [];
    const done = serveUntilSignal({ port: '0' }, { ...io, signals, createService: () => service.caller, log: (l) => logs.push(l) });
    await expect.poll(() => io.out()).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+\/\n$/);
    const url = /listening on (\S+)/.exec(io.out())![1];
    const result = await createXmlRpcToolCaller(url).call('addmembers2resgroup', { adminuser: 'a', adminpasswd: 'secret', groupname: 'projectors', members: 'beamer1' });
    expect(result.status).toBe('updated');
    signals.emit('SIGTERM');
    expect(await done).toBe(0);
    expect(io.out()).toMatch(/stopped\n$/);
    expect(service.closedCount()).toBe(1);
    expect(signals.listenerCount('SIGINT')).toBe(0);
    expect(logs.join('\n')).toContain('addmembers2resgroup 200');
    expect(logs.join('\n')).not.toContain('secret');
    await expect(fetch(url, { method: 'POST' })).rejects.toThrow();
  });

  it('exits 2 when it cannot listen, closing the service', async () => {
    const blocker = await startDaemon(normalizeServeOptions({ port: '0' }), { createService: () => fakeService().caller });
    const port = new URL(blocker.url).port;
    const service = fakeService();
    const io = fakeIo();
    const sigterms = process.listenerCount('SIGTERM');
    expect(await serveUntilSignal({ port }, { ...io, createService: () => service.caller })).toBe(2);
    expect(io.err()).toMatch(/^serve: RPC_CONNECT: cannot listen/);
    expect(service.closedCount()).toBe(1);
    expect(process.listenerCount('SIGTERM')).toBe(sigterms);
    await blocker.close();
  });
});


describe('oxprov serve over TLS, tool with --server-ca', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxprov-serve-tls-'));
    selfSignedCertificate(dir);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('serves https and the tool trusts it only with --server-ca', async () => {
    const daemon = await startDaemon(
      normalizeServeOptions({ port: '0', 'tls-cert': path.join(dir, 'cert.pem'), 'tls-key': path.join(dir, 'key.pem') }),
      { createService: () => fakeService().caller },
    );
    try {
      expect(daemon.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
      const args = ['--adminuser=a', '--adminpasswd=secret', '--groupname=g', `--server=${daemon.url}`];
      const trusted = fakeIo({ env: { OXPROV_NO_HINTS: '1' }, createCaller: defaultToolCallerFactory });
      expect(await runTool('delgroup', [...args, `--server-ca=${path.join(dir, 'cert.pem')}`], trusted)).toBe(0);
      expect(trusted.out()).toBe('delgroup: g updated\n');
      const untrusted = fakeIo({ env: { OXPROV_NO_HINTS: '1' }, createCaller: defaultToolCallerFactory });
      expect(await runTool('delgroup', args, untrusted)).toBe(1);
      expect(untrusted.err()).toMatch(/RPC_CONNECT/);
    } finally {
      await daemon.close();
    }
  });
});
