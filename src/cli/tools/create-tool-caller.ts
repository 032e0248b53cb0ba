import { readPem } from '../../config/read-pem.js';
import { OxprovError } from '../../errors.js';
import { createInProcessCaller } from './in-process-caller.js';
import type { ToolCaller } from '../../service/tools/tool-contract.js';
import { createXmlRpcToolCaller } from '../../daemon/xmlrpc-tool-caller.js';

/** Where a tool call goes, as the runner options chose it. */
export type CallerTarget =
  | { readonly kind: 'xmlrpc'; readonly url: string; readonly caFile?: string }
  | { readonly kind: 'in-process'; readonly configFile?: string };

/** Makes the ToolCaller for a target; runTool takes another one in tests. */
export type ToolCallerFactory = (target: CallerTarget, env: NodeJS.ProcessEnv) => ToolCaller | Promise<ToolCaller>;

/**
 * `--server URL` (or OXPROV_SERVER) sends the call to a daemon; otherwise the
 * tool runs in process with `--config FILE` (or OXPROV_CONFIG, or the local stack).
 * `--server` wins over the environment; `--config` with a server is an error
 * (the daemon has its own config), as is `--server-ca` without one.
 */
export function chooseTarget(runner: { server?: string; 'server-ca'?: string; config?: string }, env: NodeJS.ProcessEnv): CallerTarget {
  const url = runner.server ?? (env.OXPROV_SERVER || undefined);
  if (url === undefined) {
    if (runner['server-ca'] !== undefined) throw new OxprovError('CFG_INVALID', '--server-ca needs --server', { field: '--server-ca' });
    return { kind: 'in-process', configFile: runner.config };
  }
  if (runner.config !== undefined) {
    throw new OxprovError('CFG_INVALID', '--config is for running in process; with --server the daemon uses its own config', { field: '--config' });
  }
  return { kind: 'xmlrpc', url, caFile: runner['server-ca'] };
}

/** The real factory: an XML-RPC client or the in-process admin service. */
export const defaultToolCallerFactory: ToolCallerFactory = (target, env) => {
  if (target.kind === 'in-process') return createInProcessCaller({ configFile: target.configFile, env });
  return createXmlRpcToolCaller(target.url, { ca: target.caFile === undefined ? undefined : readPem(target.caFile, '--server-ca') });
};
