import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { describeError, OxprovError } from '../errors.js';
import { xmlRpcRoutes, type XmlRpcLimits, type XmlRpcLogEntry, type XmlRpcMethod } from '../xmlrpc/index.js';
import { daemonFault } from './fault-codes.js';

/** Options of {@link createDaemonServer}. */
export interface DaemonServerOptions {
  /** The XML-RPC methods by name, served at POST `/`. */
  readonly methods: ReadonlyMap<string, XmlRpcMethod>;
  /** Largest XML-RPC request body in bytes, checked while reading. Default 1 MiB. */
  readonly bodyLimit?: number;
  /** Caps on a parsed XML-RPC call (nesting, params, items). */
  readonly limits?: Partial<XmlRpcLimits>;
  /** Serve HTTPS with this PEM certificate and key instead of plain HTTP. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Time a client has to send a whole request, headers and body. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** One entry per XML-RPC request, after the answer is sent. */
  readonly log?: (entry: XmlRpcLogEntry) => void;
  /** More routes on the same server, each in a scope of its own at its prefix (the web page at /ui). */
  readonly plugins?: readonly { readonly plugin: (app: FastifyInstance) => Promise<void>; readonly prefix: string }[];
}

/** A running (or not yet running) daemon server. */
export interface DaemonServer {
  /** Starts listening; resolves with the bound address (use port 0 for a free port). */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** The bound address, or null before `listen`. */
  address(): AddressInfo | null;
  /** Stops accepting, waits for requests in flight (at most a few seconds); safe to call twice or before `listen`. */
  close(): Promise<void>;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** The page's JSON bodies; its uploads are streams with limits of their own. */
const PAGE_BODY_LIMIT = 64 * 1024;
/** How long close() lets requests in flight finish before cutting their sockets. */
const CLOSE_GRACE_MS = 5_000;

/**
 * The daemon's one HTTP server: a fastify application on which XML-RPC is a
 * route (its own content-type parser and limits) and the web page a plugin. TLS,
 * timeouts, body limits and closing are set here, once, for both.
 *
 * @throws OxprovError CFG_INVALID for a limit or timeout that is not a positive integer.
 */
export function createDaemonServer(options: DaemonServerOptions): DaemonServer {
  const bodyLimit = positive('bodyLimit', options.bodyLimit ?? DEFAULT_BODY_LIMIT);
  const requestTimeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  const serverOptions: http.ServerOptions = {
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(requestTimeoutMs, 10_000),
    // Node checks the two timeouts above only at this interval (30 s by default).
    connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs),
    keepAliveTimeout: 5_000,
  };
  const tls = options.tls;
  const app = Fastify({
    logger: false,
    bodyLimit: PAGE_BODY_LIMIT,
    // Requests that arrive while closing on a kept-alive connection are answered as usual until it goes.
    return503OnClosing: false,
    serverFactory: (handler) => {
      const server = tls
        ? https.createServer({ ...serverOptions, cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, handler)
        : http.createServer(serverOptions, handler);
      // A failed TLS handshake only concerns that socket.
      server.on('tlsClientError', () => {});
      return server;
    },
  });
  app.register(xmlRpcRoutes({ methods: options.methods, bodyLimit, limits: options.limits, secure: tls !== undefined, fault: daemonFault, log: options.log }));
  for (const p of options.plugins ?? []) app.register(p.plugin, { prefix: p.prefix });

  let listening = false;
  let closing: Promise<void> | undefined;
  return {
    async listen(port: number, host = '127.0.0.1') {
      try {
        await app.listen({ port, host });
      } catch (err) {
        throw new OxprovError('RPC_CONNECT', `cannot listen on ${host}:${port}: ${describeError(err)}`, { cause: err });
      }
      listening = true;
      return app.server.address() as AddressInfo;
    },
    address() {
      const addr = listening ? app.server.address() : null;
      return addr !== null && typeof addr === 'object' ? addr : null;
    },
    close() {
      if (!listening) return closing ?? Promise.resolve();
      listening = false;
      closing = (async () => {
        const timer = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
        timer.unref();
        try {
          await app.close();
        } finally {
          clearTimeout(timer);
        }
      })();
      return closing;
    },
  };
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new OxprovError('CFG_INVALID', `${name} must be a positive integer, got ${String(value)}`, { field: name });
  }
  return value;
}
