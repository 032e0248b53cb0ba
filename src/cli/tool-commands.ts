import type { Argv } from 'yargs';
import { isToolName, type ToolName } from '../service/tools/tool-contract.js';
import { toolSummaries } from './tools/tool-help.js';

/**
 * `oxprov adduser …` and the other admin tools. They bypass yargs: main()
 * hands the raw arguments to runTool, because yargs would read
 * `--homePhone=012345.67890` as a number and split the paper's `-–username`.
 * They are registered here only so that `oxprov --help` lists them.
 */
export function toolCommands(yargs: Argv, args: readonly string[], setExit: (code: number) => void): Argv {
  for (const { tool, summary } of toolSummaries()) {
    yargs.command(tool, summary, (y) => y.strict(false).help(false), async () => {
      // Reached only when something precedes the tool name (`oxprov --config x adduser …`): keep every raw argument.
      const at = args.indexOf(tool);
      setExit(await runToolFromProcess(tool, [...args.slice(0, at), ...args.slice(at + 1)]));
    });
  }
  return yargs;
}

/** The tool name when `args[0]` is one, for main() to dispatch before yargs sees anything. */
export function toolOf(args: readonly string[]): ToolName | undefined {
  return args[0] !== undefined && isToolName(args[0]) ? args[0] : undefined;
}

/** runTool with the process's streams, environment and terminal. */
export async function runToolFromProcess(tool: ToolName, argv: readonly string[]): Promise<number> {
  // Loaded on use, like every command's module, so that each command pays only for what it needs.
  const [{ runTool }, { createTtyReader }] = await Promise.all([import('./tools/run-tool.js'), import('./tools/read-secret-tty.js')]);
  const isTTY = process.stdin.isTTY === true;
  return runTool(tool, argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    isTTY,
    readSecret: isTTY ? createTtyReader(process.stdin, process.stderr) : undefined,
  });
}
