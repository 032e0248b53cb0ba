import { OxprovError } from '../errors.js';

/** What every door shows of a change: the overall status, one state per back-end, remarks. */
export interface ChangeResult {
  readonly status: ChangeStatus;
  readonly steps: Readonly<Record<string, string>>;
  readonly notes: readonly string[];
}

/** All of them are success ("already exists" is a result, not a failure). */
export const CHANGE_STATUSES = ['created', 'exists', 'updated', 'deleted', 'gone', 'unchanged'] as const;
export type ChangeStatus = (typeof CHANGE_STATUSES)[number];

/**
 * The overall status of a call from its steps: something made → created,
 * something changed → updated, something removed → deleted; else the
 * "nothing to do" status the caller chose (exists, gone or unchanged).
 */
export function overallStatus(steps: Readonly<Record<string, string>>, idle: 'exists' | 'gone' | 'unchanged'): ChangeStatus {
  const values = Object.values(steps);
  for (const s of ['created', 'updated', 'deleted'] as const) if (values.includes(s)) return s;
  return idle;
}

/**
 * The SQL half of a change, run after its LDAP half: a failure says what LDAP
 * already did, so the administrator knows that a second run completes it.
 */
export async function afterLdap<T>(tool: string, name: string, ldap: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof OxprovError)) throw err;
    throw new OxprovError(err.code, `${tool} ${name}: sql failed: ${err.message}; done: ldap ${ldap} (run it again to complete)`,
      { backend: 'sql', transient: err.transient, unreachable: err.unreachable, server: err.server, cause: err });
  }
}

/** The names that do not exist, as given. */
export function missingNames(names: readonly string[], found: ReadonlyMap<string, string>): string[] {
  return names.filter((n) => !found.has(n.toLowerCase()));
}

/** Each name as the directory spells it, or as given when it has no entry. */
export function spelled(names: readonly string[], found: ReadonlyMap<string, string>): string[] {
  return names.map((n) => found.get(n.toLowerCase()) ?? n);
}
