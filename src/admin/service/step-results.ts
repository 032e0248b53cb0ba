import { OxprovError } from '../../errors.js';
import type { ProvisionResult } from '../../provision/provisioner.js';
import { BACKENDS } from '../../provision/user-spec.js';
import type { ToolResult, ToolStatus } from '../tool-contract.js';

/** `ldap created, sql exists` for messages; back-ends left out by --source_only are not listed. */
export function describeSteps(steps: Readonly<Record<string, string>>): string {
  return Object.entries(steps).filter(([, s]) => s !== 'skipped').map(([b, s]) => `${b} ${s}`).join(', ') || 'nothing';
}

/**
 * A user's ProvisionResult as a tool result: one step per back-end (`skipped`
 * for those not asked for). A failed back-end becomes an error with that
 * back-end's code, whose message also says what was done before it, so the
 * administrator knows what a second run will only complete.
 */
export function userToolResult(tool: string, r: ProvisionResult, status: ToolStatus): ToolResult {
  const steps: Record<string, string> = {};
  for (const b of BACKENDS) steps[b] = r.steps[b] ?? 'skipped';
  const failed = r.errors[0];
  if (failed !== undefined) {
    const done = Object.fromEntries(Object.entries(steps).filter(([, s]) => s !== 'failed'));
    const failedIn = Object.entries(steps).filter(([, s]) => s === 'failed').map(([b]) => b);
    throw new OxprovError(failed.code,
      `${tool} ${r.username}: ${failedIn.join(', ') || failed.backend || 'a back-end'} failed: ${failed.message}; done: ${describeSteps(done)}`,
      { backend: failed.backend, field: failed.field, value: failed.value, transient: failed.transient, cause: failed });
  }
  return { status, message: `${tool} ${r.username}: ${status} (${describeSteps(steps)})`, steps };
}

/**
 * The overall status of a call from its steps: something made → created,
 * something changed → updated, something removed → deleted; else the
 * "nothing to do" status the tool chose (exists, gone or unchanged).
 */
export function overallStatus(steps: Readonly<Record<string, string>>, idle: 'exists' | 'gone' | 'unchanged'): ToolStatus {
  const values = Object.values(steps);
  for (const s of ['created', 'updated', 'deleted'] as const) if (values.includes(s)) return s;
  return idle;
}

/**
 * The SQL half of a group or resource tool, run after its LDAP half: a failure
 * says what LDAP already did, so the administrator knows a second run completes it.
 */
export async function sqlAfterLdap<T>(tool: string, name: string, ldap: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof OxprovError)) throw err;
    throw new OxprovError(err.code, `${tool} ${name}: sql failed: ${err.message}; done: ldap ${ldap} (run it again to complete)`, { backend: 'sql', transient: err.transient, cause: err });
  }
}
