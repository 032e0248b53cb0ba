import { ALL_MODULE_BITS } from '../../../src/model/modules.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminService } from '../../../src/service/tools/admin-service.js';
import { runTool } from '../../../src/cli/tools/run-tool.js';
import { normalizeServeOptions, startDaemon, type RunningDaemon } from '../../../src/daemon/serve.js';
import { TOOL_NAMES, type ToolName } from '../../../src/service/tools/tool-contract.js';
import { DAEMON_FAULT_CODES } from '../../../src/daemon/fault-codes.js';
import { PROTOCOL_FAULTS } from '../../../src/xmlrpc/index.js';

import type { Directory } from '../../../src/provision/backends.js';
import { findUser, groupExists, openDirectory, resourceExists } from '../../helpers/directory.js';
import { imapFolders, ldapBindAs, sqlQuery, withImapLogin } from '../../helpers/clients.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';
// The wire-level probes (Python's xmlrpc.client, raw HTTP) are the ones the xmlrpc server's unit tests use.
import { billionLaughs, faultCodeOf, pythonCall, rawRequest, streamHugeBody } from '../../helpers/xmlrpc-peers.js';

/** The numbers the daemon answers with: the protocol's and its own. */
const FAULT_CODES = { ...PROTOCOL_FAULTS, ...DAEMON_FAULT_CODES };

/**
 * The issue's "done when" for the daemon: the real `oxprov serve` daemon in
 * front of the real admin service and the local stack, driven by the tools'
 * own CLI path (`--server`), by Python's standard XML-RPC client, and by
 * hostile raw requests. Back-ends are checked with their own clients.
 */
const config = stackConfig();
const ADMIN = '--adminuser=mailadmin --adminpasswd=secret';
const daemonLog: string[] = [];
let daemon: RunningDaemon;
let dir: Directory;

beforeAll(async () => {
  daemon = await startDaemon(normalizeServeOptions({ listen: '127.0.0.1', port: '0' }), {
    createService: () => createAdminService(config),
    log: (line) => daemonLog.push(line),
  });
  dir = await openDirectory(config);
});
afterAll(async () => {
  await daemon?.close();
  await dir?.close();
});

const toolsRun = new Set<ToolName>();

