import { OxprovError } from '../errors.js';
import { isRoot, run } from './process-utils.js';

/** The Debian packages of the local stack. */
export const STACK_PACKAGES = ['slapd', 'ldap-utils', 'postgresql', 'dovecot-imapd', 'dovecot-ldap', 'openssl'] as const;

async function missingPackages(wanted: readonly string[]): Promise<string[]> {
  const r = await run('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...wanted]);
  const installed = new Set(
    r.stdout.split('\n').filter((l) => l.endsWith(' installed')).map((l) => l.split(' ')[0]),
  );
  return wanted.filter((p) => !installed.has(p));
}

/**
 * Installs the stack's Debian packages when missing. The packages' own services
 * are not used (policy-rc.d usually keeps them from starting; oxprov never touches them).
 */
export async function ensurePackages(log: (line: string) => void, extra: readonly string[] = []): Promise<void> {
  const wanted = [...STACK_PACKAGES, ...extra];
  const missing = await missingPackages(wanted);
  if (missing.length === 0) return;
  log(`installing Debian packages: ${missing.join(' ')}`);
  const sudo = isRoot() ? [] : ['sudo', '-n'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = async (...args: string[]) => {
    const [cmd, ...rest] = [...sudo, 'apt-get', ...args];
    return run(cmd, rest, { env });
  };
  const update = await apt('update', '-qq');
  if (update.code !== 0) log(`apt-get update failed (exit ${update.code}); trying the install anyway`);
  const install = await apt('install', '-y', '-qq', '--no-install-recommends', ...missing);
  if (install.code !== 0 || (await missingPackages(wanted)).length > 0) {
    throw new OxprovError('STACK_INSTALL_FAILED',
      `could not install ${missing.join(' ')} (run as root or with sudo): ${install.stderr.trim().slice(-1500)}`);
  }
}
