/** Characters that make a spreadsheet run a cell as a formula when they come first (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell for a report a person opens in a spreadsheet: a value that would start
 * a formula gets a leading `'` (so `=HYPERLINK(...)` in a user's name stays text), and
 * the cell is quoted when it holds the delimiter, a quote, a line break, or spaces at
 * either end (the reader trims unquoted cells). `null` and `undefined` are empty.
 *
 * Not for rejected rows: those are written from `SourceRow.raw`, unchanged, so the file
 * can be imported again (a leading `'` would change a phone number like `+49 30 …`).
 */
export function csvCell(value: string | number | boolean | null | undefined, delimiter = ','): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  const needsQuotes =
    text.includes(delimiter) || text.includes('"') || text.includes('\n') || text.includes('\r') || text !== text.trim();
  return needsQuotes ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV row (without line break) of `csvCell`s. */
export function csvRow(values: readonly (string | number | boolean | null | undefined)[], delimiter = ','): string {
  return values.map((value) => csvCell(value, delimiter)).join(delimiter);
}
