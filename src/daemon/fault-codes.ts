import type { OxprovError } from '../errors.js';
import { errorFromFault, faultCodeFor, faultStringFor, type FaultTable, type XmlRpcFault } from '../xmlrpc/index.js';

/**
 * The daemon's table from oxprov error codes to XML-RPC fault codes, beside the
 * protocol's own (src/xmlrpc/faults.ts). A fault travels as
 * `{ faultCode: DAEMON_FAULT_CODES[code], faultString: "<CODE>: <message>" }`, and
 * the daemon's client maps the number back, so a caller of the daemon sees the
 * same stable code as a caller of the service in process.
 *
 * Numbers are part of the wire protocol: never change or reuse one; give a new
 * code the next free number of its block.
 *
 * - `400`–`499`: the admin daemon. 400, 401 and 404 echo HTTP on purpose
 *   (bad request, not authenticated, no such user); the rest are simply the next free numbers.
 * - `1000`–`1999`: one block of 100 per layer (CFG, STACK, CSV, MAP, LDAP, SQL, IMAP, …).
 *   Few of them should ever cross the wire, but a method that lets one escape
 *   still gives the client a distinct, stable number.
 *
 * A code missing here (just added by someone) goes out as the generic fault
 * and is still recovered by the client from the faultString prefix.
 */
export const DAEMON_FAULT_CODES: FaultTable = Object.freeze({
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
  // runs handed to workers
  QUEUE_FAILED: 1850, QUEUE_TIMEOUT: 1851, QUEUE_KEY: 1852, QUEUE_CANCELLED: 1853,
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

/** The fault the daemon answers an error with. */
export function daemonFault(err: OxprovError): XmlRpcFault {
  return { faultCode: faultCodeFor(err.code, DAEMON_FAULT_CODES), faultString: faultStringFor(err) };
}

/** The error a fault of the daemon stands for (its client's side). */
export function errorFromDaemonFault(faultCode: number, faultString: string): OxprovError {
  return errorFromFault(faultCode, faultString, DAEMON_FAULT_CODES);
}
