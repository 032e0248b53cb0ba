import type { Backend, OxprovError } from '../errors.js';
import type { StepOutcome } from '../model/outcomes.js';

/** What happened to one input row: the record every report, counter and later run (`--retry-failed`) is built from. */
export interface RowOutcome {
  /** Line of the input where the row starts. */
  line: number;
  /** The row as read, for rejected.csv. */
  raw: string;
  /** The row's fields, when it could be read; lets rejected.csv blank the password cells. */
  record?: Readonly<Record<string, string>>;
  username?: string;
  /**
   * created / updated / exists / failed after provisioning; rejected when the row
   * never reached a back-end; in a dry run `valid` (would be created) or `exists`.
   */
  status: 'created' | 'updated' | 'exists' | 'failed' | 'rejected' | 'valid';
  steps: Partial<Record<Backend, StepOutcome>>;
  errors: OxprovError[];
  /** What oxprov decided on its own (a suffixed user name, a generated password, …). */
  notes: string[];
  ms: number;
  /** A generated password of a user created in this run: goes to the 0600 credentials file, nowhere else. */
  generatedPassword?: string;
}
