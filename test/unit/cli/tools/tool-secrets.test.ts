import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OxprovError } from '../../../../src/errors.js';
import { parseToolArgs } from '../../../../src/cli/tools/parse-tool-args.js';
import { resolveSecrets } from '../../../../src/cli/tools/tool-secrets.js';
import type { ToolName } from '../../../../src/service/tools/tool-contract.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxprov-secrets-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
function secretFile(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content, { mode: 0o600 });
  return file;
}

const BASE = ['--adminuser=mailadmin', '--username=pm'];
async function resolve(tool: ToolName, args: string[], env: NodeJS.ProcessEnv = {}, answers?: string[]) {
  const prompts: string[] = [];
  const readSecret = answers === undefined ? undefined : async (prompt: string) => {
    prompts.push(prompt);
    return answers.shift() ?? '';
  };
  const params = await resolveSecrets(tool, parseToolArgs(tool, args), { env, readSecret });
  return { params, prompts };
}
async function failure(promise: Promise<unknown>): Promise<OxprovError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof OxprovError)) throw new Error(`expected an OxprovError, got ${String(err)}`);
  return err;
}

describe('resolveSecrets: precedence', () => {
  const adminFile = secretFile('admin', 'from-file\n');
  const envFile = secretFile('env-admin', 'from-env-file\r\n');
  const env = { OXPROV_ADMINPASSWD: 'from-env', OXPROV_ADMINPASSWD_FILE: envFile };

  it('1. the command line wins over everything', async () => {
    const { params } = await resolve('changepasswd', [...BASE, '--adminpasswd=typed', '--password=n'], env);
    expect(params.adminpasswd).toBe('typed');
  });
  it('2. --adminpasswd-file beats the environment; one trailing newline is dropped', async () => {
    const { params } = await resolve('changepasswd', [...BASE, `--adminpasswd-file=${adminFile}`, '--password=n'], env);
    expect(params.adminpasswd).toBe('from-file');
  });
  it('3. OXPROV_ADMINPASSWD_FILE beats OXPROV_ADMINPASSWD', async () => {
    const { params } = await resolve('changepasswd', [...BASE, '--password=n'], env);
    expect(params.adminpasswd).toBe('from-env-file');
  });
  it('4. OXPROV_ADMINPASSWD', async () => {
    const { params } = await resolve('changepasswd', [...BASE, '--password=n'], { OXPROV_ADMINPASSWD: 'from-env' });
    expect(params.adminpasswd).toBe('from-env');
  });
  it('5. the prompt, only for what nothing else gave', async () => {
    const { params, prompts } = await resolve('changepasswd', [...BASE, '--password=n'], {}, ['prompted']);
    expect(params.adminpasswd).toBe('prompted');
    expect(prompts).toEqual(['Password of the administrator mailadmin: ']);
  });
  it('OXPROV_PASSWORD and --password-file work for the user password the same way', async () => {
    const pw = secretFile('pw', 'user-file');
    expect((await resolve('changepasswd', [...BASE, '--adminpasswd=a'], { OXPROV_PASSWORD: 'user-env' })).params.password).toBe('user-env');
    expect((await resolve('changepasswd', [...BASE, '--adminpasswd=a', `--password-file=${pw}`], { OXPROV_PASSWORD: 'x' })).params.password).toBe('user-file');
  });
  it('does not change the parsed params', async () => {
    const parsed = parseToolArgs('changepasswd', [...BASE, '--password=n']);
    await resolveSecrets('changepasswd', parsed, { env: { OXPROV_ADMINPASSWD: 'e' } });
    expect(parsed.params.adminpasswd).toBeUndefined();
  });
});

describe('resolveSecrets: prompting', () => {
  it('asks for a new user password twice and refuses two different ones', async () => {
    const ok = await resolve('changepasswd', [...BASE, '--adminpasswd=a'], {}, ['n3w', 'n3w']);
    expect(ok.params.password).toBe('n3w');
    expect(ok.prompts).toEqual(['New password for pm: ', 'Repeat the new password for pm: ']);
    const err = await failure(resolve('changepasswd', [...BASE, '--adminpasswd=a'], {}, ['n3w', 'other']));
    expect(err.code).toBe('CFG_INVALID');
  });
  it('does not prompt for a password the call does not need (adduser --source_only=sql)', async () => {
    const { params, prompts } = await resolve('adduser', [...BASE, '--adminpasswd=a', '--source_only=sql'], {}, ['x']);
    expect(prompts).toEqual([]);
    expect(params.password).toBeUndefined();
  });
  it('without a terminal: MAP_MISSING_FIELD naming the option and where it may come from', async () => {
    const err = await failure(resolve('changepasswd', BASE));
    expect(err.code).toBe('MAP_MISSING_FIELD');
    expect(err.message).toContain('--adminpasswd, --password');
    expect(err.message).toContain('OXPROV_ADMINPASSWD');
  });
  it('reports other missing options before asking for any password', async () => {
    const { prompts, error } = await (async () => {
      const prompts: string[] = [];
      const error = await failure(resolveSecrets('adduser', parseToolArgs('adduser', BASE), {
        env: {},
        readSecret: async (p) => { prompts.push(p); return 'x'; },
      }));
      return { prompts, error };
    })();
    expect(prompts).toEqual([]);
    expect(error.code).toBe('MAP_MISSING_FIELD');
    expect(error.message).toContain('--surname, --mail');
  });
  it('refuses an empty password from a file or the prompt', async () => {
    const empty = secretFile('empty', '\n');
    expect((await failure(resolve('deluser', [...BASE, `--adminpasswd-file=${empty}`]))).code).toBe('MAP_MISSING_FIELD');
    expect((await failure(resolve('deluser', BASE, {}, ['']))).code).toBe('MAP_MISSING_FIELD');
  });
  it('names an unreadable file without its content', async () => {
    const err = await failure(resolve('deluser', [...BASE, `--adminpasswd-file=${path.join(dir, 'nope')}`]));
    expect(err.code).toBe('CFG_FILE_UNREADABLE');
    expect(err.field).toBe('--adminpasswd-file');
  });
});
