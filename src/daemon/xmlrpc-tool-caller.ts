import { OxprovError } from '../errors.js';
import { callXmlRpc } from '../xmlrpc/index.js';
import type { ToolCaller } from '../service/tools/tool-contract.js';
import { toolResultFromXmlRpc } from './tool-wire.js';
import { DAEMON_FAULT_CODES } from './fault-codes.js';

/** Options of {@link createXmlRpcToolCaller}. */
export interface XmlRpcToolCallerOptions {
  /** PEM CA certificate(s) to trust for an https daemon (`--server-ca`). */
  readonly ca?: string | Buffer;
  /** Deadline of one call. Default 120 s: one adduser may wait for a slow mail store. */
  readonly timeoutMs?: number;
}

/**
 * A ToolCaller that sends each call to an oxprov daemon (`oxprov serve`, or any
 * server with the same methods): method = tool name, one struct of strings.
 * Faults come back as the OxprovError code the daemon threw.
 *
 * @throws OxprovError CFG_INVALID at once for a URL that is not http(s).
 */
export function createXmlRpcToolCaller(url: string, options: XmlRpcToolCallerOptions = {}): ToolCaller {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new OxprovError('CFG_INVALID', `--server must be an http:// or https:// URL, got "${url}"`, { field: '--server', value: url });
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new OxprovError('CFG_INVALID', `--server must be an http:// or https:// URL, got "${url}"`, { field: '--server', value: url });
  }
  if (target.username || target.password) {
    // Credentials travel in the params (adminuser/adminpasswd), never in a URL that ends up in logs and ps.
    throw new OxprovError('CFG_INVALID', '--server must not contain a user or password; use --adminuser and --adminpasswd-file', { field: '--server' });
  }
  return {
    async call(tool, params) {
      const struct: Record<string, string> = Object.assign(Object.create(null), params);
      const value = await callXmlRpc(target, tool, [struct], { ca: options.ca, timeoutMs: options.timeoutMs ?? 120_000, faults: DAEMON_FAULT_CODES });
      return toolResultFromXmlRpc(value);
    },
    async close() {},
  };
}
