import { OxprovError } from '../errors.js';
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
  /**
   * The addresses the servers listen on: 127.0.0.1, and the one `OXPROV_STACK_LISTEN` adds (the
   * stack's own address in a network namespace a test made, for workers on other hosts).
   */
  listen: readonly string[];
}

/** One mail server of the local stack (`stack up --mail dovecot,dovecot,cyrus`). */
export interface StackMailServer {
  /** `imap1`, `imap2`, … for Dovecot, `cyrus1`, … for Cyrus. */
  name: string;
  kind: 'dovecot' | 'cyrus';
  /** Folders made by oxprov (eager) or by the server at the first login (on-demand). */
  folders: 'eager' | 'on-demand';
  dir: string;
  port: number;
  /** Dovecot's doveadm HTTP API. */
  apiPort?: number;
}

/**
 * The mail servers of `--mail`: `dovecot`, `cyrus`, each optionally `:eager` or `:on-demand`
 * (Dovecot default: the stack's `--mail-folders`; Cyrus: eager). The first Dovecot keeps the
 * single-server folder and ports; the others count on from them, two ports each.
 */
export function stackMailServers(layout: StackLayout, spec: string, dovecotFolders: 'eager' | 'on-demand'): StackMailServer[] {
  const items = spec.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const counts = { dovecot: 0, cyrus: 0 };
  return items.map((item, i) => {
    const [kind, folders] = item.split(':') as [string, string | undefined];
    if (kind !== 'dovecot' && kind !== 'cyrus') throw new Error(`--mail: ${item} is not dovecot or cyrus`);
    if (folders !== undefined && folders !== 'eager' && folders !== 'on-demand') throw new Error(`--mail: ${item}: the folders are eager or on-demand`);
    const n = ++counts[kind];
    const name = kind === 'dovecot' ? `imap${n}` : `cyrus${n}`;
    const first = kind === 'dovecot' && n === 1;
    return {
      name, kind,
      folders: (folders ?? (kind === 'dovecot' ? dovecotFolders : 'eager')) as 'eager' | 'on-demand',
      dir: first ? layout.dovecot.dir : path.join(layout.root, name),
      port: layout.dovecot.port + 2 * i,
      apiPort: kind === 'dovecot' ? layout.dovecot.apiPort + 2 * i : undefined,
    };
  });
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
    listen: ['127.0.0.1', ...extraListen(env.OXPROV_STACK_LISTEN)],
  };
}

/** `OXPROV_STACK_LISTEN`: one more IPv4 address for the servers, never a wildcard. */
function extraListen(value: string | undefined): string[] {
  if (value === undefined || value === '' || value === '127.0.0.1') return [];
  const parts = value.split('.').map(Number);
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(value) || parts.some((p) => p > 255) || parts[0] === 0) {
    throw new OxprovError('CFG_INVALID', `OXPROV_STACK_LISTEN must be one IPv4 address of this host (not a wildcard), got "${value}"`, { field: 'OXPROV_STACK_LISTEN', value });
  }
  return [value];
}

/** The local stack's administrator password, as in the paper's examples. Local stack only. */
export const STACK_ADMIN_PASSWORD = 'secret';
