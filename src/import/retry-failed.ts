import { OxprovError } from '../errors.js';
import { openCsv } from './read-csv.js';
import { isRowError } from './source.js';

/** The input lines an earlier report.csv lists as failed (`--retry-failed`). */
export async function failedLines(reportFile: string): Promise<Set<number>> {
  const source = await openCsv(reportFile, { encoding: 'utf8', delimiter: ',' });
  try {
    if (!source.header.includes('line') || !source.header.includes('status')) {
      throw new OxprovError('CFG_INVALID', `${reportFile} is not an oxprov report.csv (no line and status columns)`, { field: '--retry-failed' });
    }
    const lines = new Set<number>();
    for await (const row of source.rows) {
      if (isRowError(row)) continue;
      if (row.record.status === 'failed') lines.add(Number(row.record.line));
    }
    return lines;
  } finally {
    await source.close();
  }
}
