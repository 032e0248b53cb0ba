import type { Argv } from 'yargs';
import { DIRECTORY_OPTIONS, directoryInput, directoryOptions } from './directory-options.js';

/** The options of `import`. */
export const IMPORT_OPTIONS: readonly string[] = ['dry-run', 'mapping', 'encoding', 'delimiter', 'on-existing', 'generate-passwords', 'create-groups', 'spread', 'concurrency', 'batch-size', 'report', 'retry-failed', 'resume', 'max-failures', 'outage-wait', 'verify', 'verify-share', 'workers', 'queue', 'source_only', 'progress', 'config', ...DIRECTORY_OPTIONS];

/**
 * `oxprov import FILE`: the bulk import (the whitepaper's "bulk load"). No
 * option carries a yargs default: the import's own options say what is left
 * out (and `--resume` can tell what was given).
 */
export function importCommand(yargs: Argv, setExit: (code: number) => void): Argv {
  return yargs.command('import [file]', 'import users from a CSV file (or a company directory: --from-ldap) into LDAP, SQL and IMAP (the format: docs/import.md)', (y) => directoryOptions(y)
    .positional('file', { type: 'string', describe: 'the CSV file; its header names are adduser options (or see --mapping)' })
    .option('dry-run', { type: 'boolean', describe: 'check every row (and, if reachable, against the directory); write nothing' })
    .option('mapping', { type: 'string', describe: 'JSON file mapping the file\'s own columns, derived fields and defaults' })
    .option('encoding', { type: 'string', describe: 'auto | utf8 | windows-1252 (default auto)' })
    .option('delimiter', { type: 'string', describe: 'auto | , | ; | tab | | (default auto)' })
    .option('on-existing', { type: 'string', describe: 'skip (complete what is missing; default) | update | fail' })
    .option('generate-passwords', { type: 'boolean', describe: 'give new users without a password a random one, written only to credentials.csv (0600); they must change it at first login' })
    .option('create-groups', { type: 'boolean', describe: 'create the groups a row names that do not exist yet (else such a row is rejected: MAP_UNKNOWN_GROUP)' })
    .option('spread', { type: 'boolean', describe: 'several mail servers: place new users that name none (no imapserver column or rule) on the server with the fewest users' })
    .option('concurrency', { type: 'string', describe: 'parallel LDAP operations and IMAP sessions: N, or ldap=8,imap=4 (default ldap=8,imap=4)' })
    .option('batch-size', { type: 'string', describe: 'users per SQL transaction (default 200)' })
    .option('report', { type: 'string', describe: 'report folder (default reports/<timestamp>-<file>/)' })
    .option('retry-failed', { type: 'string', describe: 'report.csv of an earlier run: import only the rows that failed there' })
    .option('resume', { type: 'string', describe: 'the report folder of a run that was stopped or killed: continue it, with its file and options' })
    .option('max-failures', { type: 'string', describe: 'stop the run after this many failed rows' })
    .option('verify', { type: 'boolean', describe: 'check every row in every back-end: trust nothing an earlier run wrote (a user changed or lost behind oxprov\'s back is put right)' })
    .option('verify-share', { type: 'string', describe: 'percent of the known, unchanged users checked all the same in each run, in turn, so that all are checked over time (default 1)' })
    .option('outage-wait', { type: 'string', describe: 'seconds a server that cannot be reached is waited for before its rows fail (default 60); a server down for longer stops the run' })
    .option('workers', { type: 'string', describe: 'start N local workers (oxprov worker) and hand the batches to them through the queue in the run database (docs/workers.md)' })
    .option('queue', { type: 'boolean', describe: 'hand the batches to workers started elsewhere (oxprov worker, same config and queue.key) and follow the run' })
    .option('source_only', { type: 'string', describe: 'only these back-ends: ldap,sql,groupware,imap' })
    .option('progress', { type: 'string', describe: 'auto | bar | lines | none (default auto)' })
    .option('config', { type: 'string', describe: 'config file (default: the local stack\'s settings)' })
    .check((argv) => {
      if (argv.file === undefined && argv.resume === undefined && argv['from-ldap'] === undefined) throw new Error('name the CSV file to import (or --from-ldap URL, or --resume REPORT_DIR)');
      return true;
    })
    .strict(),
  async (argv) => {
    const { runImport } = await import('../run/import-run.js');
    const directory = await directoryInput('import', argv, setExit);
    if (directory === undefined) return;
    const run = await runImport({
      ...directory,
      file: argv.file ?? '', dryRun: argv['dry-run'], mapping: argv.mapping, encoding: argv.encoding, delimiter: argv.delimiter,
      onExisting: argv['on-existing'], generatePasswords: argv['generate-passwords'], createGroups: argv['create-groups'], spread: argv.spread, concurrency: argv.concurrency,
      batchSize: argv['batch-size'], report: argv.report, retryFailed: argv['retry-failed'], sourceOnly: argv.source_only,
      progress: argv.progress, config: argv.config, resume: argv.resume, maxFailures: argv['max-failures'], outageWait: argv['outage-wait'], verify: argv.verify, verifyShare: argv['verify-share'],
      workers: argv.workers, queue: argv.queue,
    });
    setExit(run.exitCode);
  });
}
