import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stackConfigFile } from '../../../src/config/paths.js';
import { tmpDir } from '../../helpers/import-helpers.js';

/**
 * `oxprov config check` against the real stack: the file is checked, then each
 * back-end is tried with it and named with what answered or the server's refusal.
 */
const dir = tmpDir('config-check');
const stack = JSON.parse(fs.readFileSync(stackConfigFile(process.env), 'utf8')) as Record<string, Record<string, unknown>>;

function check(config: unknown): { code: number | null; out: string; err: string } {
  const f = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(f, JSON.stringify(config), { mode: 0o600 });
  const r = spawnSync(process.execPath, ['bin/oxprov.js', 'config', 'check', '--config', f], { encoding: 'utf8', env: { ...process.env, OXPROV_CONFIG: undefined } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('oxprov config check', () => {
  it('the stack\'s settings reach the directory, the database and the mail server; no secret is printed', () => {
    const r = check(stack);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}ldap +reached +ldap:\/\/127\.0\.0\.1:\d+ as uid=mailadmin,ou=admins,dc=test,dc=tux: bound; the schema has the groupware attributes$/m);
    expect(r.out).toMatch(/^ {2}sql +reached +postgres:\/\/oxprov:…@127\.0\.0\.1:\d+\/oxprov: connected/m);
    expect(r.out).toMatch(/^ {2}imap imap1 +reached +dovecot imap:\/\/127\.0\.0\.1:\d+/m);
    const sqlPassword = /\/\/[^:]+:([^@]+)@/.exec(String(stack.sql.url))![1];
    expect(r.out + r.err).not.toContain(sqlPassword);
    expect(r.out + r.err).not.toContain(String(stack.ldap.bindPassword));
  });

  it('a wrong password and a closed port are each the server\'s own answer, the other back-ends still tried (exit 1)', () => {
    const r = check({ ...stack, ldap: { ...stack.ldap, bindPassword: 'Not-The-Password-1' }, imap: { ...stack.imap, port: 9, doveadmUrl: undefined, doveadmApiKey: undefined } });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^ {2}ldap +FAILED +.*LDAP_AUTH/m);
    expect(r.out).toMatch(/^ {2}sql +reached/m);
    expect(r.out).toMatch(/^ {2}imap imap1 +FAILED +.*IMAP_CONNECT/m);
    expect(r.out).not.toContain('Not-The-Password-1');
  });

  it('a typo ends it before anything is tried (exit 2), naming the key meant', () => {
    const r = check({ ...stack, ldap: { ...stack.ldap, bindPasword: 'x' } });
    expect(r.code).toBe(2);
    expect(r.err).toContain('CFG_UNKNOWN_KEY');
    expect(r.err).toContain('ldap.bindPasword: unknown key; did you mean ldap.bindPassword?');
    expect(r.out).toBe('');
  });
});
