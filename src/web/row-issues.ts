import type { OxprovError } from '../errors.js';

/** One problem of one row, as the page's table shows it. Never a password. */
export interface RowIssue {
  /** Line of the file (absent for a leaver of a sync, which has no row). */
  readonly line?: number;
  /** The user name, DN or key the row names, when it names one. */
  readonly name?: string;
  readonly status: string;
  readonly code: string;
  readonly field?: string;
  readonly message: string;
  /** The offending value; left out for a password field, whatever the error says. */
  readonly value?: string;
}

const SECRET_FIELD = /pass(wd|word)?|secret|credential/i;

/** The issues of one row: one per error. */
export function issuesOf(row: { line?: number; name?: string; status: string; errors: readonly Pick<OxprovError, 'code' | 'field' | 'value' | 'message' | 'backend'>[] }): RowIssue[] {
  return row.errors.map((e) => ({
    line: row.line, name: row.name || undefined, status: row.status, code: e.code, field: e.field,
    message: e.backend ? `${e.backend}: ${e.message}` : e.message,
    value: e.field !== undefined && SECRET_FIELD.test(e.field) ? undefined : e.value,
  }));
}

/** A page of a filtered list. */
export interface Page<T> {
  readonly total: number;
  readonly page: number;
  readonly pageSize: number;
  readonly pages: number;
  readonly items: readonly T[];
}

export const MAX_PAGE_SIZE = 500;

/** Whole numbers from a query string, bounded; a bad one is the default (the page never fails for a page number). */
function whole(value: unknown, fallback: number, min: number, max: number): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : typeof value === 'number' ? value : NaN;
  return Number.isSafeInteger(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

/**
 * Page `page` (1-based) of the issues with `code` (all when empty), `pageSize`
 * at a time. One pass over the list, whatever its size: 5,000 issues of a
 * 100,000-row file cost a few milliseconds, and the browser gets one page.
 */
export function pageIssues(issues: readonly RowIssue[], query: { code?: string; page?: unknown; pageSize?: unknown }): Page<RowIssue> & { codes: Record<string, number> } {
  const pageSize = whole(query.pageSize, 50, 1, MAX_PAGE_SIZE);
  const code = query.code?.trim() || undefined;
  const codes: Record<string, number> = {};
  const matching: RowIssue[] = [];
  for (const i of issues) {
    codes[i.code] = (codes[i.code] ?? 0) + 1;
    if (code === undefined || i.code === code) matching.push(i);
  }
  const pages = Math.max(1, Math.ceil(matching.length / pageSize));
  const page = whole(query.page, 1, 1, pages);
  return { total: matching.length, page, pageSize, pages, items: matching.slice((page - 1) * pageSize, page * pageSize), codes };
}

/** The same paging for any list filtered by one key (the plan's actions). */
export function pageBy<T>(items: readonly T[], keep: (item: T) => boolean, query: { page?: unknown; pageSize?: unknown }): Page<T> {
  const pageSize = whole(query.pageSize, 50, 1, MAX_PAGE_SIZE);
  const matching = items.filter(keep);
  const pages = Math.max(1, Math.ceil(matching.length / pageSize));
  const page = whole(query.page, 1, 1, pages);
  return { total: matching.length, page, pageSize, pages, items: matching.slice((page - 1) * pageSize, page * pageSize) };
}
