import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeServeOptions, startDaemon, type RunningDaemon } from '../../../src/daemon/serve.js';
import { createXmlRpcToolCaller } from '../../../src/daemon/xmlrpc-tool-caller.js';
import { isOxprovError } from '../../../src/errors.js';
import { parseSourceOnly, type Backend } from '../../../src/model/backends.js';
import { userSpec, type UserSpec } from '../../../src/model/user-spec.js';
import { openServices, type Services } from '../../../src/service/open-services.js';
import { createAdminService } from '../../../src/service/tools/admin-service.js';
import type { ToolCaller } from '../../../src/service/tools/tool-contract.js';
import { imapFolders, sqlQuery } from '../../helpers/clients.js';
import { findUser, openDirectory } from '../../helpers/directory.js';
import { importFile, tmpDir, writeCsv } from '../../helpers/import-helpers.js';
import { stackConfig, uniqueName } from '../../helpers/stack-config.js';

/**
 * One request, three doors: a row of `oxprov import`, `adduser` in process,
 * `adduser` through the daemon. Each case sets up the same state for each door
 * (with its own user names), sends the same request, and all three must end
 * with the same outcome (status or error code) and the same back-end steps.
 * Then the back-ends are checked with real clients.
 */
const config = stackConfig();
const dir = tmpDir('doors');
const ADMIN = { adminuser: 'mailadmin', adminpasswd: 'secret' };
const PASSWORD = 'Doors-Pw-1234';
const GERMAN = ['Entwürfe', 'Gesendete Objekte', 'INBOX', 'Papierkorb', 'Spam'];

let svc: Services;
let inProcess: ToolCaller;
let daemon: RunningDaemon;
let remote: ToolCaller;

beforeAll(async () => {
  svc = await openServices(config);
  inProcess = createAdminService(config);
  daemon = await startDaemon(normalizeServeOptions({ listen: '127.0.0.1', port: '0' }), { createService: () => createAdminService(config) });
  remote = createXmlRpcToolCaller(daemon.url);
});
afterAll(async () => {
  await daemon?.close();
  await inProcess?.close();
  await svc?.close();
});

/** A user of the paper's kind, created directly through the service to set up a case. */
function person(username: string, extra: Partial<UserSpec> = {}): UserSpec {
  return userSpec({ username, password: PASSWORD, surname: 'Tür', givenname: 'Paula', mail: `${username}@test.tux`, colocrouteaddr: `${username}@localhost`, ...extra });
}

interface Outcome { outcome: string; steps: Partial<Record<Backend, string>> }

type Door = 'import' | 'adduser in process' | 'adduser through the daemon';
const DOORS: Door[] = ['import', 'adduser in process', 'adduser through the daemon'];

/** Sends `params` (adduser's options, `source_only` included) through one door. */
async function send(door: Door, params: Record<string, string>): Promise<Outcome> {
  if (door === 'import') {
    const { source_only: sourceOnly, ...columns } = params;
    const keys = Object.keys(columns);
    const file = writeCsv(dir, `${params.username}.csv`, [keys, keys.map((k) => columns[k])]);
    const out = await importFile(file, { sourceOnly });
    const row = out.report[0];
    // A request the file's header already refuses (a mandatory column missing) ends the run before any row, with its code.
    if (row === undefined) return { outcome: /oxprov import: ([A-Z_]+):/.exec(out.stderr)?.[1] ?? `exit ${out.exitCode}`, steps: {} };
    const steps: Partial<Record<Backend, string>> = {};
    for (const b of ['ldap', 'sql', 'groupware', 'imap'] as const) if (row[b]) steps[b] = row[b];
    return { outcome: row.status === 'rejected' || row.status === 'failed' ? row.error_code.split('|')[0] : row.status, steps };
  }
  const caller = door === 'adduser in process' ? inProcess : remote;
  try {
    const r = await caller.call('adduser', { ...ADMIN, ...params });
    const steps = Object.fromEntries(Object.entries(r.steps ?? {}).filter(([, s]) => s !== 'skipped'));
    return { outcome: r.status, steps };
  } catch (err) {
    if (!isOxprovError(err)) throw err;
    return { outcome: err.code, steps: {} };
  }
}

interface Case {
  name: string;
  /** What exists before the request (for the user `u`; `other` is a second person). */
  setup?: (u: string, other: string) => Promise<void>;
  request: (u: string, other: string) => Record<string, string>;
  expected: Outcome;
  /** A check of the back-ends after the request, with real clients. */
  verify?: (u: string) => Promise<void>;
}

const full = (u: string, extra: Record<string, string> = {}) => ({
  username: u, password: PASSWORD, surname: 'Tür', givenname: 'Paula', mail: `${u}@test.tux`, colocrouteaddr: `${u}@localhost`, ...extra,
});
const only = (backends: string) => (u: string) => svc.users.provisionUser(person(u, { language: 'DE' }), { only: parseSourceOnly(backends, 'CFG_INVALID') }).then(() => {});

