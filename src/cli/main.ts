import yargs from 'yargs';
import { describeError, isOxprovError } from '../errors.js';
import { serveCommand } from './serve-command.js';
import { importCommand } from './import-command.js';
import { stackCommand } from './stack-command.js';
import { runToolFromProcess, toolCommands, toolOf } from './tool-commands.js';

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
    .fail((msg, err) => { throw err ?? new Error(msg); });
  stackCommand(cli, setExit);
  importCommand(cli, setExit);
  serveCommand(cli, setExit);
  toolCommands(cli, args, setExit);
  try {
    await cli.parseAsync();
  } catch (err) {
    process.stderr.write(`oxprov: ${isOxprovError(err) ? `${err.code}: ` : ''}${describeError(err)}\n`);
    return 2;
  }
  return exitCode;
}
