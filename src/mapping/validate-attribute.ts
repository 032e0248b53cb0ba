import type { OxprovError } from '../errors.js';
import { isDateAttribute, type AttributeInfo } from './attribute-schema.js';
import { DEFAULT_MAX_LENGTH } from './fields.js';
import { rowIssue, type IssueContext } from './row-issue.js';
import { hasControlChars, hasControlCharsBeyondLineBreaks, isIsoDate, parseFlag } from './value-syntax.js';

// Regular expressions as constants: a literal in a function body is a new RegExp object per call.
const INTEGER_RE = /^-?\d+$/;
/** Attributes whose values may span lines (a postal address, a description). Every other value is one line. */
const MULTI_LINE_RE = /^(description|postalAddress|homePostalAddress|registeredAddress|OXUserComment|info)$/i;
const LINE_BREAK_RE = /[\r\n]/;

/**
 * Checks one value of an extra LDAP attribute. A cell is one value: commas are
 * common inside addresses and titles, so attribute cells are never split.
 */
export function validateAttribute(
  info: AttributeInfo,
  value: string,
  at: IssueContext,
): { value: string; issues: [] } | { value?: undefined; issues: OxprovError[] } {
  const fail = (code: Parameters<typeof rowIssue>[0], message: string) => ({
    issues: [rowIssue(code, `${info.name}: ${message}`, { ...at, value })],
  });
  const max = info.maxLength ?? DEFAULT_MAX_LENGTH;
  if (value.length > max) return fail('MAP_TOO_LONG', `longer than ${max} characters`);
  const multiLine = (info.syntax ?? 'string') === 'string' && !isDateAttribute(info) && MULTI_LINE_RE.test(info.name);
  if (!multiLine && LINE_BREAK_RE.test(value)) {
    return fail('MAP_INVALID_VALUE', 'holds a line break, but is a one-line attribute (a cell written on two lines in the spreadsheet?)');
  }
  if (multiLine ? hasControlCharsBeyondLineBreaks(value) : hasControlChars(value)) return fail('MAP_INVALID_VALUE', 'contains control characters');
  if (isDateAttribute(info)) {
    return isIsoDate(value) ? { value, issues: [] } : fail('MAP_INVALID_DATE', 'not a real date written YYYY-MM-DD');
  }
  if (info.syntax === 'integer') {
    return INTEGER_RE.test(value) ? { value, issues: [] } : fail('MAP_INVALID_VALUE', 'not a whole number');
  }
  if (info.syntax === 'boolean') {
    const flag = parseFlag(value);
    // LDAP's Boolean syntax (RFC 4517) is spelled TRUE / FALSE.
    return flag === undefined ? fail('MAP_INVALID_FLAG', 'must be yes or no') : { value: flag ? 'TRUE' : 'FALSE', issues: [] };
  }
  return { value, issues: [] };
}
