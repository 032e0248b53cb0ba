import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { describeError, isOxprovError, OxprovError, type ErrorCode } from '../errors.js';
import { faultCodeFor, faultStringFor } from './fault-codes.js';
import { normalizeLimits, type XmlRpcLimits } from './xmlrpc-limits.js';
import { parseMethodCall } from './xmlrpc-parse.js';
import { serializeFault, serializeResponse } from './xmlrpc-serialize.js';
import type { XmlRpcValue } from './xmlrpc-value.js';
import { readBody } from './read-body.js';

/** What a method learns about the call besides its params. */
export interface XmlRpcContext {
  readonly methodName: string;
  /** Peer address as the socket reports it. */
  readonly remoteAddress: string | undefined;
  /** True when the call came over TLS. */
  readonly secure: boolean;
  /** Aborted when the client goes away before the answer is sent, so long work can stop. */
  readonly signal: AbortSignal;
}

/**
 * One XML-RPC method. Throw an {@link OxprovError} to answer with its stable
 * fault code (see fault-codes.ts); anything else becomes -32603 without details.
 */
export type XmlRpcMethod = (params: XmlRpcValue[], ctx: XmlRpcContext) => Promise<XmlRpcValue>;

/** One line of the access log. It deliberately has no params: they may hold passwords. */
export interface XmlRpcLogEntry {
  readonly remoteAddress: string | undefined;
  /** Absent when the request never got as far as a method name. */
  readonly methodName?: string;
  readonly httpStatus: number;
  readonly faultCode?: number;
  readonly errorCode?: ErrorCode;
  /** First line of an unexpected error's message, for the operator only; never sent to the client. */
  readonly internalError?: string;
  readonly durationMs: number;
}

/** Options of {@link createXmlRpcServer}. */
export interface XmlRpcServerOptions {
  /** The methods by name; a Map, so a name like `constructor` can never hit a prototype. */
  readonly methods: ReadonlyMap<string, XmlRpcMethod>;
  /** Largest request body in bytes, checked while reading. Default 1 MiB. */
  readonly bodyLimit?: number;
  /** Caps on the parsed call (nesting, params, items). */
  readonly limits?: Partial<XmlRpcLimits>;
  /** Serve HTTPS with this PEM certificate and key instead of plain HTTP. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Time a client has to send a whole request, headers and body. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Called once per request, after the answer is sent. */
  readonly log?: (entry: XmlRpcLogEntry) => void;
  /**
   * Requests whose path starts with `prefix` go to `handler` instead (the daemon's
   * web page), on the same socket, TLS and timeouts; the XML-RPC rules apply to
   * everything else as before.
   */
  readonly mount?: { readonly prefix: string; readonly handler: (req: http.IncomingMessage, res: http.ServerResponse) => void };
}

/** A running (or not yet running) XML-RPC server. */
export interface XmlRpcServer {
  /** Starts listening; resolves with the bound address (use port 0 for a free port). */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** The bound address, or null before `listen`. */
  address(): AddressInfo | null;
  /** Stops accepting, waits for calls in flight; safe to call twice or before `listen`. */
  close(): Promise<void>;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** How long close() lets calls in flight finish before cutting their sockets. */
const CLOSE_GRACE_MS = 5_000;

/** Creates an XML-RPC server over HTTP or HTTPS: POST `/`, `text/xml`, faults per the interop spec. */
export function createXmlRpcServer(options: XmlRpcServerOptions): XmlRpcServer {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit < 1) {
    throw new OxprovError('CFG_INVALID', `bodyLimit must be a positive integer, got ${String(bodyLimit)}`, { field: 'bodyLimit' });
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!Number.isSafeInteger(requestTimeoutMs) || requestTimeoutMs < 1) {
    throw new OxprovError('CFG_INVALID', `requestTimeoutMs must be a positive integer, got ${String(requestTimeoutMs)}`, {
      field: 'requestTimeoutMs',
    });
  }
  const limits = normalizeLimits(options.limits);
  const methods = new Map(options.methods);
  const secure = options.tls !== undefined;

