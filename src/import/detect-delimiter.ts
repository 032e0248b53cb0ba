/** Candidates in order of preference when counts tie: the RFC's comma, then what Excel writes in Germany and France. */
const CANDIDATES = [',', ';', '\t', '|'] as const;

/**
 * Picks the delimiter of a CSV file from its header line: the candidate that occurs
 * most often outside quotes (csv-parse's `delimiter_auto` counts inside quotes too).
 * A header with none of them is a one-column file, read with a comma.
 */
export function detectDelimiter(headerLine: string): string {
  const counts = new Map<string, number>(CANDIDATES.map((c) => [c, 0]));
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best: string = ',';
  let bestCount = 0;
  for (const c of CANDIDATES) {
    const n = counts.get(c)!;
    if (n > bestCount) [best, bestCount] = [c, n];
  }
  return best;
}
