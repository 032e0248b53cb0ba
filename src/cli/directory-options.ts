import type { Argv } from 'yargs';
import { OxprovError } from '../errors.js';
import { readSecretFile } from '../config/load-config.js';
import { createTtyReader } from './tools/read-secret-tty.js';
import type { DirectoryInput } from '../import/import-options.js';

/** The options of `--from-ldap`, shared by `import` and `sync`. */
export const DIRECTORY_OPTIONS: readonly string[] = ['from-ldap', 'base', 'scope', 'filter', 'bind-dn', 'bind-password-file', 'in-place'];

/** The environment variable that may hold the company directory's bind password (or `…_FILE`, a file holding it). */
export const BIND_PASSWORD_ENV = 'OXPROV_FROM_LDAP_PASSWORD';

export function directoryOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('from-ldap', { type: 'string', describe: 'read the people from a company directory (ldap://host:port) instead of a file' })
    .option('base', { type: 'string', describe: 'with --from-ldap: the DN under which the people are, e.g. ou=company,dc=test,dc=tux' })
    .option('scope', { type: 'string', describe: 'with --from-ldap: one (the entries right under --base) | sub (the whole subtree; default)' })
    .option('filter', { type: 'string', describe: 'with --from-ldap: which entries are people (default (objectClass=inetOrgPerson))' })
    .option('bind-dn', { type: 'string', describe: 'with --from-ldap: bind as this DN (default: oxprov\'s own account for its own directory, else anonymous)' })
    .option('bind-password-file', { type: 'string', describe: `with --bind-dn: a file holding the password (or ${BIND_PASSWORD_ENV}, ${BIND_PASSWORD_ENV}_FILE, or a prompt on a terminal)` })
    .option('in-place', { type: 'boolean', describe: 'with --from-ldap: the company directory is the groupware\'s: add to each entry only what the groupware needs, change none of its values' }) as Argv<T>;
}

/**
 * The `--from-ldap` options of `command` as the import and the sync take them, the bind password read
 * from its file, the environment or a prompt; undefined (the error printed, exit 2) when that fails.
 */
export async function directoryInput(command: string, argv: Record<string, unknown>, setExit: (code: number) => void, env: NodeJS.ProcessEnv = process.env): Promise<DirectoryInput | undefined> {
  try {
    return await readDirectoryInput(argv, env);
  } catch (err) {
    process.stderr.write(`oxprov ${command}: ${(err as { code?: string }).code}: ${(err as Error).message}\n`);
    setExit(2);
    return undefined;
  }
}

async function readDirectoryInput(argv: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<DirectoryInput> {
  const bindDn = argv['bind-dn'] as string | undefined;
  const file = argv['bind-password-file'] as string | undefined;
  if (file !== undefined && bindDn === undefined) throw new OxprovError('CFG_INVALID', '--bind-password-file belongs to --bind-dn, which is not given', { field: '--bind-password-file' });
  let bindPassword: string | undefined;
  if (bindDn !== undefined) {
    if (file !== undefined) bindPassword = readSecretFile(file, '--bind-password-file');
    else if (env[`${BIND_PASSWORD_ENV}_FILE`]) bindPassword = readSecretFile(env[`${BIND_PASSWORD_ENV}_FILE`]!, `${BIND_PASSWORD_ENV}_FILE`);
    else if (env[BIND_PASSWORD_ENV] !== undefined) bindPassword = env[BIND_PASSWORD_ENV];
    else if (process.stdin.isTTY) bindPassword = await createTtyReader(process.stdin, process.stderr)(`password of ${bindDn}: `);
    else throw new OxprovError('CFG_MISSING', `--bind-dn ${bindDn} needs its password: --bind-password-file FILE, ${BIND_PASSWORD_ENV}(_FILE), or a terminal to ask on`, { field: '--bind-password-file' });
  }
  return {
    fromLdap: argv['from-ldap'] as string | undefined, base: argv.base as string | undefined, scope: argv.scope as string | undefined,
    filter: argv.filter as string | undefined, bindDn, bindPassword, inPlace: argv['in-place'] as boolean | undefined,
  };
}
