import { describe, expect, it } from 'vitest';
import { normalizeImportOptions } from '../../../src/import/import-options.js';

const code = (f: () => unknown) => { try { f(); return undefined; } catch (e) { return (e as { code?: string; field?: string }); } };

describe('import options, normalised once', () => {
  it('has sensible defaults', () => {
    const o = normalizeImportOptions({ file: 'users.csv' }, new Date('2026-11-25T10:00:00Z'));
    expect(o).toMatchObject({ dryRun: false, onExisting: 'skip', encoding: 'auto', delimiter: 'auto', batchSize: 200, concurrency: { ldap: 8, imap: 4 }, only: ['ldap', 'sql', 'groupware', 'imap'] });
    expect(o.reportDir).toMatch(/^reports\/20261125T100000Z-users(-\d+)?$/);
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('reads concurrency as one number or per back-end', () => {
    expect(normalizeImportOptions({ file: 'f', concurrency: '3' }).concurrency).toEqual({ ldap: 3, imap: 3 });
    expect(normalizeImportOptions({ file: 'f', concurrency: 'imap=6' }).concurrency).toEqual({ ldap: 8, imap: 6 });
  });

  it('names the bad option', () => {
    expect(code(() => normalizeImportOptions({ file: 'f', onExisting: 'overwrite' }))).toMatchObject({ code: 'CFG_INVALID', field: '--on-existing' });
    expect(code(() => normalizeImportOptions({ file: 'f', concurrency: 'smtp=2' }))).toMatchObject({ code: 'CFG_INVALID', field: '--concurrency' });
    expect(code(() => normalizeImportOptions({ file: 'f', batchSize: '0' }))).toMatchObject({ code: 'CFG_INVALID', field: '--batch-size' });
    expect(code(() => normalizeImportOptions({ file: 'f', encoding: 'utf-16' }))).toMatchObject({ code: 'CFG_INVALID', field: '--encoding' });
    expect(code(() => normalizeImportOptions({ file: '' }))).toMatchObject({ code: 'CFG_MISSING' });
  });

  it('takes --source_only as the paper does, and refuses an empty or unknown list', () => {
    expect(normalizeImportOptions({ file: 'f', sourceOnly: 'imap, LDAP' }).only).toEqual(['ldap', 'imap']);
    expect(code(() => normalizeImportOptions({ file: 'f', sourceOnly: '' }))).toMatchObject({ code: 'CFG_INVALID', field: '--source_only' });
    expect(code(() => normalizeImportOptions({ file: 'f', sourceOnly: 'ldap,smtp' }))).toMatchObject({ code: 'CFG_INVALID', field: '--source_only' });
  });
});
