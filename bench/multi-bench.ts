/**
 * `npm run bench -- --mail dovecot,dovecot` (or `--mail cyrus`): the import against several mail
 * servers of a private stack (.stack-bench-mail, ports 27001…, fresh for the run and removed after it), new users spread evenly over them,
 * against the combined floor: every server's own fastest bulk creation at the same time (one
 * `doveadm mailbox create -F` process per Dovecot, one administrator connection per Cyrus
 * creating the same folders). Floor and import alternate (floor, import, floor, import, …): each
 * import is set against the mean of the floors around it, so that a drift of the machine's speed
 * falls on both. Prints `multi_ratio` = the median of those ratios.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { useBenchStack } from './bench-stack.js';
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
  /** Imports, each measured against the floors just before and after it (`--rounds`, default 3). */
  rounds: number;
}

export async function multiBench(spec: string, d: MultiBenchDeps): Promise<void> {
  const stack = useBenchStack(d.root, '.stack-bench-mail', 27001, spec);
  stack.up();
  try {
    await measure(spec, d);
  } finally {
    stack.done();
  }
}

async function measure(spec: string, d: MultiBenchDeps): Promise<void> {
  const config = loadConfig();
  const servers = config.mail.servers;
  const layout = stackMailServers(stackLayout(), spec, 'eager');
  const templates = ImapFolderTemplates.load(config.templates.imapFolders);
  d.log(`oxprov bench: ${d.rows} users over ${servers.length} mail servers (${servers.map((s) => `${s.name} ${s.kind}`).join(', ')}), spread evenly; ${d.rounds} rounds, each import between two floors`);

  // The floor's users, in the directory first (each server's userdb finds only its own), a share per server.
  const floor = async (k: number): Promise<number> => {
    const users = d.specs(`mfl${d.tag}r${k}x`, d.rows).map((u, i) => ({ ...u, mailServer: servers[i % servers.length].name }));
    await d.ldapFloor(users);
    const perServer = servers.map((s) => users.filter((u) => u.mailServer === s.name));
    const seconds = await d.timed(() => Promise.all(servers.map(async (s, j) => {
      const mine = perServer[j];
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
    const rate = d.rows / seconds;
    d.log(`  floor ${k + 1}: ${servers.map((s) => (s.kind === 'cyrus' ? `${s.name}: one admin connection` : `${s.name}: doveadm mailbox create -F`)).join(', ')} at the same time: ${Math.round(rate)} users/s`);
    return rate;
  };

  // The machine's speed drifts (other guests, the disk): each import is set against the floors just before and after it.
  const ratios: number[] = [];
  let before = await floor(0);
  for (let r = 0; r < d.rounds; r++) {
    const file = path.join(d.work, `multi-${r}.csv`);
    await d.generateUsers(file, d.rows, `mul${d.tag}r${r}x`);
    const imp = await d.importChild(file, false, ['--spread']);
    d.log(`  import ${r + 1}: ${d.rows} users  ${imp.rowsPerSecond} users/s  ${imp.maxRssMB} MB peak RSS  (created ${imp.rows.created}, failed ${imp.rows.failed}, rejected ${imp.rows.rejected})`);
    const after = await floor(r + 1);
    const ratio = imp.rowsPerSecond / ((before + after) / 2);
    d.log(`  round ${r + 1}: import ${imp.rowsPerSecond} users/s is ${ratio.toFixed(2)} × the mean of the floors around it (${Math.round(before)}, ${Math.round(after)} users/s)`);
    ratios.push(ratio);
    before = after;
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  d.log(`import over the combined floor, round by round: ${ratios.map((x) => x.toFixed(2)).join(', ')}; median ${median.toFixed(2)}`);
  d.log(`multi_ratio=${median.toFixed(2)}`);
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
