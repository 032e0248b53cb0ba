import path from 'node:path';
import { PACKAGE_ROOT, stackDir } from '../config/paths.js';

/** Where each private server of the local stack lives and listens. Ports can be moved with environment variables. */
export interface StackLayout {
  root: string;
  packageRoot: string;
  baseDn: string;
  adminUser: string;
  ldap: { dir: string; port: number };
  pg: { dir: string; port: number; socketDir: string };
  dovecot: { dir: string; port: number; apiPort: number };
}

export function stackLayout(env: NodeJS.ProcessEnv = process.env): StackLayout {
  const root = stackDir(env);
  const port = (name: string, fallback: number) => Number(env[name] ?? fallback);
  return {
    root,
    packageRoot: PACKAGE_ROOT,
    baseDn: 'dc=test,dc=tux',
    adminUser: 'mailadmin',
    ldap: { dir: path.join(root, 'ldap'), port: port('OXPROV_STACK_LDAP_PORT', 3389) },
    pg: { dir: path.join(root, 'pg'), port: port('OXPROV_STACK_PG_PORT', 55432), socketDir: path.join(root, 'pg', 'run') },
    dovecot: { dir: path.join(root, 'dovecot'), port: port('OXPROV_STACK_IMAP_PORT', 1143), apiPort: port('OXPROV_STACK_DOVEADM_PORT', 1144) },
  };
}

/** The local stack's administrator password, as in the paper's examples. Local stack only. */
export const STACK_ADMIN_PASSWORD = 'secret';
