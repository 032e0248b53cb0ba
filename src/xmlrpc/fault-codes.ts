import { ERROR_CODES, OxprovError, type ErrorCode } from '../errors.js';

/**
 * The one table from oxprov error codes to XML-RPC fault codes. A fault travels
 * as `{ faultCode: FAULT_CODES[code], faultString: "<CODE>: <message>" }`, and
 * the client maps the number back, so a caller of the daemon sees the same
 * stable code as a caller of the service in process.
 *
 * Numbers are part of the wire protocol: never change or reuse one; give a new
 * code the next free number of its block.
 *
 * - `-32xxx`: protocol errors, the numbers of the XML-RPC fault-code interop
 *   spec (specs.xmlrpc.com/spec/faults), which Python, Java and PHP clients know.
 * - `400`–`499`: the admin daemon. 400, 401 and 404 echo HTTP on purpose
 *   (bad request, not authenticated, no such user); the rest are simply the next free numbers.
 * - `1000`–`1699`: one block of 100 per layer (CFG, STACK, CSV, MAP, LDAP, SQL, IMAP).
 *   Few of them should ever cross the wire, but a method that lets one escape
 *   still gives the client a distinct, stable number.
 *
 * A code missing here (just added by someone) goes out as {@link GENERIC_FAULT}
 * and is still recovered by the client from the faultString prefix.
 */
export const FAULT_CODES: Readonly<Partial<Record<ErrorCode, number>>> = Object.freeze({
  // XML-RPC interop spec
  RPC_PARSE: -32700, // parse error. not well formed
  RPC_INVALID_REQUEST: -32600, // server error. invalid xml-rpc. not conforming to spec
  RPC_UNKNOWN_METHOD: -32601, // server error. requested method not found
  RPC_INVALID_PARAMS: -32602, // server error. invalid method parameters
  RPC_FAILED: -32603, // server error. internal xml-rpc error
  RPC_TOO_LARGE: -32400, // system error: a resource limit of the server (body size itself is HTTP 413)
  RPC_INVALID_VALUE: -32604, // a value XML-RPC cannot carry (implementation-defined, in the reserved range)
  RPC_CONNECT: -32300, // transport error (client side only; listed so the table is complete)
  RPC_TIMEOUT: -32301, // transport timeout (client side only)
  // admin daemon
  ADMIN_INVALID_REQUEST: 400,
  ADMIN_AUTH: 401,
  ADMIN_NO_SUCH_USER: 404,
  ADMIN_NO_SUCH_GROUP: 405,
  ADMIN_NO_SUCH_RESOURCE: 406,
  // configuration
  CFG_INVALID: 1000, CFG_MISSING: 1001, CFG_FILE_UNREADABLE: 1002, CFG_UNKNOWN_OPTION: 1003, CFG_BAD_DASH: 1004, CFG_UNKNOWN_KEY: 1005,
  // local stack
  STACK_INSTALL_FAILED: 1100, STACK_START_FAILED: 1101, STACK_NOT_RUNNING: 1102,
  // CSV
  CSV_UNREADABLE: 1200, CSV_ENCODING: 1201, CSV_UNCLOSED_QUOTE: 1202, CSV_INCONSISTENT_COLUMNS: 1203,
  CSV_DUPLICATE_HEADER: 1204, CSV_EMPTY: 1205, CSV_INVALID: 1206,
  // mapping
  MAP_MISSING_FIELD: 1300, MAP_INVALID_USERNAME: 1301, MAP_INVALID_MAIL: 1302, MAP_INVALID_ALIAS: 1303,
  MAP_DUPLICATE_USERNAME: 1304, MAP_DUPLICATE_MAIL: 1305, MAP_DUPLICATE_ALIAS: 1306, MAP_INVALID_TIMEZONE: 1307,
  MAP_INVALID_COUNTRY: 1308, MAP_INVALID_LANGUAGE: 1309, MAP_INVALID_MODULE: 1310, MAP_INVALID_FLAG: 1311,
  MAP_INVALID_QUOTA: 1312, MAP_INVALID_DATE: 1313, MAP_TOO_LONG: 1314, MAP_UNKNOWN_ATTRIBUTE: 1315,
  MAP_INVALID_VALUE: 1316, MAP_INVALID_TEMPLATE: 1317, MAP_EXISTS_USERNAME: 1318, MAP_EXISTS_MAIL: 1319,
  MAP_EXISTS_ALIAS: 1320, MAP_DERIVE_FAILED: 1321, MAP_INVALID_MAPPING: 1322, MAP_INVALID_GROUP: 1323,
  MAP_DUPLICATE_COLUMN: 1324, MAP_RESERVED_ATTRIBUTE: 1325, MAP_UNKNOWN_GROUP: 1326, MAP_WEAK_PASSWORD: 1327, MAP_DUPLICATE_KEY: 1328, MAP_MISSING_KEY: 1329,
  // syncs
  SYNC_TOO_MANY_LEAVERS: 1800, SYNC_OTHER_FEED: 1801, SYNC_FEED_LOCKED: 1802,
  // LDAP
  LDAP_CONNECT: 1400, LDAP_AUTH: 1401, LDAP_SCHEMA: 1402, LDAP_NO_SUCH_OBJECT: 1403, LDAP_ID_EXHAUSTED: 1404,
  LDAP_CONFLICT: 1405, LDAP_FAILED: 1406,
  // SQL
  SQL_CONNECT: 1500, SQL_MIGRATION: 1501, SQL_NO_SUCH_USER: 1502, SQL_FAILED: 1503,
  // IMAP
  IMAP_CONNECT: 1600, IMAP_AUTH: 1601, IMAP_NO_SUCH_USER: 1602, IMAP_FAILED: 1603,
  // mail servers
  MAIL_UNKNOWN_SERVER: 1650, MAIL_STYLE_MISMATCH: 1651, MAIL_SERVER_KEPT: 1652,
  // report files
  REPORT_WRITE: 1700,
  // the web page (answered as HTTP with JSON, never over XML-RPC; numbered so the table stays complete)
  WEB_SESSION: 1900, WEB_CSRF: 1901, WEB_FORBIDDEN: 1902, WEB_NOT_FOUND: 1903, WEB_INVALID_REQUEST: 1904, WEB_TOO_LARGE: 1905, WEB_GONE: 1906, WEB_FAILED: 1907, WEB_CONFLICT: 1908,
});

