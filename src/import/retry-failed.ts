import { OxprovError } from '../errors.js';
import { openCsv } from './read-csv.js';
import { isRowError } from './source.js';

/** The input lines an earlier report.csv lists as failed (`--retry-failed`), and their DNs when it was read from a directory. */
export async function failedRows(reportFile: string): Promise<{ lines: Set<number>; dns: Set<string> }> {
  const source = await openCsv(reportFile, { encoding: 'utf8', delimiter: ',' });
  try {
    if (!source.header.includes('line') || !source.header.includes('status')) {
      throw new OxprovError('CFG_INVALID', `${reportFile} is not an oxprov report.csv (no line and status columns)`, { field: '--retry-failed' });
    }
    const lines = new Set<number>();
    const dns = new Set<string>();
    for await (const row of source.rows) {
      if (isRowError(row)) continue;
      if (row.record.status !== 'failed') continue;
      lines.add(Number(row.record.line));
      if (row.record.dn) dns.add(row.record.dn);
    }
    return { lines, dns };
  } finally {
    await source.close();
  }
}
