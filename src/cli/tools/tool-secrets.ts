import { readSecretFile } from '../../config/load-config.js';
import { OxprovError } from '../../errors.js';
import type { ParsedToolArgs } from './parse-tool-args.js';
import type { ToolName } from '../../service/tools/tool-contract.js';
import { isMandatory, selectedBackends, toolDefinition } from '../../service/tools/tool-definitions.js';
import { validateToolParams } from '../../service/tools/tool-params.js';

/** Where {@link resolveSecrets} may look besides the command line. */
export interface SecretSources {
  readonly env: NodeJS.ProcessEnv;
  /** Asks for a secret without echo; only given when stdin is a terminal. */
  readonly readSecret?: (prompt: string) => Promise<string>;
}

/** `adminpasswd` → `OXPROV_ADMINPASSWD` (and `OXPROV_ADMINPASSWD_FILE`). */
export function secretEnvName(option: string): string {
  return `OXPROV_${option.toUpperCase()}`;
}

/**
 * Fills in the secret options (`adminpasswd`, `password`) the command line left
 * out. Precedence, first wins:
 *
 * 1. `--adminpasswd=…` typed on the command line (works, but shows in `ps`);
 * 2. `--adminpasswd-file FILE` (giving both 1 and 2 is an error);
 * 3. `OXPROV_ADMINPASSWD_FILE` (a file named in the environment);
 * 4. `OXPROV_ADMINPASSWD`;
 * 5. a prompt without echo, only when stdin is a terminal and the option is
 *    mandatory for this call; a new user password is asked twice.
 *
 * A file's one trailing newline is dropped. The other options are checked first
 * (by the service's own check, so with its codes), so nobody types a password
 * only to learn that `--mail` was missing.
 *
 * @returns the params with the secrets added (a new object).
 * @throws OxprovError MAP_MISSING_FIELD (listing every missing option, with the other ways to give a secret), CFG_FILE_UNREADABLE, CFG_INVALID.
 */
export async function resolveSecrets(tool: ToolName, parsed: ParsedToolArgs, sources: SecretSources): Promise<Record<string, string>> {
  const params: Record<string, string> = Object.assign(Object.create(null), parsed.params);
  const secrets = toolDefinition(tool).options.filter((o) => o.secret);
  for (const option of secrets) {
    if (params[option.name] !== undefined) continue;
    const envName = secretEnvName(option.name);
    const file = parsed.secretFiles[option.name];
    let value: string | undefined;
    if (file !== undefined) value = nonEmpty(readSecretFile(file, `--${option.name}-file`), `the file given with --${option.name}-file`);
    else if (sources.env[`${envName}_FILE`]) value = nonEmpty(readSecretFile(sources.env[`${envName}_FILE`]!, `${envName}_FILE`), `${envName}_FILE`);
    else if (sources.env[envName]) value = sources.env[envName];
    if (value !== undefined) params[option.name] = value;
  }

  const backends = selectedBackends(params.source_only);
  const missingSecrets = secrets.filter((o) => isMandatory(o, backends) && params[o.name] === undefined);
  const promptable = sources.readSecret === undefined ? [] : missingSecrets;
  try {
    validateToolParams(tool, params, { pending: promptable.map((o) => o.name) });
  } catch (err) {
    const unprompted = missingSecrets.filter((o) => !promptable.includes(o));
    if (!(err instanceof OxprovError) || err.code !== 'MAP_MISSING_FIELD' || unprompted.length === 0) throw err;
    const ways = unprompted.map((o) => `--${o.name}-file FILE or ${secretEnvName(o.name)}[_FILE]`);
    throw new OxprovError(err.code, `${err.message} (${ways.join('; ')}${ways.length > 1 ? ' also work' : ' also works'})`, { field: err.field });
  }
  for (const option of promptable) params[option.name] = await prompt(tool, option.name, params, sources.readSecret!);
  return params;
}

async function prompt(tool: ToolName, name: string, params: Record<string, string>, read: (p: string) => Promise<string>): Promise<string> {
  if (name === 'adminpasswd') return nonEmpty(await read(`Password of the administrator ${params.adminuser ?? ''}: `), 'the prompt');
  const subject = params.username ?? '';
  const first = nonEmpty(await read(`New password for ${subject}: `), 'the prompt');
  const again = await read(`Repeat the new password for ${subject}: `);
  if (first !== again) throw new OxprovError('CFG_INVALID', `the two passwords typed differ`, { field: `--${name}` });
  return first;
}

function nonEmpty(value: string, where: string): string {
  if (value === '') throw new OxprovError('MAP_MISSING_FIELD', `empty password from ${where}`);
  return value;
}