  const serverOptions: http.ServerOptions = {
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(requestTimeoutMs, 10_000),
    // Node checks the two timeouts above only at this interval (30 s by default).
    connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs),
    keepAliveTimeout: 5_000,
  };
  const mount = options.mount;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = req.url ?? '';
    if (mount && (url === mount.prefix.replace(/\/$/, '') || url.startsWith(mount.prefix))) return mount.handler(req, res);
    handleRequest(req, res).catch(() => {
      // handleRequest answers every error itself; this only guards against a bug there taking the process down.
      if (!res.headersSent) res.writeHead(500, { Connection: 'close' });
      res.end();
    });
  };
  const server = secure
    ? https.createServer({ ...serverOptions, cert: options.tls!.cert, key: options.tls!.key, minVersion: 'TLSv1.2' }, handler)
    : http.createServer(serverOptions, handler);
  // A failed TLS handshake only concerns that socket.
  server.on('tlsClientError', () => {});

  async function handleRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now();
    const remoteAddress = req.socket.remoteAddress;
    const abort = new AbortController();
    // A client reset must never surface as an unhandled 'error' event.
    req.on('error', () => {});
    res.on('error', () => {});
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    let methodName: string | undefined;
    const log = (entry: Omit<XmlRpcLogEntry, 'remoteAddress' | 'durationMs' | 'methodName'>) =>
      options.log?.({ remoteAddress, methodName, durationMs: Date.now() - started, ...entry });

    const plain = (status: number, text: string, headers: http.OutgoingHttpHeaders = {}) => {
      // The body may be unread: closing the connection saves draining it.
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close', ...headers });
      res.end(`${text}\n`);
      log({ httpStatus: status });
    };
    const fault = (err: OxprovError, internalError?: string) => {
      const faultCode = faultCodeFor(err.code);
      send(serializeFault(faultCode, faultStringFor(err)));
      log({ httpStatus: 200, faultCode, errorCode: err.code, internalError });
    };
    const send = (xml: string) => {
      const body = Buffer.from(xml, 'utf8');
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': body.length });
      res.end(body);
    };

    const path = (req.url ?? '').split('?')[0];
    if (path !== '/') return plain(404, 'not found: XML-RPC is served at /');
    if (req.method !== 'POST') return plain(405, 'method not allowed: use POST', { Allow: 'POST' });
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'text/xml' && type !== 'application/xml') return plain(415, 'unsupported media type: send text/xml');

    const body = await readBody(req, bodyLimit);
    if (body === 'too-large') {
      plain(413, `request body larger than ${bodyLimit} bytes`);
      return;
    }
    if (body === 'aborted') return;

    let call;
    try {
      // fatal: a body that is not UTF-8 is a parse error, not text with U+FFFD in it.
      call = parseMethodCall(new TextDecoder('utf-8', { fatal: true }).decode(body), limits);
    } catch (err) {
      return fault(isOxprovError(err) ? err : new OxprovError('RPC_PARSE', 'request body is not UTF-8'));
    }
    methodName = call.methodName;
    const method = methods.get(call.methodName);
    if (method === undefined) return fault(new OxprovError('RPC_UNKNOWN_METHOD', `unknown method ${call.methodName}`));

    let result: XmlRpcValue;
    try {
      result = await method(call.params, { methodName, remoteAddress, secure, signal: abort.signal });
    } catch (err) {
      if (isOxprovError(err)) return fault(err);
      // No stack and no message to the client: both can reveal internals.
      return fault(new OxprovError('RPC_FAILED', 'internal error'), describeError(err));
    }
    let xml: string;
    try {
      xml = serializeResponse(result);
    } catch (err) {
      return fault(new OxprovError('RPC_FAILED', 'internal error: the result cannot be sent'), describeError(err));
    }
    send(xml);
    log({ httpStatus: 200 });
  }

  let closing: Promise<void> | undefined;
  return {
    listen(port: number, host = '127.0.0.1') {
      return new Promise<AddressInfo>((resolve, reject) => {
        const onError = (err: Error) => {
          reject(new OxprovError('RPC_CONNECT', `cannot listen on ${host}:${port}: ${describeError(err)}`, { cause: err }));
        };
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    address() {
      const addr = server.address();
      return addr !== null && typeof addr === 'object' ? addr : null;
    },
    close() {
      if (!server.listening) return closing ?? Promise.resolve();
      closing = new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
