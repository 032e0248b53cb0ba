import { describeError, isOxprovError } from '../../errors.js';
import { chooseTarget, defaultToolCallerFactory, type ToolCallerFactory } from './create-tool-caller.js';
import { parseToolArgs } from './parse-tool-args.js';
import { editDistance } from '../../model/edit-distance.js';
import type { ToolCaller, ToolName, ToolResult } from '../../service/tools/tool-contract.js';
import { toolDefinition } from '../../service/tools/tool-definitions.js';
import { formatToolHelp } from './tool-help.js';
import { resolveSecrets, secretEnvName } from './tool-secrets.js';

/** What {@link runTool} writes to and reads from; the CLI passes the process's, tests pass fakes. */
export interface RunToolIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
  /** stdin is a terminal: a mandatory password left out is asked for (with `readSecret`). */
  readonly isTTY: boolean;
  /** Reads one secret without echo. Without it, or when not `isTTY`, nothing is prompted. */
  readonly readSecret?: (prompt: string) => Promise<string>;
  /** Default: XML-RPC client for `--server`, else the in-process admin service. */
  readonly createCaller?: ToolCallerFactory;
}

/**
 * Runs one admin tool the way the paper's `./adduser …` does and resolves to
 * the exit code:
 *
 * - 0: done, whatever the status (`exists` and `gone` are results, so a script
 *   can run twice); also the help, printed when called without arguments.
 * - 1: the call failed in a back-end or on the way there (LDAP_…, SQL_…,
 *   IMAP_…, RPC_CONNECT, RPC_TIMEOUT).
 * - 2: the call was wrong: usage, credentials, configuration or a name that does
 *   not exist (CFG_…, MAP_…, ADMIN_…, …_AUTH, RPC_INVALID_PARAMS, RPC_UNKNOWN_METHOD).
 *
 * Prints one line on stdout, `adduser: smtest created (ldap created, sql created, …)`,
 * or `adduser: CODE: message` on stderr. No password is ever printed.
 */
export async function runTool(tool: ToolName, argv: readonly string[], io: RunToolIo): Promise<number> {
  if (argv.length === 0) {
    io.stdout.write(formatToolHelp(tool));
    return 0;
  }
  let caller: ToolCaller | undefined;
  try {
    const parsed = parseToolArgs(tool, argv);
    if (parsed.help) {
      io.stdout.write(formatToolHelp(tool));
      return 0;
    }
    for (const line of hints(tool, parsed.secretsOnCommandLine, Object.keys(parsed.params), io.env)) io.stderr.write(`${tool}: hint: ${line}\n`);
    const target = chooseTarget(parsed.runner, io.env);
    const params = await resolveSecrets(tool, parsed, { env: io.env, readSecret: io.isTTY ? io.readSecret : undefined });
    caller = await (io.createCaller ?? defaultToolCallerFactory)(target, io.env);
    const result = await caller.call(tool, params);
    io.stdout.write(`${formatResult(tool, params, result)}\n`);
    return 0;
  } catch (err) {
    io.stderr.write(`${tool}: ${isOxprovError(err) ? `${err.code}: ` : 'internal error: '}${describeError(err)}\n`);
    return exitCodeFor(err);
  } finally {
    // A failing close must not turn a done call into a failure.
    await caller?.close().catch(() => {});
  }
}

/**
 * `smtest created (ldap created, sql created)`. The result's `message` is for
 * XML-RPC clients that do not format steps; it is printed only when the call
 * names no user, group or resource.
 */
export function formatResult(tool: ToolName, params: Readonly<Record<string, string>>, result: ToolResult): string {
  const subject = params.username ?? params.groupname ?? params.resourcename;
  const steps = result.steps && Object.keys(result.steps).length > 0
    ? ` (${Object.entries(result.steps).map(([backend, state]) => `${backend} ${state}`).join(', ')})`
    : '';
  // Nothing in any back-end: most likely a mistyped name. Still exit 0 (a second deluser must not fail), but said plainly.
  const nothing = tool === 'deluser' && result.status === 'gone' && Object.values(result.steps ?? {}).every((st) => st === 'gone' || st === 'skipped')
    ? `: there is no user ${subject} in any back-end (nothing was deleted; check the name)` : '';
  // A looking tool prints what it found, one `key: value` line each.
  if (result.details !== undefined) {
    const width = Math.max(0, ...Object.keys(result.details).map((k) => k.length));
    return [result.message, ...Object.entries(result.details).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n');
  }
  return subject === undefined ? `${tool}: ${result.status}${steps}: ${result.message}` : `${tool}: ${subject} ${result.status}${steps}${nothing}`;
}

const USAGE_CODES = new Set(['ADMIN_AUTH', 'ADMIN_INVALID_REQUEST', 'ADMIN_NO_SUCH_USER', 'ADMIN_NO_SUCH_GROUP', 'ADMIN_NO_SUCH_RESOURCE',
  'LDAP_AUTH', 'IMAP_AUTH', 'RPC_INVALID_PARAMS', 'RPC_UNKNOWN_METHOD']);

/** 2 for a wrong call (usage, credentials, configuration), 1 for a failure on the way or in a back-end. */
export function exitCodeFor(err: unknown): 1 | 2 {
  if (!isOxprovError(err)) return 1;
  return err.code.startsWith('CFG_') || err.code.startsWith('MAP_') || USAGE_CODES.has(err.code) ? 2 : 1;
}

/** One-line hints on stderr; OXPROV_NO_HINTS=1 silences them (e.g. in a bulk script). */
function hints(tool: ToolName, secretsTyped: readonly string[], keys: readonly string[], env: NodeJS.ProcessEnv): string[] {
  if (env.OXPROV_NO_HINTS === '1') return [];
  const out: string[] = [];
  if (secretsTyped.length > 0) {
    const alt = secretsTyped.map((name) => `--${name}-file FILE or ${secretEnvName(name)}_FILE`).join(', ');
    out.push(`${secretsTyped.map((n) => `--${n}`).join(' and ')} on the command line ${secretsTyped.length > 1 ? 'are' : 'is'} visible to other local users (ps); prefer ${alt}`);
  }
  if (toolDefinition(tool).extraLdapAttributes) {
    // adduser sends any unknown option on as an LDAP attribute: say so when it looks like a typo.
    const known = toolDefinition(tool).options.map((o) => o.name);
    for (const key of keys) {
      if (known.includes(key) || key.length < 4) continue;
      const near = known.find((name) => editDistance(key.toLowerCase(), name) <= 2);
      if (near !== undefined) out.push(`--${key} is sent as an LDAP attribute; did you mean --${near}?`);
    }
  }
  return out;
}
