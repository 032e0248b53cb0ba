import type { Argv } from 'yargs';

/** `oxprov dovecot-config`: the Dovecot configuration of folders on demand, from the folder templates. */
export function dovecotConfigCommand(yargs: Argv): Argv {
  return yargs.command('dovecot-config', 'print the Dovecot configuration that makes every user\'s folders on demand, in their language and style (from templates/ImapFolders.xml)', (y) => y
    .option('config', { type: 'string', describe: 'config file naming the templates (default: the local stack\'s settings)' })
    .option('server', { type: 'string', describe: 'several mail servers: also print the userdb and passdb filter of this one (its users only, by imapServer)' })
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
    if (argv.server !== undefined) {
      const { OxprovError } = await import('../errors.js');
      const { mailServerUsersFilter } = await import('../model/mail-server-filter.js');
      const name = String(argv.server).toLowerCase();
      const servers = config.mail.servers;
      if (!servers.some((s) => s.name === name)) throw new OxprovError('MAIL_UNKNOWN_SERVER', `no mail server named ${name} is configured (configured: ${servers.map((s) => s.name).join(', ')})`, { field: '--server', value: name });
      const term = mailServerUsersFilter(servers, name, config.ldap.attributes.imapServer) || '(objectClass=*)';
      process.stdout.write(`
# --- dovecot-ldap.conf.ext of mail server ${name}: only the users whose mail lives on it (${config.ldap.attributes.imapServer})
user_filter = (&(objectClass=OXUserObject)(uid=%u)${term})
pass_filter = (&(objectClass=OXUserObject)(uid=%u)(mailEnabled=OK)${term})
iterate_filter = (&(objectClass=OXUserObject)${term})
`);
    }
  });
}
