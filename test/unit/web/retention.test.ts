import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sweepOld } from '../../../src/web/retention.js';

const DAY = 86_400_000;

function folder(root: string, name: string, ageDays: number, files: Record<string, number> = {}): void {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const now = Date.now();
  for (const [f, age] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, f), 'x');
    fs.utimesSync(path.join(dir, f), new Date(now - age * DAY), new Date(now - age * DAY));
  }
  fs.utimesSync(dir, new Date(now - ageDays * DAY), new Date(now - ageDays * DAY));
}

describe('the retention sweep of uploads and reports', () => {
  it('deletes folders older than the age, keeps newer ones and those in use', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'oxprov-retention-'));
    folder(root, 'old', 40, { 'report.csv': 40, 'credentials.csv': 40 });
    folder(root, 'new', 2, { 'report.csv': 2 });
    folder(root, 'busy', 40, { 'input.csv': 40 });
    // An old folder with a file written yesterday (a run that ended late) is not old.
    folder(root, 'touched', 40, { 'summary.json': 1 });
    const deleted = sweepOld(root, 30 * DAY, (n) => n === 'busy');
    expect(deleted).toEqual(['old']);
    expect(fs.readdirSync(root).sort()).toEqual(['busy', 'new', 'touched']);
  });

  it('does nothing for a folder that does not exist yet', () => {
    expect(sweepOld(path.join(os.tmpdir(), 'oxprov-never-made-'), DAY)).toEqual([]);
  });
});