/** Fault code for an error code the table does not list: the interop spec's "application error". */
export const GENERIC_FAULT = -32500;

/** The fault code for an error code. */
export function faultCodeFor(code: ErrorCode): number {
  return FAULT_CODES[code] ?? GENERIC_FAULT;
}

const CODE_BY_FAULT: ReadonlyMap<number, ErrorCode> = new Map(
  (Object.entries(FAULT_CODES) as [ErrorCode, number][]).map(([code, fault]) => [fault, code]),
);
const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** The faultString for an error: `"<CODE>: <message>"`, one line. */
export function faultStringFor(err: OxprovError): string {
  return `${err.code}: ${err.message.split('\n')[0]}`;
}

/**
 * Turns a fault back into the error the server threw. The number decides; the
 * faultString prefix is the fallback for codes newer than this table. A fault
 * from a foreign server becomes RPC_FAILED with its number in the message.
 * The raw fault is kept in `cause`.
 */
export function errorFromFault(faultCode: number, faultString: string): OxprovError {
  const prefix = /^([A-Z][A-Z0-9]*_[A-Z0-9_]+): ([\s\S]*)$/.exec(faultString);
  const prefixed = prefix !== null && KNOWN_CODES.has(prefix[1]) ? (prefix[1] as ErrorCode) : undefined;
  const code = CODE_BY_FAULT.get(faultCode) ?? prefixed ?? 'RPC_FAILED';
  const message =
    prefixed === code && prefix !== null
      ? prefix[2]
      : code === 'RPC_FAILED' && !CODE_BY_FAULT.has(faultCode)
        ? `fault ${faultCode}: ${faultString}`
        : faultString;
  return new OxprovError(code, message, { cause: { faultCode, faultString } });
}
