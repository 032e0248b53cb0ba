import type { Argv } from 'yargs';

/** `oxprov stack up|down|status|env`: the local stack of real servers for the demo and the tests. */
export function stackCommand(yargs: Argv, setExit: (code: number) => void): Argv {
  return yargs.command('stack <action> [file]', 'start, stop or inspect the local stack (slapd, PostgreSQL, Dovecot under .stack/); load an LDIF file into its directory', (y) =>
    y.positional('action', { choices: ['up', 'down', 'status', 'env', 'load'] as const, describe: 'what to do' })
      .positional('file', { type: 'string', describe: 'load: an LDIF file of entries (e.g. samples/company.ldif); entries already there are kept' })
      .option('mail-folders', { type: 'string', describe: 'up: on-demand (Dovecot makes each mailbox\'s folders at the first login, from oxprov dovecot-config; the default) | eager (oxprov makes them); kept for later runs' })
      .option('mail', { type: 'string', describe: 'up: the mail servers, e.g. dovecot,dovecot,cyrus (named imap1, imap2, cyrus1; an entry may end in :eager or :on-demand); default one Dovecot; kept for later runs' })
      .check((argv) => {
        if ((argv.action === 'load') !== (argv.file !== undefined)) throw new Error(argv.action === 'load' ? 'stack load needs an LDIF file' : `stack ${argv.action} takes no file`);
        if (argv['mail-folders'] !== undefined && argv.action !== 'up') throw new Error('--mail-folders belongs to stack up');
        if (argv.mail !== undefined && argv.action !== 'up') throw new Error('--mail belongs to stack up');
        return true;
      })
      .strict(),
  async (argv) => {
    const { LocalStack } = await import('../stack/stack.js');
    const env = { ...process.env };
    if (argv['mail-folders'] !== undefined) env.OXPROV_STACK_MAIL_FOLDERS = argv['mail-folders'] as string;
    if (argv.mail !== undefined) env.OXPROV_STACK_MAIL = argv.mail as string;
    const stack = new LocalStack(env, (line) => process.stderr.write(`${line}\n`));
    switch (argv.action) {
      case 'up': {
        const t0 = performance.now();
        await stack.up();
        process.stderr.write(`stack up in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
        break;
      }
      case 'down': await stack.down(); break;
      case 'status': {
        const lines = await stack.status();
        for (const l of lines) process.stdout.write(`${l.service.padEnd(9)} ${l.state.padEnd(8)} ${l.listen.padEnd(16)} ${l.pid ? `pid ${l.pid}` : ''}\n`);
        setExit(lines.every((l) => l.state === 'running') ? 0 : 1);
        break;
      }
      case 'env': process.stdout.write(`${stack.env()}\n`); break;
      case 'load': {
        const { added, existing } = await stack.load(argv.file!);
        process.stderr.write(`${argv.file}: ${added} entries added, ${existing} already there\n`);
        break;
      }
    }
  });
}
