import http from 'node:http';
import https from 'node:https';
import { describeError, isOxprovError, OxprovError } from '../errors.js';
import { normalizeLimits, type XmlRpcLimits } from './xmlrpc-limits.js';
import { parseMethodResponse } from './xmlrpc-parse.js';
import type { FaultTable } from './faults.js';
import { serializeMethodCall } from './xmlrpc-serialize.js';
import type { XmlRpcValue } from './xmlrpc-value.js';

/** Options of {@link callXmlRpc}. */
export interface XmlRpcCallOptions {
  /** Deadline for the whole call: connect, send, the method's work and the answer. Default 30 s. */
  readonly timeoutMs?: number;
  /** PEM CA certificate(s) to trust for an https URL, e.g. the daemon's self-signed certificate. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** Largest response body in bytes. Default 64 MiB: listings of many users are big, but not unbounded. */
  readonly maxResponseBytes?: number;
  /** Caps on the parsed response; items and values default far higher than for requests. */
  readonly limits?: Partial<XmlRpcLimits>;
  /** The server's table of fault numbers (the daemon's: src/daemon/fault-codes.ts); without it, a code is read from the faultString. */
  readonly faults?: FaultTable;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE = 64 * 1024 * 1024;
const RESPONSE_LIMITS: Partial<XmlRpcLimits> = { maxItems: 10_000_000, maxValues: 50_000_000 };

/**
 * Calls one XML-RPC method over http or https and returns its value.
 *
 * @throws OxprovError with the code the server's method threw (the fault code
 *   mapped back through `faults` and the protocol's numbers); RPC_TOO_LARGE for HTTP 413;
 *   RPC_CONNECT (transient unless TLS) when the server cannot be reached;
 *   RPC_TIMEOUT (transient) past `timeoutMs`; RPC_FAILED for any other HTTP status;
 *   RPC_INVALID_VALUE when a param cannot be sent.
 */
export async function callXmlRpc(
  url: string | URL,
  method: string,
  params: readonly XmlRpcValue[],
  options: XmlRpcCallOptions = {},
): Promise<XmlRpcValue> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new OxprovError('CFG_INVALID', `XML-RPC URL must be http or https, got ${target.protocol}`, { field: 'url' });
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponse = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE;
  const limits = normalizeLimits({ ...RESPONSE_LIMITS, ...options.limits });
  const body = Buffer.from(serializeMethodCall(method, params), 'utf8');
  const secure = target.protocol === 'https:';

  const { status, payload } = await new Promise<{ status: number; payload: Buffer }>((resolve, reject) => {
    const requestOptions: https.RequestOptions = {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml', 'Content-Length': body.length, 'User-Agent': 'oxprov' },
      // One call, one connection: the CLI makes a single call and exits, and no idle socket keeps it alive.
      agent: false,
      ...(secure && options.ca !== undefined ? { ca: options.ca as string | Buffer | (string | Buffer)[] } : {}),
    };
    const req = (secure ? https : http).request(target, requestOptions, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxResponse) {
          fail(new OxprovError('RPC_TOO_LARGE', `response larger than ${maxResponse} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, payload: Buffer.concat(chunks, size) }));
      res.on('error', (err) => fail(connectError(err, target, secure)));
    });
    let settled = false;
    const timer = setTimeout(() => {
      fail(new OxprovError('RPC_TIMEOUT', `no answer from ${target.origin} within ${timeoutMs} ms`, { transient: true }));
    }, timeoutMs);
    function done(value: { status: number; payload: Buffer }) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    }
    function fail(err: OxprovError) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(err);
    }
    req.on('error', (err) => fail(connectError(err, target, secure)));
    req.end(body);
  });

  if (status === 413) throw new OxprovError('RPC_TOO_LARGE', `${target.origin} refused the request body as too large (HTTP 413)`);
  if (status !== 200) throw new OxprovError('RPC_FAILED', `${target.origin} answered HTTP ${status}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch (err) {
    throw new OxprovError('RPC_PARSE', 'response body is not UTF-8', { cause: err });
  }
  return parseMethodResponse(text, limits, options.faults);
}

/** Classifies a socket-level failure; TLS verification failures are not worth retrying. */
function connectError(err: Error, target: URL, secure: boolean): OxprovError {
  if (isOxprovError(err)) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const tls = secure && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME|ALTNAME/.test(code + err.message);
  return new OxprovError('RPC_CONNECT', `cannot reach ${target.origin}: ${describeError(err)}`, {
    cause: err,
    transient: !tls,
  });
}
