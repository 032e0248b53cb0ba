import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { explain } from '../../../src/cli/main.js';
import { normalizeImportOptions } from '../../../src/import/import-options.js';
import { renderSummary } from '../../../src/import/import-monitor.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const oxprov = (args: string[], cwd = root) => spawnSync(process.execPath, [path.join(root, 'bin/oxprov.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, OXPROV_NO_HINTS: '1' } });

describe('the command line refuses what it does not know', () => {
  it('an unknown option of import: exit 2, nothing written, the nearest option named', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxprov-cli-'));
    fs.writeFileSync(path.join(dir, 'f.csv'), 'username,password,surname,mail,colocrouteaddr\nx,Pw-12345678,X,x@t.tux,x@localhost\n');
    const r = oxprov(['import', 'f.csv', '--dryrun', '--on-exisiting=update', '--report', 'rep'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CFG_UNKNOWN_OPTION: unknown options --dryrun (did you mean --dry-run?), --on-exisiting (did you mean --on-existing?); nothing was done');
    expect(fs.existsSync(path.join(dir, 'rep'))).toBe(false);
  });

  it('oxprov alone lists the commands; a wrong action names the choices', () => {
    const alone = oxprov([]);
    expect(alone.status).toBe(2);
    expect(alone.stderr).toContain('oxprov import');
    expect(alone.stderr).toContain('oxprov adduser');
    const stack = oxprov(['stack', 'foo']);
    expect(stack.status).toBe(2);
    expect(stack.stderr).toMatch(/Given: "foo", Choices: "up", "down", "status", "env"/);
  });

  it('explain keeps yargs messages on one line', () => {
    expect(explain('Invalid values:\n  Argument: x', [])).toBe('Invalid values: Argument: x');
  });
});

describe('messages a new administrator ran into', () => {
  it('--encoding latin1 points at windows-1252', () => {
    expect(() => normalizeImportOptions({ file: 'x.csv', encoding: 'latin1' })).toThrow(/use --encoding windows-1252/);
  });

  it('a run whose every row was rejected shows no rate of nothing', () => {
    const base = { file: 'f', dryRun: false, startedAt: '', seconds: 0.01, rowsPerSecond: 0, errors: {}, reportDir: 'r', backends: {} as never };
    const text = renderSummary({ ...base, backends: { ldap: z(), sql: z(), groupware: z(), imap: z() }, rows: { read: 3, created: 0, updated: 0, exists: 0, valid: 0, failed: 0, rejected: 3 } });
    expect(text).not.toContain('rows/s');
    expect(text).not.toContain('users/s');
  });
});

function z() { return { created: 0, updated: 0, exists: 0, failed: 0, skipped: 0, 'on demand': 0 }; }

describe('a missing password', () => {
  it('suggests --generate-passwords, for a row and for a header', async () => {
    const { createRowMapper, inMemorySchema, STANDARD_ATTRIBUTES } = await import('../../../src/mapping/index.js');
    const m = createRowMapper({ languages: ['EN'], schema: inMemorySchema(STANDARD_ATTRIBUTES) });
    const header = m.header(['username', 'surname', 'mail', 'colocrouteaddr']);
    expect(header.map((e) => e.message).join()).toContain('--generate-passwords');
    const m2 = createRowMapper({ languages: ['EN'], schema: inMemorySchema(STANDARD_ATTRIBUTES) });
    m2.header(['username', 'password', 'surname', 'mail', 'colocrouteaddr']);
    const r = m2.map({ username: 'u', password: '', surname: 'S', mail: 'u@t.tux', colocrouteaddr: 'u@localhost' }, 2);
    expect(r.ok ? '' : r.errors.map((e) => e.message).join()).toContain('password is mandatory (or let oxprov make one: --generate-passwords)');
  });
});

describe('the password policy', () => {
  it('refuses a one-character password with MAP_WEAK_PASSWORD, admits the paper\'s "secret", and follows the config', async () => {
    const { passwordProblem, DEFAULT_PASSWORD_POLICY } = await import('../../../src/model/password-policy.js');
    expect(passwordProblem('a', DEFAULT_PASSWORD_POLICY)).toMatch(/at least 6 characters/);
    expect(passwordProblem('secret', DEFAULT_PASSWORD_POLICY)).toBeUndefined();
    const strict = { minLength: 10, minClasses: 3 };
    expect(passwordProblem('secretsecret', strict)).toMatch(/at least 3 kinds/);
    expect(passwordProblem('Secret-2026!', strict)).toBeUndefined();
    const { validateField } = await import('../../../src/mapping/validate-field.js');
    const out = validateField('password', 'a', { languages: ['EN'] }, { field: 'password', secret: true });
    expect(out.issues.map((e) => [e.code, e.value])).toEqual([['MAP_WEAK_PASSWORD', undefined]]);
  });
});

describe('more first-contact messages', () => {
  it('a missing file says why; serve refuses an unknown option', () => {
    const missing = oxprov(['import', 'nope.csv', '--dry-run']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/CSV_UNREADABLE: cannot read nope\.csv: ENOENT: no such file or directory/);
    const serve = oxprov(['serve', '--prot=9']);
    expect(serve.status).toBe(2);
    expect(serve.stderr).toContain('CFG_UNKNOWN_OPTION');
  });

  it('a header problem names its line once', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxprov-cli-'));
    fs.writeFileSync(path.join(dir, 'f.csv'), 'username,password,surname,mail,colocrouteaddr,Kostenstelle\n');
    const r = oxprov(['import', 'f.csv', '--dry-run'], dir);
    expect(r.stderr).toContain('MAP_UNKNOWN_ATTRIBUTE: line 1: column "Kostenstelle"');
    expect(r.stderr).not.toMatch(/line 1.*line 1/);
  });

  it('a rejected row keeps the user name its mapping derives', async () => {
    const { createRowMapper, inMemorySchema, STANDARD_ATTRIBUTES, parseMapping } = await import('../../../src/mapping/index.js');
    const m = createRowMapper({ languages: ['EN'], schema: inMemorySchema(STANDARD_ATTRIBUTES), generatePasswords: true,
      mapping: parseMapping(JSON.stringify({ derive: { username: '{givenname|ascii|lower}.{surname|ascii|lower}', colocrouteaddr: '{username}@localhost' } })) });
    m.header(['givenname', 'surname', 'mail']);
    const r = m.map({ givenname: 'Jürgen', surname: 'Weiß', mail: 'not-an-address' }, 2);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.username).toBe('juergen.weiss');
  });
});
