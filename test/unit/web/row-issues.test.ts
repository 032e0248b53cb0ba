import { describe, expect, it } from 'vitest';
import { OxprovError } from '../../../src/errors.js';
import { issuesOf, pageBy, pageIssues, type RowIssue } from '../../../src/web/row-issues.js';

/** 100,000 rows of which every 20th has an error: 5,000 issues, three codes. */
function bigFile(): RowIssue[] {
  const codes = ['MAP_INVALID_MAIL', 'MAP_MISSING_FIELD', 'MAP_INVALID_DATE'];
  const issues: RowIssue[] = [];
  for (let line = 2; line <= 100_001; line++) {
    if (line % 20 !== 0) continue;
    const code = codes[(line / 20) % 3];
    issues.push(...issuesOf({ line, name: `u${line}`, status: 'rejected', errors: [new OxprovError(code as 'MAP_INVALID_MAIL', `line ${line}: bad`, { field: 'mail', value: `x${line}` })] }));
  }
  return issues;
}

describe('the rejected rows of a run, paged on the server', () => {
  const issues = bigFile();

  it('counts every code and pages the whole list', () => {
    const p = pageIssues(issues, { page: '1', pageSize: '50' });
    expect(p.total).toBe(5_000);
    expect(p.pages).toBe(100);
    expect(p.items).toHaveLength(50);
    expect(p.items[0]).toMatchObject({ line: 20, name: 'u20', code: 'MAP_MISSING_FIELD', field: 'mail', value: 'x20' });
    expect(p.codes).toEqual({ MAP_INVALID_MAIL: 1666, MAP_MISSING_FIELD: 1667, MAP_INVALID_DATE: 1667 });
  });

  it('filters by code, the counts of the codes stay those of the whole run', () => {
    const p = pageIssues(issues, { code: 'MAP_INVALID_DATE', page: '34', pageSize: '50' });
    expect(p.total).toBe(1667);
    expect(p.pages).toBe(34);
    expect(p.page).toBe(34);
    expect(p.items).toHaveLength(17);
    expect(p.items.every((i) => i.code === 'MAP_INVALID_DATE')).toBe(true);
    expect(Object.values(p.codes).reduce((a, b) => a + b)).toBe(5_000);
  });

  it('keeps page numbers and sizes in range instead of failing', () => {
    expect(pageIssues(issues, { page: '999', pageSize: '50' }).page).toBe(100);
    expect(pageIssues(issues, { page: '0' }).page).toBe(1);
    expect(pageIssues(issues, { page: 'x', pageSize: '-3' })).toMatchObject({ page: 1, pageSize: 50 });
    expect(pageIssues(issues, { pageSize: '100000' }).pageSize).toBe(500);
    expect(pageIssues([], {})).toMatchObject({ total: 0, pages: 1, page: 1, items: [] });
    expect(pageIssues(issues, { code: 'NOPE' })).toMatchObject({ total: 0, items: [] });
  });

  it('pages a filter of 5,000 issues in order, every issue once', () => {
    const seen: number[] = [];
    for (let page = 1; ; page++) {
      const p = pageIssues(issues, { code: 'MAP_INVALID_MAIL', page: String(page), pageSize: '500' });
      seen.push(...p.items.map((i) => i.line ?? 0));
      if (page >= p.pages) break;
    }
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(issues.filter((i) => i.code === 'MAP_INVALID_MAIL').length);
  });

  it('one issue per error, with the back-end named; never the value of a password field', () => {
    const errors = [
      new OxprovError('MAP_WEAK_PASSWORD', 'line 3: password is too weak', { field: 'password', value: 'abc' }),
      new OxprovError('MAP_INVALID_MAIL', 'line 3: not a mail address', { field: 'mail', value: 'a@' }),
      new OxprovError('IMAP_FAILED', 'no mailbox', { backend: 'imap' }),
      new OxprovError('MAP_INVALID_VALUE', 'x', { field: 'Passwort', value: 'geheim' }),
    ];
    const out = issuesOf({ line: 3, name: 'a', status: 'rejected', errors });
    expect(out.map((i) => [i.code, i.field, i.value])).toEqual([
      ['MAP_WEAK_PASSWORD', 'password', undefined], ['MAP_INVALID_MAIL', 'mail', 'a@'], ['IMAP_FAILED', undefined, undefined], ['MAP_INVALID_VALUE', 'Passwort', undefined],
    ]);
    expect(out[2].message).toBe('imap: no mailbox');
    expect(JSON.stringify(out)).not.toMatch(/abc|geheim/);
  });

  it('pages any list by a predicate (the plan by action)', () => {
    const items = Array.from({ length: 120 }, (_, i) => ({ action: i % 2 ? 'update' : 'create', i }));
    const p = pageBy(items, (x) => x.action === 'update', { page: '2', pageSize: '50' });
    expect(p).toMatchObject({ total: 60, pages: 2, page: 2 });
    expect(p.items.map((x) => x.i).slice(0, 2)).toEqual([101, 103]);
  });
});
