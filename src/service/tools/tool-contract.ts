/**
 * The contract between the admin tools' command-line front, the XML-RPC daemon
 * and the in-process admin service. The front and the daemon only move these
 * values around; what a tool does is the service's business.
 */
export const TOOL_NAMES = [
  'adduser', 'deluser', 'changepasswd', 'setquota', 'addgroup', 'delgroup', 'addmembers2group', 'delmembersfromgroup',
  'addresource', 'addresourcegroup', 'delresource', 'delresourcegroup', 'addmembers2resgroup', 'delmembersfromresgroup',
  'showuser', 'listusers',
] as const;

export type ToolName = (typeof TOOL_NAMES)[number];

/** Every value of {@link ToolResult.status}: all of them are success ("already exists" is a result, not a failure). */
export const TOOL_STATUSES = ['created', 'exists', 'updated', 'deleted', 'gone', 'unchanged'] as const;
export type ToolStatus = (typeof TOOL_STATUSES)[number];

/** What one back-end did in a call; `skipped` when `--source_only` left it out. */
export const STEP_STATES = ['created', 'exists', 'updated', 'deleted', 'gone', 'skipped'] as const;

/** What every tool returns, in-process and over XML-RPC alike (an XML-RPC struct). */
export interface ToolResult {
  status: ToolStatus;
  /** One human sentence for clients that do not format `steps` themselves. */
  message: string;
  /** Per back-end (`ldap`, `sql`, `groupware`, `imap`): 'created'|'exists'|'updated'|'deleted'|'gone'|'skipped'. */
  steps?: Record<string, string>;
  /** What a looking tool found (showuser, listusers): one line of text per key, in order. */
  details?: Record<string, string>;
}

/**
 * The one thing the CLI needs: the in-process service or an XML-RPC client.
 * Params are strings, as typed on the command line, under the option names of
 * tool-definitions.ts in lower case (extra LDAP attributes of adduser keep the
 * user's case); the credentials `adminuser`/`adminpasswd` are included.
 */
export interface ToolCaller {
  /** @throws OxprovError with a stable code (ADMIN_AUTH, ADMIN_NO_SUCH_USER, LDAP_…, …). */
  call(tool: ToolName, params: Record<string, string>): Promise<ToolResult>;
  /** Releases connections; safe to call twice. */
  close(): Promise<void>;
}

const TOOL_SET: ReadonlySet<string> = new Set(TOOL_NAMES);

export function isToolName(name: string): name is ToolName {
  return TOOL_SET.has(name);
}
