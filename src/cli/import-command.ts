import type { Argv } from 'yargs';

/** `oxprov import FILE`: the bulk import (the whitepaper's "bulk load"). */
export function importCommand(yargs: Argv, setExit: (code: number) => void): Argv {
  return yargs.command('import <file>', 'import users from a CSV file into LDAP, SQL and IMAP (see the README for the format)', (y) => y
    .positional('file', { type: 'string', describe: 'the CSV file; its header names are adduser options (or see --mapping)' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'check every row (and, if reachable, against the directory); write nothing' })
    .option('mapping', { type: 'string', describe: 'JSON file mapping the file\'s own columns, derived fields and defaults' })
    .option('encoding', { type: 'string', default: 'auto', describe: 'auto | utf8 | windows-1252' })
    .option('delimiter', { type: 'string', default: 'auto', describe: 'auto | , | ; | tab | |' })
    .option('on-existing', { type: 'string', default: 'skip', describe: 'skip (complete what is missing) | update | fail' })
    .option('generate-passwords', { type: 'boolean', default: false, describe: 'give rows without a password a random one, written only to credentials.csv (0600); users must change it at first login' })
    .option('create-groups', { type: 'boolean', default: false, describe: 'create the groups a row names that do not exist yet (else such a row is rejected: MAP_UNKNOWN_GROUP)' })
    .option('concurrency', { type: 'string', describe: 'parallel LDAP operations and IMAP sessions: N, or ldap=8,imap=4 (default ldap=8,imap=4)' })
    .option('batch-size', { type: 'string', default: '200', describe: 'users per SQL transaction' })
    .option('report', { type: 'string', describe: 'report folder (default reports/<timestamp>-<file>/)' })
    .option('retry-failed', { type: 'string', describe: 'report.csv of an earlier run: import only the rows that failed there' })
    .option('source_only', { type: 'string', describe: 'only these back-ends: ldap,sql,groupware,imap' })
    .option('progress', { type: 'string', default: 'auto', describe: 'auto | bar | lines | none' })
    .option('config', { type: 'string', describe: 'config file (default: the local stack\'s settings)' })
    .strict(),
  async (argv) => {
    const { runImport } = await import('../import/run-import.js');
    const run = await runImport({
      file: argv.file!, dryRun: argv['dry-run'], mapping: argv.mapping, encoding: argv.encoding, delimiter: argv.delimiter,
      onExisting: argv['on-existing'], generatePasswords: argv['generate-passwords'], createGroups: argv['create-groups'], concurrency: argv.concurrency,
      batchSize: argv['batch-size'], report: argv.report, retryFailed: argv['retry-failed'], sourceOnly: argv.source_only,
      progress: argv.progress, config: argv.config,
    });
    setExit(run.exitCode);
  });
}
