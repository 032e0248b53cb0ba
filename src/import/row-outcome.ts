import type { UserResult } from '../service/user-service.js';

/**
 * What happened to one input row: the user service's result with where the row
 * came from. Every report, counter and later run (`--retry-failed`) is built from it.
 * `status` is `rejected` also for a row that could not be read or mapped (it never
 * reached the service); in a dry run `valid` (would be created) or `exists`.
 */
export interface RowOutcome extends Omit<UserResult, 'username'> {
  /** Line of the input where the row starts. */
  line: number;
  /** The row as read, for rejected.csv. */
  raw: string;
  /** The row's fields, when it could be read; lets rejected.csv blank the password cells. */
  record?: Readonly<Record<string, string>>;
  /** Absent for a row that gives no valid user name. */
  username?: string;
  /** The user's mail address and display name, for credentials.csv. */
  mail?: string;
  displayName?: string;
}
