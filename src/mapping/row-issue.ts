import { OxprovError, type ErrorCode } from '../errors.js';

/** Where a bad value was found. */
export interface IssueContext {
  line?: number;
  /** The CSV column (raw header name) or, for derived and default values, the target field. */
  field?: string;
  value?: string;
  /** True for password values: the value is dropped here, once, so no caller can leak it. */
  secret?: boolean;
}

/** An {@link OxprovError} for a mapping problem, with the secret value left out. */
export function rowIssue(code: ErrorCode, message: string, ctx: IssueContext = {}): OxprovError {
  const where = ctx.line === undefined ? '' : `line ${ctx.line}: `;
  return OxprovError.rowProblem(code, where + message, {
    line: ctx.line,
    field: ctx.field,
    value: ctx.secret ? undefined : ctx.value,
  });
}
