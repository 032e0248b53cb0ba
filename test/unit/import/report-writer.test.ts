import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReportWriter } from '../../../src/import/report-writer.js';
import type { RowOutcome } from '../../../src/import/row-outcome.js';

const created = (line: number, username: string): RowOutcome => ({
  line, raw: '', username, status: 'created', steps: { ldap: 'created' }, errors: [], notes: [], ms: 1,
  generatedPassword: `Pw-${username}-x`, mail: `${username}@t.tux`, displayName: `Name ${username}`,
});

describe('the report folder', () => {
  it('is 0700; a resumed run writes the one credentials file of its run anew, every user it created (the stopped run\'s from its ledger), with mail and name beside each password', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oxprov-rw-')), 'r');
    const first = ReportWriter.open(dir, ['username'], ',');
    first.write(created(2, 'anna'));
    await first.close({});
    expect((fs.statSync(dir).mode & 0o777).toString(8)).toBe('700');
    const resumed = ReportWriter.open(dir, ['username'], ',', [], { resume: true });
    // The resumed run reports anna again (a row its ledger holds as created, with her sealed password), then bert.
    resumed.write(created(2, 'anna'));
    resumed.write(created(3, 'bert'));
    expect(resumed.credentialsFile).toBe(path.join(dir, 'credentials.csv'));
    await resumed.close({});
    const file = path.join(dir, 'credentials.csv');
    expect(fs.readFileSync(file, 'utf8')).toBe('username,password,mail,displayname\nanna,Pw-anna-x,anna@t.tux,Name anna\nbert,Pw-bert-x,bert@t.tux,Name bert\n');
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    for (const f of ['report.csv', 'rejected.csv', 'summary.json']) expect((fs.statSync(path.join(dir, f)).mode & 0o777).toString(8)).toBe('600');
    // Without --resume an existing report is never overwritten.
    expect(() => ReportWriter.open(dir, ['username'], ',')).toThrow(/never overwritten/);
  });
});
