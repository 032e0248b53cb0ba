import type { Argv } from 'yargs';

/** `oxprov stack up|down|status|env`: the local stack of real servers for the demo and the tests. */
export function stackCommand(yargs: Argv, setExit: (code: number) => void): Argv {
  return yargs.command('stack <action>', 'start, stop or inspect the local stack (slapd, PostgreSQL, Dovecot under .stack/)', (y) =>
    y.positional('action', { choices: ['up', 'down', 'status', 'env'] as const, describe: 'what to do' }).strict(),
  async (argv) => {
    const { LocalStack } = await import('../stack/stack.js');
    const stack = new LocalStack(process.env, (line) => process.stderr.write(`${line}\n`));
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
    }
  });
}
