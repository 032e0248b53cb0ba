import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describeError, isOxprovError, OxprovError, type ErrorCode } from '../errors.js';
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
 * fault code (the server's `fault` table); anything else becomes -32603 without details.
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

/** A fault as it travels: the number and the one-line text. */
export interface XmlRpcFault { readonly faultCode: number; readonly faultString: string }

/** Options of {@link xmlRpcRoutes}. */
export interface XmlRpcRouteOptions {
  /** The methods by name; a Map, so a name like `constructor` can never hit a prototype. */
  readonly methods: ReadonlyMap<string, XmlRpcMethod>;
  /** Largest request body in bytes, checked while reading. */
  readonly bodyLimit: number;
  /** Caps on the parsed call (nesting, params, items). */
  readonly limits?: Partial<XmlRpcLimits>;
  /** True when the server speaks TLS (told to the methods). */
  readonly secure: boolean;
  /** The fault an error is answered with: the daemon's table of stable numbers. */
  readonly fault: (err: OxprovError) => XmlRpcFault;
  /** Called once per request, after the answer is sent. */
  readonly log?: (entry: XmlRpcLogEntry) => void;
}

const XML_TYPES = ['text/xml', 'application/xml'];
/** What the log learns of a request while it is answered. */
const seen = new WeakMap<FastifyRequest, { methodName?: string; faultCode?: number; errorCode?: ErrorCode; internalError?: string }>();

/**
 * XML-RPC as a route of a fastify server: POST `/`, `text/xml`, faults per the
 * interop spec. The body is read by its own content-type parser, which stops
 * reading at `bodyLimit` (the declared length is refused before a byte is read);
 * every other path of this plugin's scope is 404, another method at `/` 405,
 * another content type 415, each as one line of plain text.
 */
export function xmlRpcRoutes(options: XmlRpcRouteOptions): (app: FastifyInstance) => Promise<void> {
  const limits = normalizeLimits(options.limits);
  const methods = new Map(options.methods);
  return async (app) => {
    // Only XML is read here; anything else is refused before its body is read (onRequest below).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(XML_TYPES, (req, payload, done) => {
      readBody(payload, options.bodyLimit).then((body) => {
        if (body === 'too-large') done(Object.assign(new Error(`request body larger than ${options.bodyLimit} bytes`), { statusCode: 413 }), undefined);
        else if (body === 'aborted') done(Object.assign(new Error('the client went away'), { statusCode: 400 }), undefined);
        else done(null, body);
      }, (err) => done(err as Error, undefined));
    });

    const plain = (reply: FastifyReply, status: number, text: string, headers: Record<string, string> = {}) =>
      // The body may be unread: closing the connection saves draining it.
      reply.code(status).headers({ 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close', ...headers }).send(`${text}\n`);
    const sendFault = (req: FastifyRequest, reply: FastifyReply, err: OxprovError, internalError?: string) => {
      const f = options.fault(err);
      Object.assign(seen.get(req) ?? {}, { faultCode: f.faultCode, errorCode: err.code, internalError });
      return reply.type('text/xml; charset=utf-8').send(serializeFault(f.faultCode, f.faultString));
    };

    app.addHook('onRequest', async (req, reply) => {
      seen.set(req, {});
      // A client reset must never surface as an unhandled 'error' event.
      req.raw.on('error', () => {});
      reply.raw.on('error', () => {});
      if (req.routeOptions.url === undefined) return;
      if (req.method !== 'POST') return plain(reply, 405, 'method not allowed: use POST', { Allow: 'POST' });
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (!XML_TYPES.includes(type)) return plain(reply, 415, 'unsupported media type: send text/xml');
    });
    app.addHook('onResponse', async (req, reply) => {
      options.log?.({ remoteAddress: req.raw.socket?.remoteAddress, ...seen.get(req), httpStatus: reply.statusCode, durationMs: Math.round(reply.elapsedTime) });
    });
    app.setNotFoundHandler((_req, reply) => plain(reply, 404, 'not found: XML-RPC is served at /'));
    app.setErrorHandler((err, _req, reply) => {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 413) return plain(reply, 413, describeError(err));
      // Only a bug of this route gets here: nothing of it to the client.
      return plain(reply, typeof status === 'number' && status < 500 ? status : 500, typeof status === 'number' && status < 500 ? 'bad request' : 'internal error');
    });

    app.route({
      // Every method, so that the others are answered 405 (HEAD comes with GET).
      method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
      url: '/',
      handler: async (req, reply) => {
        const abort = new AbortController();
        reply.raw.on('close', () => {
          if (!reply.raw.writableFinished) abort.abort();
        });
        let call;
        try {
          // fatal: a body that is not UTF-8 is a parse error, not text with U+FFFD in it.
          call = parseMethodCall(new TextDecoder('utf-8', { fatal: true }).decode(req.body as Buffer), limits);
        } catch (err) {
          return sendFault(req, reply, isOxprovError(err) ? err : new OxprovError('RPC_PARSE', 'request body is not UTF-8'));
        }
        const methodName = call.methodName;
        seen.get(req)!.methodName = methodName;
        const method = methods.get(methodName);
        if (method === undefined) return sendFault(req, reply, new OxprovError('RPC_UNKNOWN_METHOD', `unknown method ${methodName}`));
        let result: XmlRpcValue;
        try {
          result = await method(call.params, { methodName, remoteAddress: req.raw.socket?.remoteAddress, secure: options.secure, signal: abort.signal });
        } catch (err) {
          if (isOxprovError(err)) return sendFault(req, reply, err);
          // No stack and no message to the client: both can reveal internals.
          return sendFault(req, reply, new OxprovError('RPC_FAILED', 'internal error'), describeError(err));
        }
        let xml: string;
        try {
          xml = serializeResponse(result);
        } catch (err) {
          return sendFault(req, reply, new OxprovError('RPC_FAILED', 'internal error: the result cannot be sent'), describeError(err));
        }
        return reply.type('text/xml; charset=utf-8').send(xml);
      },
    });
  };
}
