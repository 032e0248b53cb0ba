import type { Argv } from 'yargs';

/** `oxprov config check`: the config file against its schema, then each back-end tried with it. */
export function configCommand(yargs: Argv, setExit: (code: number) => void): Argv {
  return yargs.command('config <action>', 'check a config file: every key against the schema, then each back-end it names (directory, database, every mail server); or print the reference of every key', (y) => y
    .positional('action', { choices: ['check', 'reference'] as const, describe: 'check: validate the file, then try each back-end with it; reference: print every key of a config file (Markdown)' })
    .option('config', { type: 'string', describe: 'the config file (default: $OXPROV_CONFIG, else the local stack\'s settings)' })
    .example('$0 config check --config /etc/oxprov/config.json', 'refuses unknown keys and wrong types, then binds, connects and logs in')
    .strict(),
  async (argv) => {
    if (argv.action === 'reference') {
      const { configReference } = await import('../config/config-reference.js');
      process.stdout.write(configReference());
      return;
    }
    const { loadConfig } = await import('../config/load-config.js');
    const { stackConfigFile } = await import('../config/paths.js');
    // An invalid file ends here with its code (exit 2): nothing is tried with a config that says something else than meant.
    const config = loadConfig({ file: argv.config });
    const source = argv.config ?? process.env.OXPROV_CONFIG ?? `${stackConfigFile(process.env)} (the local stack's settings)`;
    process.stdout.write(`config ${source}: every key known, every value of its type\n`);
    const { checkBackends } = await import('../service/check-backends.js');
    const checks = await checkBackends(config);
    const width = Math.max(...checks.map((c) => c.backend.length));
    for (const c of checks) process.stdout.write(`  ${c.backend.padEnd(width)}  ${c.ok ? 'reached' : 'FAILED '}  ${c.where}: ${c.detail}\n`);
    setExit(checks.every((c) => c.ok) ? 0 : 1);
  });
}
