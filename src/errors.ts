/**
 * The one error type of oxprov. Every failure carries a stable `code` (tests and
 * scripts match codes, never message text), the layer is the code's prefix, and
 * the original error is kept in `cause`.
 */
export const ERROR_CODES = [
  // configuration and options
  'CFG_INVALID', 'CFG_MISSING', 'CFG_UNKNOWN_KEY', 'CFG_FILE_UNREADABLE', 'CFG_UNKNOWN_OPTION', 'CFG_BAD_DASH',
  // the local stack
  'STACK_INSTALL_FAILED', 'STACK_START_FAILED', 'STACK_NOT_RUNNING',
  // reading a CSV file
  'CSV_UNREADABLE', 'CSV_ENCODING', 'CSV_UNCLOSED_QUOTE', 'CSV_INCONSISTENT_COLUMNS', 'CSV_DUPLICATE_HEADER',
  'CSV_EMPTY', 'CSV_INVALID',
  // writing the report folder
  'REPORT_WRITE',
  // validating and mapping a row
  'MAP_MISSING_FIELD', 'MAP_INVALID_USERNAME', 'MAP_INVALID_MAIL', 'MAP_INVALID_ALIAS', 'MAP_DUPLICATE_USERNAME',
  'MAP_DUPLICATE_MAIL', 'MAP_DUPLICATE_ALIAS', 'MAP_INVALID_TIMEZONE', 'MAP_INVALID_COUNTRY', 'MAP_INVALID_LANGUAGE',
  'MAP_INVALID_MODULE', 'MAP_INVALID_FLAG', 'MAP_INVALID_QUOTA', 'MAP_INVALID_DATE', 'MAP_TOO_LONG',
  'MAP_UNKNOWN_ATTRIBUTE', 'MAP_INVALID_VALUE', 'MAP_INVALID_TEMPLATE', 'MAP_EXISTS_USERNAME', 'MAP_EXISTS_MAIL',
  'MAP_EXISTS_ALIAS', 'MAP_DERIVE_FAILED', 'MAP_INVALID_MAPPING', 'MAP_INVALID_GROUP',
  'MAP_DUPLICATE_COLUMN', 'MAP_RESERVED_ATTRIBUTE', 'MAP_UNKNOWN_GROUP', 'MAP_WEAK_PASSWORD', 'MAP_DUPLICATE_KEY', 'MAP_MISSING_KEY',
  // recurring syncs
  'SYNC_TOO_MANY_LEAVERS', 'SYNC_OTHER_FEED', 'SYNC_FEED_LOCKED',
  // runs handed to workers (the batch queue)
  'QUEUE_FAILED', 'QUEUE_TIMEOUT', 'QUEUE_KEY', 'QUEUE_CANCELLED',
  // back-ends
  'LDAP_CONNECT', 'LDAP_AUTH', 'LDAP_SCHEMA', 'LDAP_NO_SUCH_OBJECT', 'LDAP_ID_EXHAUSTED', 'LDAP_CONFLICT', 'LDAP_FAILED',
  'SQL_CONNECT', 'SQL_MIGRATION', 'SQL_NO_SUCH_USER', 'SQL_FAILED',
  'IMAP_CONNECT', 'IMAP_AUTH', 'IMAP_NO_SUCH_USER', 'IMAP_FAILED',
  // which mail server a user lives on (several mail servers)
  'MAIL_UNKNOWN_SERVER', 'MAIL_STYLE_MISMATCH', 'MAIL_SERVER_KEPT',
  // the admin tools and daemon
  'ADMIN_AUTH', 'ADMIN_NO_SUCH_USER', 'ADMIN_NO_SUCH_GROUP', 'ADMIN_NO_SUCH_RESOURCE', 'ADMIN_INVALID_REQUEST',
  'RPC_PARSE', 'RPC_TOO_LARGE', 'RPC_UNKNOWN_METHOD', 'RPC_FAILED',
  'RPC_INVALID_REQUEST', 'RPC_INVALID_PARAMS', 'RPC_INVALID_VALUE', 'RPC_CONNECT', 'RPC_TIMEOUT',
  // the daemon's web page
  'WEB_SESSION', 'WEB_CSRF', 'WEB_FORBIDDEN', 'WEB_NOT_FOUND', 'WEB_INVALID_REQUEST', 'WEB_TOO_LARGE', 'WEB_GONE', 'WEB_FAILED', 'WEB_CONFLICT',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

import type { Backend } from './model/backends.js';

export type { Backend } from './model/backends.js';

export interface OxprovErrorContext {
  /** Line of the input file where the row starts (1-based). */
  line?: number;
  /** The field (CSV column or option) that holds the bad value. */
  field?: string;
  /** The offending value. Never set for password fields. */
  value?: string;
  /** The back-end that failed. */
  backend?: Backend;
  /** True when retrying the same operation may succeed (connection reset, timeout). */
  transient?: boolean;
  /**
   * True when the server could not be reached or the connection broke: every
   * other operation on that back-end would fail alike (no point in splitting a batch).
   */
  unreachable?: boolean;
  /** The server's own error, as it gave it: LDAP result code, SQLSTATE, constraint, detail. */
  server?: ServerError;
  cause?: unknown;
}

/** What the server itself said, kept as fields (node-postgres keeps SQLSTATE, ldapts the result code). */
export interface ServerError {
  /** LDAP result code (RFC 4511), e.g. 68 entryAlreadyExists. */
  readonly ldapResultCode?: number;
  /** PostgreSQL SQLSTATE, e.g. `23505`. */
  readonly sqlState?: string;
  /** The violated constraint (PostgreSQL). */
  readonly constraint?: string;
  /** The server's detail line (PostgreSQL). */
  readonly detail?: string;
  /** IMAP status response text or doveadm exit code. */
  readonly imapResponse?: string;
}

export class OxprovError extends Error {
  readonly code: ErrorCode;
  readonly line?: number;
  readonly field?: string;
  readonly value?: string;
  readonly backend?: Backend;
  readonly transient: boolean;
  readonly unreachable: boolean;
  readonly server?: ServerError;

  constructor(code: ErrorCode, message: string, context: OxprovErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = 'OxprovError';
    this.code = code;
    this.line = context.line;
    this.field = context.field;
    this.value = context.value;
    this.backend = context.backend;
    this.transient = context.transient ?? false;
    this.unreachable = context.unreachable ?? false;
    if (context.server !== undefined) this.server = Object.freeze({ ...context.server });
  }

  /**
   * A problem of one row (a bad cell, a duplicate): data for the report, never
   * thrown, so no stack trace is taken. Taking one cost about 20 µs an error, most
   * of the time of a dry run of a million rejected rows.
   */
  static rowProblem(code: ErrorCode, message: string, context: OxprovErrorContext = {}): OxprovError {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new OxprovError(code, message, context);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

export function isOxprovError(err: unknown, code?: ErrorCode): err is OxprovError {
  return err instanceof OxprovError && (code === undefined || err.code === code);
}

/** A short, single-line description of any thrown value, safe to print. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0];
  return String(err);
}

/**
 * A back-end that cannot be reached, as remote callers (the daemon's, the page's) see it: by its code
 * and back-end alone, decided by the error's `unreachable` field. Its message would show internal
 * addresses and bind DNs to anyone who can reach the daemon, before their credentials were even checked.
 */
export function withoutTopology<E>(err: E): E | OxprovError {
  if (!(err instanceof OxprovError) || !err.unreachable) return err;
  return new OxprovError(err.code, `the ${err.backend ?? 'back-end'} server is not reachable from the admin daemon`, { backend: err.backend, transient: err.transient, unreachable: true });
}
