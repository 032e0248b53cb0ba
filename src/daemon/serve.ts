import { describeError, isOxprovError, OxprovError, withoutTopology } from '../errors.js';
import { loadConfig } from '../config/load-config.js';
import { readPem } from '../config/read-pem.js';
import { TOOL_NAMES, type ToolCaller } from '../service/tools/tool-contract.js';
import { LoginThrottle, type ThrottleSettings } from './login-throttle.js';
import { toolParamsFromXmlRpc, toolResultToXmlRpc } from './tool-wire.js';
import type { XmlRpcLogEntry, XmlRpcMethod } from '../xmlrpc/index.js';
import { createDaemonServer } from './daemon-server.js';
import { normalizeWebOptions, UI_PREFIX, type RawWebOptions, type WebOptions } from '../web/web-options.js';
import type { WebApp, WebDeps } from '../web/web-app.js';

/** `oxprov serve` options as typed (strings), before {@link normalizeServeOptions}. */
export interface RawServeOptions extends RawWebOptions {
  listen?: string;
  port?: string;
  'tls-cert'?: string;
  'tls-key'?: string;
  'body-limit'?: string;
  config?: string;
  /** Allow plain HTTP on an address other than loopback (passwords then cross the network in clear). */
  'insecure-http'?: boolean;
}

/** The daemon's settings, checked once. */
export interface ServeOptions {
  /** Address to bind; default 127.0.0.1 (the daemon holds the keys to every back-end: expose it on purpose only). */
  readonly listen: string;
  /** Default 8077; 0 picks a free port. */
  readonly port: number;
  /** PEM certificate and key: serve HTTPS. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Largest request body in bytes. Default 1 MiB. */
  readonly bodyLimit?: number;
  /** Config of the back-ends for the in-process admin service. */
  readonly configFile?: string;
  /** The web page at /ui/ (undefined with `--no-ui`). */
  readonly web?: WebOptions;
}

export const DEFAULT_PORT = 8077;

/** @throws OxprovError CFG_INVALID naming the option and the bad value, CFG_FILE_UNREADABLE for a TLS file. */
export function normalizeServeOptions(raw: RawServeOptions): ServeOptions {
  const int = (name: string, value: string | undefined, min: number, max: number): number | undefined => {
    if (value === undefined) return undefined;
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(n >= min && n <= max)) throw new OxprovError('CFG_INVALID', `--${name} must be a whole number from ${min} to ${max}, got "${value}"`, { field: `--${name}`, value });
    return n;
  };
  const cert = raw['tls-cert'];
  const key = raw['tls-key'];
  if ((cert === undefined) !== (key === undefined)) {
    throw new OxprovError('CFG_INVALID', '--tls-cert and --tls-key go together', { field: cert === undefined ? '--tls-cert' : '--tls-key' });
  }
  const listen = raw.listen ?? '127.0.0.1';
  if (listen === '') throw new OxprovError('CFG_INVALID', '--listen must name an address', { field: '--listen' });
  // Every call carries the administrator's password (and users' passwords): off loopback, only over TLS.
  const loopback = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i.test(listen);
  if (!loopback && cert === undefined && raw['insecure-http'] !== true) {
    throw new OxprovError('CFG_INVALID', `--listen ${listen} without --tls-cert/--tls-key would send passwords in clear text; add TLS, or --insecure-http if the network is trusted`, { field: '--listen', value: listen });
  }
  return Object.freeze({
    listen,
    port: int('port', raw.port, 0, 65535) ?? DEFAULT_PORT,
    tls: cert !== undefined && key !== undefined ? Object.freeze({ cert: readPem(cert, '--tls-cert'), key: readPem(key, '--tls-key') }) : undefined,
    bodyLimit: int('body-limit', raw['body-limit'], 1024, 1024 ** 3),
    configFile: raw.config,
    web: normalizeWebOptions(raw),
  });
}

