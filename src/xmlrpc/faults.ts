import { ERROR_CODES, OxprovError, type ErrorCode } from '../errors.js';

/**
 * Fault numbers: the protocol's own here, a server's table of its domain codes
 * passed in (the daemon's is src/daemon/fault-codes.ts). A fault travels as
 * `{ faultCode, faultString: "<CODE>: <message>" }`; the client maps the number
 * back, and falls back on the faultString's prefix for a code its table lacks.
 */
export type FaultTable = Readonly<Partial<Record<ErrorCode, number>>>;

/** The numbers of the XML-RPC fault-code interop spec (specs.xmlrpc.com/spec/faults), which Python, Java and PHP clients know. */
export const PROTOCOL_FAULTS: FaultTable = Object.freeze({
  RPC_PARSE: -32700, // parse error. not well formed
  RPC_INVALID_REQUEST: -32600, // server error. invalid xml-rpc. not conforming to spec
  RPC_UNKNOWN_METHOD: -32601, // server error. requested method not found
  RPC_INVALID_PARAMS: -32602, // server error. invalid method parameters
  RPC_FAILED: -32603, // server error. internal xml-rpc error
  RPC_TOO_LARGE: -32400, // system error: a resource limit of the server (body size itself is HTTP 413)
  RPC_INVALID_VALUE: -32604, // a value XML-RPC cannot carry (implementation-defined, in the reserved range)
  RPC_CONNECT: -32300, // transport error (client side only; listed so the table is complete)
  RPC_TIMEOUT: -32301, // transport timeout (client side only)
});

/** Fault code for an error code no table lists: the interop spec's "application error". */
export const GENERIC_FAULT = -32500;

/** The fault code for an error code: the protocol's, then the table's, else {@link GENERIC_FAULT}. */
export function faultCodeFor(code: ErrorCode, table: FaultTable = {}): number {
  return PROTOCOL_FAULTS[code] ?? table[code] ?? GENERIC_FAULT;
}

/** The faultString for an error: `"<CODE>: <message>"`, one line. */
export function faultStringFor(err: OxprovError): string {
  return `${err.code}: ${err.message.split('\n')[0]}`;
}

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);
const byFault = new WeakMap<FaultTable, ReadonlyMap<number, ErrorCode>>();

/**
 * Turns a fault back into the error the server threw. The number decides; the
 * faultString prefix is the fallback for codes newer than the table. A fault
 * from a foreign server becomes RPC_FAILED with its number in the message.
 * The raw fault is kept in `cause`.
 */
export function errorFromFault(faultCode: number, faultString: string, table: FaultTable = {}): OxprovError {
  let codes = byFault.get(table);
  if (codes === undefined) {
    codes = new Map((Object.entries({ ...table, ...PROTOCOL_FAULTS }) as [ErrorCode, number][]).map(([code, fault]) => [fault, code]));
    byFault.set(table, codes);
  }
  const prefix = /^([A-Z][A-Z0-9]*_[A-Z0-9_]+): ([\s\S]*)$/.exec(faultString);
  const prefixed = prefix !== null && KNOWN_CODES.has(prefix[1]) ? (prefix[1] as ErrorCode) : undefined;
  const code = codes.get(faultCode) ?? prefixed ?? 'RPC_FAILED';
  const message =
    prefixed === code && prefix !== null
      ? prefix[2]
      : code === 'RPC_FAILED' && !codes.has(faultCode)
        ? `fault ${faultCode}: ${faultString}`
        : faultString;
  return new OxprovError(code, message, { cause: { faultCode, faultString } });
}
