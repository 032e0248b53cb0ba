import type { Argv } from 'yargs';

/** The options of `serve`. */
export const SERVE_OPTIONS: readonly string[] = ['listen', 'port', 'tls-cert', 'tls-key', 'insecure-http', 'body-limit', 'config', 'upload-limit', 'web-dir', 'keep-days', 'session-minutes', 'no-ui'];

/** `oxprov serve`: the XML-RPC daemon in front of the admin service, one method per tool. */
export function serveCommand(yargs: Argv, setExit: (code: number) => void): Argv {
  return yargs.command(
    'serve',
    'run the XML-RPC admin daemon (one method per tool) until SIGINT or SIGTERM',
    (y) =>
      y
        .option('listen', { type: 'string', describe: 'address to listen on', default: '127.0.0.1' })
        .option('port', { type: 'string', describe: 'port (0: any free port)', default: '8077' })
        .option('tls-cert', { type: 'string', describe: 'PEM certificate: serve HTTPS (with --tls-key)' })
        .option('tls-key', { type: 'string', describe: 'PEM private key of --tls-cert' })
        .option('insecure-http', { type: 'boolean', describe: 'allow plain HTTP on an address other than loopback' })
        .option('body-limit', { type: 'string', describe: 'largest request body in bytes (default 1 MiB)' })
        .option('config', { type: 'string', describe: 'JSON config of the back-ends (default: OXPROV_CONFIG or the local stack)' })
        .option('upload-limit', { type: 'string', describe: 'largest CSV or mapping file the web page accepts (bytes, or with K, M, G; default 64M)' })
        .option('web-dir', { type: 'string', describe: 'folder of the web page\'s uploads and reports (default reports/web)' })
        .option('keep-days', { type: 'string', describe: 'uploads and reports of the web page older than this are deleted (default 30)' })
        .option('session-minutes', { type: 'string', describe: 'a web login ends after this many minutes without a request (default 30)' })
        .option('ui', { type: 'boolean', describe: 'serve the web page at /ui/ (--no-ui: XML-RPC only)', default: true })
        .strict(),
    async (argv) => {
      const { serveUntilSignal } = await import('../daemon/serve.js');
      setExit(
        await serveUntilSignal(
          { listen: argv.listen, port: argv.port, 'tls-cert': argv['tls-cert'], 'tls-key': argv['tls-key'], 'body-limit': argv['body-limit'], config: argv.config, 'insecure-http': argv['insecure-http'],
            'upload-limit': argv['upload-limit'], 'web-dir': argv['web-dir'], 'keep-days': argv['keep-days'], 'session-minutes': argv['session-minutes'], 'no-ui': argv.ui === false },
          { stdout: process.stdout, stderr: process.stderr, env: process.env, log: (line) => process.stderr.write(`${line}\n`) },
        ),
      );
    },
  );
}
