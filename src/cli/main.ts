import yargs from 'yargs';
import { describeError, isOxprovError, OxprovError } from '../errors.js';
import { editDistance } from '../model/edit-distance.js';
import { SERVE_OPTIONS, serveCommand } from './serve-command.js';
import { IMPORT_OPTIONS, importCommand } from './import-command.js';
import { SYNC_OPTIONS, syncCommand } from './sync-command.js';
import { stackCommand } from './stack-command.js';
import { dovecotConfigCommand } from './dovecot-config-command.js';
import { configCommand } from './config-command.js';
import { runsCommand } from './runs-command.js';
import { WORKER_OPTIONS, workerCommand } from './worker-command.js';
import { runToolFromProcess, toolCommands, toolOf } from './tool-commands.js';

/** The options of each command, for the "did you mean" of an unknown one. */
const OPTIONS_OF: Record<string, readonly string[]> = { import: IMPORT_OPTIONS, sync: SYNC_OPTIONS, serve: SERVE_OPTIONS, worker: WORKER_OPTIONS };

/** Entry point of the `oxprov` command. Resolves to the process exit code. */
export async function main(args: string[]): Promise<number> {
  // The admin tools parse their own arguments, exactly as typed (see tool-commands.ts).
  const tool = toolOf(args);
  if (tool !== undefined) return runToolFromProcess(tool, args.slice(1));
  let exitCode = 0;
  const setExit = (code: number) => { exitCode = code; };
  const cli = yargs(args)
    .scriptName('oxprov')
    .parserConfiguration({ 'parse-numbers': false, 'parse-positional-numbers': false, 'dot-notation': false })
    .strictCommands()
    .demandCommand(1, 'name a command')
    .help()
    .fail((msg, err) => {
      if (err) throw err;
      throw new OxprovError(msg.startsWith('Unknown argument') ? 'CFG_UNKNOWN_OPTION' : 'CFG_INVALID', explain(msg, OPTIONS_OF[args[0]] ?? []));
    });
  stackCommand(cli, setExit);
  importCommand(cli, setExit);
  syncCommand(cli, setExit);
  serveCommand(cli, setExit);
  dovecotConfigCommand(cli);
  configCommand(cli, setExit);
  runsCommand(cli, setExit);
  workerCommand(cli, setExit);
  toolCommands(cli, args, setExit);
  if (args.length === 0) {
    // The commands, not just a complaint: this is where a new administrator starts.
    process.stderr.write(`${await cli.getHelp()}\n\noxprov: name a command (see above)\n`);
    return 2;
  }
  try {
    await cli.parseAsync();
  } catch (err) {
    process.stderr.write(`oxprov: ${isOxprovError(err) ? `${err.code}: ` : ''}${isOxprovError(err) ? err.message : describeError(err)}\n`);
    return 2;
  }
  return exitCode;
}

/**
 * yargs' messages on one line, with the nearest known option for an unknown one
 * (`--dryrun` → did you mean --dry-run?) and the allowed values for a bad one.
 */
export function explain(message: string, known: readonly string[]): string {
  const unknown = /^Unknown arguments?: (.+)$/.exec(message);
  if (unknown) {
    const all = unknown[1].split(',').map((n) => n.trim()).filter(Boolean);
    // yargs reports --on-exisiting also as onExisiting: one name is enough.
    const names = all.filter((n) => !/[A-Z]/.test(n) || !all.includes(n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)));
    const parts = names.map((n) => {
      const near = known.filter((k) => k.length > 1).map((k) => ({ k, d: editDistance(n.toLowerCase(), k.toLowerCase()) })).sort((a, b) => a.d - b.d)[0];
      return `--${n}${near && near.d <= 3 ? ` (did you mean --${near.k}?)` : ''}`;
    });
    return `unknown option${names.length > 1 ? 's' : ''} ${parts.join(', ')}; nothing was done (see --help)`;
  }
  return message.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}
