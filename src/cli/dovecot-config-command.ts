import type { Argv } from 'yargs';

/** `oxprov dovecot-config`: the Dovecot configuration of folders on demand, from the folder templates. */
export function dovecotConfigCommand(yargs: Argv): Argv {
  return yargs.command('dovecot-config', 'print the Dovecot configuration that makes every user\'s folders on demand, in their language and style (from templates/ImapFolders.xml)', (y) => y
    .option('config', { type: 'string', describe: 'config file naming the templates (default: the local stack\'s settings)' })
    .strict(),
  async (argv) => {
    const { loadConfig } = await import('../config/load-config.js');
    const { ImapFolderTemplates } = await import('../templates/imap-folder-templates.js');
    const { renderDovecotFolderConfig } = await import('../templates/dovecot-folders.js');
    const config = loadConfig({ file: argv.config });
    const { default: path } = await import('node:path');
    const file = config.templates.imapFolders;
    const shown = path.relative(process.cwd(), file).startsWith('..') ? file : path.relative(process.cwd(), file);
    process.stdout.write(renderDovecotFolderConfig(ImapFolderTemplates.load(file), shown));
  });
}
