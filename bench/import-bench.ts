/**
 * `npm run bench`: the import's speed and memory, and the raw rate of each back-end for
 * the same work (the floors), measured in one run on a private stack (.stack-bench, ports
 * 27101…, on a file system of its own) that starts empty and is removed at the end.
 *   --rows N         users for the full import and the floors (default 10000)
 *   --dry-rows A,B   sizes for the dry run (default 10000,100000,1000000)
 *   --groups G       groups of the second full import (default 5)
 *   --sync-rows A,B  feeds loaded by sync with folders on demand, then synced unchanged and with 1% changed,
 *                    for `sync_mb_per_1k` and `sync_largest_unchanged_mb` (default 10000,100000)
 * It ends with `name=value` lines: `groups_ratio` (the import with groups over the
 * one without), `resume_ratio` (a resumed half over the whole import), `sync_ratio`
 * (a sync of an unchanged feed, rows/s, over the first load of that feed by sync,
 * users/s), `ondemand_ratio` (an import with folders on demand over the mean of two ldapadd floors
 * of as many entries, run just before and just after it)
 * `ondemand_floor_ratio` (the same import over ldapadd and COPY of its rows run at the same time,
 * just before and just after it), `sync_mb_per_1k` (the unchanged sync's peak RSS growth per 1,000
 * people between the --sync-rows feeds) and `ratio` (import users/s over the slowest floor's users/s). `--mail dovecot,dovecot` (or `cyrus`)
 * measures only the import over several mail servers against their combined floor (`multi_ratio`;
 * `--rounds R`, default 3: imports, each between two floors, and the median of their ratios).
 * `--scale N` measures only the second run at scale (bench/scale-bench.ts): `rerun_ratio`,
 * `scale_sync_ratio`, `scale_dry_rows_s`.
 */
