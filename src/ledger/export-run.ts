import fs from 'node:fs';
import path from 'node:path';
import { OxprovError } from '../errors.js';
import type { RunStore } from '../provision/run-store.js';
import { RUN_KEY_FILE } from './run-recorder.js';
import { Opener } from './seal.js';

/** A CSV cell: quoted when it must be, a formula guard for text a spreadsheet would run. */
function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A run's report written again from its ledger (`oxprov report ID`): report.csv,
 * one line per ledger row in source order, and, when the run's private key is at
 * hand (run.key beside the report), credentials.csv with the passwords of the
 * users it created, opened from their sealed form. Files are 0600.
 */
export async function exportRun(runs: RunStore, id: string, to?: string): Promise<string[]> {
  const run = await runs.get(id);
  if (!run) throw new OxprovError('CFG_INVALID', `no run ${id} in oxprov's records`, { field: 'ID', value: id });
  const dir = to ?? run.reportDir;
  if (!dir) throw new OxprovError('CFG_MISSING', `run ${id} has no report folder: name one with --to`, { field: '--to' });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyFile = run.reportDir ? path.join(run.reportDir, RUN_KEY_FILE) : undefined;
  const opener = run.sealKey && keyFile && fs.existsSync(keyFile) ? new Opener(fs.readFileSync(keyFile, 'utf8')) : undefined;
  const report = fs.openSync(path.join(dir, 'report.csv'), 'w', 0o600);
  const creds: string[] = [];
  try {
    fs.writeSync(report, 'line,key,username,action,status,ldap,sql,groupware,imap,error_code,field,value,message,notes\n');
    for await (const page of runs.ledger(run.id)) {
      let text = '';
      for (const r of page) {
        const s = r.steps ?? {};
        text += `${[r.line, r.key, r.username, r.action, r.status, s.ldap, s.sql, s.groupware, s.imap, r.errorCode, r.field, r.value, r.message, r.notes].map(cell).join(',')}\n`;
        const pw = r.status === 'created' && r.sealedPassword ? opener?.open(r.sealedPassword) : undefined;
        if (pw !== undefined && r.username) creds.push(`${cell(r.username)},${pw.includes(',') || pw.includes('"') ? `"${pw.replace(/"/g, '""')}"` : pw}`);
      }
      fs.writeSync(report, text);
    }
  } finally {
    fs.closeSync(report);
  }
  const written = [path.join(dir, 'report.csv')];
  if (opener && creds.length) {
    fs.writeFileSync(path.join(dir, 'credentials.csv'), `username,password\n${creds.join('\n')}\n`, { mode: 0o600 });
    written.push(path.join(dir, 'credentials.csv'));
  }
  return written;
}
