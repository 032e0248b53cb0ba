/**
 * `npm run bench -- --mail dovecot,dovecot` (or `--mail cyrus`): the import against several mail
 * servers of a private stack (.stack-bench-mail, ports 27001…), new users spread evenly over them,
 * against the combined floor: every server's own fastest bulk creation at the same time (one
 * `doveadm mailbox create -F` process per Dovecot, one administrator connection per Cyrus
 * creating the same folders). Prints `multi_ratio` = import users/s over the combined floor.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { loadConfig } from '../src/config/load-config.js';
import type { UserSpec } from '../src/model/user-spec.js';
import { stackLayout, stackMailServers } from '../src/stack/stack-layout.js';
import { ImapFolderTemplates } from '../src/templates/imap-folder-templates.js';

export interface MultiBenchDeps {
  root: string;
  work: string;
  rows: number;
  tag: string;
  log: (s: string) => void;
  run: (cmd: string, argv: string[], env?: NodeJS.ProcessEnv) => Promise<string>;
  timed: (work: () => Promise<unknown>) => Promise<number>;
  importChild: (file: string, dryRun: boolean, flags?: string[]) => Promise<{ rowsPerSecond: number; seconds: number; maxRssMB: number; rows: Record<string, number> }>;
  generateUsers: (file: string, rows: number, prefix: string) => Promise<void>;
  specs: (prefix: string, n: number) => UserSpec[];
  ldapFloor: (users: UserSpec[]) => Promise<number>;
}

/** The private stack's environment: set on this process, so that every child and every loadConfig() uses it. */
export function useBenchMailStack(root: string, spec: string): void {
  Object.assign(process.env, {
    OXPROV_STACK_DIR: path.join(root, '.stack-bench-mail'), OXPROV_STACK_LDAP_PORT: '27001', OXPROV_STACK_PG_PORT: '27002',
    OXPROV_STACK_IMAP_PORT: '27003', OXPROV_STACK_DOVEADM_PORT: '27004', OXPROV_STACK_MAIL: spec, OXPROV_STACK_MAIL_FOLDERS: 'eager',
  });
}

export async function multiBench(spec: string, d: MultiBenchDeps): Promise<void> {
  execFileSync(process.execPath, [path.join(d.root, 'bin/oxprov.js'), 'stack', 'up'], { stdio: 'inherit' });
  try {
    await measure(spec, d);
  } finally {
    execFileSync(process.execPath, [path.join(d.root, 'bin/oxprov.js'), 'stack', 'down'], { stdio: 'inherit' });
  }
}

async function measure(spec: string, d: MultiBenchDeps): Promise<void> {
  const config = loadConfig();
  const servers = config.mail.servers;
  const layout = stackMailServers(stackLayout(), spec, 'eager');
  d.log(`oxprov bench: ${d.rows} users over ${servers.length} mail servers (${servers.map((s) => `${s.name} ${s.kind}`).join(', ')}), spread evenly`);

  const file = path.join(d.work, 'multi.csv');
  await d.generateUsers(file, d.rows, `mul${d.tag}x`);
  const imp = await d.importChild(file, false, ['--spread']);
  d.log(`${String(d.rows).padStart(10)} users  ${imp.rowsPerSecond} users/s  ${imp.maxRssMB} MB peak RSS  (created ${imp.rows.created}, failed ${imp.rows.failed}, rejected ${imp.rows.rejected})`);

  // The floor's users, in the directory first (each server's userdb finds only its own), a share per server.
  const users = d.specs(`mfl${d.tag}x`, d.rows).map((u, i) => ({ ...u, mailServer: servers[i % servers.length].name }));
  await d.ldapFloor(users);
  const templates = ImapFolderTemplates.load(config.templates.imapFolders);
  const perServer = servers.map((s) => users.filter((u) => u.mailServer === s.name));
  const seconds = await d.timed(() => Promise.all(servers.map(async (s, k) => {
    const mine = perServer[k];
    if (s.kind === 'cyrus') return cyrusFloor(s, mine, templates);
    const conf = path.join(layout.find((l) => l.name === s.name)!.dir, 'dovecot.conf');
    // One doveadm process per server: the languages one after the other (each has its own folder names).
    for (const lang of ['DE', 'EN', 'FR']) {
      const names = mine.filter((u) => u.language === lang).map((u) => u.username);
      if (!names.length) continue;
      const list = path.join(d.work, `doveadm-${s.name}-${lang}.txt`);
      fs.writeFileSync(list, `${names.join('\n')}\n`);
      await d.run('doveadm', ['-c', conf, 'mailbox', 'create', '-s', '-F', list, ...templates.foldersFor(lang).filter((f) => f !== 'INBOX')]);
    }
  })));
  const floor = d.rows / seconds;
  d.log(`  floor: ${servers.map((s) => (s.kind === 'cyrus' ? `${s.name}: one admin connection` : `${s.name}: doveadm mailbox create -F`)).join(', ')} at the same time: ${Math.round(floor)} users/s`);
  d.log(`import ${imp.rowsPerSecond} users/s is ${(imp.rowsPerSecond / floor).toFixed(2)} × the combined floor`);
  d.log(`multi_ratio=${(imp.rowsPerSecond / floor).toFixed(2)}`);
}

/** One administrator connection creating each user's mailbox and folders, as Cyrus's own fastest path over IMAP. */
async function cyrusFloor(s: { host: string; port: number; masterUser: string; masterPassword: string }, users: UserSpec[], templates: ImapFolderTemplates): Promise<void> {
  const client = new ImapFlow({ host: s.host, port: s.port, secure: false, logger: false, auth: { user: s.masterUser, pass: s.masterPassword } });
  client.on('error', () => {});
  await client.connect();
  try {
    for (const u of users) {
      await client.mailboxCreate(`user.${u.username}`);
      for (const f of templates.foldersFor(u.language).filter((x) => x !== 'INBOX')) await client.mailboxCreate(`user.${u.username}.${f}`);
    }
  } finally {
    await client.logout().catch(() => {});
  }
}