const CASES: Case[] = [
  {
    name: 'a user name that exists with another mail address is refused, not taken over',
    setup: (u) => svc.users.provisionUser(person(u), { only: ['ldap'] }).then(() => {}),
    request: (u) => full(u, { mail: `${u}.someone.else@test.tux` }),
    expected: { outcome: 'MAP_EXISTS_USERNAME', steps: {} },
    verify: async (u) => {
      const d = await openDirectory(config);
      try { expect((await findUser(d, u))!.attributes.mail).toEqual([`${u}@test.tux`]); } finally { await d.close(); }
    },
  },
  {
    name: '--source_only=sql for a user with an LDAP entry: the row gets the entry\'s uidNumber',
    setup: only('ldap'),
    request: (u) => ({ username: u, source_only: 'sql' }),
    expected: { outcome: 'created', steps: { sql: 'created' } },
    verify: async (u) => {
      const entry = await svc.users.findUser(u);
      const [row] = await sqlQuery<{ uid_number: number; language: string }>(config, 'SELECT uid_number, language FROM users WHERE username = $1', [u]);
      expect(row).toEqual({ uid_number: entry!.uidNumber, language: 'DE' });
    },
  },
  {
    name: '--source_only=groupware without a SQL row writes the row first (the paper\'s 5.2 order)',
    setup: only('ldap'),
    request: (u) => ({ username: u, source_only: 'groupware' }),
    expected: { outcome: 'created', steps: { sql: 'created', groupware: 'created' } },
    verify: async (u) => {
      const folders = await sqlQuery<{ name: string }>(config, `SELECT f.name FROM folders f JOIN users u ON u.id = f.owner_id WHERE u.username = $1 AND f.module = 'calendar'`, [u]);
      expect(folders).toEqual([{ name: 'Kalender' }]);
    },
  },
  {
    name: 'an existing German user and a request without language: exactly the German folder set',
    setup: only('ldap,sql,groupware'),
    request: (u) => full(u),
    expected: { outcome: 'created', steps: { ldap: 'exists', sql: 'exists', groupware: 'exists', imap: 'created' } },
    verify: async (u) => { expect(await imapFolders(config, u, PASSWORD)).toEqual(GERMAN); },
  },
  {
    name: 'a mail address of another user is refused',
    setup: (_u, other) => svc.users.provisionUser(person(other), { only: ['ldap'] }).then(() => {}),
    request: (u, other) => full(u, { mail: `${other}@test.tux` }),
    expected: { outcome: 'MAP_EXISTS_MAIL', steps: {} },
  },
  {
    name: 'an alias of another user is refused',
    setup: (_u, other) => svc.users.provisionUser(person(other, { aliases: [`${other}.alias@test.tux`] }), { only: ['ldap'] }).then(() => {}),
    request: (u, other) => full(u, { alias: `${other}.alias@test.tux` }),
    expected: { outcome: 'MAP_EXISTS_ALIAS', steps: {} },
  },
  {
    name: 'a group that does not exist is refused (a typo must not create a group)',
    request: (u) => full(u, { groups: uniqueName('nosuchgroup') }),
    expected: { outcome: 'MAP_UNKNOWN_GROUP', steps: {} },
    verify: async (u) => { expect(await svc.users.findUser(u)).toBeUndefined(); },
  },
  {
    name: 'a deactivated user keeps being deactivated when its SQL row is written later without --activated',
    setup: (u) => svc.users.provisionUser(person(u, { activated: false }), { only: ['ldap'] }).then(() => {}),
    request: (u) => ({ username: u, source_only: 'sql' }),
    expected: { outcome: 'created', steps: { sql: 'created' } },
    verify: async (u) => {
      const [row] = await sqlQuery<{ activated: boolean }>(config, 'SELECT activated FROM users WHERE username = $1', [u]);
      expect(row.activated).toBe(false);
    },
  },
  {
    name: 'imap only for a user the directory does not know fails in the imap step',
    request: (u) => ({ username: u, source_only: 'imap' }),
    expected: { outcome: 'IMAP_NO_SUCH_USER', steps: {} },
  },
  {
    name: 'a new user without a surname is refused',
    request: (u) => { const { surname: _s, ...rest } = full(u); return rest; },
    expected: { outcome: 'MAP_MISSING_FIELD', steps: {} },
  },
  {
    name: 'a password of one character is refused by the password policy',
    request: (u) => full(u, { password: 'a' }),
    expected: { outcome: 'MAP_WEAK_PASSWORD', steps: {} },
  },
  {
    name: 'the same request twice: the second changes nothing',
    setup: (u) => svc.users.provisionUser(person(u, { language: 'FR' })).then(() => {}),
    request: (u) => full(u, { language: 'FR' }),
    expected: { outcome: 'exists', steps: { ldap: 'exists', sql: 'exists', groupware: 'exists', imap: 'exists' } },
  },
];

describe.each(CASES)('$name', (c) => {
  it('gives the same outcome and code through every door', async () => {
    const seen: Record<string, Outcome> = {};
    for (const door of DOORS) {
      const u = uniqueName('door');
      const other = uniqueName('doorx');
      await c.setup?.(u, other);
      const got = await send(door, c.request(u, other));
      // Failures and refusals are compared by code: a tool call that fails has no steps to show.
      seen[door] = got.outcome === got.outcome.toUpperCase() ? { outcome: got.outcome, steps: {} } : got;
      await c.verify?.(u);
    }
    expect(seen).toEqual(Object.fromEntries(DOORS.map((d) => [d, c.expected])));
  });
});
