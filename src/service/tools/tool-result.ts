import { OxprovError } from '../../errors.js';
import { BACKENDS } from '../../model/backends.js';
import type { ChangeResult } from '../change-result.js';
import type { UserResult } from '../user-service.js';
import type { ToolResult, ToolStatus } from './tool-contract.js';

/** `ldap created, sql exists` for messages; back-ends left out by --source_only are not listed. */
export function describeSteps(steps: Readonly<Record<string, string>>): string {
  return Object.entries(steps).filter(([, s]) => s !== 'skipped').map(([b, s]) => `${b} ${s}`).join(', ') || 'nothing';
}

/**
 * A user's result as a tool result: one step per back-end (`skipped` for those
 * not asked for). A refused user becomes the rule's error (every message, the
 * first one's code); a failed back-end its error, whose message also says what
 * was done before it, so the administrator knows what a second run will only complete.
 */
export function userToolResult(tool: string, r: UserResult, status: ToolStatus): ToolResult {
  if (r.status === 'rejected') throw combined(r.errors);
  const steps: Record<string, string> = {};
  for (const b of BACKENDS) steps[b] = r.steps[b] ?? 'skipped';
  const failed = r.errors[0];
  if (failed !== undefined) {
    const done = Object.fromEntries(Object.entries(steps).filter(([, s]) => s !== 'failed'));
    const failedIn = Object.entries(steps).filter(([, s]) => s === 'failed').map(([b]) => b);
    throw new OxprovError(failed.code,
      `${tool} ${r.username}: ${failedIn.join(', ') || failed.backend || 'a back-end'} failed: ${failed.message}; done: ${describeSteps(done)}`,
      { backend: failed.backend, field: failed.field, value: failed.value, transient: failed.transient, unreachable: failed.unreachable, server: failed.server, cause: failed });
  }
  const notes = r.notes.length ? `; ${r.notes.join('; ')}` : '';
  return { status, message: `${tool} ${r.username}: ${status} (${describeSteps(steps)})${notes}`, steps };
}

/** A group's or resource's change as a tool result. */
export function changeToolResult(tool: string, name: string, r: ChangeResult): ToolResult {
  const notes = r.notes.length ? `; ${r.notes.join('; ')}` : '';
  return { status: r.status, message: `${tool} ${name}: ${r.status} (${describeSteps(r.steps)})${notes}`, steps: { ...r.steps } };
}

/**
 * Several issues as one error: the first one's code and field, and every problem
 * with its own code, the option it is about and the value given, worded for
 * options instead of CSV lines and columns (`--language: … got "IT"; MAP_INVALID_TIMEZONE:
 * --timezone: …`). Issues never carry a password (the mapper drops secret values).
 */
export function combined(issues: readonly OxprovError[]): OxprovError {
  const text = (e: OxprovError, i: number) => {
    const message = e.message.replace(/^line \d+: /, '').replace(/column "([^"]+)"/g, '--$1').replace(/^[a-z_]+: /, '');
    const option = e.field ? `--${e.field.toLowerCase()}: ` : '';
    const got = e.value !== undefined && !message.includes(e.value) ? `, got "${e.value}"` : '';
    return `${i === 0 ? '' : `${e.code}: `}${option}${message}${got}`;
  };
  const first = issues[0];
  return new OxprovError(first.code, issues.map(text).join('; '), { field: first.field, value: first.value, backend: first.backend });
}