/** Runs a tool as the paper prints it (`./adduser --adminuser=mailadmin …`), through runTool and the daemon. */
async function cli(command: string): Promise<{ code: number; out: string; err: string }> {
  const [cmd, ...argv] = command.replace(/\\\n/g, ' ').trim().split(/\s+/);
  const tool = cmd.replace(/^\.\//, '') as ToolName;
  let out = '';
  let err = '';
  const code = await runTool(tool, [...argv, `--server=${daemon.url}`], {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: { OXPROV_NO_HINTS: '1' },
    isTTY: false,
  });
  if (code === 0) toolsRun.add(tool);
  return { code, out, err };
}

/** `adduser: NAME created (...)`, the one line a tool prints on success. */
const ok = (out: string) => ({ code: 0, out, err: '' });

const ldapMembers = async (g: string) => (await dir.groups.members(g)).sort();
const sqlMembers = async (g: string) => (await sqlQuery<{ username: string }>(config,
  'SELECT u.username FROM group_members gm JOIN groups g ON g.id = gm.group_id JOIN users u ON u.id = gm.user_id WHERE g.name = $1 ORDER BY 1', [g])).map((r) => r.username);
const ldapResourceMembers = async (g: string) => {
  return (await dir.resources.members(g)).sort();
};
const sqlResourceMembers = async (g: string) => (await sqlQuery<{ name: string }>(config,
  `SELECT r.name FROM resource_group_members m JOIN resource_groups g ON g.id = m.resource_group_id
   JOIN resources r ON r.id = m.resource_id WHERE g.name = $1 ORDER BY 1`, [g])).map((r) => r.name);
const sqlUser = async (u: string) => sqlQuery(config, 'SELECT 1 FROM users WHERE username = $1', [u]);
const addUserArgs = (u: string) =>
  `${ADMIN} --username=${u} --password=secret --surname=Martin --mail=${u}@test.tux --colocrouteaddr=${u}@localhost`;

describe('every admin tool through the daemon, with the CLI\'s --server path', () => {
  /** The paper's adduser example, for a user of its own. */
  const paperAdd = (sm: string) => `./adduser ${ADMIN} --username=${sm} \\
      --password=secret --surname=Martin --mail=${sm}@test.tux \\
      --colocrouteaddr=${sm}@localhost --givenname=Stephan \\
      --alias=${sm}.S.Martin@test.tux --timezone=Europe/Berlin --language=DE --country=DE \\
      --disable=forum,pinboard --birthDay=1984-01-01`;
  /** Runs tools through the daemon to set up a test's own state; each must succeed. */
  async function given(...commands: string[]): Promise<void> {
    for (const command of commands) expect(await cli(command), command).toMatchObject({ code: 0, err: '' });
  }
  const adduser = (u: string) => `./adduser ${addUserArgs(u)}`;

  it('adduser (the paper\'s example) creates the user in all four back-ends; again is exists', async () => {
    const [sm, smtest, pm] = [uniqueName('dsm'), uniqueName('dsmtest'), uniqueName('dpm')];
    const r = await cli(paperAdd(sm));
    expect(r).toEqual(ok(`adduser: ${sm} created (ldap created, sql created, groupware created, imap created)\n`));
    expect(await ldapBindAs(config, sm, 'secret')).toBe(true);
    expect((await findUser(dir, sm))!.attributes.birthDay).toEqual(['1984-01-01']);
    expect(await sqlUser(sm)).toHaveLength(1);
    expect(await imapFolders(config, sm, 'secret')).toEqual(['Entwürfe', 'Gesendete Objekte', 'INBOX', 'Papierkorb', 'Spam']);
    expect(await cli(`./adduser ${addUserArgs(sm)}`)).toEqual(ok(`adduser: ${sm} exists (ldap exists, sql exists, groupware exists, imap exists)\n`));
    for (const u of [smtest, pm]) expect((await cli(`./adduser ${addUserArgs(u)}`)).code).toBe(0);
  });

  it('changepasswd: the new password binds and logs in to IMAP, the old one no longer binds', async () => {
    const pm = uniqueName('dpm');
    await given(adduser(pm));
    expect(await cli(`./changepasswd ${ADMIN} --username=${pm} --password=newpass`)).toEqual(ok(`changepasswd: ${pm} updated (ldap updated)\n`));
    expect(await ldapBindAs(config, pm, 'newpass')).toBe(true);
    expect(await ldapBindAs(config, pm, 'secret')).toBe(false);
    expect(await imapFolders(config, pm, 'newpass')).toContain('INBOX');
  });

  it('setquota: Dovecot reports the new limit (GETQUOTAROOT)', async () => {
    const smtest = uniqueName('dsmtest');
    await given(adduser(smtest));
    expect(await cli(`./setquota ${ADMIN} --username=${smtest} --quotasize=50`)).toEqual(ok(`setquota: ${smtest} updated (ldap updated)\n`));
    const quota = await withImapLogin(config, smtest, 'secret', (c) => c.getQuota('INBOX'));
    expect(quota && quota.storage?.limit).toBe(50 * 1024 * 1024);
  });

  it('showuser and listusers: what exists for a user in each back-end, through the daemon', async () => {
    // A plain user with a quota of 50 MB, and the paper's example (forum and pinboard disabled).
    const [sm, smtest] = [uniqueName('dsm'), uniqueName('dsmtest')];
    await given(paperAdd(sm), adduser(smtest), `./setquota ${ADMIN} --username=${smtest} --quotasize=50`);
    const shown = await cli(`./showuser ${ADMIN} --username=${smtest}`);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(new RegExp(`ldap.dn +uid=${smtest},ou=people`));
    expect(shown.out).toMatch(/ldap\.quota +50 MB/);
    expect(shown.out).toMatch(/ldap\.enabled +yes/);
    // Where the mailbox lives, as the mail system routes it.
    expect(shown.out).toMatch(new RegExp(`ldap\\.colocRouteAddr +${smtest}@localhost`));
    expect(shown.out).toMatch(/ldap\.imapServer +127\.0\.0\.1/);
    expect(shown.out).toMatch(/ldap\.smtpServer +127\.0\.0\.1/);
    expect(shown.out).toMatch(/sql\.activated +yes/);
    expect(shown.out).toMatch(/imap +.*INBOX/);
    // The modules from the one mask (migration 003), Open-Xchange's bits: all but forum (64) and pinboard (128).
    const paper = await cli(`./showuser ${ADMIN} --username=${sm}`);
    expect(paper.out).toMatch(/sql\.disabled +forum, pinboard\n/);
    expect(paper.out).toMatch(new RegExp(`sql\\.permissions +${ALL_MODULE_BITS - 64 - 128}\n`));
    expect(await cli(`./showuser ${ADMIN} --username=${uniqueName('ghost')}`)).toMatchObject({ code: 2, err: expect.stringMatching(/ADMIN_NO_SUCH_USER/) });
    const listed = await cli(`./listusers ${ADMIN} --filter=${smtest.slice(0, -2)}*`);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`${smtest}@test.tux`);
    expect((await cli(`./listusers ${ADMIN} --filter=*)(uid=*`)).err).toMatch(/MAP_INVALID_VALUE/);
  });

  it('addgroup, addmembers2group, delmembersfromgroup: members in LDAP and SQL', async () => {
    const [sm, smtest, pm] = [uniqueName('dsm'), uniqueName('dsmtest'), uniqueName('dpm')];
    const g = uniqueName('dgroup');
    await given(adduser(sm), adduser(smtest), adduser(pm));
    expect(await cli(`./addgroup ${ADMIN} --groupname=${g} --members=${sm},${smtest}`))
      .toEqual(ok(`addgroup: ${g} created (ldap created, sql created)\n`));
    expect(await ldapMembers(g)).toEqual([sm, smtest].sort());
    expect(await sqlMembers(g)).toEqual([sm, smtest].sort());

    expect(await cli(`./addmembers2group ${ADMIN} --groupname=${g} --members=${pm}`)).toEqual(ok(`addmembers2group: ${g} updated (ldap updated, sql updated)\n`));
    expect(await ldapMembers(g)).toEqual([sm, smtest, pm].sort());
    expect(await sqlMembers(g)).toEqual([sm, smtest, pm].sort());

    expect(await cli(`./delmembersfromgroup ${ADMIN} --groupname=${g} --members=${smtest}`))
      .toEqual(ok(`delmembersfromgroup: ${g} updated (ldap updated, sql updated)\n`));
    expect(await ldapMembers(g)).toEqual([sm, pm].sort());
    expect(await sqlMembers(g)).toEqual([sm, pm].sort());
  });

  it('addresource, addresourcegroup, addmembers2resgroup, delmembersfromresgroup: in LDAP and SQL', async () => {
    const [beamer, room] = [uniqueName('dbeamer'), uniqueName('droom')];
    const rg = uniqueName('dprojectors');
    expect(await cli(`./addresource ${ADMIN} --resourcename=${beamer} --mail=${beamer}@test.tux --description=Projector`))
      .toEqual(ok(`addresource: ${beamer} created (ldap created, sql created)\n`));
    expect((await cli(`./addresource ${ADMIN} --resourcename=${room}`)).code).toBe(0);
    expect(await resourceExists(dir, beamer, 'OXResourceObject')).toBe(true);
    expect(await sqlQuery(config, 'SELECT mail, description FROM resources WHERE name = $1', [beamer]))
      .toEqual([{ mail: `${beamer}@test.tux`, description: 'Projector' }]);

    expect(await cli(`./addresourcegroup ${ADMIN} --groupname=${rg} --members=${beamer}`))
      .toEqual(ok(`addresourcegroup: ${rg} created (ldap created, sql created)\n`));
    expect(await cli(`./addmembers2resgroup ${ADMIN} --groupname=${rg} --members=${room}`))
      .toEqual(ok(`addmembers2resgroup: ${rg} updated (ldap updated, sql updated)\n`));
    expect(await ldapResourceMembers(rg)).toEqual([beamer, room].sort());
    expect(await sqlResourceMembers(rg)).toEqual([beamer, room].sort());

    expect(await cli(`./delmembersfromresgroup ${ADMIN} --groupname=${rg} --members=${room}`))
      .toEqual(ok(`delmembersfromresgroup: ${rg} updated (ldap updated, sql updated)\n`));
    expect(await ldapResourceMembers(rg)).toEqual([beamer]);
    expect(await sqlResourceMembers(rg)).toEqual([beamer]);
  });

  it('delresource removes the resource and its membership; delresourcegroup the group; again is gone', async () => {
    // Two resources, one of them the only member of a resource group.
    const [beamer, room] = [uniqueName('dbeamer'), uniqueName('droom')];
    const rg = uniqueName('dprojectors');
    await given(`./addresource ${ADMIN} --resourcename=${beamer}`, `./addresource ${ADMIN} --resourcename=${room}`,
      `./addresourcegroup ${ADMIN} --groupname=${rg} --members=${beamer}`);
    expect(await cli(`./delresource ${ADMIN} --resourcename=${beamer}`)).toEqual(ok(`delresource: ${beamer} deleted (ldap deleted, sql deleted)\n`));
    expect(await resourceExists(dir, beamer, 'OXResourceObject')).toBe(false);
    expect(await sqlQuery(config, 'SELECT 1 FROM resources WHERE name = $1', [beamer])).toHaveLength(0);
    expect(await ldapResourceMembers(rg)).toEqual([]);
    expect(await sqlResourceMembers(rg)).toEqual([]);

    expect(await cli(`./delresourcegroup ${ADMIN} --groupname=${rg}`)).toEqual(ok(`delresourcegroup: ${rg} deleted (ldap deleted, sql deleted)\n`));
    expect(await resourceExists(dir, rg, 'OXResourceGroupObject')).toBe(false);
    expect(await sqlQuery(config, 'SELECT 1 FROM resource_groups WHERE name = $1', [rg])).toHaveLength(0);
    expect(await resourceExists(dir, room, 'OXResourceObject')).toBe(true);
    expect(await cli(`./delresourcegroup ${ADMIN} --groupname=${rg}`)).toEqual(ok(`delresourcegroup: ${rg} gone (ldap gone, sql gone)\n`));
  });

  it('deluser removes the user from all back-ends and its group; a second deluser is gone', async () => {
    // Two users in a group, one of whom changed the password.
    const [sm, pm] = [uniqueName('dsm'), uniqueName('dpm')];
    const g = uniqueName('dgroup');
    await given(adduser(sm), adduser(pm), `./changepasswd ${ADMIN} --username=${pm} --password=newpass`, `./addgroup ${ADMIN} --groupname=${g} --members=${sm},${pm}`);
    expect(await cli(`./deluser ${ADMIN} --username=${pm}`))
      .toEqual(ok(`deluser: ${pm} deleted (ldap deleted, sql deleted, groupware deleted, imap deleted)\n`));
    expect(await ldapBindAs(config, pm, 'newpass')).toBe(false);
    expect(await findUser(dir, pm)).toBeUndefined();
    expect(await sqlUser(pm)).toHaveLength(0);
    expect(await ldapMembers(g)).toEqual([sm]);
    expect(await sqlMembers(g)).toEqual([sm]);
    expect(await cli(`./deluser ${ADMIN} --username=${pm}`)).toEqual(ok(`deluser: ${pm} gone (ldap gone, sql gone, groupware gone, imap gone): there is no user ${pm} in any back-end (nothing was deleted; check the name)\n`));
  });

  it('delgroup deletes the definition, its members stay users; again is gone', async () => {
    const sm = uniqueName('dsm');
    const g = uniqueName('dgroup');
    await given(adduser(sm), `./addgroup ${ADMIN} --groupname=${g} --members=${sm}`);
    expect(await cli(`./delgroup ${ADMIN} --groupname=${g}`)).toEqual(ok(`delgroup: ${g} deleted (ldap deleted, sql deleted)\n`));
    expect(await groupExists(dir, g)).toBe(false);
    expect(await sqlQuery(config, 'SELECT 1 FROM groups WHERE name = $1', [g])).toHaveLength(0);
    expect(await ldapBindAs(config, sm, 'secret')).toBe(true);
    expect(await cli(`./delgroup ${ADMIN} --groupname=${g}`)).toEqual(ok(`delgroup: ${g} gone (ldap gone, sql gone)\n`));
  });

  it('errors come back with their codes and exit codes: ADMIN_AUTH and ADMIN_NO_SUCH_USER are 2', async () => {
    const sm = uniqueName('dsm');
    await given(adduser(sm));
    const auth = await cli(`./setquota --adminuser=mailadmin --adminpasswd=wrong --username=${sm} --quotasize=10`);
    expect(auth).toMatchObject({ code: 2, out: '' });
    expect(auth.err).toMatch(/^setquota: ADMIN_AUTH: /);
    const nobody = await cli(`./changepasswd ${ADMIN} --username=${uniqueName('nobody')} --password=newpass`);
    expect(nobody).toMatchObject({ code: 2, out: '' });
    expect(nobody.err).toMatch(/^changepasswd: ADMIN_NO_SUCH_USER: /);
  });

  it('every tool went through the daemon on 127.0.0.1, and its log holds no password', async () => {
    // Every tool once, through the daemon, on names of its own (the tests above each use a few of them),
    // passwords included: the user's, a new one, and a wrong administrator password.
    const [u, v] = [uniqueName('dall'), uniqueName('dall')];
    const [g, r1, r2, rg] = [uniqueName('dallg'), uniqueName('dallr'), uniqueName('dallr'), uniqueName('dallrg')];
    await given(adduser(u), adduser(v), `./changepasswd ${ADMIN} --username=${u} --password=newpass`, `./setquota ${ADMIN} --username=${u} --quotasize=20`,
      `./showuser ${ADMIN} --username=${u}`, `./listusers ${ADMIN} --filter=${u}`,
      `./addgroup ${ADMIN} --groupname=${g} --members=${u}`, `./addmembers2group ${ADMIN} --groupname=${g} --members=${v}`, `./delmembersfromgroup ${ADMIN} --groupname=${g} --members=${v}`,
      `./addresource ${ADMIN} --resourcename=${r1}`, `./addresource ${ADMIN} --resourcename=${r2}`, `./addresourcegroup ${ADMIN} --groupname=${rg} --members=${r1}`,
      `./addmembers2resgroup ${ADMIN} --groupname=${rg} --members=${r2}`, `./delmembersfromresgroup ${ADMIN} --groupname=${rg} --members=${r2}`,
      `./delresource ${ADMIN} --resourcename=${r1}`, `./delresourcegroup ${ADMIN} --groupname=${rg}`, `./delgroup ${ADMIN} --groupname=${g}`, `./deluser ${ADMIN} --username=${v}`);
    expect((await cli(`./setquota --adminuser=mailadmin --adminpasswd=wrong --username=${u} --quotasize=10`)).code).toBe(2);
    expect(daemon.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect([...toolsRun].sort()).toEqual([...TOOL_NAMES].sort());
    expect(daemonLog.length).toBeGreaterThan(14);
    expect(daemonLog.join('\n')).not.toMatch(/secret|newpass|wrong/);
  });
});

describe("the daemon with Python's xmlrpc.client", () => {
  it('adduser with a struct of strings creates a user who can bind', async () => {
    const u = uniqueName('dpy');
    const answer = await pythonCall(daemon.url, 'adduser', [{
      adminuser: 'mailadmin', adminpasswd: 'secret', username: u, password: 'pysecret',
      surname: 'Python', mail: `${u}@test.tux`, colocrouteaddr: `${u}@localhost`,
    }]);
    expect(answer.result).toMatchObject({ status: 'created', steps: { ldap: 'created', sql: 'created', groupware: 'created', imap: 'created' } });
    expect(JSON.stringify(answer)).not.toContain('pysecret');
    expect(await ldapBindAs(config, u, 'pysecret')).toBe(true);
  });

  it('a misspelt mandatory option through XML-RPC says which one was meant, as the command line does', async () => {
    const answer = await pythonCall(daemon.url, 'adduser', [{ adminuser: 'mailadmin', adminpasswd: 'secret', usrname: uniqueName('typo'), password: 'Pw-12345678', surname: 'Typo', mail: 'typo@test.tux' }]);
    expect(answer.faultString).toBe('MAP_MISSING_FIELD: missing mandatory option --username (--usrname was given: did you mean --username?)');
  });

  it('numbers, flags and lists as Python passes them: setquota(quotasize=50), addgroup(members=[...]), activated=False', async () => {
    const [a, b, g] = [uniqueName('dpn'), uniqueName('dpn'), uniqueName('dpg')];
    for (const u of [a, b]) {
      const made = await pythonCall(daemon.url, 'adduser', [{ adminuser: 'mailadmin', adminpasswd: 'secret', username: u, password: 'pysecret',
        surname: 'Python', mail: `${u}@test.tux`, colocrouteaddr: `${u}@localhost`, activated: u === b ? false : true, quotasize: 30 }]);
      expect(made.result).toMatchObject({ status: 'created' });
    }
    expect((await pythonCall(daemon.url, 'setquota', [{ adminuser: 'mailadmin', adminpasswd: 'secret', username: a, quotasize: 50 }])).result).toMatchObject({ status: 'updated' });
    expect((await pythonCall(daemon.url, 'addgroup', [{ adminuser: 'mailadmin', adminpasswd: 'secret', groupname: g, members: [a, b] }])).result).toMatchObject({ status: 'created' });
    expect(await ldapMembers(g)).toEqual([a, b].sort());
    expect((await findUser(dir, b))!.attributes.mailEnabled).toEqual(['NO']);
    expect((await findUser(dir, a))!.attributes.mailQuota).toEqual(['50']);
  });

  it('a wrong admin password is the ADMIN_AUTH fault, and nothing is created', async () => {
    const u = uniqueName('dpyno');
    const answer = await pythonCall(daemon.url, 'adduser', [{
      adminuser: 'mailadmin', adminpasswd: 'wrong', username: u, password: 'pysecret',
      surname: 'Python', mail: `${u}@test.tux`, colocrouteaddr: `${u}@localhost`,
    }]);
    expect(answer.faultCode).toBe(FAULT_CODES.ADMIN_AUTH);
    expect(await findUser(dir, u)).toBeUndefined();
    expect(await sqlUser(u)).toHaveLength(0);
  });

  it('an unknown method is -32601; an option the tool does not know is CFG_UNKNOWN_OPTION, as on the command line', async () => {
    expect((await pythonCall(daemon.url, 'addusers', [{ adminuser: 'mailadmin', adminpasswd: 'secret' }])).faultCode).toBe(-32601);
    expect((await pythonCall(daemon.url, 'setquota', [{ adminuser: 'mailadmin', adminpasswd: 'secret', username: 'x', quotasize: '1', bogus: 'y' }])).faultCode).toBe(FAULT_CODES.CFG_UNKNOWN_OPTION);
  });
});

describe('hostile requests against the daemon', () => {
  const u = uniqueName('dhost');
  let quota = 10;
  beforeAll(async () => {
    expect((await cli(`./adduser ${addUserArgs(u)}`)).code).toBe(0);
  });

  /** After each hostile request the daemon still does real work: a setquota that reaches LDAP. */
  async function expectAlive() {
    quota += 1;
    const answer = await pythonCall(daemon.url, 'setquota', [{ adminuser: 'mailadmin', adminpasswd: 'secret', username: u, quotasize: String(quota) }]);
    expect(answer.result).toMatchObject({ status: 'updated' });
  }

  const call = (params: string, name = 'setquota') =>
    `<?xml version="1.0"?><methodCall><methodName>${name}</methodName><params>${params}</params></methodCall>`;

  it('malformed XML is fault -32700', async () => {
    const answer = await rawRequest(daemon.url, { body: '<methodCall><methodName>adduser</methodName><params>' });
    expect(answer.status).toBe(200);
    expect(faultCodeOf(answer.body)).toBe(-32700);
    await expectAlive();
  });

  it('a DTD with entities (billion laughs) is refused with -32700', async () => {
    const bomb = billionLaughs(call);
    const answer = await rawRequest(daemon.url, { body: bomb });
    expect(faultCodeOf(answer.body)).toBe(-32700);
    await expectAlive();
  });

  it('a streamed 50 MB body gets 413 quickly and is not read to the end', async () => {
    const total = 50 * 1024 * 1024;
    const { status, written } = await streamHugeBody(daemon.url, total);
    expect(status).toBe(413);
    expect(written).toBeLessThan(total / 2);
    await expectAlive();
  });

  it('10,000 nested arrays are refused with -32400 (RPC_TOO_LARGE)', async () => {
    const levels = 10_000;
    const deep = '<array><data><value>'.repeat(levels) + 'x' + '</value></data></array>'.repeat(levels);
    const answer = await rawRequest(daemon.url, { body: call(`<param><value>${deep}</value></param>`) });
    expect(answer.status).toBe(200);
    expect(faultCodeOf(answer.body)).toBe(FAULT_CODES.RPC_TOO_LARGE);
    await expectAlive();
  });

  it('a GET is 405 with Allow: POST', async () => {
    const answer = await rawRequest(daemon.url, { method: 'GET' });
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('POST');
    await expectAlive();
  });

  it('a tool called with a param that is not a struct of strings is -32602, and nothing is touched', async () => {
    const answer = await rawRequest(daemon.url, { body: call('<param><value><array><data><value>x</value></data></array></value></param>') });
    expect(faultCodeOf(answer.body)).toBe(-32602);
    await expectAlive();
  });
});
