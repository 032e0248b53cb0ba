import type { Argv } from 'yargs';
import { DIRECTORY_OPTIONS, directoryInput, directoryOptions } from './directory-options.js';

/** The options of `sync`. */
export const SYNC_OPTIONS: readonly string[] = ['mapping', 'key', 'feed', 'generate-passwords', 'create-groups', 'spread', 'plan-only', 'empty-clears', 'check-mail', 'emit', 'max-disable', 'delete-leavers-after', 'outage-wait', 'encoding', 'delimiter', 'report', 'config', 'resume', 'verify', 'verify-share', 'workers', 'queue', ...DIRECTORY_OPTIONS];

/** `oxprov sync FILE`: a recurring HR feed — a plan first, stable identities, leavers disabled safely. */
export function syncCommand(yargs: Argv, setExit: (code: number) => void): Argv {
  return yargs.command('sync [file]', 'bring the users of a feed in line with its file (or a company directory: --from-ldap): create, update, disable leavers, enable returners (a plan first)', (y) => directoryOptions(y)
    .positional('file', { type: 'string', describe: 'the feed\'s CSV file: the desired state of its users' })
    .option('mapping', { type: 'string', describe: 'JSON file mapping the file\'s columns, derived fields, defaults, values and dates' })
    .option('key', { type: 'string', describe: 'the field that identifies a person across runs, e.g. employeeNumber (default username)' })
    .option('feed', { type: 'string', describe: 'the name of the feed this file is (default "default"); only its users can be leavers' })
    .option('generate-passwords', { type: 'boolean', describe: 'new people without a password get a random one, in credentials.csv (0600)' })
    .option('create-groups', { type: 'boolean', describe: 'create the groups rows name that do not exist yet' })
    .option('spread', { type: 'boolean', describe: 'several mail servers: place new people that name none on the server with the fewest users' })
    .option('plan-only', { type: 'boolean', describe: 'write and print the plan, change nothing' })
    .option('check-mail', { type: 'boolean', describe: 'also list the mailbox of every known user of the feed (one IMAP session each) and plan the folders it lacks; a server that makes folders on demand is not checked' })
    .option('empty-clears', { type: 'boolean', describe: 'an empty cell deletes the directory attribute of its column (telephoneNumber, title, …); without it an empty cell leaves the value alone. Names, mail and language are never cleared' })
    .option('emit', { type: 'string', describe: 'ldif: also write plan.ldif, the LDAP changes for ldapmodify' })
    .option('max-disable', { type: 'string', describe: 'refuse the plan when it disables more users (default: the larger of 5 and 10% of the feed)' })
    .option('delete-leavers-after', { type: 'string', describe: 'delete, in every back-end, leavers disabled for more than this many days' })
    .option('outage-wait', { type: 'string', describe: 'seconds a server that cannot be reached is waited for before its users fail (default 60)' })
    .option('encoding', { type: 'string', describe: 'auto | utf8 | windows-1252 (default auto)' })
    .option('delimiter', { type: 'string', describe: 'auto | , | ; | tab | | (default auto)' })
    .option('report', { type: 'string', describe: 'report folder (default reports/<timestamp>-sync-<file>/)' })
    .option('config', { type: 'string', describe: 'config file (default: the local stack\'s settings)' })
    .option('resume', { type: 'string', describe: 'continue the sync of this report folder (killed, or stopped), with its own file and options: plans again what is left, finishes what it started, loses no generated password' })
    .option('verify', { type: 'boolean', describe: 'compare every known user with the back-ends: trust nothing an earlier sync wrote (a user changed behind oxprov\'s back is put right)' })
    .option('verify-share', { type: 'string', describe: 'percent of the known users whose row is as the last sync applied it that are compared all the same in each run, in turn (default 1)' })
    .option('workers', { type: 'string', describe: 'start N local workers (oxprov worker) and hand the apply\'s creates and changes to them through the queue in the run database (docs/workers.md)' })
    .option('queue', { type: 'boolean', describe: 'hand the apply\'s creates and changes to workers started elsewhere (oxprov worker, same config and queue.key) and follow the run' })
    .check((argv) => {
      if (argv.file === undefined && argv['from-ldap'] === undefined && argv.resume === undefined) throw new Error('name the feed\'s CSV file (or --from-ldap URL, or --resume DIR)');
      return true;
    })
    .strict(),
  async (argv) => {
    const { runSync } = await import('../run/sync-run.js');
    const directory = await directoryInput('sync', argv, setExit);
    if (directory === undefined) return;
    const run = await runSync({
      ...directory,
      file: argv.file ?? '', mapping: argv.mapping, key: argv.key, feed: argv.feed, generatePasswords: argv['generate-passwords'],
      createGroups: argv['create-groups'], spread: argv.spread, planOnly: argv['plan-only'], emptyClears: argv['empty-clears'], checkMail: argv['check-mail'], emit: argv.emit, maxDisable: argv['max-disable'],
      deleteLeaversAfter: argv['delete-leavers-after'], outageWait: argv['outage-wait'], encoding: argv.encoding, delimiter: argv.delimiter, report: argv.report, config: argv.config,
      resume: argv.resume, verify: argv.verify, verifyShare: argv['verify-share'], workers: argv.workers, queue: argv.queue,
    }, { stdout: process.stdout, stderr: process.stderr });
    setExit(run.exitCode);
  });
}