import { spawn } from 'node:child_process';
import pg from 'pg';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { ImapFolderTemplates } from '../src/templates/imap-folder-templates.js';
import { GroupwareFolderTemplates } from '../src/templates/groupware-folder-templates.js';
import { hashPassword } from '../src/provision/ldap/password-hash.js';
import { userEntry } from '../src/provision/ldap/user-entry.js';
import { userSpec, type UserSpec } from '../src/model/user-spec.js';
import { ALL_MODULE_BITS } from '../src/model/modules.js';
import { stackLayout } from '../src/stack/stack-layout.js';
import { generateUsers } from './generate-users.js';
import { useBenchStack } from './bench-stack.js';
import { multiBench } from './multi-bench.js';
import { scaleBench } from './scale-bench.js';
import { workersBench } from './workers-bench.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : fallback; };
const ROWS = Number(arg('--rows', '10000'));
const DRY = arg('--dry-rows', '10000,100000,1000000').split(',').map(Number);
const GROUPS = Number(arg('--groups', '5'));
/** Feeds loaded by sync, then synced unchanged and 1% changed: the peak RSS per 1,000 people between the smallest and the largest. */
const SYNC_ROWS = arg('--sync-rows', '10000,100000').split(',').filter(Boolean).map(Number);
/** `--mail dovecot,dovecot`: only the import against several mail servers (bench/multi-bench.ts), on a private stack. */
const MAIL = arg('--mail', '');
/** `--scale N`: only the second run at scale (bench/scale-bench.ts), on a private stack. */
const SCALE = Number(arg('--scale', '0'));
/** `--workers 1,2,4`: only the import handed to that many local workers (bench/workers-bench.ts), on a private stack. */
const WORKERS = arg('--workers', '').split(',').filter(Boolean).map(Number);
/** `--mail` only: imports measured, each between two floors. */
const ROUNDS = Number(arg('--rounds', '3'));
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'oxprov-bench-'));
const tag = Date.now().toString(36);
const log = (s: string) => process.stdout.write(`${s}\n`);

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => { out += d; });
    c.stderr.on('data', (d) => { err += d; });
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err.slice(-500)}`))));
  });
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return (performance.now() - t0) / 1000;
}

interface ChildResult { exitCode: number; rowsPerSecond: number; seconds: number; maxRssMB: number; rows: Record<string, number> }

async function importChild(file: string, dryRun: boolean, flags: string[] = []): Promise<ChildResult> {
  const report = path.join(work, `report-${path.basename(file)}-${dryRun ? 'dry' : 'full'}`);
  const out = await run(process.execPath, [path.join(root, 'bench/child-import.mjs'), file, ...(dryRun ? ['--dry-run'] : []), ...flags, '--report', report]).catch((e) => {
    // exit code 1 (some rows rejected) still prints the figures
    throw e;
  });
  fs.rmSync(report, { recursive: true, force: true });
  return JSON.parse(out.trim().split('\n').pop()!);
}

/** Starts a full import in a child process and kills it with SIGKILL once its ledger holds half the rows as done. */
async function killAtHalf(file: string, report: string): Promise<number> {
  const db = new pg.Client({ connectionString: loadConfig().sql.url });
  await db.connect();
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(root, 'bin/oxprov.js'), 'import', file, '--report', report, '--progress', 'none'], { stdio: 'ignore' });
      let done = 0;
      let asking = false;
      const poll = setInterval(() => {
        if (asking) return;
        asking = true;
        db.query<{ n: string }>(`SELECT count(*) AS n FROM oxprov_runs.ledger l JOIN oxprov_runs.runs r ON r.id = l.run_id
          WHERE r.report_dir = $1 AND l.status <> 'started'`, [path.resolve(report)]).then((r) => {
          asking = false;
          done = Number(r.rows[0].n);
          if (done >= ROWS / 2) { clearInterval(poll); child.kill('SIGKILL'); }
        }, () => { asking = false; });
      }, 100);
      child.on('exit', () => { clearInterval(poll); resolve(done); });
      child.on('error', reject);
    });
  } finally {
    await db.end();
  }
}

async function importChildResume(report: string): Promise<ChildResult> {
  const out = await run(process.execPath, [path.join(root, 'bench/child-import.mjs'), '--resume', report]);
  return JSON.parse(out.trim().split('\n').pop()!);
}

interface SyncResult { exitCode: number; counts: Record<string, number>; seconds: number; rowsPerSecond: number; maxRssMB: number }

async function syncChild(file: string, feed: string, flags: string[] = []): Promise<SyncResult> {
  const report = path.join(work, `report-sync-${Date.now()}`);
  const out = await run(process.execPath, [path.join(root, 'bench/child-sync.mjs'), file, feed, report, ...flags]);
  fs.rmSync(report, { recursive: true, force: true });
  const r: SyncResult = JSON.parse(out.trim().split('\n').pop()!);
  if (r.exitCode !== 0) throw new Error(`the sync of ${file} exited ${r.exitCode}: ${JSON.stringify(r.counts)}`);
  return r;
}

/** A copy of a feed with every hundredth person's surname changed. */
function changeOnePercent(file: string): string {
  const out = file.replace(/\.csv$/, '-changed.csv');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 1; i < lines.length; i++) if (lines[i] && i % 100 === 0) lines[i] = lines[i].replace(/^([^,]*,[^,]*,)[^,]*/, '$1Geändert');
  fs.writeFileSync(out, lines.join('\n'));
  return out;
}

/** The same users as the CSV generator makes, as specs, for the floors. */
function specs(prefix: string, n: number): UserSpec[] {
  const lang = ['DE', 'EN', 'FR'];
  return Array.from({ length: n }, (_, i) => userSpec({
    username: `${prefix}${i}`, password: `Pw-${i}-bench`, surname: 'Floor', givenname: 'Bench', mail: `${prefix}${i}@bench.tux`,
    aliases: [`${prefix}${i}.alias@bench.tux`], colocrouteaddr: `${prefix}${i}@localhost`, language: lang[i % 3], timezone: 'Europe/Berlin', quotaMB: 100,
  }));
}

/** uidNumbers of the floors' entries: each floor its own range, never one of the id pool's. */
let floorUid = 5_000_000;

async function ldapFloor(users: UserSpec[]): Promise<number> {
  return users.length / await timed(prepareLdapFloor(users));
}

/** ldapadd of the users' entries, 4 processes: the LDIF written now, the returned work loads it. */
function prepareLdapFloor(users: UserSpec[]): () => Promise<unknown> {
  const firstUid = floorUid;
  floorUid += users.length;
  const config = loadConfig();
  const pwFile = path.join(work, 'ldap-pw');
  fs.writeFileSync(pwFile, config.ldap.bindPassword, { mode: 0o600 });
  const parts = 4;
  const files = Array.from({ length: parts }, (_, p) => {
    const file = path.join(work, `floor-${p}.ldif`);
    const ldif = users.filter((_, i) => i % parts === p).map((u, i) => {
      const entry = userEntry(u, config, { uidNumber: firstUid + i * parts + p, passwordHash: hashPassword(u.password!, config.ldap.passwordScheme) });
      return [`dn: uid=${u.username},${config.ldap.peopleDn}`, ...Object.entries(entry).flatMap(([k, vs]) => vs.map((v) => (/^[\x20-\x7e]*$/.test(v) && !/^[ :<]/.test(v) ? `${k}: ${v}` : `${k}:: ${Buffer.from(v).toString('base64')}`)))].join('\n');
    }).join('\n\n');
    fs.writeFileSync(file, `${ldif}\n`);
    return file;
  });
  return () => Promise.all(files.map((f) => run('ldapadd', ['-x', '-H', config.ldap.url, '-D', config.ldap.bindDn, '-y', pwFile, '-f', f])));
}

async function sqlFloor(users: UserSpec[]): Promise<number> {
  const floor = await prepareSqlFloor(users);
  const seconds = await timed(floor.load);
  await floor.drop();
  return users.length / seconds;
}

/**
 * The directory and the database loaded at the same time with their own bulk tools, as the
 * import loads them: ldapadd (4 processes) and COPY of exactly the rows it writes. Users/s of
 * the whole, from the start of both to the end of the slower.
 */
async function bothFloor(users: UserSpec[]): Promise<number> {
  const ldap = prepareLdapFloor(users);
  const sql = await prepareSqlFloor(users);
  const seconds = await timed(() => Promise.all([ldap(), sql.load()]));
  await sql.drop();
  return users.length / seconds;
}

/** COPY of the users' groupware rows into tables like the import's: the files written now, `load` copies them. */
async function prepareSqlFloor(users: UserSpec[]): Promise<{ load: () => Promise<unknown>; drop: () => Promise<unknown> }> {
  const config = loadConfig();
  const url = new URL(config.sql.url);
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) };
  const conn = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', url.hostname, '-p', url.port, '-U', decodeURIComponent(url.username), '-d', url.pathname.slice(1)];
  // Exactly the rows the import writes: since migration 003 a user's modules are one column of its row.
  const tables = ['users', 'folders', 'folder_permissions'];
  await run('psql', [...conn, '-c', tables.map((t) => `DROP TABLE IF EXISTS bench_${t}; CREATE UNLOGGED TABLE bench_${t} (LIKE ${t} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES);`).join('\n')], env);
  const gw = GroupwareFolderTemplates.load(config.templates.groupwareFolders);
  const data = { users: [] as string[], folders: [] as string[], folder_permissions: [] as string[] };
  let folderId = 0;
  users.forEach((u, i) => {
    const id = i + 1;
    data.users.push(`${id}\t${u.username}\t\\N\tFloor, Bench\t${u.mail}\t${u.language}\tEurope/Berlin\t\\N\tt\tf\tf\t${ALL_MODULE_BITS}`);
    for (const f of gw.foldersFor(u.language)) {
      folderId++;
      data.folders.push(`${folderId}\t${id}\t${f.module}\t${f.name}\tt`);
      data.folder_permissions.push(`${folderId}\t${id}\tt\t4\t4\t4`);
    }
  });
  const cols: Record<string, string> = {
    users: 'id, username, uid_number, display_name, mail, language, timezone, country, activated, change_password, global_addressbook_write, permissions',
    folders: 'id, owner_id, module, name, is_default',
    folder_permissions: 'folder_id, user_id, folder_admin, read_level, write_level, delete_level',
  };
  const script = tables.map((t) => {
    const file = path.join(work, `bench_${t}.tsv`);
    fs.writeFileSync(file, `${data[t as keyof typeof data].join('\n')}\n`);
    return `\\copy bench_${t} (${cols[t]}) FROM '${file}'`;
  }).join('\n');
  const scriptFile = path.join(work, 'copy.sql');
  fs.writeFileSync(scriptFile, `BEGIN;\n${script}\nCOMMIT;\n`);
  return {
    load: () => run('psql', [...conn, '-f', scriptFile], env),
    drop: () => run('psql', [...conn, '-c', tables.map((t) => `DROP TABLE bench_${t};`).join(' ')], env),
  };
}

async function imapFloor(users: UserSpec[]): Promise<number> {
  const config = loadConfig();
  const conf = path.join(stackLayout().dovecot.dir, 'dovecot.conf');
  const templates = ImapFolderTemplates.load(config.templates.imapFolders);
  const byLang = new Map<string, string[]>();
  for (const u of users) byLang.set(u.language!, [...(byLang.get(u.language!) ?? []), u.username]);
  const seconds = await timed(() => Promise.all([...byLang].map(([lang, names]) => {
    const file = path.join(work, `doveadm-${lang}.txt`);
    fs.writeFileSync(file, `${names.join('\n')}\n`);
    const folders = templates.foldersFor(lang).filter((f) => f !== 'INBOX');
    return run('doveadm', ['-c', conf, 'mailbox', 'create', '-s', '-F', file, ...folders]);
  })));
  return users.length / seconds;
}

async function main(): Promise<void> {
  if (SCALE > 0) {
    await scaleBench(SCALE, { root, work, tag, log, run, generateUsers });
    fs.rmSync(work, { recursive: true, force: true });
    return;
  }
  if (WORKERS.length) {
    await workersBench(WORKERS, { root, work, rows: ROWS, tag, log, run, generateUsers });
    fs.rmSync(work, { recursive: true, force: true });
    return;
  }
  if (MAIL) {
    await multiBench(MAIL, { root, work, rows: ROWS, tag, log, run, timed, importChild, generateUsers, specs, ldapFloor, rounds: ROUNDS });
    return;
  }
  // A private stack (.stack-bench, ports 27101…), empty at the start and removed at the end: not the tests' stack.
  const stack = useBenchStack(root, '.stack-bench', 27101, 'dovecot');
  stack.up();
  try {
    await measureAll();
  } finally {
    stack.done();
  }
}

async function measureAll(): Promise<void> {
  log(`oxprov bench: ${ROWS} users for the import and the floors; dry run at ${DRY.join(', ')} rows; ${os.cpus().length} cores`);

  log('\ndry run (validation and directory checks, nothing written)');
  log('      rows    rows/s   peak RSS');
  for (const n of DRY) {
    const file = path.join(work, `dry-${n}.csv`);
    await generateUsers(file, n, `dry${tag}x`);
    const r = await importChild(file, true);
    log(`${String(n).padStart(10)}${String(Math.round(r.rowsPerSecond)).padStart(10)}${`${r.maxRssMB} MB`.padStart(11)}`);
    fs.rmSync(file);
  }

  log('\nfull import (LDAP, SQL, groupware folders, mailbox)');
  const file = path.join(work, 'full.csv');
  await generateUsers(file, ROWS, `imp${tag}x`);
  const imp = await importChild(file, false);
  log(`${String(ROWS).padStart(10)} users  ${imp.rowsPerSecond} users/s  ${imp.maxRssMB} MB peak RSS  (created ${imp.rows.created}, failed ${imp.rows.failed}, rejected ${imp.rows.rejected})`);
  const groupsFile = path.join(work, 'groups.csv');
  await generateUsers(groupsFile, ROWS, `grp${tag}x`, GROUPS);
  const grp = await importChild(groupsFile, false, ['--create-groups']);
  log(`${String(ROWS).padStart(10)} users  ${grp.rowsPerSecond} users/s  ${grp.maxRssMB} MB peak RSS  (in ${GROUPS} groups; created ${grp.rows.created}, failed ${grp.rows.failed}, rejected ${grp.rows.rejected})`);

  // Folders on demand (imap.folders on-demand: the server makes them at the first login): the mail step is gone.
  const onDemandFile = path.join(work, 'on-demand.csv');
  await generateUsers(onDemandFile, ROWS, `odm${tag}x`);
  // Set against ldapadd of as many entries just before and just after it: slapd's cost per entry moves with
  // the size of the directory (and the machine's speed drifts), so the floor is taken where the import ran.
  const odmBefore = await ldapFloor(specs(`ofa${tag}x`, ROWS));
  const bothBefore = await bothFloor(specs(`bfa${tag}x`, ROWS));
  const odm = await importChild(onDemandFile, false, ['--on-demand']);
  const bothAfter = await bothFloor(specs(`bfb${tag}x`, ROWS));
  const odmAfter = await ldapFloor(specs(`ofb${tag}x`, ROWS));
  const odmFloor = (odmBefore + odmAfter) / 2;
  const bothFloorRate = (bothBefore + bothAfter) / 2;
  log(`${String(ROWS).padStart(10)} users  ${odm.rowsPerSecond} users/s  ${odm.maxRssMB} MB peak RSS  (folders on demand; created ${odm.rows.created}, failed ${odm.rows.failed}, rejected ${odm.rows.rejected}; ldapadd just before ${Math.round(odmBefore)}, just after ${Math.round(odmAfter)} users/s; ldapadd and COPY at once just before ${Math.round(bothBefore)}, just after ${Math.round(bothAfter)} users/s)`);

  // Killed (SIGKILL) at about half of a full import, then --resume: the time of the resumed run over the whole import's.
  const resumeFile = path.join(work, 'resume.csv');
  await generateUsers(resumeFile, ROWS, `res${tag}x`);
  const resumeReport = path.join(work, 'report-resume');
  const killedAt = await killAtHalf(resumeFile, resumeReport);
  const resumed = await importChildResume(resumeReport);
  const resumeRatio = resumed.seconds / imp.seconds;
  log(`${String(ROWS).padStart(10)} users  killed at ${killedAt} rows done, --resume took ${resumed.seconds.toFixed(1)} s against ${imp.seconds.toFixed(1)} s for the whole import  (created ${resumed.rows.created}, existing ${resumed.rows.exists}, failed ${resumed.rows.failed})`);

  // Feeds loaded by sync (folders on demand), then the same file again (all unchanged), then with 1% of the rows changed.
  log('\nsync of a feed (key username)');
  const syncMemory: { rows: number; first: SyncResult; same: SyncResult }[] = [];
  for (const n of SYNC_ROWS) {
    const f = path.join(work, `feed-${n}.csv`);
    await generateUsers(f, n, `sy${n}${tag}x`);
    const firstN = await syncChild(f, `bench${n}${tag}`, ['--on-demand']);
    const sameN = await syncChild(f, `bench${n}${tag}`, ['--on-demand']);
    const changedN = await syncChild(changeOnePercent(f), `bench${n}${tag}`, ['--on-demand']);
    syncMemory.push({ rows: n, first: firstN, same: sameN });
    log(`  ${`feed of ${n}`.padEnd(26)} first load (folders on demand) ${firstN.rowsPerSecond} users/s, ${firstN.maxRssMB} MB peak RSS; unchanged ${sameN.rowsPerSecond} rows/s, ${sameN.maxRssMB} MB peak RSS; 1% changed ${changedN.rowsPerSecond} rows/s, ${changedN.maxRssMB} MB peak RSS (${Object.entries(changedN.counts).filter(([, k]) => k).map(([k, v]) => `${k} ${v}`).join(', ')})`);
    fs.rmSync(f);
  }
  const feedFile = path.join(work, 'feed.csv');
  await generateUsers(feedFile, ROWS, `syn${tag}x`);
  const feed = `bench${tag}`;
  const first = await syncChild(feedFile, feed);
  const same = await syncChild(feedFile, feed);
  const changedFile = changeOnePercent(feedFile);
  const changed = Math.floor(ROWS / 100);
  const onePercent = await syncChild(changedFile, feed);
  const showSync = (what: string, r: SyncResult) => log(`  ${what.padEnd(26)}${r.seconds.toFixed(1).padStart(7)} s ${String(r.rowsPerSecond).padStart(8)} rows/s  ${r.maxRssMB} MB peak RSS  ${Object.entries(r.counts).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  showSync(`first load (${ROWS} users)`, first);
  showSync('same file again', same);
  showSync(`${changed} rows changed (1%)`, onePercent);
  const syncRatio = same.rowsPerSecond / first.rowsPerSecond;
  log(`  unchanged sync ${same.rowsPerSecond} rows/s is ${syncRatio.toFixed(1)} × the first load's ${first.rowsPerSecond} users/s (the import: ${imp.rowsPerSecond} users/s)`);

  log('\nfloors: the raw rate of each back-end for the same work');
  const floorUsers = specs(`flr${tag}x`, ROWS);
  const floors: [string, number][] = [];
  floors.push(['ldapadd (4 processes)', await ldapFloor(floorUsers)]);
  floors.push(['PostgreSQL COPY', await sqlFloor(floorUsers)]);
  floors.push(['doveadm mailbox create -F', await imapFloor(floorUsers)]);
  for (const [name, rate] of floors) log(`  ${name.padEnd(28)}${String(Math.round(rate)).padStart(8)} users/s`);
  const slowest = floors.reduce((a, b) => (b[1] < a[1] ? b : a));
  const ratio = imp.rowsPerSecond / slowest[1];
  log(`\nimport ${imp.rowsPerSecond} users/s is ${ratio.toFixed(2)} × the slowest floor (${slowest[0]}, ${Math.round(slowest[1])} users/s)`);
  fs.rmSync(work, { recursive: true, force: true });
  log(`folders on demand: ${odm.rowsPerSecond} users/s is ${(odm.rowsPerSecond / odmFloor).toFixed(2)} × the ldapadd floor around it (${Math.round(odmFloor)} users/s) and ${(odm.rowsPerSecond / imp.rowsPerSecond).toFixed(1)} × the import with folders made up front`);
  log(`groups_ratio=${(grp.rowsPerSecond / imp.rowsPerSecond).toFixed(2)}`);
  log(`ondemand_ratio=${(odm.rowsPerSecond / odmFloor).toFixed(2)}`);
  log(`resume_ratio=${resumeRatio.toFixed(2)}`);
  log(`sync_ratio=${syncRatio.toFixed(2)}`);
  log(`ratio=${ratio.toFixed(2)}`);
  log(`ondemand_floor_ratio=${(odm.rowsPerSecond / bothFloorRate).toFixed(2)}`);
  if (syncMemory.length >= 2) {
    // Peak RSS growth of the unchanged sync per 1,000 people, between the smallest and the largest feed.
    const [a, b] = [syncMemory[0], syncMemory[syncMemory.length - 1]];
    log(`sync_mb_per_1k=${((b.same.maxRssMB - a.same.maxRssMB) / ((b.rows - a.rows) / 1000)).toFixed(2)}`);
    log(`sync_largest_unchanged_mb=${b.same.maxRssMB}`);
  }
}

await main();