/**
 * One XML-RPC method per tool, named as the tool, taking one struct of the
 * tool's options and answering a ToolResult struct. The params are checked by
 * the service, as for every other door; credentials too, on every call.
 */
export function createToolMethods(service: ToolCaller, options: { throttle?: LoginThrottle; log?: (line: string) => void } = {}): Map<string, XmlRpcMethod> {
  const methods = new Map<string, XmlRpcMethod>();
  const throttle = options.throttle ?? new LoginThrottle();
  for (const tool of TOOL_NAMES) {
    methods.set(tool, async (params, ctx) => {
      const call = toolParamsFromXmlRpc(params);
      const address = ctx.remoteAddress ?? '-';
      const admin = String(call.adminuser ?? '').toLowerCase();
      const refused = throttle.refusal(address, admin);
      if (refused !== undefined) {
        options.log?.(`${new Date().toISOString()} ${address} ${tool} login refused for ${JSON.stringify(admin)}: ${refused}`);
        throw new OxprovError('ADMIN_AUTH', refused);
      }
      try {
        const result = await service.call(tool, call);
        throttle.success(address);
        // The audit trail: who did what to whom, with what outcome (never a password).
        options.log?.(`${new Date().toISOString()} ${address} ${tool} by ${JSON.stringify(admin)} ${subjectOf(call)}: ${result.status}`);
        return toolResultToXmlRpc(result);
      } catch (err) {
        if (isOxprovError(err, 'ADMIN_AUTH')) {
          // Answered late, and only this caller waits: a correct login from anyone is not slowed.
          const delay = throttle.failure(address, admin);
          options.log?.(`${new Date().toISOString()} ${address} ${tool} login failed for ${JSON.stringify(admin)}${delay ? `; answered after ${delay} ms` : ''}`);
          if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        }
        else if (isOxprovError(err)) options.log?.(`${new Date().toISOString()} ${address} ${tool} by ${JSON.stringify(admin)} ${subjectOf(call)}: failed ${err.code}`);
        throw withoutTopology(err);
      }
    });
  }
  methods.set('system.listMethods', async () => [...TOOL_NAMES]);
  return methods;
}

/** The user, group or resource a call is about, for the audit trail. */
function subjectOf(params: Readonly<Record<string, string>>): string {
  const name = params.username ?? params.groupname ?? params.resourcename;
  return name === undefined ? '-' : JSON.stringify(name);
}

/** A started daemon. */
export interface RunningDaemon {
  /** e.g. `http://127.0.0.1:8077/` */
  readonly url: string;
  /** The web page, e.g. `http://127.0.0.1:8077/ui/`; undefined with `--no-ui`. */
  readonly uiUrl?: string;
  /** The page, once it has started (tests reach its runs). */
  readonly web?: Promise<WebApp | undefined>;
  /** Stops accepting, lets calls in flight finish, closes the service; safe twice. */
  close(): Promise<void>;
}

/** What {@link startDaemon} needs besides the options; tests inject a fake service. */
export interface DaemonDeps {
  readonly env?: NodeJS.ProcessEnv;
  readonly createService?: (options: ServeOptions) => ToolCaller | Promise<ToolCaller>;
  /** One line per request (no params: they hold passwords). */
  readonly log?: (line: string) => void;
  /** How failed logins are slowed down (tests use short delays). */
  readonly throttle?: ThrottleSettings;
  /** Seams of the web page (tests: a fake login). */
  readonly web?: Partial<Pick<WebDeps, 'authenticate' | 'now' | 'importSetup'>>;
}

/** Starts the XML-RPC daemon in front of the in-process admin service. */
export async function startDaemon(options: ServeOptions, deps: DaemonDeps = {}): Promise<RunningDaemon> {
  const service = await (deps.createService ?? (async (o) => {
    const { createAdminService } = await import('../service/tools/admin-service.js');
    return createAdminService(loadConfig({ file: o.configFile, env: deps.env }));
  }))(options);
  // One throttle for both doors: guessing through the page counts against XML-RPC too, and back.
  const throttle = new LoginThrottle(deps.throttle);
  // The page is a plugin of the one server: built first (its folder, its runs left by a daemon killed before).
  let web: WebApp | undefined;
  try {
    if (options.web) {
      const { createWebApp } = await import('../web/web-app.js');
      web = await createWebApp(options.web, { secure: options.tls !== undefined, throttle, configFile: options.configFile, env: deps.env, log: deps.log, ...deps.web });
    }
  } catch (err) {
    await service.close().catch(() => {});
    throw err;
  }
  const server = createDaemonServer({
    methods: createToolMethods(service, { throttle, log: deps.log }),
    bodyLimit: options.bodyLimit,
    tls: options.tls,
    log: deps.log === undefined ? undefined : (entry) => deps.log!(formatLogEntry(entry)),
    plugins: web ? [{ plugin: web.plugin, prefix: web.prefix }] : [],
  });
  let address;
  try {
    address = await server.listen(options.port, options.listen);
  } catch (err) {
    await web?.close().catch(() => {});
    await service.close().catch(() => {});
    throw err;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  const url = `${options.tls ? 'https' : 'http'}://${host}:${address.port}/`;
  return {
    url,
    uiUrl: options.web ? `${url}${UI_PREFIX.slice(1)}` : undefined,
    web: web ? Promise.resolve(web) : undefined,
    // The page's imports are stopped first (their reports written), then the server, then the service.
    close: () => (closing ??= Promise.resolve(web?.close()).catch(() => {}).then(() => server.close()).finally(() => service.close())),
  };
}

/** Where signals come from; `process` in the CLI, an EventEmitter in tests. */
export interface SignalSource {
  once(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

/**
 * `oxprov serve`: starts the daemon, prints `listening on URL`, and on SIGINT or
 * SIGTERM closes it cleanly. Resolves to the exit code (0; 2 when it cannot start).
 */
export async function serveUntilSignal(
  raw: RawServeOptions,
  io: { stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown }; signals?: SignalSource } & DaemonDeps,
): Promise<number> {
  // Listen for signals before starting: a SIGINT during a slow start must stop the daemon, not be lost.
  const signals = io.signals ?? process;
  let onInt = () => {};
  let onTerm = () => {};
  const stopSignal = new Promise<string>((resolve) => {
    const done = (name: string) => {
      signals.off('SIGINT', onInt);
      signals.off('SIGTERM', onTerm);
      resolve(name);
    };
    onInt = () => done('SIGINT');
    onTerm = () => done('SIGTERM');
    signals.once('SIGINT', onInt);
    signals.once('SIGTERM', onTerm);
  });
  let daemon: RunningDaemon;
  try {
    daemon = await startDaemon(normalizeServeOptions(raw), io);
  } catch (err) {
    signals.off('SIGINT', onInt);
    signals.off('SIGTERM', onTerm);
    io.stderr.write(`serve: ${isOxprovError(err) ? `${err.code}: ` : ''}${describeError(err)}\n`);
    return 2;
  }
  io.stdout.write(`listening on ${daemon.url}\n`);
  // On stderr: scripts read the one line of stdout for the XML-RPC URL.
  if (daemon.uiUrl) io.stderr.write(`serve: web page on ${daemon.uiUrl}\n`);
  const signal = await stopSignal;
  io.stderr.write(`serve: ${signal}, finishing calls in flight\n`);
  await daemon.close();
  io.stdout.write('stopped\n');
  return 0;
}

function formatLogEntry(e: XmlRpcLogEntry): string {
  const fault = e.faultCode === undefined ? '' : ` fault ${e.faultCode}${e.errorCode ? ` ${e.errorCode}` : ''}`;
  const internal = e.internalError ? ` (${e.internalError})` : '';
  return `${new Date().toISOString()} ${e.remoteAddress ?? '-'} ${e.methodName ?? '-'} ${e.httpStatus}${fault} ${e.durationMs}ms${internal}`;
}
